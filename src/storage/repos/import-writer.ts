import { randomBytes } from 'node:crypto';
import { sql, type Transaction } from 'kysely';
import type pg from 'pg';
import type { Db } from '../db.js';
import type { Database, ImportRow } from '../schema.js';
import type { ImportBatch } from './import-batch.js';

export interface ImportTarget {
  id: string;
  listId: string;
  allowDuplicates: boolean;
}

/** Thrown when the job was failed underneath a running import (the sweeper judged it dead). */
export class ImportCancelled extends Error {}

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

/**
 * A fixed-size Bloom filter of the numbers one import wrote (4 MiB, whatever the file's size):
 * "definitely not written yet" skips the index probe; "maybe" probes as before. At a million
 * numbers about 1 in 300 is a false "maybe"; a far bigger file only probes more often.
 */
class NumberFilter {
  private static readonly BITS = 1 << 25;
  private readonly words = new Uint32Array(NumberFilter.BITS >>> 5);

  private static hashes(s: string): [number, number] {
    let h1 = 0x811c9dc5;
    let h2 = 0x01000193;
    for (let i = 0; i < s.length; i++) {
      const c = s.charCodeAt(i);
      h1 = Math.imul(h1 ^ c, 0x01000193);
      h2 = Math.imul(h2 + c, 0x5bd1e995) ^ (h2 >>> 13);
    }
    return [h1 >>> 0, (h2 | 1) >>> 0];
  }

  mightHave(s: string): boolean {
    const [a, b] = NumberFilter.hashes(s);
    for (let i = 0; i < 3; i++) {
      const bit = (a + i * b) & (NumberFilter.BITS - 1);
      if ((this.words[bit >>> 5]! & (1 << (bit & 31))) === 0) return false;
    }
    return true;
  }

  add(s: string): void {
    const [a, b] = NumberFilter.hashes(s);
    for (let i = 0; i < 3; i++) {
      const bit = (a + i * b) & (NumberFilter.BITS - 1);
      this.words[bit >>> 5]! |= 1 << (bit & 31);
    }
  }
}

const CONTACT_COLUMNS = 'id, list_id, seq, phone_e164, phone_raw, extension, first_name, last_name, time_zone, unique_id, contact_priority, extra, pending_import_id, created_at, updated_at';
const quote = (s: string): string => `'${s.replaceAll("'", "''")}'`;
/** Other jobs of the list that may put rows into it: they end exclusive mode (see SqliteImportWriter). */
const OTHERS_SQL =
  "SELECT 1 FROM imports WHERE list_id = ? AND id <> ? AND (status IN ('queued', 'running') OR (status = 'completed' AND imported > 0)) LIMIT 1";

export interface BatchResult {
  imported: number;
  duplicates: number;
}

/**
 * Writes one job's batches and completes it. Duplicate detection (allowDuplicates false) matches a
 * number against the list's visible rows and the job's own rows; a job's rows are invisible to
 * every read until `complete`, which also adds the job's count to the list, all or nothing.
 */
export interface ImportWriter {
  write(batch: ImportBatch, nowMs: number, nowIso: string): Promise<BatchResult>;
  /** Makes the job's rows visible and counts them on the list; throws ImportCancelled if the job is no longer running. */
  complete(nowMs: number, nowIso: string): Promise<ImportRow>;
  /** Gives up: what only the writer holds is dropped (the caller then fails the job). Idempotent. */
  abort(): Promise<void>;
}

/** A writer for the job's batches, continuing the list after its last contact (pending ones included). */
export async function openImportWriter(db: Db, job: ImportTarget): Promise<ImportWriter> {
  const k = db.kysely;
  const max = await k.selectFrom('contacts').select((eb) => eb.fn.max('seq').as('m')).where('list_id', '=', job.listId).executeTakeFirst();
  const next = Number(max?.m ?? 0) + 1;
  const empty = max?.m === null || max?.m === undefined;
  const exclusive = empty && !(await othersMayWrite(db, job));
  return db.dialect === 'postgres' ? PgImportWriter.open(db, job, next, exclusive) : new SqliteImportWriter(db, job, next, exclusive);
}

/** Whether another job of the list may have put rows into it or still may: such a job ends exclusive mode. */
async function othersMayWrite(db: Db, job: ImportTarget): Promise<boolean> {
  const other = await db.kysely
    .selectFrom('imports')
    .select('id')
    .where('list_id', '=', job.listId)
    .where('id', '<>', job.id)
    .where((eb) => eb.or([eb('status', 'in', ['queued', 'running']), eb.and([eb('status', '=', 'completed'), eb('imported', '>', 0)])]))
    .limit(1)
    .executeTakeFirst();
  return other !== undefined;
}

/**
 * SQLite: each batch is one transaction of raw better-sqlite3 statements, its rows marked pending
 * (`pending_import_id`); `complete` clears the mark over the job's seq range. A batch runs while
 * holding Kysely's connection, so it can never be nested inside (and rolled back with) a Kysely
 * transaction of a concurrent request. The per-batch statement has the batch's constants (list,
 * job, time) inlined, and foreign-key checks are off for the batch: that the list still exists is
 * checked once per batch by the progress update, which only matches while the job (deleted with
 * its list) exists. Dedupe is an index probe of contacts(list_id, phone_e164) per row, except
 * that when the list was empty at the start and no other job can add to it ("exclusive"), a
 * number the job's filter has never seen cannot be a duplicate and skips the probe.
 */
class SqliteImportWriter implements ImportWriter {
  private exclusive: boolean;
  private readonly filter: NumberFilter | undefined;
  private stmts?: ReturnType<SqliteImportWriter['prepare']>;

  constructor(
    private readonly db: Db,
    private readonly job: ImportTarget,
    /** The seq the next contact gets. */
    private seq: number,
    exclusive: boolean,
  ) {
    this.exclusive = exclusive && !job.allowDuplicates;
    this.filter = this.exclusive ? new NumberFilter() : undefined;
  }

  private prepare() {
    const s = this.db.sqlite!;
    return {
      others: s.prepare(OTHERS_SQL).pluck(),
      probe: s.prepare('SELECT 1 FROM contacts WHERE list_id = ? AND phone_e164 = ? AND (pending_import_id IS NULL OR pending_import_id = ?) LIMIT 1').pluck(),
      reject: s.prepare('INSERT INTO import_rejects (import_id, row_number, column_name, reason) VALUES (?, ?, ?, ?)'),
      progress: s.prepare(
        `UPDATE imports SET total_rows = total_rows + ?, imported = imported + ?, duplicates = duplicates + ?, rejected = rejected + ?, heartbeat_at = ?,
           first_seq = COALESCE(first_seq, ?), last_seq = COALESCE(?, last_seq) WHERE id = ? AND status = 'running'`,
      ),
    };
  }

  async write(batch: ImportBatch, nowMs: number, nowIso: string): Promise<BatchResult> {
    const s = this.db.sqlite!;
    const { job } = this;
    const insert = s.prepare(
      `INSERT INTO contacts (${CONTACT_COLUMNS}) VALUES (?, ${quote(job.listId)}, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ${quote(job.id)}, ${quote(nowIso)}, ${quote(nowIso)})`,
    );
    const st = (this.stmts ??= this.prepare());
    const run = s.transaction((): BatchResult => {
      if (this.exclusive && st.others.get(job.listId, job.id) !== undefined) this.exclusive = false;
      const first = this.seq;
      let seq = first;
      let duplicates = 0;
      for (const c of batch.contacts) {
        const phone = c[0];
        if (!job.allowDuplicates) {
          const unseen = this.exclusive && !this.filter!.mightHave(phone);
          if (!unseen && st.probe.get(job.listId, phone, job.id) !== undefined) {
            duplicates++;
            continue;
          }
          this.filter?.add(phone);
        }
        insert.run(contactId(nowMs), seq++, phone, c[1], c[2], c[3], c[4], c[5], c[6], c[7], c[8]);
      }
      for (const r of batch.rejects) st.reject.run(job.id, r.rowNumber, r.column, r.reason);
      const imported = seq - first;
      const res = st.progress.run(batch.rows, imported, duplicates, batch.rejectedRows, nowMs, imported > 0 ? first : null, imported > 0 ? seq - 1 : null, job.id);
      if (res.changes !== 1) throw new ImportCancelled(`import ${job.id} is no longer running`);
      return { imported, duplicates };
    });
    return this.db.kysely.connection().execute(async () => {
      const fk = s.pragma('foreign_keys', { simple: true });
      s.pragma('foreign_keys = OFF');
      try {
        const r = run();
        this.seq += r.imported;
        return r;
      } finally {
        s.pragma(`foreign_keys = ${fk ? 'ON' : 'OFF'}`);
      }
    });
  }

  complete(nowMs: number, nowIso: string): Promise<ImportRow> {
    const { job } = this;
    return this.db.kysely.transaction().execute(async (trx) => {
      const res = await trx
        .updateTable('imports')
        .set({ status: 'completed', finished_at: nowIso, heartbeat_at: nowMs })
        .where('id', '=', job.id)
        .where('status', '=', 'running')
        .executeTakeFirst();
      if (Number(res.numUpdatedRows) !== 1) throw new ImportCancelled(`import ${job.id} is no longer running`);
      const row = await trx.selectFrom('imports').selectAll().where('id', '=', job.id).executeTakeFirstOrThrow();
      if (row.first_seq !== null && row.last_seq !== null) {
        await trx
          .updateTable('contacts')
          .set({ pending_import_id: null })
          .where('list_id', '=', job.listId)
          .where('seq', '>=', row.first_seq)
          .where('seq', '<=', row.last_seq)
          .where('pending_import_id', '=', job.id)
          .execute();
      }
      await countOnList(trx, job.listId, Number(row.imported), nowIso);
      return row;
    });
  }

  async abort(): Promise<void> {}
}

function countOnList(trx: Transaction<Database>, listId: string, imported: number, nowIso: string): Promise<unknown> {
  return trx
    .updateTable('contact_lists')
    .set((eb) => ({ total_record_count: eb('total_record_count', '+', imported), updated_at: nowIso }))
    .where('id', '=', listId)
    .execute();
}

/**
 * PostgreSQL: the whole import is one transaction on a connection of its own, its rows written
 * visible (`pending_import_id` null) and committed by `complete` together with the job's status
 * and the list's count. Other sessions see nothing of it before, and a crash or kill rolls it
 * back: no rows to mark, none to clean up, and no second write of every row to make them visible
 * (which cost as much as the insert). Progress counts and rejects are written on other
 * connections after each batch, so the job's progress and heartbeat stay visible while it runs;
 * the progress update finding the job no longer running cancels the import. Each batch is one
 * round trip per statement: numbers checked with `= ANY(array)`, contacts inserted with one
 * INSERT … SELECT FROM unnest(arrays).
 */
class PgImportWriter implements ImportWriter {
  private client: pg.PoolClient | undefined;
  private exclusive: boolean;
  private readonly filter: NumberFilter | undefined;

  private constructor(
    private readonly db: Db,
    private readonly job: ImportTarget,
    private seq: number,
    exclusive: boolean,
  ) {
    this.exclusive = exclusive && !job.allowDuplicates;
    this.filter = this.exclusive ? new NumberFilter() : undefined;
  }

  static async open(db: Db, job: ImportTarget, seq: number, exclusive: boolean): Promise<PgImportWriter> {
    const w = new PgImportWriter(db, job, seq, exclusive);
    w.client = await db.pool!.connect();
    try {
      await w.client.query('BEGIN');
    } catch (err) {
      w.client.release(err as Error);
      w.client = undefined;
      throw err;
    }
    return w;
  }

  private get tx(): pg.PoolClient {
    if (!this.client) throw new ImportCancelled(`import ${this.job.id} was aborted`);
    return this.client;
  }

  async write(batch: ImportBatch, nowMs: number, nowIso: string): Promise<BatchResult> {
    const { job } = this;
    const tx = this.tx;
    let existing = new Set<string>();
    if (!job.allowDuplicates && batch.contacts.length > 0) {
      if (this.exclusive && (await othersMayWrite(this.db, job))) this.exclusive = false;
      // Alone on a list that was empty, only numbers this job may already have written need a look.
      const numbers = batch.contacts.map((c) => c[0]).filter((n) => !this.exclusive || this.filter!.mightHave(n));
      if (numbers.length > 0) {
        const rows = await tx.query<{ phone_e164: string }>(
          'SELECT phone_e164 FROM contacts WHERE list_id = $1 AND phone_e164 = ANY($2::text[]) AND pending_import_id IS NULL',
          [job.listId, numbers],
        );
        existing = new Set(rows.rows.map((x) => x.phone_e164));
      }
    }
    const columns: (string | number | null)[][] = Array.from({ length: 9 }, () => []);
    const ids: string[] = [];
    const seqs: number[] = [];
    let duplicates = 0;
    const first = this.seq;
    for (const c of batch.contacts) {
      if (!job.allowDuplicates) {
        if (existing.has(c[0])) {
          duplicates++;
          continue;
        }
        existing.add(c[0]);
        this.filter?.add(c[0]);
      }
      ids.push(contactId(nowMs));
      seqs.push(first + seqs.length);
      for (let f = 0; f < 9; f++) columns[f]!.push(c[f] ?? null);
    }
    if (ids.length > 0) {
      await tx.query(
        `INSERT INTO contacts (${CONTACT_COLUMNS})
         SELECT u.id, $1, u.seq, u.e164, u.raw, u.ext, u.fn, u.ln, u.tz, u.uid, u.prio, u.extra, NULL, $2, $2
         FROM unnest($3::text[], $4::bigint[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[], $10::text[], $11::text[], $12::integer[], $13::text[])
           AS u(id, seq, e164, raw, ext, fn, ln, tz, uid, prio, extra)`,
        [job.listId, nowIso, ids, seqs, ...columns],
      );
    }
    const imported = ids.length;
    this.seq += imported;
    // Outside the import's transaction, so that progress, heartbeat and rejects show while it runs.
    await this.db.kysely.transaction().execute(async (trx) => {
      if (batch.rejects.length > 0) {
        await sql`
          INSERT INTO import_rejects (import_id, row_number, column_name, reason)
          SELECT ${job.id}, u.r, u.c, u.why
          FROM unnest(${batch.rejects.map((x) => x.rowNumber)}::integer[], ${batch.rejects.map((x) => x.column)}::text[], ${batch.rejects.map((x) => x.reason)}::text[]) AS u(r, c, why)`.execute(trx);
      }
      const res = await trx
        .updateTable('imports')
        .set((eb) => ({
          total_rows: eb('total_rows', '+', batch.rows),
          imported: eb('imported', '+', imported),
          duplicates: eb('duplicates', '+', duplicates),
          rejected: eb('rejected', '+', batch.rejectedRows),
          heartbeat_at: nowMs,
        }))
        .where('id', '=', job.id)
        .where('status', '=', 'running')
        .executeTakeFirst();
      if (Number(res.numUpdatedRows) !== 1) throw new ImportCancelled(`import ${job.id} is no longer running`);
    });
    return { imported, duplicates };
  }

  async complete(nowMs: number, nowIso: string): Promise<ImportRow> {
    const { job } = this;
    const tx = this.tx;
    try {
      const res = await tx.query<ImportRow>(
        "UPDATE imports SET status = 'completed', finished_at = $2, heartbeat_at = $3 WHERE id = $1 AND status = 'running' RETURNING *",
        [job.id, nowIso, nowMs],
      );
      const row = res.rows[0];
      if (!row) throw new ImportCancelled(`import ${job.id} is no longer running`);
      await tx.query('UPDATE contact_lists SET total_record_count = total_record_count + $2, updated_at = $3 WHERE id = $1', [job.listId, Number(row.imported), nowIso]);
      await tx.query('COMMIT');
      this.release();
      return row;
    } catch (err) {
      await this.abort();
      throw err;
    }
  }

  async abort(): Promise<void> {
    const client = this.client;
    if (!client) return;
    this.client = undefined;
    try {
      await client.query('ROLLBACK');
      client.release();
    } catch (err) {
      client.release(err as Error);
    }
  }

  private release(): void {
    this.client?.release();
    this.client = undefined;
  }
}
