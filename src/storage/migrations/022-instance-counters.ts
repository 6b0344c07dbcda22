import { sql, type Kysely } from 'kysely';
import type { MigrationDialect } from './migration-dialect.js';

/**
 * `campaign_instances.messages_sent`: the run's attempts whose outcome is `sms-sent` (Get SMS
 * Campaign's `totalMessagesSent`), kept as the outcomes are stored instead of counted over the
 * run's attempts on every read (a million-message run counted a million index entries per Get).
 *
 * A trigger keeps it, so every path that stores an outcome counts, now and later: an attempt's
 * outcome is written once (null → outcome; every writer guards on `outcome IS NULL`) and attempts
 * with an outcome are never deleted, so counting the null → `sms-sent` updates is exact.
 * PostgreSQL: per statement, from the transition tables, one UPDATE per run however many outcomes a
 * batch stores (a per-row trigger would write the run's row once per outcome). SQLite has only
 * per-row triggers, each an in-process B-tree write.
 */
export async function up(db: Kysely<unknown>, d: MigrationDialect): Promise<void> {
  await db.schema
    .alterTable('campaign_instances')
    .addColumn('messages_sent', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();
  await sql`
    UPDATE campaign_instances SET messages_sent = (
      SELECT count(*) FROM attempts a WHERE a.instance_id = campaign_instances.id AND a.outcome = 'sms-sent')`.execute(
    db,
  );
  if (d.name === 'postgres') {
    await sql`
      CREATE FUNCTION attempts_count_sent() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        UPDATE campaign_instances i SET messages_sent = i.messages_sent + s.n
        FROM (SELECT n.instance_id, count(*) AS n
              FROM new_attempts n JOIN old_attempts o ON o.id = n.id
              WHERE o.outcome IS NULL AND n.outcome = 'sms-sent'
              GROUP BY n.instance_id) s
        WHERE i.id = s.instance_id;
        RETURN NULL;
      END $$`.execute(db);
    await sql`
      CREATE TRIGGER attempts_count_sent AFTER UPDATE ON attempts
      REFERENCING OLD TABLE AS old_attempts NEW TABLE AS new_attempts
      FOR EACH STATEMENT EXECUTE FUNCTION attempts_count_sent()`.execute(db);
  } else {
    await sql`
      CREATE TRIGGER attempts_count_sent AFTER UPDATE OF outcome ON attempts
      WHEN old.outcome IS NULL AND new.outcome = 'sms-sent'
      BEGIN
        UPDATE campaign_instances SET messages_sent = messages_sent + 1 WHERE id = new.instance_id;
      END`.execute(db);
  }
}
