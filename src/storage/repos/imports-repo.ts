import type { Kysely } from 'kysely';
import type { Db } from '../db.js';
import type { Database, ImportRejectRow, ImportRow } from '../schema.js';
import type { Tenant } from './campaigns-repo.js';
import { openImportWriter, type ImportTarget, type ImportWriter } from './import-writer.js';

export { emptyBatch, packContact } from './import-batch.js';
export type { ContactValues, ImportBatch, PackedContact, RejectValues } from './import-batch.js';
export { ImportCancelled } from './import-writer.js';
export type { ImportTarget, ImportWriter } from './import-writer.js';

/**
 * Import jobs, and the writers that fill lists (import-writer.ts): a list is never seen
 * half-imported. On SQLite an import's rows carry its id in `pending_import_id` (invisible to
 * every read) until the writer's `complete` clears it and adds the job's count to the list in the
 * same transaction; they are found through the job's `first_seq`..`last_seq` range on
 * contacts(list_id, seq). On PostgreSQL the import is one transaction.
 */
export class ImportsRepo {
  constructor(private readonly db: Db) {}

  private get k(): Kysely<Database> {
    return this.db.kysely;
  }

  /** Rows per batch transaction: big enough that per-transaction costs vanish, small enough for a steady progress bar. */
  get batchSize(): number {
    return 8192;
  }

  insert(row: ImportRow): Promise<unknown> {
    return this.k.insertInto('imports').values(row).execute();
  }

  find(id: string): Promise<ImportRow | undefined> {
    return this.k.selectFrom('imports').selectAll().where('id', '=', id).executeTakeFirst();
  }

  findForTenant(t: Tenant, id: string): Promise<ImportRow | undefined> {
    return this.k.selectFrom('imports').selectAll().where('id', '=', id).where('account_id', '=', t.accountId).where('bot_id', '=', t.botId).executeTakeFirst();
  }

  rejects(id: string, offset: number, limit: number): Promise<ImportRejectRow[]> {
    return this.k.selectFrom('import_rejects').selectAll().where('import_id', '=', id).orderBy('row_number').offset(offset).limit(limit).execute();
  }

  async countRejects(id: string): Promise<number> {
    const r = await this.k.selectFrom('import_rejects').select((eb) => eb.fn.countAll().as('n')).where('import_id', '=', id).executeTakeFirst();
    return Number(r?.n ?? 0);
  }

  async start(id: string, nowMs: number, nowIso: string): Promise<void> {
    await this.k.updateTable('imports').set({ status: 'running', started_at: nowIso, heartbeat_at: nowMs }).where('id', '=', id).where('status', '=', 'queued').execute();
  }

  async heartbeat(id: string, nowMs: number): Promise<void> {
    await this.k.updateTable('imports').set({ heartbeat_at: nowMs }).where('id', '=', id).where('status', '=', 'running').execute();
  }

  /** A writer for the job's batches, continuing the list after its last contact (pending ones included). */
  openWriter(job: ImportTarget): Promise<ImportWriter> {
    return openImportWriter(this.db, job);
  }

  /** Fails an unfinished job and deletes the rows it wrote; a completed job is left alone. */
  async fail(id: string, error: string, nowIso: string): Promise<boolean> {
    return this.k.transaction().execute(async (trx) => {
      const before = await trx.selectFrom('imports').select(['list_id', 'imported', 'first_seq', 'last_seq']).where('id', '=', id).executeTakeFirst();
      const res = await trx
        .updateTable('imports')
        .set({ status: 'failed', error, finished_at: nowIso, imported: 0, duplicates: 0 })
        .where('id', '=', id)
        .where('status', 'in', ['queued', 'running'])
        .executeTakeFirst();
      if (Number(res.numUpdatedRows) !== 1 || !before) return false;
      const rows = trx.deleteFrom('contacts').where('list_id', '=', before.list_id).where('pending_import_id', '=', id);
      if (before.first_seq !== null && before.last_seq !== null) await rows.where('seq', '>=', before.first_seq).where('seq', '<=', before.last_seq).execute();
      // No range: the job wrote nothing, or ran before migration 006 (then its count says so).
      else if (Number(before.imported) > 0) await rows.execute();
      return true;
    });
  }

  /** Jobs not finished whose process showed no sign of life since `staleBeforeMs`. */
  async abandoned(staleBeforeMs: number): Promise<string[]> {
    const rows = await this.k.selectFrom('imports').select('id').where('status', 'in', ['queued', 'running']).where('heartbeat_at', '<', staleBeforeMs).execute();
    return rows.map((r) => r.id);
  }
}
