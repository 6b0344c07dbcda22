import type { ImportJob, ImportRejects } from '../../contract/contact-list.js';
import type { Clock } from '../../shared/clock.js';
import { AppError, errors } from '../../shared/errors.js';
import { newId, nowIso } from '../../shared/ids.js';
import type { Tenant } from '../../shared/tenant.js';
import type { ContactListsRepo } from '../../storage/repos/contact-lists-repo.js';
import {
  ImportCancelled,
  emptyBatch,
  packContact,
  type ImportBatch,
  type ImportsRepo,
  type ImportTarget,
  type ImportWriter,
} from '../../storage/repos/imports-repo.js';
import type { TenancyRepo } from '../../storage/repos/tenancy-repo.js';
import type { ContactListRow, ImportRow } from '../../storage/schema.js';
import { toImportJob } from './contact-list-view.js';
import type { ContactListService } from './contact-list-service.js';
import { toContact } from './contact-record.js';
import { csvSource, type CsvInput, type CsvWorkerWarmUp } from './csv-batches.js';
import type { BatchSource, ImportOptions, ImportProgress, RowSource, SourceRow } from './import-source.js';

/** Where an import goes: a list by id, or by name (created first with `create` when missing: the CLI's --create). */
export type ImportListRef = { id: string } | { name: string; create?: boolean };

/** What is imported: addContacts' `data` (each item validated as the job reaches it), or a CSV file or upload. */
export type ImportInput =
  | { rows: readonly unknown[] }
  | { csv: CsvInput; fileName: string; mapping?: Record<string, string>; sizeBytes?: number; warm?: CsvWorkerWarmUp };

export interface ImportRequest extends ImportOptions {
  tenant: Tenant;
  list: ImportListRef;
  input: ImportInput;
  /** Answer with the queued job and run it afterwards (addContacts); by default the answer is the finished job. */
  background?: boolean;
}

/** addContacts rows, validated lazily as the job consumes them, so the answer does not wait for them. */
function* rowsOf(data: readonly unknown[], defaultCountry: string): Generator<SourceRow> {
  for (let i = 0; i < data.length; i++) {
    yield { rowNumber: i + 1, result: toContact(data[i] as Record<string, unknown>, { defaultCountry }) };
  }
}

/** A running import touches its heartbeat this often even when its input stalls (a slow upload). */
export const HEARTBEAT_MS = 10_000;
/** How often a job waiting for its list (another process imports into it) tries again. */
const START_RETRY_MS = 250;
/** An unfinished import whose heartbeat is older than this is taken for dead by recoverAbandoned. */
export const STALE_AFTER_MS = 60_000;

/**
 * Import jobs: queued -> running -> completed | failed. Rows are written in batches by the
 * repository's writer (storage/repos/import-writer.ts) and stay invisible until completion makes
 * them visible and counts them on the list, all or nothing; failure (an error, or recovery after a
 * crash) leaves none of them. Sources are rows (addContacts) or ready batches (CSV, csv-batches.ts).
 * Imports into the same list run one at a time, within a process in submission order (and across
 * processes through the list's running slot, ImportsRepo.start), so list order (seq) follows
 * submission order.
 */
export class ImportService {
  private readonly perList = new Map<string, Promise<unknown>>();
  private readonly background = new Set<Promise<unknown>>();
  private readonly finishedListeners: ((job: ImportJob | undefined) => void)[] = [];

  constructor(
    private readonly repo: ImportsRepo,
    private readonly clock: Clock,
    private readonly lookups: { tenancy: TenancyRepo; lists: ContactListsRepo; contactLists: ContactListService },
  ) {}

  /**
   * The import use case of addContacts, the admin upload and the CLI: finds the bot (numbers without
   * `+` are read with its default country) and the list, creates the job and runs it.
   */
  async submit(req: ImportRequest): Promise<ImportJob> {
    const t = req.tenant;
    const bot = await this.lookups.tenancy.findBot(t.botId);
    if (!bot || bot.account_id !== t.accountId) throw errors.notFound('Bot', `${t.botId} in account ${t.accountId}`);
    const list = await this.listFor(t, req.list);
    const { input } = req;
    if ('rows' in input) {
      const job = await this.createJob(t, list, 'api');
      const rows = rowsOf(input.rows, bot.default_country);
      if (!req.background) return this.run(job, list, rows, req);
      this.runInBackground(job, list, rows);
      return toImportJob(job);
    }
    const job = await this.createJob(t, list, 'csv', input.fileName);
    const csv = {
      mapping: input.mapping,
      defaultCountry: bot.default_country,
      sizeBytes: input.sizeBytes,
      ...this.batchOptions,
    };
    const source = csvSource(input.csv, csv, input.warm);
    return this.run(job, list, source, {
      onWaiting: req.onWaiting,
      onProgress: (p) => req.onProgress?.({ ...p, bytesRead: source.bytesRead() }),
    });
  }

  private async listFor(t: Tenant, ref: ImportListRef): Promise<ContactListRow> {
    const { lists, contactLists } = this.lookups;
    const found = 'id' in ref ? await lists.find(t, ref.id) : await lists.findByName(t, ref.name);
    if (found) return found;
    if ('id' in ref) throw errors.contactListNotFound(ref.id);
    if (!ref.create) throw errors.contactListNotFound(`'${ref.name}'`);
    await contactLists.create(t, { name: ref.name });
    return (await lists.findByName(t, ref.name))!;
  }

  /** How batch sources should cut and encode their batches: rows per batch transaction, and whether as COPY text. */
  get batchOptions(): { batchRows: number; copyText: boolean } {
    return { batchRows: this.repo.batchSize, copyText: this.repo.copyText };
  }

  async createJob(
    t: Tenant,
    list: ContactListRow,
    source: 'csv' | 'api',
    fileName: string | null = null,
  ): Promise<ImportRow> {
    const now = this.clock.now();
    const row: ImportRow = {
      id: newId('imp'),
      account_id: t.accountId,
      bot_id: t.botId,
      list_id: list.id,
      source,
      file_name: fileName,
      status: 'queued',
      total_rows: 0,
      imported: 0,
      duplicates: 0,
      rejected: 0,
      error: null,
      created_at: nowIso(now),
      started_at: null,
      finished_at: null,
      heartbeat_at: now,
    };
    await this.repo.insert(row);
    return row;
  }

  /** Runs a job to its end; resolves with the final job, or rejects (after marking it failed). */
  run(
    job: ImportRow,
    list: ContactListRow,
    rows: RowSource | BatchSource,
    opts: ImportOptions = {},
  ): Promise<ImportJob> {
    // Alive from now on, also while queued behind another job of the list: a job whose heartbeat
    // goes stale is taken for abandoned (recoverAbandoned), queued or running.
    const timer = setInterval(() => void this.repo.heartbeat(job.id, this.clock.now()).catch(() => {}), HEARTBEAT_MS);
    timer.unref();
    const previous = this.perList.get(list.id) ?? Promise.resolve();
    const mine = previous.catch(() => {}).then(() => this.execute(job, list, rows, opts));
    void mine.then(
      (done) => this.announce(done),
      () => this.announce(undefined),
    );
    const tail = mine.catch(() => {}).finally(() => clearInterval(timer));
    this.perList.set(list.id, tail);
    void tail.then(() => {
      if (this.perList.get(list.id) === tail) this.perList.delete(list.id);
    });
    return mine;
  }

  /** Told when a job of this process ends: its final counts, or undefined when it failed (metrics). */
  onFinished(listener: (job: ImportJob | undefined) => void): void {
    this.finishedListeners.push(listener);
  }

  private announce(job: ImportJob | undefined): void {
    for (const l of this.finishedListeners) l(job);
  }

  /** Starts a job after the caller has answered (addContacts); failures are recorded on the job. */
  private runInBackground(job: ImportRow, list: ContactListRow, rows: Iterable<SourceRow>): void {
    const p = this.run(job, list, rows).catch(() => {});
    this.background.add(p);
    void p.finally(() => this.background.delete(p));
  }

  /** Resolves when every background job of this process has finished (tests, shutdown). */
  async whenIdle(): Promise<void> {
    while (this.background.size > 0) await Promise.all([...this.background]);
  }

  async get(id: string): Promise<ImportJob> {
    const row = await this.repo.find(id);
    if (!row) throw errors.notFound('Import', id);
    return toImportJob(row);
  }

  async rejects(id: string, offset: number, limit: number): Promise<ImportRejects> {
    await this.get(id);
    const [rows, total] = await Promise.all([this.repo.rejects(id, offset, limit), this.repo.countRejects(id)]);
    return {
      importId: id,
      results: rows.map((r) => ({ rowNumber: Number(r.row_number), column: r.column_name, reason: r.reason })),
      skip: offset,
      limit,
      totalResults: total,
    };
  }

  /**
   * Fails unfinished imports whose process died (heartbeat older than `staleAfterMs`) and deletes
   * the rows they wrote, so nothing partial is ever counted. Returns the ids it failed.
   */
  async recoverAbandoned(staleAfterMs = STALE_AFTER_MS): Promise<string[]> {
    const now = this.clock.now();
    const failed: string[] = [];
    for (const id of await this.repo.abandoned(now - staleAfterMs)) {
      const msg =
        'Import interrupted: the process running it stopped before it finished; no contacts were added. Run it again.';
      if (await this.repo.fail(id, msg, nowIso(now))) failed.push(id);
    }
    return failed;
  }

  /**
   * Starts the job once no other import of its list is running (in another process: this one
   * runs a list's jobs one at a time already). Meanwhile the job stays queued and alive, and a
   * blocking job whose process died is failed here too, so a CLI import is not stuck behind it
   * when no server sweeps.
   */
  private async startWhenListFree(id: string, onWaiting?: () => void): Promise<void> {
    for (let waited = false; ; waited = true) {
      const now = this.clock.now();
      const started = await this.repo.start(id, now, nowIso(now));
      if (started === 'started') return;
      if (started === 'gone') throw new ImportCancelled(`import ${id} is no longer running`);
      if (!waited) onWaiting?.();
      await this.recoverAbandoned();
      await new Promise((resolve) => setTimeout(resolve, START_RETRY_MS));
    }
  }

  private async execute(
    job: ImportRow,
    list: ContactListRow,
    source: RowSource | BatchSource,
    opts: ImportOptions,
  ): Promise<ImportJob> {
    const target: ImportTarget = { id: job.id, listId: list.id, allowDuplicates: list.allow_duplicates === 1 };
    const progress: ImportProgress = { rows: 0, imported: 0, duplicates: 0, rejected: 0 };
    let writer: ImportWriter | undefined;
    try {
      await this.startWhenListFree(job.id, opts.onWaiting);
      const w = (writer = await this.repo.openWriter(target));
      const write = async (batch: ImportBatch) => {
        const now = this.clock.now();
        const r = await w.write(batch, now);
        progress.rows += batch.rows;
        progress.imported += r.imported;
        progress.duplicates += r.duplicates;
        progress.rejected += batch.rejectedRows;
        opts.onProgress?.({ ...progress });
      };
      if ('batches' in source) {
        for await (const batch of source.batches) await write(batch);
      } else {
        const size = this.repo.batchSize;
        let batch = emptyBatch();
        for await (const { rowNumber, result } of source) {
          batch.rows++;
          if (result.ok) batch.contacts.push(packContact(result.contact));
          else {
            batch.rejectedRows++;
            for (const e of result.errors) batch.rejects.push({ rowNumber, column: e.column, reason: e.reason });
          }
          if (batch.rows >= size) {
            await write(batch);
            batch = emptyBatch();
          }
        }
        await write(batch);
      }
      // An empty final batch: it checks the job was not failed underneath us.
      await write(emptyBatch());
      const done = this.clock.now();
      const finished = toImportJob(await w.complete(done, nowIso(done)));
      // The final counts: completing may find duplicates the batches could not (SQLite finds them all then).
      opts.onProgress?.({
        rows: finished.totalRows,
        imported: finished.imported,
        duplicates: finished.duplicates,
        rejected: finished.rejected,
      });
      return finished;
    } catch (err) {
      // Nothing of the job may still be running once run() ends (PostgreSQL commits a batch while the
      // next is written): its caller may close the database. The failure then deletes what it wrote.
      await writer?.settle();
      const msg =
        err instanceof AppError || err instanceof ImportCancelled
          ? err.message
          : `Import failed: ${String((err as Error)?.message ?? err)}`;
      await this.repo.fail(job.id, msg, nowIso(this.clock.now())).catch(() => {});
      throw err;
    }
  }
}
