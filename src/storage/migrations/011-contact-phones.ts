import { sql, type Kysely } from 'kysely';
import type { MigrationDialect } from './migration-dialect.js';

/**
 * `contact_phones`: which list holds which number (for duplicates and DNC membership), for
 * reads on both dialects.
 * - SQLite: a table of its own instead of the index contacts(list_no, phone_e164), so an import
 *   can fill it once, sorted, when it completes (sqlite-import-writer.ts). Kept up row by row, the index
 *   took every batch's numbers all over its pages and every commit rewrote most of them: a million
 *   numbers in random order imported in 16.2-17.6 s against 4.6 s in ascending order; filled
 *   sorted at the end, 5.7-5.9 s against 5.1-5.2 s (same host, same minutes).
 * - PostgreSQL: a view of contacts, whose (list_no, phone_e164) index stays: its B-tree upkeep
 *   does not rewrite whole pages per commit, and random order costs it little (8.5 s against 7 s).
 * Rows are keyed (list_no, phone_e164, seq); like contacts, only those with seq <= the list's
 * visible_seq count.
 */
export async function up(db: Kysely<unknown>, d: MigrationDialect): Promise<void> {
  if (d.name === 'postgres') {
    await sql`CREATE VIEW contact_phones AS SELECT list_no, phone_e164, seq FROM contacts`.execute(db);
    return;
  }
  // Kysely runs SQLite migrations outside a transaction; this must not stop half-way.
  await db.transaction().execute(async (trx) => {
    await sql`
      CREATE TABLE contact_phones (
        list_no integer NOT NULL REFERENCES contact_lists (list_no) ON DELETE CASCADE,
        phone_e164 text NOT NULL,
        seq integer NOT NULL,
        PRIMARY KEY (list_no, phone_e164, seq)
      ) WITHOUT ROWID`.execute(trx);
    await sql`
      INSERT INTO contact_phones (list_no, phone_e164, seq)
      SELECT c.list_no, c.phone_e164, c.seq FROM contacts c JOIN contact_lists l ON l.list_no = c.list_no
      WHERE c.seq <= l.visible_seq
      ORDER BY c.list_no, c.phone_e164, c.seq`.execute(trx);
    await sql`DROP INDEX contacts_list_phone_idx`.execute(trx);
  });
}
