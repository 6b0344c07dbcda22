import { sql, type Kysely } from 'kysely';
import type { MigrationDialect } from './migration-dialect.js';

/**
 * Predictive dialing (docs/pacing.md):
 * - `attempts.answered_at`: a Predictive call a person answered, at that instant. Until an agent is
 *   named (`agent_id`) the person waits, and the engine connects the longest-waiting first; the
 *   partial index holds only those calls, a handful at any time.
 * - `pacing_measurements`: per campaign, what the pacing controller has measured (answer rates,
 *   ring, talk and wrap-up times), as the JSON of src/domain/pacing/measurement.ts.
 * - `pacing_windows`: per campaign and hour, live answers and abandons, summed over the abandon
 *   window (30 days or 24 hours) by the guard; hours older than 30 days are deleted.
 * - `agent_call_lockouts`: a number whose call was abandoned is not dialed for an agent until
 *   `until` by any agent campaign of the account (Ofcom's 72 hours).
 */
export async function up(db: Kysely<unknown>, d: MigrationDialect): Promise<void> {
  await db.schema.alterTable('attempts').addColumn('answered_at', d.epochMs).execute();
  await db.schema
    .createIndex('attempts_waiting_idx')
    .on('attempts')
    .columns(['instance_id', 'answered_at'])
    .where(sql.ref('answered_at'), 'is not', null)
    .where(sql.ref('agent_id'), 'is', null)
    .where(sql.ref('outcome'), 'is', null)
    .execute();
  await db.schema
    .createTable('pacing_measurements')
    .addColumn('campaign_id', 'text', (c) => c.primaryKey().notNull())
    .addColumn('data', 'text', (c) => c.notNull())
    .addColumn('updated_at', d.epochMs, (c) => c.notNull())
    .execute();
  await db.schema
    .createTable('pacing_windows')
    .addColumn('campaign_id', 'text', (c) => c.notNull())
    .addColumn('hour', d.epochMs, (c) => c.notNull())
    .addColumn('answered', 'integer', (c) => c.notNull())
    .addColumn('abandoned', 'integer', (c) => c.notNull())
    .addPrimaryKeyConstraint('pacing_windows_pk', ['campaign_id', 'hour'])
    .execute();
  await db.schema
    .createTable('agent_call_lockouts')
    .addColumn('account_id', 'text', (c) => c.notNull())
    .addColumn('phone_e164', 'text', (c) => c.notNull())
    .addColumn('until', d.epochMs, (c) => c.notNull())
    .addPrimaryKeyConstraint('agent_call_lockouts_pk', ['account_id', 'phone_e164'])
    .execute();
}
