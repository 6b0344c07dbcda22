import type { Kysely } from 'kysely';
import type { MigrationDialect } from './migration-dialect.js';

/**
 * Reports (docs/reports.md): the attempts of a run in time order, paged by keyset
 * (`started_at`, `id`) and exported as CSV a chunk at a time. 004's `attempts_instance_idx`
 * (instance_id, outcome) cannot give that order, so every chunk of a million-attempt export would
 * sort the whole run; with this index each chunk is one range of the index, newest or oldest first.
 */
export async function up(db: Kysely<unknown>, _d: MigrationDialect): Promise<void> {
  await db.schema
    .createIndex('attempts_by_instance_start')
    .on('attempts')
    .columns(['instance_id', 'started_at', 'id'])
    .execute();
}
