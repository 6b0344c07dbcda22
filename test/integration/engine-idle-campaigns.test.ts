/**
 * A tick asks its questions of all campaigns at once: how many records each campaign without
 * agents could dial now (DialRecordsRepo.dueCounts) and which idle runs still have a record open
 * (withOpenRecords), one statement each however many campaigns, where it used to be two statements
 * per campaign (50 round trips per idle tick on PostgreSQL with 50 campaigns). Idle runs that are
 * over still complete in the tick; waiting ones are dialed when their retry is due. Both dialects.
 */
import { Kysely, PostgresDialect, type LogEvent } from 'kysely';
import { describe, expect, it } from 'vitest';
import { createServices } from '../../src/services.js';
import { DialRecordsRepo } from '../../src/storage/repos/dial-records-repo.js';
import type { Database } from '../../src/storage/schema.js';
import { CampaigndSqliteDialect } from '../../src/storage/sqlite-dialect.js';
import { addContacts, createCampaign, engineHarness, trigger } from '../support/engine-harness.js';
import { useTestApp } from '../support/test-app.js';
import { DIALECTS } from '../support/test-db.js';

const WAITING = 5;

describe.each(DIALECTS)('idle campaigns in a tick on %s', (dialect) => {
  const t = useTestApp(dialect);

  /** The app's services over a Kysely that records every statement. */
  function loggedServices() {
    const statements: string[] = [];
    const log = (e: LogEvent) => {
      if (e.level === 'query') statements.push(e.query.sql.replace(/\s+/g, ' '));
    };
    const db = t().db;
    const kysely =
      dialect === 'sqlite'
        ? new Kysely<Database>({ dialect: new CampaigndSqliteDialect(db.sqlite!), log })
        : new Kysely<Database>({ dialect: new PostgresDialect({ pool: db.pool! }), log });
    return { statements, services: createServices({ ...db, kysely }, t().clock, t().config) };
  }

  async function statusOf(campaignId: string) {
    const row = await t()
      .db.kysely.selectFrom('campaigns')
      .select('status')
      .where('id', '=', campaignId)
      .executeTakeFirstOrThrow();
    return row.status;
  }

  it('counts due records and open runs of every campaign in one statement each, and still completes and redials', async () => {
    const waiting: string[] = [];
    for (let k = 0; k < WAITING; k++) {
      const name = `Idle ${k}`;
      const list = await t().addList(name);
      await addContacts(t(), list, [{ phone: `+1555070${k}001` }, { phone: `+1555070${k}002` }]);
      waiting.push(
        await createCampaign(t(), { name, contactLists: [name] }, { maxAttemptsPerRecord: 2, defaultRetryPeriod: 30 }),
      );
    }
    // A run whose every record is final at play (its one number is on the account's global DNC list).
    const global = await t().addList('Idle global DNC');
    await t().db.kysely.updateTable('contact_lists').set({ is_global_dnc: 1 }).where('id', '=', global).execute();
    await addContacts(t(), global, [{ phone: '+15550709001' }]);
    const dncOnly = await t().addList('Idle DNC only');
    await addContacts(t(), dncOnly, [{ phone: '+15550709001' }]);
    const over = await createCampaign(t(), { name: 'Idle over', contactLists: ['Idle DNC only'] });
    for (const id of [...waiting, over]) await trigger(t(), id, 'play');

    const { statements, services } = loggedServices();
    const h = engineHarness({ ...t(), services }, { profile: { mix: { 'no-answer': 1 } } });
    await h.step(); // every waiting record dialed once, no answer: each retries in 30 minutes
    expect(h.started.map((s) => s.req.to).sort()).toEqual(
      waiting.flatMap((_, k) => [`+1555070${k}001`, `+1555070${k}002`]),
    );
    expect(await statusOf(over)).toBe('Completed');

    t().clock.advance(60_000);
    statements.length = 0;
    const idle = await h.engine.tick();
    expect(idle).toMatchObject({ claimed: 0, completed: 0 });
    for (const id of waiting) expect(await statusOf(id)).toBe('Active');
    const onRecords = statements.filter((s) => /dial_records/.test(s));
    // One statement counts what is due of all five campaigns, one finds which idle runs are open.
    expect(onRecords.filter((s) => /r\.state = 'pending' and r\.next_at <=/.test(s))).toHaveLength(1);
    expect(onRecords.filter((s) => /exists \(select 1 from dial_records r/.test(s))).toHaveLength(1);
    // Nothing asks one campaign's records at a time any more.
    expect(onRecords.filter((s) => /"instance_id" = [?$]/.test(s))).toEqual([]);

    // The retries come due: each record is dialed a second time, and the runs end.
    t().clock.advance(30 * 60_000);
    await h.step();
    expect(h.started).toHaveLength(4 * WAITING);
    await h.step();
    for (const id of waiting) expect(await statusOf(id)).toBe('Completed');
  });

  it('dueCounts clamps each count to its own maximum; withOpenRecords names only runs with a record not final', async () => {
    const ids: string[] = [];
    for (const [name, n] of [
      ['Counts A', 3],
      ['Counts B', 2],
    ] as const) {
      const list = await t().addList(name);
      await addContacts(
        t(),
        list,
        Array.from({ length: n }, (_, i) => ({ phone: `+1555071${name.length}${n}${i}0` })),
      );
      const id = await createCampaign(t(), { name, contactLists: [name] });
      ids.push((await trigger(t(), id, 'play')).campaignInstanceId as string);
    }
    const [a, b] = ids as [string, string];
    const records = new DialRecordsRepo(t().db);
    const now = t().clock.now();
    const counts = await records.dueCounts(
      [
        { instanceId: a, max: 2 },
        { instanceId: b, max: 10 },
        { instanceId: 'cid-none', max: 5 },
      ],
      now,
    );
    expect(Object.fromEntries(counts)).toEqual({ [a]: 2, [b]: 2, 'cid-none': 0 });
    expect(Object.fromEntries(await records.dueCounts([{ instanceId: a, max: 0 }], now))).toEqual({ [a]: 0 });
    // Not due yet: counted as not due, but still open.
    expect((await records.dueCounts([{ instanceId: a, max: 5 }], now - 1)).get(a)).toBe(0);
    expect(await records.withOpenRecords([a, b, 'cid-none'])).toEqual(new Set([a, b]));

    await t().db.kysely.updateTable('dial_records').set({ state: 'done' }).where('instance_id', '=', b).execute();
    expect(await records.withOpenRecords([a, b])).toEqual(new Set([a]));
    expect(await records.withOpenRecords([])).toEqual(new Set());
  });
});
