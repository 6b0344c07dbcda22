import type { Kysely } from 'kysely';
import type { MigrationDialect } from './migration-dialect.js';

/**
 * `instance_lists`: the contact lists a campaign run (instance) dials and, per list, `absorbed_seq`,
 * the highest `seq` of the list the run has taken in. Play writes one row per list with what it
 * read; the engine takes in the list's contacts that became visible later (`seq` in
 * (absorbed_seq, contact_lists.visible_seq]) by an indexed range of the contacts key (list_no, seq)
 * and moves the mark, in the same transaction as the new dial records (docs/engine.md, "Live
 * lists"). Runs started before this migration have no rows: they stay as play froze them.
 */
export async function up(db: Kysely<unknown>, d: MigrationDialect): Promise<void> {
  await db.schema
    .createTable('instance_lists')
    .addColumn('instance_id', 'text', (c) => c.notNull().references('campaign_instances.id').onDelete('cascade'))
    .addColumn('list_no', d.epochMs, (c) => c.notNull())
    .addColumn('position', 'integer', (c) => c.notNull())
    .addColumn('absorbed_seq', d.epochMs, (c) => c.notNull())
    .addPrimaryKeyConstraint('instance_lists_pk', ['instance_id', 'list_no'])
    .execute();
}
