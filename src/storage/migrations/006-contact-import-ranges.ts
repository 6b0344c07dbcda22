import type { Kysely } from 'kysely';
import type { MigrationDialect } from './migration-dialect.js';

/**
 * Faster imports. An import's rows are found by their place in the list instead of
 * by an index on `pending_import_id`:
 * - `imports.first_seq` / `last_seq`: the `seq` range of the rows a job wrote, recorded in the same
 *   transaction as the rows. Completing (clear `pending_import_id`) and failing (delete) a job walk
 *   contacts(list_id, seq) over that range; the `pending_import_id = job` filter keeps them exact
 *   when concurrent jobs' ranges overlap. Jobs from before this migration have no range and fall
 *   back to a scan of their list.
 * - `contacts_pending_idx` is dropped: every imported row paid an insert into it and another write
 *   when its import completed, for lookups the range now does. Reads never used it (they filter
 *   `pending_import_id IS NULL` within a list).
 */
export async function up(db: Kysely<unknown>, d: MigrationDialect): Promise<void> {
  await db.schema.alterTable('imports').addColumn('first_seq', d.epochMs).execute();
  await db.schema.alterTable('imports').addColumn('last_seq', d.epochMs).execute();
  await db.schema.dropIndex('contacts_pending_idx').ifExists().execute();
}
