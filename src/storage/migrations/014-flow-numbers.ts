import type { Kysely } from 'kysely';
import type { MigrationDialect } from './migration-dialect.js';

/**
 * `flow_numbers`: the phone numbers attached to a bot's SMS experience flows (Kore's Send Outbound
 * SMS names the flow by the number it sends from, `fromNo`). A number belongs to at most one flow
 * of a bot (the primary key), so a `fromNo` always names one flow; two bots may share a number.
 * Flows had no column that could hold a list, hence a table of their own.
 */
export async function up(db: Kysely<unknown>, _d: MigrationDialect): Promise<void> {
  await db.schema
    .createTable('flow_numbers')
    .addColumn('bot_id', 'text', (c) => c.notNull().references('bots.id').onDelete('cascade'))
    .addColumn('phone_e164', 'text', (c) => c.notNull())
    .addColumn('flow_id', 'text', (c) => c.notNull().references('flows.id').onDelete('cascade'))
    .addPrimaryKeyConstraint('flow_numbers_pk', ['bot_id', 'phone_e164'])
    .execute();
  await db.schema.createIndex('flow_numbers_flow_idx').on('flow_numbers').columns(['flow_id']).execute();
}
