/**
 * Migration 022 (runs' messages-sent counter): runs of before the upgrade get their count of
 * `sms-sent` attempts, and from then on the trigger counts each attempt whose outcome becomes
 * `sms-sent` exactly once: several in one statement (the outcomes' set-wise write), none for another
 * outcome, none for a later write to an attempt that already has its outcome.
 */
import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { migrate } from '../../src/storage/migrations/index.js';
import { DIALECTS, useDbAtMigration } from '../support/test-db.js';

const NOW = '2026-12-07T08:00:00.000Z';
const T = Date.parse(NOW);

describe.each(DIALECTS)('migration 022 on %s', (dialect) => {
  const dbAt = useDbAtMigration(dialect, NOW);

  it('counts the sent messages of earlier runs, then each new one once', async () => {
    const { db, run } = await dbAt('021-predictive');
    await run(`INSERT INTO campaigns (id, account_id, bot_id, type, name, lname, description, status, priority, config, created_at, updated_at)
               VALUES ('cmp', 'acc', 'bot', 'sms', 'S', 's', '', 'Active', 1, '{}', '${NOW}', '${NOW}')`);
    for (const run_ of ['cid-a', 'cid-b'])
      await run(`INSERT INTO campaign_instances (id, campaign_id, account_id, bot_id, type, status, started_at)
                 VALUES ('${run_}', 'cmp', 'acc', 'bot', 'sms', 'Active', ${T})`);
    // Run a: two sent, one failed, two still out. Run b: one sent.
    const attempts: [string, string, string | null][] = [
      ['a1', 'cid-a', 'sms-sent'],
      ['a2', 'cid-a', 'sms-sent'],
      ['a3', 'cid-a', 'failed'],
      ['a4', 'cid-a', null],
      ['a5', 'cid-a', null],
      ['b1', 'cid-b', 'sms-sent'],
    ];
    for (const [id, inst, outcome] of attempts) {
      await run(`INSERT INTO dial_records (id, instance_id, campaign_id, phone_e164, order_key, state, next_at, updated_at)
                 VALUES ('r-${id}', '${inst}', 'cmp', '+1555000${id.charCodeAt(0)}${id[1]}', 1, 'in_flight', ${T}, ${T})`);
      await run(`INSERT INTO attempts (id, record_id, instance_id, attempt_no, channel, worker, started_at, outcome)
                 VALUES ('${id}', 'r-${id}', '${inst}', 1, 'sms', 'w', ${T}, ${outcome === null ? 'NULL' : `'${outcome}'`})`);
    }

    expect(await migrate(db, '022-instance-counters')).toEqual(['022-instance-counters']);
    const counts = async () =>
      Object.fromEntries(
        (await db.kysely.selectFrom('campaign_instances').select(['id', 'messages_sent']).orderBy('id').execute()).map(
          (r) => [r.id, Number(r.messages_sent)],
        ),
      );
    expect(await counts()).toEqual({ 'cid-a': 2, 'cid-b': 1 });

    // Both open attempts sent in one statement, as the outcomes' batch writes them.
    await sql`UPDATE attempts SET outcome = 'sms-sent', ended_at = ${T} WHERE id IN ('a4', 'a5') AND outcome IS NULL`.execute(
      db.kysely,
    );
    expect(await counts()).toEqual({ 'cid-a': 4, 'cid-b': 1 });
    // The guard every writer has: an attempt with its outcome is not counted again.
    await sql`UPDATE attempts SET outcome = 'sms-sent' WHERE id = 'a1' AND outcome IS NULL`.execute(db.kysely);
    // A late outcome kept for reporting, another column of a sent attempt, another outcome: not counted.
    await sql`UPDATE attempts SET late_outcome = 'completed', detail = 'x' WHERE id IN ('a1', 'b1')`.execute(db.kysely);
    await sql`UPDATE attempts SET outcome = 'failed' WHERE id = 'a3'`.execute(db.kysely);
    expect(await counts()).toEqual({ 'cid-a': 4, 'cid-b': 1 });
  });
});
