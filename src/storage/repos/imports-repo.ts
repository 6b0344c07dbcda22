import { randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Db } from '../db.js';
import type { Database, ImportRejectRow, ImportRow } from '../schema.js';
import type { Tenant } from './campaigns-repo.js';

/** A validated contact as the import writes it (structurally, domain/contacts Contact). */
export interface ContactValues {
  phoneE164: string;
  phoneRaw: string;
  extension?: string;
  firstName?: string;
  lastName?: string;
  timeZone?: string;
  uniqueId?: string;
  contactPriority?: number;
  extra: Record<string, string>;
}

export interface RejectValues {
  rowNumber: number;
  column: string | null;
  reason: string;
}

/** What one batch carries: valid contacts in file order, reject reasons (one per bad column), rows read, rows rejected. */
export interface ImportBatch {
  contacts: ContactValues[];
  rejects: RejectValues[];
  rows: number;
  rejectedRows: number;
}

export interface ImportTarget {
  id: string;
  listId: string;
  allowDuplicates: boolean;
}

/** Thrown when the job was failed underneath a running import (the sweeper judged it dead). */
export class ImportCancelled extends Error {}

const CONTACT_COLUMNS = [
  'id', 'list_id', 'seq', 'phone_e164', 'phone_raw', 'extension', 'first_name', 'last_name',
  'time_zone', 'unique_id', 'contact_priority', 'extra', 'pending_import_id', 'created_at', 'updated_at',
] as const;
/** PostgreSQL allows 65535 parameters per statement: 15 columns x 2000 rows stays well below. */
const PG_INSERT_ROWS = 2000;

const NODE = randomBytes(5).toString('hex');
let counter = 0;
/**
 * `cc-` + a time-ordered UUID (version-7 layout: ms timestamp, then a per-process counter and random
 * node). Random v4 keys land all over the primary-key B-tree and halved import speed in the
 * benchmark; ordered keys append at its right edge.
 */
function contactId(ms: number): string {
  counter = (counter + 1) % 0x100000000;
  const c = counter.toString(16).padStart(8, '0');
  const t = ms.toString(16).padStart(12, '0');
  return `cc-${t.slice(0, 8)}-${t.slice(8)}-7${c.slice(0, 3)}-8${c.slice(3, 6)}-${c.slice(6)}${NODE}`;
}

const extraJson = (extra: Record<string, string>): string | null => {
  for (const _ in extra) return JSON.stringify(extra);
  return null;
};

/**
 * Import jobs and the batched writes that fill lists. Rows an import writes carry its id in
 * `pending_import_id` (invisible to every read) until `complete` clears it and adds the job's count
 * to the list in the same transaction, so a list is never seen half-imported.
 *
 * Duplicate detection (allowDuplicates false) is a probe of contacts(list_id, phone_e164) per row
 * inside the batch transaction, against the list's visible rows and this job's own pending rows:
 * memory stays flat however large the list is, and the index makes each probe O(log n).
 */
export class ImportsRepo {
  private stmts?: ReturnType<ImportsRepo['prepare']>;

  constructor(private readonly db: Db) {}

  private get k(): Kysely<Database> {
    return this.db.kysely;
  }

  /** Rows per batch transaction: SQLite's prepared loop is cheap per row, PostgreSQL's round trips are not. */
  get batchSize(): number {
    return this.db.dialect === 'sqlite' ? 5000 : PG_INSERT_ROWS;
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

  /** The list position after the last contact (pending ones included, so concurrent jobs do not overlap). */
  async nextSeq(listId: string): Promise<number> {
    const r = await this.k.selectFrom('contacts').select((eb) => eb.fn.max('seq').as('m')).where('list_id', '=', listId).executeTakeFirst();
    return Number(r?.m ?? 0) + 1;
  }

  /** Writes one batch in one transaction; returns how many contacts were stored and how many were duplicates. */
  async writeBatch(job: ImportTarget, seq: number, batch: ImportBatch, nowMs: number, nowIso: string): Promise<{ imported: number; duplicates: number }> {
    return this.db.dialect === 'sqlite' ? this.writeSqlite(job, seq, batch, nowMs, nowIso) : this.writePg(job, seq, batch, nowMs, nowIso);
  }

  private prepare() {
    const s = this.db.sqlite!;
    // The default 2 MB page cache thrashes once a list's indexes outgrow it (random cc-<uuid> keys);
    // 32 MB keeps the hot index pages of a million-row list in memory at a bounded cost.
    s.pragma('cache_size = -32768');
    return {
      probe: s.prepare('SELECT 1 FROM contacts WHERE list_id = ? AND phone_e164 = ? AND (pending_import_id IS NULL OR pending_import_id = ?) LIMIT 1').pluck(),
      contact: s.prepare(`INSERT INTO contacts (${CONTACT_COLUMNS.join(', ')}) VALUES (${CONTACT_COLUMNS.map(() => '?').join(', ')})`),
      reject: s.prepare('INSERT INTO import_rejects (import_id, row_number, column_name, reason) VALUES (?, ?, ?, ?)'),
      progress: s.prepare(
        "UPDATE imports SET total_rows = total_rows + ?, imported = imported + ?, duplicates = duplicates + ?, rejected = rejected + ?, heartbeat_at = ? WHERE id = ? AND status = 'running'",
      ),
    };
  }

  // Runs the raw better-sqlite3 transaction while holding Kysely's connection, so it can never be
  // nested inside (and rolled back with) a Kysely transaction of a concurrent request.
  private async writeSqlite(job: ImportTarget, seq: number, batch: ImportBatch, nowMs: number, nowIso: string) {
    const st = (this.stmts ??= this.prepare());
    const run = this.db.sqlite!.transaction(() => {
      let imported = 0;
      let duplicates = 0;
      for (const c of batch.contacts) {
        if (!job.allowDuplicates && st.probe.get(job.listId, c.phoneE164, job.id) !== undefined) {
          duplicates++;
          continue;
        }
        st.contact.run(
          contactId(nowMs), job.listId, seq + imported, c.phoneE164, c.phoneRaw, c.extension ?? null, c.firstName ?? null,
          c.lastName ?? null, c.timeZone ?? null, c.uniqueId ?? null, c.contactPriority ?? null, extraJson(c.extra), job.id, nowIso, nowIso,
        );
        imported++;
      }
      for (const r of batch.rejects) st.reject.run(job.id, r.rowNumber, r.column, r.reason);
      const res = st.progress.run(batch.rows, imported, duplicates, batch.rejectedRows, nowMs, job.id);
      if (res.changes !== 1) throw new ImportCancelled(`import ${job.id} is no longer running`);
      return { imported, duplicates };
    });
    return this.k.connection().execute(async () => run());
  }

  private async writePg(job: ImportTarget, seq: number, batch: ImportBatch, nowMs: number, nowIso: string) {
    return this.k.transaction().execute(async (trx) => {
      let existing = new Set<string>();
      if (!job.allowDuplicates && batch.contacts.length > 0) {
        const numbers = [...new Set(batch.contacts.map((c) => c.phoneE164))];
        const rows = await trx
          .selectFrom('contacts')
          .select('phone_e164')
          .where('list_id', '=', job.listId)
          .where('phone_e164', 'in', numbers)
          .where((eb) => eb.or([eb('pending_import_id', 'is', null), eb('pending_import_id', '=', job.id)]))
          .execute();
        existing = new Set(rows.map((r) => r.phone_e164));
      }
      const values = [];
      let duplicates = 0;
      for (const c of batch.contacts) {
        if (!job.allowDuplicates) {
          if (existing.has(c.phoneE164)) {
            duplicates++;
            continue;
          }
          existing.add(c.phoneE164);
        }
        values.push({
          id: contactId(nowMs), list_id: job.listId, seq: seq + values.length, phone_e164: c.phoneE164, phone_raw: c.phoneRaw,
          extension: c.extension ?? null, first_name: c.firstName ?? null, last_name: c.lastName ?? null, time_zone: c.timeZone ?? null,
          unique_id: c.uniqueId ?? null, contact_priority: c.contactPriority ?? null, extra: extraJson(c.extra), pending_import_id: job.id,
          created_at: nowIso, updated_at: nowIso,
        });
      }
      for (let i = 0; i < values.length; i += PG_INSERT_ROWS) await trx.insertInto('contacts').values(values.slice(i, i + PG_INSERT_ROWS)).execute();
      if (batch.rejects.length > 0) {
        const rows = batch.rejects.map((r) => ({ import_id: job.id, row_number: r.rowNumber, column_name: r.column, reason: r.reason }));
        for (let i = 0; i < rows.length; i += 5000) await trx.insertInto('import_rejects').values(rows.slice(i, i + 5000)).execute();
      }
      const res = await trx
        .updateTable('imports')
        .set((eb) => ({
          total_rows: eb('total_rows', '+', batch.rows),
          imported: eb('imported', '+', values.length),
          duplicates: eb('duplicates', '+', duplicates),
          rejected: eb('rejected', '+', batch.rejectedRows),
          heartbeat_at: nowMs,
        }))
        .where('id', '=', job.id)
        .where('status', '=', 'running')
        .executeTakeFirst();
      if (Number(res.numUpdatedRows) !== 1) throw new ImportCancelled(`import ${job.id} is no longer running`);
      return { imported: values.length, duplicates };
    });
  }

  /** Makes the job's rows visible and counts them on the list, all or nothing. */
  async complete(job: ImportTarget, nowMs: number, nowIso: string): Promise<ImportRow> {
    return this.k.transaction().execute(async (trx) => {
      const res = await trx
        .updateTable('imports')
        .set({ status: 'completed', finished_at: nowIso, heartbeat_at: nowMs })
        .where('id', '=', job.id)
        .where('status', '=', 'running')
        .executeTakeFirst();
      if (Number(res.numUpdatedRows) !== 1) throw new ImportCancelled(`import ${job.id} is no longer running`);
      await trx.updateTable('contacts').set({ pending_import_id: null }).where('pending_import_id', '=', job.id).execute();
      const row = await trx.selectFrom('imports').selectAll().where('id', '=', job.id).executeTakeFirstOrThrow();
      await trx
        .updateTable('contact_lists')
        .set((eb) => ({ total_record_count: eb('total_record_count', '+', row.imported), updated_at: nowIso }))
        .where('id', '=', job.listId)
        .execute();
      return row;
    });
  }

  /** Fails an unfinished job and deletes the rows it wrote; a completed job is left alone. */
  async fail(id: string, error: string, nowIso: string): Promise<boolean> {
    return this.k.transaction().execute(async (trx) => {
      const res = await trx
        .updateTable('imports')
        .set({ status: 'failed', error, finished_at: nowIso, imported: 0, duplicates: 0 })
        .where('id', '=', id)
        .where('status', 'in', ['queued', 'running'])
        .executeTakeFirst();
      if (Number(res.numUpdatedRows) !== 1) return false;
      await trx.deleteFrom('contacts').where('pending_import_id', '=', id).execute();
      return true;
    });
  }

  /** Jobs not finished whose process showed no sign of life since `staleBeforeMs`. */
  async abandoned(staleBeforeMs: number): Promise<string[]> {
    const rows = await this.k.selectFrom('imports').select('id').where('status', 'in', ['queued', 'running']).where('heartbeat_at', '<', staleBeforeMs).execute();
    return rows.map((r) => r.id);
  }
}
