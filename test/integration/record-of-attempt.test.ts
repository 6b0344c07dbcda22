/**
 * recordOfAttempt (storage/repos/record-of-attempt.ts): the statements that find a call's record
 * from its attempt (Predictive answers and unbinds, a connected call's lease hold) name it by
 * primary key. `current_attempt_id = ?` alone, as they were, read every record, under the claim
 * lock for each answered Predictive call: no index holds current_attempt_id.
 */
import { sql, type Compilable } from 'kysely';
import { describe, expect, it } from 'vitest';
import { recordOfAttempt } from '../../src/storage/repos/record-of-attempt.js';
import { DIALECTS, useTestDb } from '../support/test-db.js';

const NOW = '2026-12-07T08:00:00.000Z';
const T = Date.parse(NOW);
const RECORDS = 2_000;

describe.each(DIALECTS)('the record of an attempt on %s', (dialect) => {
  const db = useTestDb(dialect);

  it('is the one record whose current attempt it is, looked up by primary key', async () => {
    const k = db().kysely;
    await sql`INSERT INTO accounts (id, name, created_at) VALUES ('acc', 'Acc', ${NOW})`.execute(k);
    await sql`INSERT INTO bots (id, account_id, name, created_at) VALUES ('bot', 'acc', 'Bot', ${NOW})`.execute(k);
    await sql`INSERT INTO campaigns (id, account_id, bot_id, type, name, lname, description, status, priority, config, created_at, updated_at)
              VALUES ('cmp', 'acc', 'bot', 'voice', 'P', 'p', '', 'Active', 1, '{}', ${NOW}, ${NOW})`.execute(k);
    await sql`INSERT INTO campaign_instances (id, campaign_id, account_id, bot_id, type, status, started_at)
              VALUES ('cid', 'cmp', 'acc', 'bot', 'voice', 'Active', ${T})`.execute(k);
    await k
      .insertInto('dial_records')
      .values(
        Array.from({ length: RECORDS }, (_, i) => ({
          id: `r${i}`,
          instance_id: 'cid',
          campaign_id: 'cmp',
          phone_e164: `+1555${String(i).padStart(7, '0')}`,
          order_key: i,
          state: i < 2 ? ('in_flight' as const) : ('pending' as const),
          attempts: i < 2 ? 1 : 0,
          next_at: T,
          current_attempt_id: i < 2 ? `a${i}` : null,
          lease_expires_at: i < 2 ? T + 60_000 : null,
          updated_at: T,
          skips: 0,
        })),
      )
      .execute();
    await k
      .insertInto('attempts')
      .values(
        ['a0', 'a1'].map((id, i) => ({
          id,
          record_id: `r${i}`,
          instance_id: 'cid',
          attempt_no: 1,
          channel: 'voice' as const,
          worker: 'w',
          started_at: T,
        })),
      )
      .execute();
    if (dialect === 'postgres') await sql`ANALYZE dial_records`.execute(k);

    const select = (attemptId: string) => k.selectFrom('dial_records').select('id').where(recordOfAttempt(attemptId));
    expect(await select('a0').execute()).toEqual([{ id: 'r0' }]);
    expect(await select('a1').execute()).toEqual([{ id: 'r1' }]);
    expect(await select('a-none').execute()).toEqual([]);
    // An attempt that is no longer its record's current one names nothing.
    await k.updateTable('dial_records').set({ current_attempt_id: 'a-later' }).where('id', '=', 'r1').execute();
    expect(await select('a1').execute()).toEqual([]);
    const moved = await k
      .updateTable('dial_records')
      .set({ agent_id: 'agent-1' })
      .where(recordOfAttempt('a0'))
      .executeTakeFirst();
    expect(Number(moved.numUpdatedRows)).toBe(1);
    const withAgent = await k.selectFrom('dial_records').select('id').where('agent_id', 'is not', null).execute();
    expect(withAgent).toEqual([{ id: 'r0' }]);

    const statements: Compilable[] = [
      select('a0'),
      k.updateTable('dial_records').set({ agent_id: null }).where(recordOfAttempt('a0')),
      // A connected call's lease hold (AttemptsRepo.markConnected), with its filters on the leases.
      k
        .updateTable('dial_records')
        .set({ lease_expires_at: T + 120_000 })
        .where(recordOfAttempt('a0'))
        .where('state', '=', 'in_flight')
        .where('lease_expires_at', '<', T + 120_000),
    ];
    for (const s of statements) {
      const { sql: text, parameters } = s.compile();
      const plan =
        dialect === 'sqlite'
          ? (
              db()
                .sqlite!.prepare(`EXPLAIN QUERY PLAN ${text}`)
                .all(...parameters) as { detail: string }[]
            ).map((r) => r.detail)
          : (await db().pool!.query(`EXPLAIN ${text}`, [...parameters])).rows.map(
              (r: Record<string, string>) => r['QUERY PLAN']!,
            );
      const records = plan.filter((line) => /dial_records\b/.test(line)).join('\n');
      if (dialect === 'sqlite') {
        expect(records, `${text}\n${plan.join('\n')}`).toMatch(
          /SEARCH dial_records USING INDEX sqlite_autoindex_dial_records_1 \(id=\?\)/,
        );
        expect(records, text).not.toMatch(/SCAN dial_records/);
      } else {
        expect(records, `${text}\n${plan.join('\n')}`).toMatch(/Index Scan using dial_records_pkey on dial_records/);
        expect(plan.join('\n'), text).not.toMatch(/Seq Scan on dial_records/);
      }
    }
  });
});
