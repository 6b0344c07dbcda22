import type { Kysely } from 'kysely';
import type { MigrationDialect } from './migration-dialect.js';

/**
 * `idempotency_keys`: the `Idempotency-Key`s of Kore mutations (docs/kore-compatibility.md, "Idempotent
 * requests"), one row per account and key. The primary key is what makes a key claimable once across every
 * server process sharing the database: the claim is an INSERT that does nothing on conflict. `token` names
 * the claim, so a process whose claim was taken over (stale, expired) cannot overwrite the new one.
 * `expires_at` is indexed for the purge of expired keys.
 */
export async function up(db: Kysely<unknown>, d: MigrationDialect): Promise<void> {
  await db.schema
    .createTable('idempotency_keys')
    .addColumn('account_id', 'text', (c) => c.notNull().references('accounts.id').onDelete('cascade'))
    .addColumn('key', 'text', (c) => c.notNull())
    .addColumn('fingerprint', 'text', (c) => c.notNull())
    .addColumn('token', 'text', (c) => c.notNull())
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('status', 'integer')
    .addColumn('content_type', 'text')
    .addColumn('body', 'text')
    .addColumn('created_at', d.epochMs, (c) => c.notNull())
    .addColumn('expires_at', d.epochMs, (c) => c.notNull())
    .addPrimaryKeyConstraint('idempotency_keys_pk', ['account_id', 'key'])
    .execute();
  await db.schema.createIndex('idempotency_keys_by_expiry').on('idempotency_keys').column('expires_at').execute();
}
