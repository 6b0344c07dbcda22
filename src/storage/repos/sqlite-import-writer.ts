import type { Db } from '../db.js';
import type { ImportRow } from '../schema.js';
import type { ImportBatch } from './import-batch.js';
import { BaseImportWriter, ImportCancelled, type BatchResult } from './import-writer.js';

/** The columns of a contact row as the SQLite writer binds them. */
const CONTACT_COLUMNS =
  'list_no, seq, phone_e164, phone_raw, extension, first_name, last_name, time_zone, unique_id, contact_priority, extra, created_at';

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
export class SqliteImportWriter extends BaseImportWriter {
  private stmts?: ReturnType<SqliteImportWriter['prepare']>;
  /** The list's last visible seq when the job started: the job's rows come after it. */
  private readonly visibleSeq = this.lastSeq;
  /**
   * Whether the job's numbers came in ascending order so far: then list order is already number
   * order. (E.164 is ASCII, so JavaScript's string order is SQLite's BINARY order.)
   */
  private ascending = true;
  private lastPhone = '';

  private prepare() {
    const s = this.db.sqlite!;
    const row = `(${this.listNo}, ${Array(VALUES_PER_ROW).fill('?').join(', ')})`;
    return {
      one: s.prepare(`INSERT INTO contacts (${CONTACT_COLUMNS}) VALUES ${row}`),
      many: s.prepare(
        `INSERT INTO contacts (${CONTACT_COLUMNS}) VALUES ${Array(ROWS_PER_INSERT).fill(row).join(', ')}`,
      ),
      reject: s.prepare('INSERT INTO import_rejects (import_id, row_number, column_name, reason) VALUES (?, ?, ?, ?)'),
      progress: s.prepare(
        "UPDATE imports SET total_rows = total_rows + ?, imported = imported + ?, rejected = rejected + ?, heartbeat_at = ? WHERE id = ? AND status = 'running'",
      ),
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
        if (st.progress.run(batch.rows, batch.contacts.length, batch.rejectedRows, nowMs, job.id).changes !== 1)
          throw new ImportCancelled(`import ${job.id} is no longer running`);
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
      s.exec(
        'DROP TABLE IF EXISTS temp.import_numbers; CREATE TEMP TABLE import_numbers (phone TEXT NOT NULL, seq INTEGER NOT NULL, repeat INTEGER NOT NULL DEFAULT 0)',
      );
      try {
        // rowid 1..n in (number, seq) order: the chunks below are rowid ranges. Numbers that came
        // in ascending order are in that order already (list order), and need no sorting.
        const order = this.ascending ? 'seq' : 'phone_e164, seq';
        const n = s
          .prepare(
            `INSERT INTO temp.import_numbers (phone, seq) SELECT phone_e164, seq FROM contacts WHERE list_no = ${listNo} AND seq > ? ORDER BY ${order}`,
          )
          .run(visibleSeq).changes;
        const chunk = 'rowid BETWEEN ? AND ?';
        const alive = s.prepare("UPDATE imports SET heartbeat_at = ? WHERE id = ? AND status = 'running'");
        // A repeat: the number of the row before it (sorted, so an earlier row of the job), or one the list already held.
        const onList =
          visibleSeq > 0
            ? `OR EXISTS (SELECT 1 FROM contact_phones p WHERE p.list_no = ${listNo} AND p.phone_e164 = n.phone AND p.seq <= ${visibleSeq})`
            : '';
        const repeats = s.prepare(
          `UPDATE temp.import_numbers AS n SET repeat = 1 WHERE ${chunk}
           AND (n.phone = (SELECT b.phone FROM temp.import_numbers b WHERE b.rowid = n.rowid - 1) ${onList})`,
        );
        const index = s.prepare(
          `INSERT INTO contact_phones (list_no, phone_e164, seq) SELECT ${listNo}, phone, seq FROM temp.import_numbers WHERE ${chunk} AND repeat = 0`,
        );
        const indexAll = s.prepare(
          `INSERT INTO contact_phones (list_no, phone_e164, seq) SELECT ${listNo}, phone, seq FROM temp.import_numbers WHERE ${chunk}`,
        );
        const drop = s.prepare(
          `DELETE FROM contacts WHERE list_no = ${listNo} AND seq IN (SELECT seq FROM temp.import_numbers WHERE ${chunk} AND repeat = 1)`,
        );
        let duplicates = 0;
        for (let from = 1; from <= n; from += INDEX_CHUNK) {
          const to = from + INDEX_CHUNK - 1;
          s.transaction(() => {
            if (alive.run(nowMs, job.id).changes !== 1)
              throw new ImportCancelled(`import ${job.id} is no longer running`);
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
