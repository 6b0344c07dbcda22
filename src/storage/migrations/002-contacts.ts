import type { Kysely } from 'kysely';
import type { MigrationDialect } from './migration-dialect.js';

/**
 * Contacts of lists and the import jobs that fill them. `seq` is the list order (FIFO/LIFO dial
 * order); `phone_e164` is the normalised number used for de-duplication and DNC membership.
 * A contact written by an import that has not completed carries `pending_import_id`, and every
 * read of a list ignores such rows, so a crashed import is never visible as partly done.
 */
export async function up(db: Kysely<unknown>, d: MigrationDialect): Promise<void> {
  await db.schema
    .createTable('contacts')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('list_id', 'text', (c) => c.notNull().references('contact_lists.id').onDelete('cascade'))
    .addColumn('seq', d.epochMs, (c) => c.notNull())
    .addColumn('phone_e164', 'text', (c) => c.notNull())
    .addColumn('phone_raw', 'text', (c) => c.notNull())
    .addColumn('extension', 'text')
    .addColumn('first_name', 'text')
    .addColumn('last_name', 'text')
    .addColumn('time_zone', 'text')
    .addColumn('unique_id', 'text')
    .addColumn('contact_priority', 'integer')
    .addColumn('extra', 'text')
    .addColumn('pending_import_id', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('contacts_list_seq_idx').on('contacts').columns(['list_id', 'seq']).execute();
  // De-duplication within a list and DNC membership checks are lookups by (list, number).
  await db.schema.createIndex('contacts_list_phone_idx').on('contacts').columns(['list_id', 'phone_e164']).execute();
  await db.schema.createIndex('contacts_pending_idx').on('contacts').column('pending_import_id').execute();

  await db.schema
    .createTable('imports')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('account_id', 'text', (c) => c.notNull())
    .addColumn('bot_id', 'text', (c) => c.notNull())
    .addColumn('list_id', 'text', (c) => c.notNull().references('contact_lists.id').onDelete('cascade'))
    .addColumn('source', 'text', (c) => c.notNull())
    .addColumn('file_name', 'text')
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('total_rows', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('imported', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('duplicates', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('rejected', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('error', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('started_at', 'text')
    .addColumn('finished_at', 'text')
    .execute();
  await db.schema.createIndex('imports_list_idx').on('imports').columns(['list_id', 'created_at']).execute();

  await db.schema
    .createTable('import_rejects')
    .addColumn('import_id', 'text', (c) => c.notNull().references('imports.id').onDelete('cascade'))
    .addColumn('row_number', 'integer', (c) => c.notNull())
    .addColumn('column_name', 'text')
    .addColumn('reason', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('import_rejects_idx').on('import_rejects').columns(['import_id', 'row_number']).execute();
}
