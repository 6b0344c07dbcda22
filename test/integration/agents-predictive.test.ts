/**
 * Predictive campaigns place calls for their queue, not for an agent: a person who answers gets the
 * longest-idle free agent, or waits for one until the provider's deadline abandons the call. An
 * abandoned call is its own outcome, counted in the campaign's abandon window, and its number is
 * barred from agent calls of the account for the lockout. Both dialects, a scripted phone network,
 * a manual clock.
 */
import { describe, expect, it } from 'vitest';
import { addContacts } from '../support/engine-harness.js';
import { agentHarness, type AgentHarness, type TestAgent } from '../support/agent-harness.js';
import { useTestApp } from '../support/test-app.js';
import { DIALECTS } from '../support/test-db.js';

const numbers = (n: number, from = 0) =>
  Array.from({ length: n }, (_, i) => ({ phone: `+1415666${String(from + i).padStart(4, '0')}` }));

describe.each(DIALECTS)('Predictive dialing on %s', (dialect) => {
  const t = useTestApp(dialect);

  async function setup(contacts = 10, from = 0) {
    const queue = `Queue ${Math.random().toString(36).slice(2, 8)}`;
    await t().services.admin.createQueue({ accountId: t().tenant.accountId, iid: t().tenant.iid, name: queue });
    const h = agentHarness(t(), { queue });
    const listId = await t().addList(`Predictive list ${Math.random()}`);
    await addContacts(t(), listId, numbers(contacts, from));
    return { h, listId, queue };
  }

  async function agents(h: AgentHarness, n: number): Promise<TestAgent[]> {
    const out: TestAgent[] = [];
    for (let i = 0; i < n; i++) {
      const a = await h.createAgent(`Agent ${i + 1} ${Math.random().toString(36).slice(2, 6)}`);
      await h.online(a);
      // Longest idle first: the first agent has been Available longest.
      t().clock.advance(1000);
      out.push(a);
    }
    await h.seen(...out);
    return out;
  }

  const contact = async (campaignId: string, phone: string) => {
    const res = await t().kore('POST', `/campaign/${campaignId}/status?view=contacts`, { page: 1, limit: 100 });
    expect(res.statusCode, res.body).toBe(200);
    return (res.json().data.results as { phoneNumber: string; dialerOutcome: string }[]).find(
      (r) => `+${r.phoneNumber}` === phone,
    )!;
  };

  const windowCounts = async (campaignId: string) =>
    t()
      .db.kysely.selectFrom('pacing_windows')
      .select(['answered', 'abandoned'])
      .where('campaign_id', '=', campaignId)
      .execute();

  it('accepts Predictive with its settings, fills in the defaults, and refuses what does not fit', async () => {
    const { h, listId } = await setup(1);
    const c = await h.campaign('Predictive', listId, {
      predictiveSettings: { abandonMessageId: 'msg-sorry', abandonWindow: 'ROLLING-24-HOURS' },
      enableMachineDetect: 'disconnect',
    });
    const got = await t().kore('GET', `/campaign/${c.id}`);
    expect(got.json().data).toMatchObject({
      dialingMode: 'Predictive',
      predictiveSettings: {
        targetAbandonPercent: 3,
        abandonWindow: 'rolling-24-hours',
        connectDeadlineSec: 2,
        abandonMessageId: 'msg-sorry',
        lockoutHours: 72,
      },
    });
    const list = (await t().db.kysely.selectFrom('contact_lists').select('name').where('id', '=', listId).execute())[0]!
      .name;
    const base = {
      name: `Predictive refused ${Math.random()}`,
      contactLists: [list],
      dialingMode: 'predictive',
      dialingStrategy: {
        callerId: { phoneNumber: '+15550001111' },
        callingHours: { frequency: 'WEEKLY', timezone: 'UTC', days: [{ day: 'MO', start: '9:00 AM', end: '5:00 PM' }] },
        dialingOrder: 'FIFO',
        maxAttemptsPerRecord: 1,
        defaultRetryPeriod: 60,
        maxRingTime: 30,
      },
    };
    const refused = await t().kore('POST', '/campaign?campaignType=voice', {
      ...base,
      enableMachineDetect: 'detect',
      predictiveSettings: { abandonWindow: 'weekly', abandonMessageId: '  ' },
    });
    expect(refused.statusCode).toBe(400);
    const fields = (refused.json().errors as { field: string }[]).map((e) => e.field).sort();
    expect(fields).toEqual(
      expect.arrayContaining([
        'enableMachineDetect',
        'predictiveSettings.abandonMessageId',
        'predictiveSettings.abandonWindow',
        'queue_name',
      ]),
    );
    const tooHigh = await t().kore('POST', '/campaign?campaignType=voice', {
      ...base,
      queue_name: 'Default Queue',
      predictiveSettings: { targetAbandonPercent: 50 },
    });
    expect(tooHigh.statusCode).toBe(400);
    expect(tooHigh.json().errors[0].field).toBe('predictiveSettings.targetAbandonPercent');
    const agentless = await t().kore('POST', '/campaign?campaignType=voice', {
      ...base,
      dialingMode: 'Agentless',
      experienceFlowName: 'Flow',
      predictiveSettings: {},
    });
    expect(agentless.statusCode).toBe(400);
    expect(agentless.json().errors).toEqual(
      expect.arrayContaining([expect.objectContaining({ field: 'predictiveSettings' })]),
    );
  });

  it('places calls for the queue, connects an answer to the longest-idle agent, and a waiting answer to the next agent who frees up', async () => {
    const { h, listId, queue } = await setup(6);
    const [ann, bob] = await agents(h, 2);
    const c = await h.campaign('Predictive', listId, { predictiveSettings: { abandonMessageId: 'msg-sorry' } });

    // Nothing measured yet: progressive pacing, one call per free agent, and nobody reserved.
    await h.tick();
    expect(h.phone.calls).toHaveLength(2);
    for (const call of h.phone.calls) {
      expect(call.req.agent).toBeUndefined();
      expect(call.req.queue).toBe(queue);
      expect(call.req.predictive).toEqual({ connectDeadlineSec: 2, abandonMessageId: 'msg-sorry' });
    }
    expect((await h.row(ann!)).state).toBe('Available');
    expect((await h.row(bob!)).state).toBe('Available');
    // Two calls out cover the two free agents: no more.
    await h.tick();
    expect(h.phone.calls).toHaveLength(2);

    const [first, second] = h.phone.calls.map((x) => x.req.attemptId);
    t().clock.advance(4000);
    expect(await h.phone.answerPredictive(first!, 4)).toBe(ann!.id);
    expect(await h.row(ann!)).toMatchObject({ state: 'OnCall', work_attempt_id: first });
    const annEvents = (await h.events(ann!)).map(([type]) => type);
    expect(annEvents.slice(-4)).toEqual(['state', 'call.connecting', 'state', 'call.connected']);

    // Bob steps away; the second person answers with nobody free: they wait, and nothing more is dialed.
    expect((await h.api(bob!, 'POST', '/state', { state: 'NotReady', reason: 'Break' })).statusCode).toBe(200);
    expect(await h.phone.answerPredictive(second!, 3)).toBeUndefined();
    expect(h.phone.call(second!).waiting).toBe(true);
    expect((await h.tick()).connected).toBe(0);
    expect(h.phone.calls).toHaveLength(2);

    // Ann's call ends; her disposition ends her wrap-up, and the next tick connects the waiting person to her.
    t().clock.advance(1000);
    await h.seen(ann!);
    await h.phone.end(first!, 'completed', { talkSec: 30 });
    expect((await h.row(ann!)).state).toBe('WrapUp');
    const disposed = await h.api(ann!, 'POST', `/calls/${first}/disposition`, { codes: ['Sale'] });
    expect(disposed.statusCode, disposed.body).toBe(200);
    expect((await h.row(ann!)).state).toBe('Available');
    expect((await h.tick()).connected).toBe(1);
    expect(h.phone.bridges.at(-1)).toEqual({ attemptId: second, agentId: ann!.id });
    expect(await h.row(ann!)).toMatchObject({ state: 'OnCall', work_attempt_id: second });
    await h.phone.end(second!, 'completed', { talkSec: 10 });

    // Two live answers counted in the window, none abandoned; the talk and wrap-up times measured.
    const counts = await windowCounts(c.id);
    expect(counts.reduce((a, x) => a + x.answered, 0)).toBe(2);
    expect(counts.reduce((a, x) => a + x.abandoned, 0)).toBe(0);
    const m = JSON.parse(
      (
        await t()
          .db.kysely.selectFrom('pacing_measurements')
          .select('data')
          .where('campaign_id', '=', c.id)
          .executeTakeFirstOrThrow()
      ).data,
    ) as { dials: number; humans: number; talk: { weights: number[] }; wrap: { weights: number[] } };
    const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
    expect(m.dials).toBeCloseTo(2, 2);
    expect(m.humans).toBeCloseTo(2, 2);
    expect(sum(m.talk.weights)).toBeCloseTo(2, 2);
    expect(sum(m.wrap.weights)).toBeCloseTo(1, 2); // Ann's, ended by her disposition
  });

  it('records an abandoned call, counts it in the window, retries it only after the lockout, and keeps every agent campaign of the account off the number', async () => {
    const { h, listId } = await setup(1, 100);
    const [ann] = await agents(h, 1);
    const c = await h.campaign('Predictive', listId, {
      dialingStrategy: { maxAttemptsPerRecord: 3, defaultRetryPeriod: 1 },
      predictiveSettings: { lockoutHours: 72 },
    });
    await h.tick();
    const call = h.phone.calls[0]!;
    const phone = call.req.to;
    // Ann is busy elsewhere (Not ready): the person answers, nobody is free, the deadline passes.
    expect((await h.api(ann!, 'POST', '/state', { state: 'NotReady', reason: 'Break' })).statusCode).toBe(200);
    expect(await h.phone.answerPredictive(call.req.attemptId, 6)).toBeUndefined();
    t().clock.advance(2000);
    await h.phone.end(call.req.attemptId, 'abandoned', { ringSec: 6, talkSec: 0, detail: 'played msg' });
    const abandonedAt = t().clock.now();

    const attempt = await t()
      .db.kysely.selectFrom('attempts')
      .selectAll()
      .where('id', '=', call.req.attemptId)
      .executeTakeFirstOrThrow();
    expect(attempt).toMatchObject({ outcome: 'abandoned', provider_outcome: 'abandoned', agent_id: null });
    const counts = await windowCounts(c.id);
    expect(counts.reduce((a, x) => a + x.answered, 0)).toBe(1);
    expect(counts.reduce((a, x) => a + x.abandoned, 0)).toBe(1);
    // Still in progress for Kore (retries left): dialerOutcome '' until final.
    expect((await contact(c.id, phone)).dialerOutcome).toBe('');
    const rec = await t()
      .db.kysely.selectFrom('dial_records')
      .selectAll()
      .where('current_attempt_id', 'is', null)
      .where('instance_id', '=', c.instanceId)
      .executeTakeFirstOrThrow();
    expect(rec.state).toBe('pending');
    expect(Number(rec.next_at)).toBeGreaterThanOrEqual(abandonedAt + 72 * 3_600_000);

    // The same number on a Progressive campaign of the account waits for the lockout too.
    const other = await t().addList(`Progressive same number ${Math.random()}`);
    await addContacts(t(), other, [{ phone }]);
    expect((await h.api(ann!, 'POST', '/state', { state: 'Available' })).statusCode).toBe(200);
    await h.seen(ann!);
    const p = await h.campaign('Progressive', other);
    await h.tick();
    expect(h.phone.calls).toHaveLength(1);
    const explained = await t().kore('GET', `/campaign/${p.id}/contacts/${encodeURIComponent(phone)}/explain`);
    expect(explained.statusCode, explained.body).toBe(200);
    const lockout = (explained.json().data.rules as { rule: string; ok: boolean; facts: unknown }[]).find(
      (r) => r.rule === 'abandon-lockout',
    )!;
    expect(lockout).toMatchObject({
      ok: false,
      facts: { lockedUntil: new Date(abandonedAt + 72 * 3_600_000).toISOString() },
    });

    // One hour short of the lockout: still nothing. Past it: dialed (the Progressive campaign, higher in line).
    t().clock.advance(71 * 3_600_000);
    await h.seen(ann!);
    await h.tick();
    expect(h.phone.calls).toHaveLength(1);
    t().clock.advance(3_600_000 + 1000);
    await h.seen(ann!);
    await h.tick();
    expect(h.phone.calls).toHaveLength(2);
    expect(h.phone.calls[1]!.req.to).toBe(phone);
  });

  it('shows an abandoned call as final `abandoned` once no attempt is left', async () => {
    const { h, listId } = await setup(1, 200);
    await agents(h, 1);
    const c = await h.campaign('Predictive', listId, { dialingStrategy: { maxAttemptsPerRecord: 1 } });
    await h.tick();
    const call = h.phone.calls[0]!;
    await h.phone.end(call.req.attemptId, 'abandoned', { ringSec: 5, talkSec: 0 });
    expect((await contact(c.id, call.req.to)).dialerOutcome).toBe('abandoned');
    const filtered = await t().kore('POST', `/campaign/${c.id}/status?view=contacts`, {
      page: 1,
      limit: 10,
      filters: { dialerOutcome: ['abandoned'] },
    });
    expect(filtered.statusCode, filtered.body).toBe(200);
    expect(filtered.json().data.results).toHaveLength(1);
  });

  it('gives the agent back at once when the provider can no longer connect the waiting call', async () => {
    const { h, listId } = await setup(2, 300);
    const [ann] = await agents(h, 1);
    await h.campaign('Predictive', listId);
    await h.tick();
    const call = h.phone.calls[0]!.req.attemptId;
    expect((await h.api(ann!, 'POST', '/state', { state: 'NotReady', reason: 'Break' })).statusCode).toBe(200);
    expect(await h.phone.answerPredictive(call, 5)).toBeUndefined();
    expect((await h.api(ann!, 'POST', '/state', { state: 'Available' })).statusCode).toBe(200);
    await h.seen(ann!);
    h.phone.refuseBridges = true;
    await h.tick();
    expect(h.phone.bridges).toEqual([{ attemptId: call, agentId: ann!.id }]);
    expect(await h.row(ann!)).toMatchObject({ state: 'Available', work_attempt_id: null });
    const att = await t().db.kysely.selectFrom('attempts').selectAll().where('id', '=', call).executeTakeFirstOrThrow();
    expect(att.agent_id).toBeNull();
  });

  it('explains the pacing decision: the guard, the window, what was measured and why a call is placed now or not', async () => {
    const { h, listId } = await setup(3, 400);
    await agents(h, 2);
    const c = await h.campaign('Predictive', listId);
    await h.tick();
    const waiting = (
      await t()
        .db.kysely.selectFrom('dial_records')
        .select('phone_e164')
        .where('instance_id', '=', c.instanceId)
        .where('state', '=', 'pending')
        .executeTakeFirstOrThrow()
    ).phone_e164;
    const res = await t().kore('GET', `/campaign/${c.id}/contacts/${encodeURIComponent(waiting)}/explain`);
    expect(res.statusCode, res.body).toBe(200);
    const pacing = (
      res.json().data.rules as { rule: string; ok: boolean; detail: string; facts: Record<string, unknown> }[]
    ).find((r) => r.rule === 'pacing')!;
    expect(pacing.ok).toBe(false);
    expect(pacing.facts).toMatchObject({
      mode: 'progressive',
      // A young window (no answers yet) keeps its reserve of abandons: progressive until it has grown.
      guard: 'tripped',
      callsToPlaceNow: 0,
      window: 'rolling-30-days',
      targetAbandonPercent: 3,
      abandonedInWindow: 0,
      answeredInWindow: 0,
    });
    expect(pacing.detail).toContain('guard tripped: one more abandon would make 100.00 % > target');
    expect(pacing.detail).toContain('progressive: 0 call(s) for 2 free agent(s) with 2 call(s) already out');
  });
});
