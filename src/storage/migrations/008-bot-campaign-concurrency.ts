import type { Kysely } from 'kysely';
import type { MigrationDialect } from './migration-dialect.js';

/**
 * `bots.campaign_max_concurrent`: how many calls one campaign of the bot may have out at once.
 * Null means Kore's agentless default (10, POLICY_DEFAULTS.maxConcurrent). The Kore campaign API
 * has no field for it, so it is a bot setting (admin API and `campaignd bots configure`).
 */
export async function up(db: Kysely<unknown>, _d: MigrationDialect): Promise<void> {
  await db.schema.alterTable('bots').addColumn('campaign_max_concurrent', 'integer').execute();
}
