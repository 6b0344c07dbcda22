import type { Kysely } from 'kysely';
import type { MigrationDialect } from './migration-dialect.js';

/** Accounts, bots, JWT apps, the names campaigns refer to, campaigns and contact-list headers. */
export async function up(db: Kysely<unknown>, d: MigrationDialect): Promise<void> {
  // Small facts the service keeps about itself (e.g. which demo tenant it created).
  await db.schema
    .createTable('kv')
    .addColumn('key', 'text', (c) => c.primaryKey())
    .addColumn('value', 'text', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('accounts')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('bots')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('account_id', 'text', (c) => c.notNull().references('accounts.id'))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('default_country', 'text', (c) => c.notNull().defaultTo('US'))
    .addColumn('precall_config', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('apps')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('account_id', 'text', (c) => c.notNull().references('accounts.id'))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('secret', 'text', (c) => c.notNull())
    .addColumn('enforce_jti', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('app_scopes')
    .addColumn('app_id', 'text', (c) => c.notNull().references('apps.id'))
    .addColumn('bot_id', 'text', (c) => c.notNull().references('bots.id'))
    .addColumn('scope', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('app_scopes_pk', ['app_id', 'bot_id', 'scope'])
    .execute();

  await db.schema
    .createTable('jti_seen')
    .addColumn('app_id', 'text', (c) => c.notNull())
    .addColumn('jti', 'text', (c) => c.notNull())
    .addColumn('expires_at', d.epochMs, (c) => c.notNull())
    .addPrimaryKeyConstraint('jti_seen_pk', ['app_id', 'jti'])
    .execute();

  for (const table of ['flows', 'queues', 'templates'] as const) {
    let t = db.schema
      .createTable(table)
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('account_id', 'text', (c) => c.notNull().references('accounts.id'))
      .addColumn('bot_id', 'text', (c) => c.notNull().references('bots.id'))
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('lname', 'text', (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull());
    if (table === 'flows') t = t.addColumn('channel', 'text', (c) => c.notNull());
    if (table === 'templates') t = t.addColumn('message', 'text', (c) => c.notNull());
    await t.execute();
  }
  await db.schema.createIndex('flows_name_uq').on('flows').columns(['bot_id', 'channel', 'lname']).unique().execute();
  await db.schema.createIndex('queues_name_uq').on('queues').columns(['bot_id', 'lname']).unique().execute();
  await db.schema.createIndex('templates_name_uq').on('templates').columns(['bot_id', 'lname']).unique().execute();

  await db.schema
    .createTable('campaigns')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('account_id', 'text', (c) => c.notNull().references('accounts.id'))
    .addColumn('bot_id', 'text', (c) => c.notNull().references('bots.id'))
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('lname', 'text', (c) => c.notNull())
    .addColumn('description', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('priority', 'integer', (c) => c.notNull())
    .addColumn('dialing_mode', 'text')
    .addColumn('config', 'text', (c) => c.notNull())
    .addColumn('instance_id', 'text')
    .addColumn('instance_updated_at', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();
  // Names are unique per bot, case-insensitively: the API references campaigns by name.
  await db.schema.createIndex('campaigns_name_uq').on('campaigns').columns(['bot_id', 'lname']).unique().execute();
  await db.schema.createIndex('campaigns_list_idx').on('campaigns').columns(['bot_id', 'type', 'created_at']).execute();

  await db.schema
    .createTable('contact_lists')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('account_id', 'text', (c) => c.notNull().references('accounts.id'))
    .addColumn('bot_id', 'text', (c) => c.notNull().references('bots.id'))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('lname', 'text', (c) => c.notNull())
    .addColumn('description', 'text', (c) => c.notNull())
    .addColumn('source', 'text', (c) => c.notNull())
    .addColumn('allow_duplicates', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('is_global_dnc', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('total_record_count', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('contact_lists_name_uq')
    .on('contact_lists')
    .columns(['bot_id', 'lname'])
    .unique()
    .execute();

  await db.schema
    .createTable('campaign_lists')
    .addColumn('campaign_id', 'text', (c) => c.notNull().references('campaigns.id').onDelete('cascade'))
    .addColumn('list_id', 'text', (c) => c.notNull().references('contact_lists.id'))
    .addColumn('role', 'text', (c) => c.notNull())
    .addColumn('position', 'integer', (c) => c.notNull())
    .addPrimaryKeyConstraint('campaign_lists_pk', ['campaign_id', 'list_id', 'role'])
    .execute();
  await db.schema.createIndex('campaign_lists_list_idx').on('campaign_lists').column('list_id').execute();
}
