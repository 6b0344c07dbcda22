import { sql, type Kysely } from 'kysely';
import type { MigrationDialect } from './migration-dialect.js';

/**
 * PostgreSQL: no index on dial_records may lead with `state`.
 *
 * 004's `dial_records_lease_idx (state, lease_expires_at)` looks harmless, but `leased` and
 * `in_flight` records are rare (at most the concurrent-call capacity), so ANALYZE usually samples
 * none and the planner estimates `state = 'leased'` at one row: as cheap as the primary key, and
 * the index is smaller (B-tree deduplication of millions of ('pending'|'done', NULL) entries), so it
 * wins the tie. The by-id updates of a claim (`id = $1 AND current_attempt_id = $2 AND
 * state = 'leased'`, markInFlight and release) then walked every leased record instead of one
 * primary-key entry: O(in flight) per record, O(batch²) per tick (EXPLAIN in
 * `BENCH_EXPLAIN=1 npm run bench -- engine`). The same happens to `state = 'pending'` right after
 * a play on a table ANALYZEd when everything was final.
 *
 * The replacement only holds records that have a lease, which are exactly the leased and in-flight
 * ones (claim and markInFlight set lease_expires_at, every outcome and release clears it with the
 * state), and its predicate is not implied by a `state = …` filter, so the planner cannot use it
 * for the by-id updates at all:
 * - expiredLeases (`lease_expires_at < now`) is a range scan of expired leases only;
 * - inFlightByInstance (`lease_expires_at IS NOT NULL AND state IN …`) scans the records out, with
 *   instance_id and state in the index (index-only when the visibility map allows).
 *
 * SQLite keeps 004's index: its planner always prefers a unique-key equality lookup for the by-id
 * updates, and without ANALYZE statistics it would scan a whole index for inFlightByInstance with
 * the lease-first index (EXPLAIN QUERY PLAN shows `SCAN ... dial_records_view_idx`), while the
 * state-first one gives `SEARCH ... (state=? AND lease_expires_at>?)`.
 */
export async function up(db: Kysely<unknown>, d: MigrationDialect): Promise<void> {
  if (d.name !== 'postgres') return;
  await db.schema.dropIndex('dial_records_lease_idx').execute();
  await db.schema
    .createIndex('dial_records_out_idx')
    .on('dial_records')
    .columns(['lease_expires_at', 'instance_id', 'state'])
    .where(sql.ref('lease_expires_at'), 'is not', null)
    .execute();
}
