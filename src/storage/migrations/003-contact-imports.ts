import { sql, type Kysely } from 'kysely';
import type { MigrationDialect } from './migration-dialect.js';

/**
 * Import liveness and the one-global-DNC-list rule.
 * - `heartbeat_at` (epoch ms): a running import touches it after every batch and on a timer, so a
 *   sweeper can tell an import whose process died (stale heartbeat) from one that is merely long.
 * - At most one list per account may be the global DNC list; a partial unique index makes the rule
 *   hold under concurrent creates (both dialects support `CREATE UNIQUE INDEX … WHERE`).
 */
export async function up(db: Kysely<unknown>, d: MigrationDialect): Promise<void> {
  await db.schema
    .alterTable('imports')
    .addColumn('heartbeat_at', d.epochMs, (c) => c.notNull().defaultTo(0))
    .execute();
  await db.schema.createIndex('imports_status_idx').on('imports').columns(['status', 'heartbeat_at']).execute();
  await db.schema
    .createIndex('contact_lists_global_dnc_uq')
    .on('contact_lists')
    .column('account_id')
    .unique()
    .where(sql.ref('is_global_dnc'), '=', 1)
    .execute();
}
