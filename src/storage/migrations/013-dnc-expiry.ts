import type { Kysely } from 'kysely';
import type { MigrationDialect } from './migration-dialect.js';

/**
 * `contacts.expires_at`: when a DNC entry stops counting (epoch ms; null: never), set by DNC
 * management (docs/imports.md "DNC management"). A nullable column without a default is a catalogue
 * change on both dialects (PostgreSQL stores no value for existing rows; SQLite reads a missing
 * column as null), so neither the upgrade nor an import pays for it, and imports never write it.
 * No index: the DNC check finds a list's entries for a number through contact_phones (list_no,
 * phone_e164) and reads the column on the few rows found; an index on it would only make every
 * imported row cost more.
 */
export async function up(db: Kysely<unknown>, d: MigrationDialect): Promise<void> {
  await db.schema.alterTable('contacts').addColumn('expires_at', d.epochMs).execute();
}
