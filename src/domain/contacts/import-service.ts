import type { Clock } from '../../shared/clock.js';
import type { ImportJob, ImportRejects } from '../../contract/contact-list.js';
import { newId, nowIso } from '../../shared/ids.js';

import type { Tenant } from '../../shared/tenant.js';
import { ImportCancelled, emptyBatch, packContact, type ImportBatch, type ImportsRepo, type ImportTarget, type ImportWriter } from '../../storage/repos/imports-repo.js';
import type { ContactListRow, ImportRow } from '../../storage/schema.js';
import { AppError, errors } from '../../shared/errors.js';
import type { ContactResult } from './contact-record.js';
import { toImportJob } from './contact-list-view.js';

/** One input row: its number (CSV line, or 1-based position in addContacts `data`) and what it became. */
export interface SourceRow {
  rowNumber: number;
  result: ContactResult;
}

/** Rows one at a time (addContacts, the in-process CSV reader). */
export type RowSource = AsyncIterable<SourceRow> | Iterable<SourceRow>;
/** Rows already validated and packed into batches (the CSV worker thread, csv-batches.ts). */
export interface BatchSource {
  batches: AsyncIterable<ImportBatch>;
}

export interface ImportProgress {
  rows: number;
  imported: number;
  duplicates: number;
  rejected: number;
}

export interface ImportOptions {
  /**
   * Called after every batch written (on PostgreSQL the last one may still be committing), and once
   * more with the final counts. On SQLite, duplicates are found when the import completes: until
   * then they count as imported.
   */
  onProgress?: (p: ImportProgress) => void;
  /** Called once if the job has to wait because another process is importing into the same list. */
  onWaiting?: () => void;
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

  constructor(
    private readonly repo: ImportsRepo,
    private readonly clock: Clock,
  ) {}

  /** How batch sources should cut and encode their batches: rows per batch transaction, and whether as COPY text. */
  get batchOptions(): { batchRows: number; copyText: boolean } {
    return { batchRows: this.repo.batchSize, copyText: this.repo.copyText };
  }

  async createJob(t: Tenant, list: ContactListRow, source: 'csv' | 'api', fileName: string | null = null): Promise<ImportRow> {
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
  run(job: ImportRow, list: ContactListRow, rows: RowSource | BatchSource, opts: ImportOptions = {}): Promise<ImportJob> {
    // Alive from now on, also while queued behind another job of the list: a job whose heartbeat
    // goes stale is taken for abandoned (recoverAbandoned), queued or running.
    const timer = setInterval(() => void this.repo.heartbeat(job.id, this.clock.now()).catch(() => {}), HEARTBEAT_MS);
    timer.unref();
    const previous = this.perList.get(list.id) ?? Promise.resolve();
    const mine = previous.catch(() => {}).then(() => this.execute(job, list, rows, opts));
    const tail = mine.catch(() => {}).finally(() => clearInterval(timer));
    this.perList.set(list.id, tail);
    void tail.then(() => {
      if (this.perList.get(list.id) === tail) this.perList.delete(list.id);
    });
    return mine;
  }

  /** Starts a job after the caller has answered (addContacts); failures are recorded on the job. */
  runInBackground(job: ImportRow, list: ContactListRow, rows: Iterable<SourceRow>): void {
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
      const msg = 'Import interrupted: the process running it stopped before it finished; no contacts were added. Run it again.';
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

  private async execute(job: ImportRow, list: ContactListRow, source: RowSource | BatchSource, opts: ImportOptions): Promise<ImportJob> {
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
      opts.onProgress?.({ rows: finished.totalRows, imported: finished.imported, duplicates: finished.duplicates, rejected: finished.rejected });
      return finished;
    } catch (err) {
      // Nothing of the job may still be running once run() ends (PostgreSQL commits a batch while the
      // next is written): its caller may close the database. The failure then deletes what it wrote.
      await writer?.settle();
      const msg = err instanceof AppError || err instanceof ImportCancelled ? err.message : `Import failed: ${String((err as Error)?.message ?? err)}`;
      await this.repo.fail(job.id, msg, nowIso(this.clock.now())).catch(() => {});
      throw err;
    }
  }
}
