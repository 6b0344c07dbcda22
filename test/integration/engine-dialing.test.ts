import { describe, expect, it } from 'vitest';
import { DIALECTS } from '../support/test-db.js';
import { T0, useTestApp } from '../support/test-app.js';
import { addContacts, createCampaign, engineHarness, trigger } from '../support/engine-harness.js';

const MIN = 60_000;

describe.each(DIALECTS)('engine dialing on %s', (dialect) => {
  const t = useTestApp(dialect);

  const recordsOf = (campaignId: string) =>
    t()
      .db.kysely.selectFrom('dial_records')
      .selectAll()
      .where('campaign_id', '=', campaignId)
      .orderBy('order_key')
      .execute();
  const statusOf = async (id: string) =>
    (await t().kore('POST', `/campaign/${id}/status?view=status`)).json().data.status as string;
  const stopAll = async () => {
    const rows = await t()
      .db.kysely.selectFrom('campaigns')
      .select(['id', 'status'])
      .where('status', 'in', ['Active', 'Paused'])
      .execute();
    for (const r of rows) await trigger(t(), r.id, 'stop');
  };

  it('retries a retryable outcome after defaultRetryPeriod until maxAttemptsPerRecord, then completes by itself', async () => {
    await stopAll();
    t().clock.set(T0);
    const l = await t().addList('Dial retry');
    await addContacts(t(), l, [{ phone: '+15554000001' }, { phone: '+15554000002' }]);
    const id = await createCampaign(
      t(),
      { name: 'Dial retry', contactLists: ['Dial retry'] },
      { maxAttemptsPerRecord: 3, defaultRetryPeriod: 10, maxRingTime: 25 },
    );
    await trigger(t(), id, 'play');
    const h = engineHarness(t(), { profile: { mix: { 'no-answer': 1 } } });

    await h.step();
    expect(h.started.map((s) => [s.req.to, s.at])).toEqual([
      ['+15554000001', T0],
      ['+15554000002', T0],
    ]);
    expect(h.started[0]!.req).toMatchObject({
      channel: 'voice',
      ringTimeoutSec: 25,
      machineDetection: 'no',
      from: '+15101234567',
    });
    expect((await recordsOf(id)).map((r) => [r.state, r.attempts, r.next_at])).toEqual([
      ['pending', 1, T0 + 10 * MIN],
      ['pending', 1, T0 + 10 * MIN],
    ]);

    t().clock.set(T0 + 9 * MIN);
    await h.step();
    expect(h.started).toHaveLength(2); // still waiting out the retry period
    t().clock.set(T0 + 10 * MIN);
    await h.step();
    t().clock.set(T0 + 20 * MIN);
    await h.step();
    t().clock.set(T0 + 60 * MIN);
    await h.step();
    expect(h.started.map((s) => s.at - T0)).toEqual([0, 0, 10 * MIN, 10 * MIN, 20 * MIN, 20 * MIN]);
    expect(new Set(h.started.map((s) => s.req.attemptId)).size).toBe(6);
    const rows = await recordsOf(id);
    expect(rows.map((r) => [r.state, r.attempts, r.final_outcome])).toEqual([
      ['done', 3, 'no-answer'],
      ['done', 3, 'no-answer'],
    ]);
    expect(await statusOf(id)).toBe('Completed');
    const view = (await t().kore('POST', `/campaign/${id}/status?view=contacts`)).json().data.results;
    expect(view[0]).toMatchObject({ dialerOutcome: 'no-answer', numberOfAttemptsSoFar: 3 });
  });

  it('records a completed call once with the bot session, and machine detection in disconnect mode retries', async () => {
    await stopAll();
    t().clock.set(T0);
    const l = await t().addList('Dial ok');
    await addContacts(t(), l, [{ phone: '+15554100001' }]);
    const id = await createCampaign(
      t(),
      { name: 'Dial ok', contactLists: ['Dial ok'] },
      { maxAttemptsPerRecord: 2, defaultRetryPeriod: 1 },
    );
    await trigger(t(), id, 'play');
    const h = engineHarness(t(), { profile: { mix: { completed: 1 } } });
    await h.step();
    await h.step();
    expect(h.started).toHaveLength(1);
    const [rec] = await recordsOf(id);
    expect(rec).toMatchObject({ state: 'done', final_outcome: 'completed', attempts: 1 });
    expect(rec!.bot_session_id).toMatch(/^[0-9a-f]{24}$/);
    expect(await statusOf(id)).toBe('Completed');

    const l2 = await t().addList('Dial amd');
    await addContacts(t(), l2, [{ phone: '+15554100002' }]);
    const amd = await createCampaign(
      t(),
      { name: 'Dial amd', contactLists: ['Dial amd'], enableMachineDetect: 'disconnect' },
      { maxAttemptsPerRecord: 2, defaultRetryPeriod: 1 },
    );
    await trigger(t(), amd, 'play');
    const h2 = engineHarness(t(), { profile: { mix: { completed: 1 }, machineRate: 1 } });
    await h2.step();
    t().clock.advance(MIN);
    await h2.step();
    expect(h2.started.map((s) => s.req.machineDetection)).toEqual(['disconnect', 'disconnect']);
    expect((await recordsOf(amd))[0]).toMatchObject({ state: 'done', final_outcome: 'machine', attempts: 2 });
  });

  it('dials only inside calling hours in the contact zone, else the campaign zone, and explains why', async () => {
    await stopAll();
    t().clock.set(T0); // Monday 12:00 UTC = 08:00 in New York
    const l = await t().addList('Dial window');
    await addContacts(t(), l, [
      { phone: '+15554200001', tz: 'America/New_York' },
      { phone: '+15554200002' },
      { phone: '+15554200003', tz: 'Not/AZone' },
    ]);
    const hours = { frequency: 'WEEKLY', timezone: 'UTC', days: [{ day: 'MO', start: '9:00 AM', end: '5:00 PM' }] };
    const id = await createCampaign(
      t(),
      { name: 'Dial window', contactLists: ['Dial window'] },
      { callingHours: hours },
    );
    await trigger(t(), id, 'play');
    const ny = (await recordsOf(id))[0]!;
    expect(ny.next_at).toBe(Date.parse('2026-06-01T13:00:00Z'));

    const ex = (await t().kore('GET', `/campaign/${id}/contacts/+15554200001/explain`)).json().data;
    expect(ex.dialableNow).toBe(false);
    expect(ex.nextDialableAt).toBe('2026-06-01T13:00:00.000Z');
    const win = ex.rules.find((r: { rule: string }) => r.rule === 'calling-window');
    expect(win).toMatchObject({
      ok: false,
      facts: { zone: 'America/New_York', zoneSource: 'contact', inWindow: false },
    });
    const bad = (await t().kore('GET', `/campaign/${id}/contacts/15554200003/explain`)).json().data;
    expect(bad.rules.find((r: { rule: string }) => r.rule === 'calling-window').facts).toMatchObject({
      zone: 'UTC',
      zoneSource: 'campaign',
      ignoredContactZone: 'Not/AZone',
    });
    expect(bad.dialableNow).toBe(true);

    const h = engineHarness(t(), { profile: { mix: { completed: 1 } } });
    await h.step();
    expect(h.started.map((s) => s.req.to)).toEqual(['+15554200002', '+15554200003']);
    t().clock.set(Date.parse('2026-06-01T12:59:59Z'));
    await h.step();
    expect(h.started).toHaveLength(2);
    // The engine was not ticking while New York's window was open: once it has closed (17:30 local) the
    // record is due but must not be dialed; it is pushed to next Monday's opening instead.
    t().clock.set(Date.parse('2026-06-01T21:30:00Z'));
    await h.step();
    expect(h.started).toHaveLength(2);
    expect((await recordsOf(id))[0]!.next_at).toBe(Date.parse('2026-06-08T13:00:00Z'));
    t().clock.set(Date.parse('2026-06-08T13:00:00Z'));
    await h.step();
    expect(h.started.map((s) => [s.req.to, new Date(s.at).toISOString()])[2]).toEqual([
      '+15554200001',
      '2026-06-08T13:00:00.000Z',
    ]);
    expect((await t().kore('GET', `/campaign/${id}/contacts/nobody/explain`)).statusCode).toBe(404);
  });

  it('caps concurrency per campaign (10) and globally, shares it by priority, and honours calls per second', async () => {
    await stopAll();
    t().clock.set(T0);
    const mk = async (name: string, n: number, base: number, priority: string) => {
      const l = await t().addList(name);
      await addContacts(
        t(),
        l,
        Array.from({ length: n }, (_, i) => ({ phone: `+1555${base + i}` })),
      );
      const id = await createCampaign(t(), { name, contactLists: [name], priority });
      await trigger(t(), id, 'play');
      return id;
    };
    const solo = await mk('Cap solo', 15, 5000000, '5');
    const h = engineHarness(t(), { profile: { mix: { completed: 1 } } });
    await h.engine.tick(); // outcomes stay queued: the calls remain in flight
    expect(h.started.filter((s) => s.req.campaignId === solo)).toHaveLength(10);
    await h.engine.tick();
    expect(h.started).toHaveLength(10);
    await h.deliver();
    await trigger(t(), solo, 'stop');

    const hi = await mk('Cap high', 10, 5100000, '3');
    const lo = await mk('Cap low', 10, 5200000, '1');
    const g = engineHarness(t(), { profile: { mix: { completed: 1 } }, engine: { maxConcurrentCalls: 4 } });
    await g.engine.tick();
    expect(g.started.filter((s) => s.req.campaignId === hi)).toHaveLength(3);
    expect(g.started.filter((s) => s.req.campaignId === lo)).toHaveLength(1);
    await g.deliver();
    await trigger(t(), hi, 'stop');
    await trigger(t(), lo, 'stop');

    const paced = await mk('Cap cps', 10, 5300000, '5');
    const p = engineHarness(t(), { profile: { mix: { completed: 1 } }, engine: { callsPerSecond: 2 } });
    await p.step();
    await p.step();
    expect(p.started.map((s) => s.at - T0)).toEqual([0, 0]);
    t().clock.advance(1000);
    await p.step();
    expect(p.started.filter((s) => s.req.campaignId === paced).map((s) => s.at - T0)).toEqual([0, 0, 1000, 1000]);
  });

  it("caps a campaign at its bot's calls-per-campaign setting, follows a change (another process's within 5 s), and explains it", async () => {
    await stopAll();
    t().clock.set(T0);
    const l = await t().addList('Cap bot');
    await addContacts(
      t(),
      l,
      Array.from({ length: 30 }, (_, i) => ({ phone: `+1555${5500000 + i}`, uniqueId: `cap-${i}` })),
    );
    const id = await createCampaign(t(), { name: 'Cap bot', contactLists: ['Cap bot'] });
    const tenant = { accountId: t().tenant.accountId, iid: t().tenant.iid };
    await t().services.admin.configureBot({ ...tenant, campaignMaxConcurrent: 3 });
    try {
      await trigger(t(), id, 'play');
      const h = engineHarness(t(), { profile: { mix: { completed: 1 } } });
      await h.engine.tick(); // the calls stay out: their outcomes wait in the queue
      expect(h.started).toHaveLength(3);
      const explain = async () =>
        (await t().kore('GET', `/campaign/${id}/contacts/cap-29/explain`))
          .json()
          .data.rules.find((r: { rule: string }) => r.rule === 'capacity');
      expect(await explain()).toMatchObject({ ok: false, facts: { campaignInFlight: 3, campaignMax: 3 } });

      // Raised by another process while the campaign runs: this engine reads it again within 5 s.
      await t()
        .db.kysely.updateTable('bots')
        .set({ campaign_max_concurrent: 12 })
        .where('id', '=', tenant.iid)
        .execute();
      t().clock.advance(5_000);
      await h.engine.tick();
      expect(h.started).toHaveLength(12);
      expect(await explain()).toMatchObject({ ok: false, facts: { campaignInFlight: 12, campaignMax: 12 } });
      // Changed through this process: applies at the next tick.
      await h.deliver();
      await t().services.admin.configureBot({ ...tenant, campaignMaxConcurrent: 2 });
      await h.engine.tick();
      expect(h.started).toHaveLength(14);
      await h.deliver();
      await trigger(t(), id, 'stop');
    } finally {
      // The bot is shared with the other tests.
      await t().services.admin.configureBot({ ...tenant, campaignMaxConcurrent: null });
    }
  });

  it('keeps the caps across engines: two engines ticking at once never put more calls out than allowed', async () => {
    await stopAll();
    t().clock.set(T0);
    const l = await t().addList('Cap shared');
    await addContacts(
      t(),
      l,
      Array.from({ length: 50 }, (_, i) => ({ phone: `+1555${5400000 + i}` })),
    );
    const id = await createCampaign(t(), { name: 'Cap shared', contactLists: ['Cap shared'] });
    await trigger(t(), id, 'play');
    const out = async () =>
      Number(
        (
          await t()
            .db.kysely.selectFrom('dial_records')
            .select((eb) => eb.fn.countAll<number>().as('n'))
            .where('campaign_id', '=', id)
            .where('state', 'in', ['leased', 'in_flight'])
            .executeTakeFirstOrThrow()
        ).n,
      );
    // Each engine alone would fill the campaign's 10 lines; together they must still share 10.
    const a = engineHarness(t(), { profile: { mix: { completed: 1 } } });
    const b = engineHarness(t(), { profile: { mix: { completed: 1 } } });
    await Promise.all([a.engine.tick(), b.engine.tick()]);
    expect(await out()).toBe(10);
    expect(a.started.length + b.started.length).toBe(10);
    await a.deliver();
    await b.deliver();
    // And MAX_CONCURRENT_CALLS (here 6) counts every engine's calls.
    const c = engineHarness(t(), { profile: { mix: { completed: 1 } }, engine: { maxConcurrentCalls: 6 } });
    const d = engineHarness(t(), { profile: { mix: { completed: 1 } }, engine: { maxConcurrentCalls: 6 } });
    await Promise.all([c.engine.tick(), d.engine.tick()]);
    expect(await out()).toBe(6);
    await c.deliver();
    await d.deliver();
    await trigger(t(), id, 'stop');
  });

  it('marks an attempt whose lease expired as unknown, never redials it, and keeps a late outcome apart', async () => {
    await stopAll();
    t().clock.set(T0);
    const l = await t().addList('Dial lost');
    await addContacts(t(), l, [{ phone: '+15554300001' }]);
    const id = await createCampaign(
      t(),
      { name: 'Dial lost', contactLists: ['Dial lost'] },
      { maxAttemptsPerRecord: 5, defaultRetryPeriod: 1 },
    );
    await trigger(t(), id, 'play');
    const h = engineHarness(t(), { profile: { mix: { 'no-answer': 1 } } });
    await h.engine.tick();
    expect((await recordsOf(id))[0]!.state).toBe('in_flight');
    t().clock.advance(120_000 + 300_000 + 30_000 + 1);
    const rep = await h.engine.tick();
    expect(rep.reconciled).toBe(1);
    expect((await recordsOf(id))[0]).toMatchObject({ state: 'done', final_outcome: 'unknown', attempts: 1 });
    await h.deliver(); // the real outcome arrives late
    const att = await t()
      .db.kysely.selectFrom('attempts')
      .selectAll()
      .where('record_id', '=', (await recordsOf(id))[0]!.id)
      .execute();
    expect(att.map((a) => [a.outcome, a.late_outcome])).toEqual([['unknown', 'no-answer']]);
    t().clock.advance(10 * MIN);
    await h.step();
    expect(h.started).toHaveLength(1);
    expect(await statusOf(id)).toBe('Completed');
  });

  it('sends one decoded SMS per contact', async () => {
    await stopAll();
    t().clock.set(T0);
    const l = await t().addList('Dial sms');
    await addContacts(t(), l, [{ phone: '+15554400001' }, { phone: '+15554400002' }]);
    const id = await createCampaign(
      t(),
      {
        name: 'Dial sms',
        campaignType: 'sms',
        contactLists: ['Dial sms'],
        format: 'simple',
        dialingMode: undefined,
        experienceFlowName: undefined,
        message: { templateId: '', message: 'SGVsbG8gZnJvbSBjYW1wYWlnbmQ%3D' },
      },
      { callerId: { phoneNumber: '+15101234567' } },
    );
    await trigger(t(), id, 'play');
    const h = engineHarness(t(), { profile: { mix: { 'sms-sent': 1 } } });
    await h.step();
    await h.step();
    expect(h.started.map((s) => [s.req.channel, s.req.message])).toEqual([
      ['sms', 'Hello from campaignd'],
      ['sms', 'Hello from campaignd'],
    ]);
    expect((await recordsOf(id)).map((r) => r.final_outcome)).toEqual(['sms-sent', 'sms-sent']);
    expect(await statusOf(id)).toBe('Completed');
    const got = (await t().kore('GET', `/campaign/${id}`)).json().data;
    expect(got).toMatchObject({ status: 'Completed', totalMessagesSent: 2, direction: 'simple' });
  });
});
