import { finished } from 'node:stream/promises';
import { sql, type Kysely } from 'kysely';
import type pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import type { Db } from '../db.js';
import type { Database, ImportRow } from '../schema.js';
import { COPY_COLUMNS, CopyLines, toCopyText } from './copy-text.js';
import type { ImportBatch } from './import-batch.js';

export interface ImportTarget {
  id: string;
  listId: string;
  allowDuplicates: boolean;
}

/** Thrown when the job was failed underneath a running import (the sweeper judged it dead). */
export class ImportCancelled extends Error {}

/**
 * A fixed-size Bloom filter of the numbers one import wrote (4 MiB, whatever the file's size):
 * "definitely not written yet" skips the index probe; "maybe" probes as before. At a million
 * numbers about 1 in 300 is a false "maybe"; a far bigger file only probes more often.
 */
class NumberFilter {
  private static readonly BITS = 1 << 25;
  private readonly words = new Uint32Array(NumberFilter.BITS >>> 5);

  /** Adds `s`, answering whether it may have been added before ("no" is certain). One hashing for both. */
  add(s: string): boolean {
    let h1 = 0x811c9dc5;
    let h2 = 0x01000193;
    for (let i = 0; i < s.length; i++) {
      const c = s.charCodeAt(i);
      h1 = Math.imul(h1 ^ c, 0x01000193);
      h2 = Math.imul(h2 + c, 0x5bd1e995) ^ (h2 >>> 13);
    }
    const a = h1 >>> 0;
    const b = (h2 | 1) >>> 0;
    let seen = true;
    for (let i = 0; i < 3; i++) {
      const bit = (a + i * b) & (NumberFilter.BITS - 1);
      const mask = 1 << (bit & 31);
      if ((this.words[bit >>> 5]! & mask) === 0) {
        seen = false;
        this.words[bit >>> 5]! |= mask;
      }
    }
    return seen;
  }
}

const CONTACT_COLUMNS = 'list_no, seq, phone_e164, phone_raw, extension, first_name, last_name, time_zone, unique_id, contact_priority, extra, created_at';

export interface BatchResult {
  imported: number;
  duplicates: number;
}

/**
 * Writes one job's batches and completes it. The job holds its list's one running slot
 * (imports_running_list_uq, taken by ImportsRepo.start), so nothing else writes to the list while
 * it runs: its rows are the list's rows beyond `visible_seq`, invisible to every read until
 * `complete` moves `visible_seq` over them and adds the count to the list, in one transaction.
 * Each batch commits on its own (with the job's progress, so a job failed underneath cancels the
 * batch); a job that never completes leaves rows that ImportsRepo.fail deletes.
 * Duplicate detection (allowDuplicates false) matches a number against every row of the list: the
 * visible ones and the job's own. PostgreSQL finds duplicates batch by batch; SQLite finds them all
 * when the import completes (its batches report none), as it fills the list's contact_phones.
 */
export interface ImportWriter {
  /** Writes one batch; the counts are final, though the batch may still be committing (see `settle`). */
  write(batch: ImportBatch, nowMs: number): Promise<BatchResult>;
  /** Waits for writes still in flight, whatever their outcome (a job that failed ends with nothing running). */
  settle(): Promise<void>;
  /** Makes the job's rows visible and counts them on the list; throws ImportCancelled if the job is no longer running. */
  complete(nowMs: number, nowIso: string): Promise<ImportRow>;
}

/** Deletes the list's rows beyond `visible_seq`: those of its running job, which is being failed. */
export async function deleteUnfinishedRows(trx: Kysely<Database>, listId: string): Promise<void> {
  const list = await trx.selectFrom('contact_lists').select(['list_no', 'visible_seq']).where('id', '=', listId).executeTakeFirst();
  if (!list) return;
  // SQLite: the numbers a completing job had indexed. (PostgreSQL: the view deletes the same contacts.)
  await trx.deleteFrom('contact_phones').where('list_no', '=', list.list_no).where('seq', '>', list.visible_seq).execute();
  await trx.deleteFrom('contacts').where('list_no', '=', list.list_no).where('seq', '>', list.visible_seq).execute();
}

/** A writer for the running job's batches, continuing its list after the list's last contact. */
export async function openImportWriter(db: Db, job: ImportTarget): Promise<ImportWriter> {
  const list = await db.kysely.selectFrom('contact_lists').select(['list_no', 'visible_seq']).where('id', '=', job.listId).executeTakeFirst();
  if (!list) throw new ImportCancelled(`import ${job.id} is no longer running: its list was deleted`);
  // Normally none: every way a job ends without completing deletes its rows. Rows left anyway
  // (a job's status changed by hand) would collide with this job's, and nobody else owns them now.
  await deleteUnfinishedRows(db.kysely, job.listId);
  const at = { listNo: Number(list.list_no), lastSeq: Number(list.visible_seq) };
  return db.dialect === 'postgres' ? new PgImportWriter(db, job, at) : new SqliteImportWriter(db, job, at);
}

/** What both dialects share: list order and completion. */
abstract class BaseImportWriter implements ImportWriter {
  protected readonly listNo: number;
  /** The seq of the list's last row: its last visible one, then the last this job wrote. */
  protected lastSeq: number;

  constructor(
    protected readonly db: Db,
    protected readonly job: ImportTarget,
    at: { listNo: number; lastSeq: number },
  ) {
    this.listNo = at.listNo;
    this.lastSeq = at.lastSeq;
  }

  abstract write(batch: ImportBatch, nowMs: number): Promise<BatchResult>;

  /** Nothing is in flight between two writes (PostgreSQL overrides this). */
  async settle(): Promise<void> {}

  abstract complete(nowMs: number, nowIso: string): Promise<ImportRow>;

  /**
   * Completes the job and makes its rows visible, counting them on the list, in one transaction.
   * `lateDuplicates`: rows the batches counted as imported that turned out to be duplicates (and
   * were deleted) while completing.
   */
  protected finish(nowMs: number, nowIso: string, lateDuplicates: number): Promise<ImportRow> {
    const { job, lastSeq } = this;
    return this.db.kysely.transaction().execute(async (trx) => {
      const res = await trx
        .updateTable('imports')
        .set((eb) => ({
          status: 'completed',
          finished_at: nowIso,
          heartbeat_at: nowMs,
          imported: eb('imported', '-', lateDuplicates),
          duplicates: eb('duplicates', '+', lateDuplicates),
        }))
        .where('id', '=', job.id)
        .where('status', '=', 'running')
        .executeTakeFirst();
      if (Number(res.numUpdatedRows) !== 1) throw new ImportCancelled(`import ${job.id} is no longer running`);
      const row = await trx.selectFrom('imports').selectAll().where('id', '=', job.id).executeTakeFirstOrThrow();
      await trx
        .updateTable('contact_lists')
        .set((eb) => ({ visible_seq: lastSeq, total_record_count: eb('total_record_count', '+', Number(row.imported)), updated_at: nowIso }))
        .where('id', '=', job.listId)
        .execute();
      return row;
    });
  }
}

/** Contacts per SQLite INSERT statement: one statement per row spent more on each call than on the row. */
const ROWS_PER_INSERT = 16;
/** Values bound per contact: seq, the 9 packed values, created_at. */
const VALUES_PER_ROW = 11;

/** Numbers indexed (and screened for duplicates) per transaction when a SQLite import completes. */
const INDEX_CHUNK = 65_536;

/**
 * SQLite: each batch is one transaction of raw better-sqlite3 statements, contacts only. It runs
 * while holding Kysely's connection, so it can never be nested inside (and rolled back with) a
 * Kysely transaction of a concurrent request. Contacts go in ROWS_PER_INSERT at a time, the list's
 * number inlined; foreign-key checks are off: that the list still exists is checked by the
 * progress update, which only matches while the job (deleted with its list) exists.
 * The job's numbers go into contact_phones when it completes, sorted, so the index grows at one
 * end instead of taking every batch's numbers all over its pages (and rewriting most of them in
 * every commit); the same pass finds the duplicates (see `indexNumbers`).
 */
class SqliteImportWriter extends BaseImportWriter {
  private stmts?: ReturnType<SqliteImportWriter['prepare']>;
  /** The list's last visible seq when the job started: the job's rows come after it. */
  private readonly visibleSeq = this.lastSeq;
  /** Whether the job's numbers came in ascending order so far (then list order is already number order). */
  private ascending = true;
  private lastPhone = '';

  private prepare() {
    const s = this.db.sqlite!;
    const row = `(${this.listNo}, ${Array(VALUES_PER_ROW).fill('?').join(', ')})`;
    return {
      one: s.prepare(`INSERT INTO contacts (${CONTACT_COLUMNS}) VALUES ${row}`),
      many: s.prepare(`INSERT INTO contacts (${CONTACT_COLUMNS}) VALUES ${Array(ROWS_PER_INSERT).fill(row).join(', ')}`),
      reject: s.prepare('INSERT INTO import_rejects (import_id, row_number, column_name, reason) VALUES (?, ?, ?, ?)'),
      progress: s.prepare("UPDATE imports SET total_rows = total_rows + ?, imported = imported + ?, rejected = rejected + ?, heartbeat_at = ? WHERE id = ? AND status = 'running'"),
    };
  }

  async write(batch: ImportBatch, nowMs: number): Promise<BatchResult> {
    const { job } = this;
    const st = (this.stmts ??= this.prepare());
    const values = new Array<string | number | null>(ROWS_PER_INSERT * VALUES_PER_ROW);
    return this.withoutForeignKeys((s) => {
      const first = this.lastSeq + 1;
      s.transaction(() => {
        let seq = first;
        let held = 0;
        for (const c of batch.contacts) {
          if (c[0] < this.lastPhone) this.ascending = false;
          this.lastPhone = c[0];
          let v = held * VALUES_PER_ROW;
          values[v++] = seq++;
          for (let f = 0; f < 9; f++) values[v++] = c[f] as string | number | null;
          values[v] = nowMs;
          if (++held === ROWS_PER_INSERT) {
            st.many.run(values);
            held = 0;
          }
        }
        for (let r = 0; r < held; r++) st.one.run(values.slice(r * VALUES_PER_ROW, (r + 1) * VALUES_PER_ROW));
        for (const r of batch.rejects) st.reject.run(job.id, r.rowNumber, r.column, r.reason);
        if (st.progress.run(batch.rows, batch.contacts.length, batch.rejectedRows, nowMs, job.id).changes !== 1) throw new ImportCancelled(`import ${job.id} is no longer running`);
      })();
      this.lastSeq += batch.contacts.length;
      return { imported: batch.contacts.length, duplicates: 0 };
    });
  }

  async complete(nowMs: number, nowIso: string): Promise<ImportRow> {
    return this.finish(nowMs, nowIso, await this.indexNumbers(nowMs));
  }

  /**
   * Adds the job's numbers to contact_phones in (number, seq) order, and with allowDuplicates
   * false deletes every row of the job whose number the list already held at a smaller seq (an
   * earlier row of the job, or a visible one): the first of each number stays. The numbers are
   * sorted once (SQLite's sorter, in the connection's temp store: memory does not grow with the
   * file), so the job's repeats of a number follow its first row; then they are indexed
   * INDEX_CHUNK at a time, each chunk one transaction that first checks the job is still running,
   * so a job failed meanwhile (ImportsRepo.fail deletes what it indexed) gets nothing more.
   * Returns how many rows were deleted as duplicates.
   */
  private indexNumbers(nowMs: number): Promise<number> {
    const { job, listNo, visibleSeq } = this;
    return this.withoutForeignKeys(async (s) => {
      s.exec('DROP TABLE IF EXISTS temp.import_numbers; CREATE TEMP TABLE import_numbers (phone TEXT NOT NULL, seq INTEGER NOT NULL, repeat INTEGER NOT NULL DEFAULT 0)');
      try {
        // rowid 1..n in (number, seq) order: the chunks below are rowid ranges. Numbers that came
        // in ascending order are in that order already (list order), and need no sorting.
        const order = this.ascending ? 'seq' : 'phone_e164, seq';
        const n = s
          .prepare(`INSERT INTO temp.import_numbers (phone, seq) SELECT phone_e164, seq FROM contacts WHERE list_no = ${listNo} AND seq > ? ORDER BY ${order}`)
          .run(visibleSeq).changes;
        const chunk = 'rowid BETWEEN ? AND ?';
        const alive = s.prepare("UPDATE imports SET heartbeat_at = ? WHERE id = ? AND status = 'running'");
        // A repeat: the number of the row before it (sorted, so an earlier row of the job), or one the list already held.
        const onList = visibleSeq > 0 ? `OR EXISTS (SELECT 1 FROM contact_phones p WHERE p.list_no = ${listNo} AND p.phone_e164 = n.phone AND p.seq <= ${visibleSeq})` : '';
        const repeats = s.prepare(
          `UPDATE temp.import_numbers AS n SET repeat = 1 WHERE ${chunk}
           AND (n.phone = (SELECT b.phone FROM temp.import_numbers b WHERE b.rowid = n.rowid - 1) ${onList})`,
        );
        const index = s.prepare(`INSERT INTO contact_phones (list_no, phone_e164, seq) SELECT ${listNo}, phone, seq FROM temp.import_numbers WHERE ${chunk} AND repeat = 0`);
        const indexAll = s.prepare(`INSERT INTO contact_phones (list_no, phone_e164, seq) SELECT ${listNo}, phone, seq FROM temp.import_numbers WHERE ${chunk}`);
        const drop = s.prepare(`DELETE FROM contacts WHERE list_no = ${listNo} AND seq IN (SELECT seq FROM temp.import_numbers WHERE ${chunk} AND repeat = 1)`);
        let duplicates = 0;
        for (let from = 1; from <= n; from += INDEX_CHUNK) {
          const to = from + INDEX_CHUNK - 1;
          s.transaction(() => {
            if (alive.run(nowMs, job.id).changes !== 1) throw new ImportCancelled(`import ${job.id} is no longer running`);
            if (job.allowDuplicates) {
              indexAll.run(from, to);
              return;
            }
            repeats.run(from, to);
            index.run(from, to);
            duplicates += drop.run(from, to).changes;
          })();
          // Let other work of this process run between chunks (the connection stays with this job).
          await new Promise((resolve) => setImmediate(resolve));
        }
        return duplicates;
      } finally {
        s.exec('DROP TABLE IF EXISTS temp.import_numbers');
      }
    });
  }

  /** Runs `fn` holding Kysely's connection, with foreign-key checks off (see the class comment). */
  private withoutForeignKeys<T>(fn: (s: NonNullable<Db['sqlite']>) => T | Promise<T>): Promise<T> {
    const s = this.db.sqlite!;
    return this.db.kysely.connection().execute(async () => {
      const fk = s.pragma('foreign_keys', { simple: true });
      s.pragma('foreign_keys = OFF');
      try {
        return await fn(s);
      } finally {
        s.pragma(`foreign_keys = ${fk ? 'ON' : 'OFF'}`);
      }
    });
  }
}

/**
 * PostgreSQL: which of `numbers` list `listNo` holds (visible or not), one index probe per number
 * whatever the statistics say. `list_no = X AND phone_e164 = ANY(…)` let the planner, while the
 * list's rows were not analysed yet (all through its own import), probe by list_no alone and
 * filter the whole list's numbers: 0.7 s per batch at a million rows. A LATERAL subquery with a
 * LIMIT is never flattened into that. (Exported for the test of its plan.)
 */
export function numbersOnListPg(listNo: number, numbers: readonly string[]) {
  return sql<{ phone: string }>`
    SELECT n.phone FROM unnest(${numbers}::text[]) AS n(phone)
    CROSS JOIN LATERAL (SELECT 1 FROM contacts c WHERE c.list_no = ${listNo} AND c.phone_e164 = n.phone LIMIT 1) AS hit`;
}

/**
 * PostgreSQL: each batch is one transaction on a connection of its own: its contacts sent with
 * COPY (three times as fast on the server as INSERT … SELECT FROM unnest(arrays), and already
 * encoded when they arrive: copy-text.ts), then its rejects and its progress. Batches are
 * pipelined: while one batch's transaction runs on the server, the next is screened for
 * duplicates and sent on another connection, so this process's work overlaps the server's
 * instead of alternating with it. At most two transactions are in flight; their seq ranges are decided here, in order, so they never
 * collide, and a list shows none of their rows until `complete` (which first waits for both).
 * Duplicate screening is exact across the pipeline: the numbers of the batch still in flight are
 * checked in memory, the ones committed before it in the index.
 */
class PgImportWriter extends BaseImportWriter {
  /** The previous batch's transaction, and the numbers it writes, until this writer has awaited it. */
  private inFlight: { done: Promise<unknown>; numbers: Set<string> } | undefined;
  /**
   * Numbers this job wrote, when that is all the list holds: on a list that was empty at the
   * start (and nothing else writes to it meanwhile), a number the filter has never seen cannot be
   * a duplicate, so it needs no index probe.
   */
  private readonly filter = !this.job.allowDuplicates && this.lastSeq === 0 ? new NumberFilter() : undefined;

  /**
   * Whether `phone` may already be on the list or earlier in this import (then it needs a look);
   * records it as seen. Every number of the import passes here once, in order (a duplicate too:
   * its number is already there anyway).
   */
  private mayRepeat(phone: string): boolean {
    return !this.filter || this.filter.add(phone);
  }

  async write(batch: ImportBatch, nowMs: number): Promise<BatchResult> {
    const { job, listNo } = this;
    const parts = batch.copy ?? [toCopyText(batch.contacts)];
    let onList = new Set<string>();
    if (!job.allowDuplicates) {
      const maybe = parts.flatMap((p) => p.phones.filter((n) => this.mayRepeat(n)));
      if (maybe.length > 0) onList = new Set((await numbersOnListPg(listNo, maybe).execute(this.db.kysely)).rows.map((x) => x.phone));
    }
    const pending = this.inFlight?.numbers;
    /** The numbers this batch keeps (a later row with one of them is a duplicate), the next batch's `pending`. */
    const numbers = new Set<string>();
    const copy = new CopyLines(nowMs, listNo, parts);
    let seq = this.lastSeq;
    let duplicates = 0;
    for (const part of parts) {
      for (let i = 0; i < part.phones.length; i++) {
        if (!job.allowDuplicates) {
          const phone = part.phones[i]!;
          if (numbers.has(phone) || onList.has(phone) || pending?.has(phone)) {
            duplicates++;
            continue;
          }
          numbers.add(phone);
        }
        copy.add(part, i, ++seq);
      }
    }
    const result = { imported: seq - this.lastSeq, duplicates };
    this.lastSeq = seq;

    const done = this.inTransaction(async (client) => {
      if (!copy.empty) {
        const stream = client.query(copyFrom(`COPY contacts (${COPY_COLUMNS}) FROM STDIN`));
        stream.end(copy.bytes());
        await finished(stream);
      }
      if (batch.rejects.length > 0) {
        await client.query(
          `INSERT INTO import_rejects (import_id, row_number, column_name, reason)
           SELECT $1, u.r, u.c, u.why FROM unnest($2::integer[], $3::text[], $4::text[]) AS u(r, c, why)`,
          [job.id, batch.rejects.map((x) => x.rowNumber), batch.rejects.map((x) => x.column), batch.rejects.map((x) => x.reason)],
        );
      }
      // A heartbeat timer may have beaten since this batch was sent: GREATEST never moves it back.
      const res = await client.query(
        `UPDATE imports SET total_rows = total_rows + $1, imported = imported + $2, duplicates = duplicates + $3, rejected = rejected + $4,
           heartbeat_at = GREATEST(heartbeat_at, $5) WHERE id = $6 AND status = 'running'`,
        [batch.rows, result.imported, duplicates, batch.rejectedRows, nowMs, job.id],
      );
      if (res.rowCount !== 1) throw new ImportCancelled(`import ${job.id} is no longer running`);
    });
    // Its failure surfaces when it is awaited (next write, complete); never as an unhandled rejection.
    done.catch(() => {});
    const previous = this.inFlight;
    this.inFlight = { done, numbers };
    await previous?.done;
    return result;
  }

  /** Runs `fn` in a transaction on a connection of its own (COPY needs the driver's client, which Kysely does not lend). */
  private async inTransaction(fn: (client: pg.PoolClient) => Promise<void>): Promise<void> {
    const client = await this.db.pool!.connect();
    let broken: unknown;
    try {
      await client.query('BEGIN');
      await fn(client);
      await client.query('COMMIT');
    } catch (err) {
      // A connection that cannot even roll back is dropped from the pool, not reused.
      await client.query('ROLLBACK').catch((e: unknown) => (broken = e));
      throw err;
    } finally {
      client.release(broken as Error | undefined);
    }
  }

  override async settle(): Promise<void> {
    const last = this.inFlight;
    this.inFlight = undefined;
    await last?.done.catch(() => {});
  }

  async complete(nowMs: number, nowIso: string): Promise<ImportRow> {
    const last = this.inFlight;
    this.inFlight = undefined;
    await last?.done;
    return this.finish(nowMs, nowIso, 0);
  }
}
