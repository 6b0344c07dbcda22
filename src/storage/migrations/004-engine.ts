import type { Kysely } from 'kysely';
import type { MigrationDialect } from './migration-dialect.js';

/**
 * The campaign engine's state.
 * - `campaign_instances`: one per `play` (cid-…); records and counters belong to an instance, so a
 *   rerun starts from the full lists without touching the history of earlier runs.
 * - `dial_records`: one per distinct number per instance (UNIQUE (instance_id, phone_e164) makes the
 *   de-duplication a database fact). `state` is pending → leased → in_flight → pending (retry) | done.
 *   DNC-excluded numbers are stored as `done` with final_outcome `dnc`, so they can be reported.
 * - `attempts`: one row per dial / send; its id is the provider idempotency key, and
 *   UNIQUE (record_id, attempt_no) makes a duplicate attempt impossible to store, not just unlikely.
 * Indexes are chosen so a tick costs O(due + in flight), never O(records): the due query is a range
 * scan of (instance_id, state, next_at, order_key); reconciliation scans (state, lease_expires_at).
 */
export async function up(db: Kysely<unknown>, d: MigrationDialect): Promise<void> {
  await db.schema
    .createTable('campaign_instances')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('campaign_id', 'text', (c) => c.notNull().references('campaigns.id').onDelete('cascade'))
    .addColumn('account_id', 'text', (c) => c.notNull())
    .addColumn('bot_id', 'text', (c) => c.notNull())
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('total_records', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('excluded_records', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('started_at', d.epochMs, (c) => c.notNull())
    .addColumn('ended_at', d.epochMs)
    .execute();
  await db.schema
    .createIndex('campaign_instances_campaign_idx')
    .on('campaign_instances')
    .columns(['campaign_id', 'started_at'])
    .execute();
  await db.schema.createIndex('campaign_instances_status_idx').on('campaign_instances').column('status').execute();

  await db.schema
    .createTable('dial_records')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('instance_id', 'text', (c) => c.notNull().references('campaign_instances.id').onDelete('cascade'))
    .addColumn('campaign_id', 'text', (c) => c.notNull())
    .addColumn('contact_id', 'text')
    .addColumn('phone_e164', 'text', (c) => c.notNull())
    .addColumn('unique_id', 'text')
    .addColumn('time_zone', 'text')
    .addColumn('order_key', 'integer', (c) => c.notNull())
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('next_at', d.epochMs, (c) => c.notNull())
    .addColumn('current_attempt_id', 'text')
    .addColumn('lease_owner', 'text')
    .addColumn('lease_expires_at', d.epochMs)
    .addColumn('last_outcome', 'text')
    .addColumn('final_outcome', 'text')
    .addColumn('excluded_reason', 'text')
    .addColumn('bot_session_id', 'text')
    .addColumn('bot_outbound_status', 'text')
    .addColumn('bot_outbound_status_detail', 'text')
    .addColumn('agent_disposition_codes', 'text')
    .addColumn('contact_data', 'text')
    .addColumn('updated_at', d.epochMs, (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('dial_records_phone_uq')
    .on('dial_records')
    .columns(['instance_id', 'phone_e164'])
    .unique()
    .execute();
  await db.schema
    .createIndex('dial_records_due_idx')
    .on('dial_records')
    .columns(['instance_id', 'state', 'next_at', 'order_key'])
    .execute();
  await db.schema
    .createIndex('dial_records_lease_idx')
    .on('dial_records')
    .columns(['state', 'lease_expires_at'])
    .execute();
  await db.schema
    .createIndex('dial_records_view_idx')
    .on('dial_records')
    .columns(['instance_id', 'order_key'])
    .execute();
  await db.schema
    .createIndex('dial_records_contact_idx')
    .on('dial_records')
    .columns(['instance_id', 'contact_id'])
    .execute();

  await db.schema
    .createTable('attempts')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('record_id', 'text', (c) => c.notNull().references('dial_records.id').onDelete('cascade'))
    .addColumn('instance_id', 'text', (c) => c.notNull())
    .addColumn('attempt_no', 'integer', (c) => c.notNull())
    .addColumn('channel', 'text', (c) => c.notNull())
    .addColumn('worker', 'text', (c) => c.notNull())
    .addColumn('started_at', d.epochMs, (c) => c.notNull())
    .addColumn('ended_at', d.epochMs)
    .addColumn('outcome', 'text')
    .addColumn('provider_outcome', 'text')
    .addColumn('detail', 'text')
    .addColumn('ring_sec', 'real')
    .addColumn('talk_sec', 'real')
    .addColumn('machine_detected', 'integer')
    .addColumn('late_outcome', 'text')
    .execute();
  await db.schema
    .createIndex('attempts_record_no_uq')
    .on('attempts')
    .columns(['record_id', 'attempt_no'])
    .unique()
    .execute();
  await db.schema.createIndex('attempts_instance_idx').on('attempts').columns(['instance_id', 'outcome']).execute();
}
