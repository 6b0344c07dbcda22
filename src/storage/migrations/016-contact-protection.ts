import { sql, type Kysely } from 'kysely';
import type { MigrationDialect } from './migration-dialect.js';

/**
 * Contact protection across campaigns (docs/contact-protection.md):
 *
 * - `attempts.account_id`, `attempts.phone_e164` and the index `attempts_by_number` (account,
 *   number, start): the frequency caps count one number's attempts across every campaign of an
 *   account in a rolling window with one index range per claim batch. The claim writes both
 *   columns with the attempt; earlier attempts are filled in here from their record and instance,
 *   so a cap switched on later counts them too.
 * - `dial_records_busy_idx`: a partial index of the numbers that are offered, accepted, being
 *   placed or on a call. "One call per number per account at a time" asks it for the numbers of a
 *   claim batch; it holds only the records out now, so it stays small however many are pending.
 * - `bots.contact_rules`: the bot's frequency caps and chosen rule packs, JSON (null: none).
 * - `rule_packs`: an operator's own jurisdiction rule packs (the shipped ones live in rules/packs).
 * - `blackouts`: an account's (or one bot's) blackout dates, e.g. a company holiday.
 */
export async function up(db: Kysely<unknown>, d: MigrationDialect): Promise<void> {
  await db.schema.alterTable('attempts').addColumn('account_id', 'text').execute();
  await db.schema.alterTable('attempts').addColumn('phone_e164', 'text').execute();
  await sql`update attempts set
      phone_e164 = (select r.phone_e164 from dial_records r where r.id = attempts.record_id),
      account_id = (select i.account_id from campaign_instances i where i.id = attempts.instance_id)`.execute(db);
  await db.schema
    .createIndex('attempts_by_number')
    .on('attempts')
    .columns(['account_id', 'phone_e164', 'started_at'])
    .execute();
  await db.schema
    .createIndex('dial_records_busy_idx')
    .on('dial_records')
    .column('phone_e164')
    .where(sql.ref('state'), 'in', sql`('offered', 'accepted', 'leased', 'in_flight')`)
    .execute();
  await db.schema.alterTable('bots').addColumn('contact_rules', 'text').execute();
  await db.schema
    .createTable('rule_packs')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('version', 'text', (c) => c.notNull())
    .addColumn('body', 'text', (c) => c.notNull())
    .addColumn('created_at', d.epochMs, (c) => c.notNull())
    .execute();
  await db.schema
    .createTable('blackouts')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('account_id', 'text', (c) => c.notNull().references('accounts.id').onDelete('cascade'))
    .addColumn('bot_id', 'text')
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('from_date', 'text', (c) => c.notNull())
    .addColumn('to_date', 'text', (c) => c.notNull())
    .addColumn('created_at', d.epochMs, (c) => c.notNull())
    .execute();
  await db.schema.createIndex('blackouts_by_account').on('blackouts').column('account_id').execute();
}
