import { sql, type Kysely } from 'kysely';
import type { MigrationDialect } from './migration-dialect.js';

/**
 * Contacts keyed by their place in the list, and imports made visible by one counter (for import speed).
 *
 * Before: every imported row carried `pending_import_id` until its import completed, and completing
 * a million-row import rewrote a million rows to clear it (as long as the insert itself); the text
 * primary key `contacts.id` was a third B-tree every row paid for, though nothing looks a contact
 * up by it. Now:
 * - Imports into one list run one at a time (`imports_running_list_uq`: one `running` job per
 *   list, in every process), so each appends a contiguous run of `seq` after the list's contents.
 * - `contact_lists.visible_seq`: the list's contents are exactly its contacts with
 *   `seq <= visible_seq`. Completing an import moves it to the import's last row, in the same
 *   transaction as the job's status and the list's count: one row written, whatever the size.
 *   Rows beyond it belong to the running import, or to a dead one, and are deleted when that job
 *   is failed or the next import starts.
 * - `contacts` has the primary key (list_id, seq), which is list order itself (SQLite: a WITHOUT
 *   ROWID table clustered on it, so the former contacts_list_seq_idx is gone too). `id` stays as
 *   the contact's public id, unindexed. `pending_import_id` is gone.
 * - `imports.first_seq` / `last_seq` (migration 006) are gone: a job's rows are the rows beyond
 *   `visible_seq` while it runs.
 *
 * Existing data: visible contacts are copied in list order and renumbered 1..n per list (concurrent
 * imports could share a `seq` before); rows of unfinished imports are dropped and those jobs
 * failed, as the abandoned-import sweeper would have done. Run the upgrade with no import running.
 */
export async function up(db: Kysely<unknown>, d: MigrationDialect): Promise<void> {
  // Kysely runs SQLite migrations outside a transaction; this rebuild must not stop half-way.
  if (d.name === 'sqlite') await db.transaction().execute((trx) => rebuild(trx, d));
  else await rebuild(db, d);
}

async function rebuild(db: Kysely<unknown>, d: MigrationDialect): Promise<void> {
  await db.schema
    .alterTable('contact_lists')
    .addColumn('visible_seq', d.epochMs, (c) => c.notNull().defaultTo(0))
    .execute();

  let table = db.schema
    .createTable('contacts_v7')
    .addColumn('list_id', 'text', (c) => c.notNull().references('contact_lists.id').onDelete('cascade'))
    .addColumn('seq', d.epochMs, (c) => c.notNull())
    .addColumn('id', 'text', (c) => c.notNull())
    .addColumn('phone_e164', 'text', (c) => c.notNull())
    .addColumn('phone_raw', 'text', (c) => c.notNull())
    .addColumn('extension', 'text')
    .addColumn('first_name', 'text')
    .addColumn('last_name', 'text')
    .addColumn('time_zone', 'text')
    .addColumn('unique_id', 'text')
    .addColumn('contact_priority', 'integer')
    .addColumn('extra', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('contacts_pk', ['list_id', 'seq']);
  if (d.name === 'sqlite') table = table.modifyEnd(sql`without rowid`);
  await table.execute();

  const columns = sql.raw(
    'id, phone_e164, phone_raw, extension, first_name, last_name, time_zone, unique_id, contact_priority, extra, created_at, updated_at',
  );
  await sql`
    INSERT INTO contacts_v7 (list_id, seq, ${columns})
    SELECT list_id, ROW_NUMBER() OVER (PARTITION BY list_id ORDER BY seq, id), ${columns}
    FROM contacts WHERE pending_import_id IS NULL`.execute(db);
  await sql`UPDATE contact_lists SET visible_seq = COALESCE((SELECT MAX(seq) FROM contacts_v7 c WHERE c.list_id = contact_lists.id), 0)`.execute(
    db,
  );
  await sql`
    UPDATE imports SET status = 'failed', imported = 0, duplicates = 0,
      error = 'Import interrupted by an upgrade of campaignd; no contacts were added. Run it again.'
    WHERE status IN ('queued', 'running')`.execute(db);

  await db.schema.dropTable('contacts').execute();
  await db.schema.alterTable('contacts_v7').renameTo('contacts').execute();
  // De-duplication within a list and DNC membership checks are lookups by (list, number).
  await db.schema.createIndex('contacts_list_phone_idx').on('contacts').columns(['list_id', 'phone_e164']).execute();

  await db.schema.alterTable('imports').dropColumn('first_seq').execute();
  await db.schema.alterTable('imports').dropColumn('last_seq').execute();
  await db.schema
    .createIndex('imports_running_list_uq')
    .on('imports')
    .column('list_id')
    .unique()
    .where(sql.ref('status'), '=', 'running')
    .execute();
}
