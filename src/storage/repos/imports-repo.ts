import type { Kysely } from 'kysely';
import type { Db } from '../db.js';
import type { Database, ImportRejectRow, ImportRow } from '../schema.js';

import type { Tenant } from '../../shared/tenant.js';
import { isUniqueViolation } from '../db-errors.js';
import { deleteUnfinishedRows, ImportCancelled, type ImportTarget, type ImportWriter } from './import-writer.js';
import { PgImportWriter } from './pg-import-writer.js';
import { SqliteImportWriter } from './sqlite-import-writer.js';
import { appendEvents, importEvent } from './outbox.js';

export { emptyBatch, packContact } from './import-batch.js';
export type { ContactValues, ImportBatch, PackedContact, RejectValues } from './import-batch.js';
export { ImportCancelled } from './import-writer.js';
export type { ImportTarget, ImportWriter } from './import-writer.js';

/**
 * Import jobs, and the writers that fill lists (import-writer.ts, one per dialect): a list is never seen
 * half-imported. One job per list runs at a time (`imports_running_list_uq`); its rows are the
 * list's rows beyond `contact_lists.visible_seq`, invisible to every read until the writer's
 * `complete` moves `visible_seq` over them, and deleted when the job fails.
 */
export class ImportsRepo {
  constructor(private readonly db: Db) {}

  private get k(): Kysely<Database> {
    return this.db.kysely;
  }

  /**
   * Rows per batch transaction: big enough that per-transaction costs vanish (on PostgreSQL,
   * 2,048-row batches imported a million rows in 7-8 s, 8,192-row ones in 6), small enough for a
   * steady progress bar and for the import's 256 MB memory budget.
   */
  get batchSize(): number {
    return 8192;
  }

  /** Whether CSV batches should carry their contacts as COPY text (PostgreSQL's writer sends them with COPY). */
  get copyText(): boolean {
    return this.db.dialect === 'postgres';
  }

  insert(row: ImportRow): Promise<unknown> {
    return this.k.insertInto('imports').values(row).execute();
  }

  find(id: string): Promise<ImportRow | undefined> {
    return this.k.selectFrom('imports').selectAll().where('id', '=', id).executeTakeFirst();
  }

  findForTenant(t: Tenant, id: string): Promise<ImportRow | undefined> {
    return this.k
      .selectFrom('imports')
      .selectAll()
      .where('id', '=', id)
      .where('account_id', '=', t.accountId)
      .where('bot_id', '=', t.botId)
      .executeTakeFirst();
  }

  rejects(id: string, offset: number, limit: number): Promise<ImportRejectRow[]> {
    return this.k
      .selectFrom('import_rejects')
      .selectAll()
      .where('import_id', '=', id)
      .orderBy('row_number')
      .offset(offset)
      .limit(limit)
      .execute();
  }

  async countRejects(id: string): Promise<number> {
    const r = await this.k
      .selectFrom('import_rejects')
      .select((eb) => eb.fn.countAll().as('n'))
      .where('import_id', '=', id)
      .executeTakeFirst();
    return Number(r?.n ?? 0);
  }

  /**
   * Moves a queued job to running, taking its list's one running slot: 'busy' while another job of
   * the list runs (in any process), 'gone' when the job is no longer queued (failed meanwhile).
   */
  async start(id: string, nowMs: number, nowIso: string): Promise<'started' | 'busy' | 'gone'> {
    try {
      const res = await this.k
        .updateTable('imports')
        .set({ status: 'running', started_at: nowIso, heartbeat_at: nowMs })
        .where('id', '=', id)
        .where('status', '=', 'queued')
        .executeTakeFirst();
      return Number(res.numUpdatedRows) === 1 ? 'started' : 'gone';
    } catch (err) {
      if (isUniqueViolation(err)) return 'busy';
      throw err;
    }
  }

  /** A sign of life of an unfinished job (a queued one may be waiting for its list). */
  async heartbeat(id: string, nowMs: number): Promise<void> {
    await this.k
      .updateTable('imports')
      .set({ heartbeat_at: nowMs })
      .where('id', '=', id)
      .where('status', 'in', ['queued', 'running'])
      .execute();
  }

  /** A writer for the running job's batches, continuing its list after the list's last contact. */
  async openWriter(job: ImportTarget): Promise<ImportWriter> {
    const list = await this.k
      .selectFrom('contact_lists')
      .select(['list_no', 'visible_seq'])
      .where('id', '=', job.listId)
      .executeTakeFirst();
    if (!list) throw new ImportCancelled(`import ${job.id} is no longer running: its list was deleted`);
    // Normally none: every way a job ends without completing deletes its rows. Rows left anyway
    // (a job's status changed by hand) would collide with this job's, and nobody else owns them now.
    await deleteUnfinishedRows(this.k, job.listId);
    const at = { listNo: Number(list.list_no), lastSeq: Number(list.visible_seq) };
    return this.db.dialect === 'postgres'
      ? new PgImportWriter(this.db, job, at)
      : new SqliteImportWriter(this.db, job, at);
  }

  /**
   * Fails an unfinished job; a running one's rows (its list's rows beyond `visible_seq`) are
   * deleted with it. A completed job is left alone.
   */
  async fail(id: string, error: string, nowIso: string): Promise<boolean> {
    return this.k.transaction().execute(async (trx) => {
      const before = await trx
        .selectFrom('imports')
        .select(['list_id', 'status'])
        .where('id', '=', id)
        .executeTakeFirst();
      const res = await trx
        .updateTable('imports')
        .set({ status: 'failed', error, finished_at: nowIso, imported: 0, duplicates: 0 })
        .where('id', '=', id)
        .where('status', 'in', ['queued', 'running'])
        .executeTakeFirst();
      if (Number(res.numUpdatedRows) !== 1 || !before) return false;
      if (before.status === 'running') await deleteUnfinishedRows(trx, before.list_id);
      const row = await trx.selectFrom('imports').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
      await appendEvents(trx, [importEvent(row)]);
      return true;
    });
  }

  /** Jobs not finished whose process showed no sign of life since `staleBeforeMs`. */
  async abandoned(staleBeforeMs: number): Promise<string[]> {
    const rows = await this.k
      .selectFrom('imports')
      .select('id')
      .where('status', 'in', ['queued', 'running'])
      .where('heartbeat_at', '<', staleBeforeMs)
      .execute();
    return rows.map((r) => r.id);
  }
}
