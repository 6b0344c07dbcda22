/**
 * Progressive campaigns dial one call per Available agent of their queue, reserving the agent at
 * dial time; a person who answers reaches that agent, and the agent's wrap-up and disposition
 * show up in the Kore views. Both dialects, a scripted phone network, a manual clock.
 */
import { Kysely, PostgresDialect, type LogEvent } from 'kysely';
import { describe, expect, it } from 'vitest';
import { createServices } from '../../src/services.js';
import type { Database } from '../../src/storage/schema.js';
import { CampaigndSqliteDialect } from '../../src/storage/sqlite-dialect.js';
import { addContacts } from '../support/engine-harness.js';
import { agentHarness, type AgentHarness, type TestAgent } from '../support/agent-harness.js';
import { useTestApp, type TestApp } from '../support/test-app.js';
import { DIALECTS } from '../support/test-db.js';

const numbers = (n: number, from = 0) =>
  Array.from({ length: n }, (_, i) => ({ phone: `+1415555${String(from + i).padStart(4, '0')}` }));

describe.each(DIALECTS)('Progressive dialing on %s', (dialect) => {
  const t = useTestApp(dialect);

  /** A harness on a queue of its own: campaigns of earlier tests (still running) never see its agents. */
  async function setup(contacts = 10) {
    const queue = `Queue ${Math.random().toString(36).slice(2, 8)}`;
    await t().services.admin.createQueue({ accountId: t().tenant.accountId, iid: t().tenant.iid, name: queue });
    const h = agentHarness(t(), { queue });
    const listId = await t().addList(`Progressive list ${Math.random()}`);
    await addContacts(t(), listId, numbers(contacts));
    return { h, listId, queue };
  }

  const contactsView = async (tt: TestApp, id: string) =>
    (await tt.kore('POST', `/campaign/${id}/status?view=contacts`, { page: 1, limit: 100 })).json().data.results as {
      phoneNumber: string;
      dialerOutcome: string;
      agentDispositionCodes: string[];
      botOutboundStatus: string;
      numberOfAttemptsSoFar: number;
    }[];

  async function agents(h: AgentHarness, n: number): Promise<TestAgent[]> {
    const out: TestAgent[] = [];
    for (let i = 0; i < n; i++)
      out.push(await h.createAgent(`Agent ${i + 1} ${Math.random().toString(36).slice(2, 6)}`));
    return out;
  }

  it('dials one call per Available agent with a live stream, connects the answer to that agent, wraps up, and frees them on the disposition', async () => {
    const { h, listId, queue } = await setup();
    const [ann, bob, gone, off] = await agents(h, 4);
    await h.online(ann!);
    await h.online(bob!);
    // Logged in but no stream ever seen: not there, never reserved. `off` never logs in.
    expect((await h.api(gone!, 'POST', '/login', {})).statusCode).toBe(200);
    t().clock.advance(20_000);
    await h.seen(ann!, bob!);
    const c = await h.campaign('Progressive', listId);

    await h.tick();
    expect(h.phone.calls).toHaveLength(2);
    const byAgent = new Map(h.phone.calls.map((call) => [call.req.agent!.id, call.req]));
    expect([...byAgent.keys()].sort()).toEqual([ann!.id, bob!.id].sort());
    for (const a of [ann!, bob!]) {
      const row = await h.row(a);
      expect(row).toMatchObject({
        state: 'Reserved',
        work_kind: 'call',
        work_attempt_id: byAgent.get(a.id)!.attemptId,
      });
      expect((await h.events(a)).map(([type]) => type)).toEqual(['state', 'state', 'call.connecting']);
      // The Reserved state says what for: the call being placed, as /agent/v1/me's `work` does.
      expect((await h.events(a))[1]![1]).toMatchObject({
        state: 'Reserved',
        work: {
          kind: 'call',
          campaignId: c.id,
          campaignInstanceId: c.instanceId,
          attemptId: byAgent.get(a.id)!.attemptId,
        },
      });
    }
    expect((await h.row(gone!)).state).toBe('Available');
    expect((await h.row(off!)).state).toBe('Offline');
    expect(byAgent.get(ann!.id)!.queue).toBe(queue);

    // Nobody else is free: no further call, however many ticks.
    await h.tick();
    await h.tick();
    expect(h.phone.calls).toHaveLength(2);

    const annCall = byAgent.get(ann!.id)!.attemptId;
    const bobCall = byAgent.get(bob!.id)!.attemptId;
    await h.phone.answer(annCall);
    expect((await h.row(ann!)).state).toBe('OnCall');
    const connected = (await h.events(ann!)).find(([type]) => type === 'call.connected')!;
    expect(connected[1]).toMatchObject({ attemptId: annCall, contact: { phoneNumber: byAgent.get(ann!.id)!.to } });

    // No answer: Bob is free at once, and the next tick dials for him.
    await h.phone.end(bobCall, 'no-answer');
    expect(await h.row(bob!)).toMatchObject({ state: 'Available', work_attempt_id: null });
    await h.tick();
    expect(h.phone.calls).toHaveLength(3);
    expect(h.phone.calls[2]!.req.agent!.id).toBe(bob!.id);

    // The conversation ends: Ann wraps up for the default minute and is not dialed for meanwhile.
    t().clock.advance(30_000);
    await h.seen(ann!, bob!);
    await h.phone.end(annCall, 'completed', {
      talkSec: 30,
      botOutboundStatus: 'userHangUp',
      botOutboundStatusDetail: 'user_hangup',
    });
    const wrapping = await h.row(ann!);
    expect(wrapping).toMatchObject({ state: 'WrapUp', work_attempt_id: annCall, work_until: t().clock.now() + 60_000 });
    await h.tick();
    expect(h.phone.calls).toHaveLength(3);

    const disposed = await h.api(ann!, 'POST', `/calls/${annCall}/disposition`, {
      codes: ['Sale'],
      notes: 'renewed for a year',
    });
    expect(disposed.statusCode, disposed.body).toBe(200);
    expect(disposed.json()).toEqual({ attemptId: annCall, codes: ['Sale'], callback: null, doNotCall: null });
    expect((await h.row(ann!)).state).toBe('Available');
    const again = await h.api(ann!, 'POST', `/calls/${annCall}/disposition`, { codes: ['Sale'] });
    expect(again.statusCode).toBe(409);
    await h.tick();
    expect(h.phone.calls).toHaveLength(4);
    expect(h.phone.calls[3]!.req.agent!.id).toBe(ann!.id);

    const view = await contactsView(t(), c.id);
    const annRow = view.find((r) => `+${r.phoneNumber}` === byAgent.get(ann!.id)!.to)!;
    expect(annRow).toMatchObject({
      dialerOutcome: 'completed',
      agentDispositionCodes: ['Sale'],
      botOutboundStatus: 'userHangUp',
      numberOfAttemptsSoFar: 1,
    });
    const history = (
      await t().services.agentAdmin.history({ accountId: t().tenant.accountId, iid: t().tenant.iid }, ann!.id)
    ).results;
    expect(history.map((r) => r.state)).toEqual(['Available', 'Reserved', 'OnCall', 'WrapUp', 'Available', 'Reserved']);
  });

  it('ends a wrap-up nobody closed with the system disposition, shown as Kore’s "System Generated"', async () => {
    const { h, listId } = await setup(1);
    const [ann] = await agents(h, 1);
    await h.online(ann!);
    const c = await h.campaign('Progressive', listId, { agentSettings: { wrapUpSec: 20 } });
    await h.tick();
    const call = h.phone.calls[0]!.req.attemptId;
    await h.phone.answer(call);
    await h.phone.end(call, 'completed');
    expect((await h.row(ann!)).state).toBe('WrapUp');
    t().clock.advance(19_999);
    await h.seen(ann!);
    await h.tick();
    expect((await h.row(ann!)).state).toBe('WrapUp');
    t().clock.advance(1);
    await h.tick();
    expect((await h.row(ann!)).state).toBe('Available');
    expect((await contactsView(t(), c.id))[0]).toMatchObject({ agentDispositionCodes: ['System Generated'] });
    expect((await h.events(ann!)).map(([type]) => type)).toContain('wrapup.ended');
  });

  it('shares the agents of a queue between campaigns by priority, counting those each already keeps busy', async () => {
    const { h, listId } = await setup(0);
    const other = await t().addList(`Progressive list B ${Math.random()}`);
    await addContacts(t(), listId, numbers(40, 100));
    await addContacts(t(), other, numbers(40, 200));
    const crew = await agents(h, 8);
    for (const a of crew) await h.online(a);
    const high = await h.campaign('Progressive', listId, { priority: '5' });
    const low = await h.campaign('Progressive', other, { priority: '3' });
    await h.tick();
    const perCampaign = (calls: typeof h.phone.calls) => ({
      high: calls.filter((c) => c.req.campaignId === high.id).length,
      low: calls.filter((c) => c.req.campaignId === low.id).length,
    });
    expect(perCampaign(h.phone.calls)).toEqual({ high: 5, low: 3 });
    // Free every agent (no answer) and go again a few rounds: the split stays 5 : 3.
    for (let round = 0; round < 3; round++) {
      for (const call of h.phone.open()) await h.phone.end(call.req.attemptId, 'busy');
      await h.tick();
      expect(perCampaign(h.phone.open())).toEqual({ high: 5, low: 3 });
    }
  });

  it("counts the due records of all a tick's agent campaigns in one statement", async () => {
    const queue = `Queue ${Math.random().toString(36).slice(2, 8)}`;
    await t().services.admin.createQueue({ accountId: t().tenant.accountId, iid: t().tenant.iid, name: queue });
    // The app's services over a Kysely that records every statement and its parameters.
    const counted: { sql: string; parameters: readonly unknown[] }[] = [];
    const log = (e: LogEvent) => {
      if (e.level === 'query') counted.push({ sql: e.query.sql, parameters: e.query.parameters });
    };
    const db = t().db;
    const kysely =
      dialect === 'sqlite'
        ? new Kysely<Database>({ dialect: new CampaigndSqliteDialect(db.sqlite!), log })
        : new Kysely<Database>({ dialect: new PostgresDialect({ pool: db.pool! }), log });
    const services = createServices({ ...db, kysely }, t().clock, t().config);
    const h = agentHarness({ ...t(), services }, { queue });
    const runs: string[] = [];
    for (let k = 0; k < 3; k++) {
      const listId = await t().addList(`Progressive counted ${k} ${Math.random()}`);
      await addContacts(t(), listId, numbers(4, 300 + 10 * k));
      runs.push((await h.campaign('Progressive', listId, { priority: String(3 + k) })).instanceId);
    }
    const crew = await agents(h, 6);
    for (const a of crew) await h.online(a);
    counted.length = 0;
    await h.tick();
    expect(h.phone.calls).toHaveLength(6);
    const counts = counted.filter((q) => /count\(\*\) from \(\s*select 1 from dial_records r/.test(q.sql));
    const naming = counts.filter((q) => runs.some((id) => JSON.stringify(q.parameters).includes(id)));
    expect(naming).toHaveLength(1);
    for (const id of runs) expect(JSON.stringify(naming[0]!.parameters)).toContain(id);
  });

  it('ends a call the agent hangs up, through the engine that placed it', async () => {
    const { h, listId } = await setup(1);
    const [ann] = await agents(h, 1);
    await h.online(ann!);
    const c = await h.campaign('Progressive', listId, { agentSettings: { wrapUpSec: 0 } });
    await h.tick();
    const call = h.phone.calls[0]!.req.attemptId;
    await h.phone.answer(call);
    const ended = await h.api(ann!, 'POST', `/calls/${call}/end`);
    expect(ended.statusCode, ended.body).toBe(202);
    expect(h.phone.hangups).toEqual([]);
    await h.tick(); // the engine that holds the call tells the network
    expect(h.phone.hangups).toEqual([call]);
    // No wrap-up configured: Available at once, with the system's disposition.
    expect((await h.row(ann!)).state).toBe('Available');
    expect((await contactsView(t(), c.id))[0]).toMatchObject({
      botOutboundStatus: 'agentHangUp',
      agentDispositionCodes: ['System Generated'],
    });
    expect((await h.api(ann!, 'POST', `/calls/${call}/end`)).statusCode).toBe(409);
  });

  it('takes a call-back and a do-not-call from the disposition', async () => {
    const { h, listId } = await setup(2);
    const [ann] = await agents(h, 1);
    await h.online(ann!);
    const c = await h.campaign('Progressive', listId, { dialingStrategy: { maxAttemptsPerRecord: 1 } });
    await h.tick();
    const first = h.phone.calls[0]!.req;
    await h.phone.answer(first.attemptId);
    await h.phone.end(first.attemptId, 'completed');
    const at = new Date(t().clock.now() + 3_600_000).toISOString();
    const res = await h.api(ann!, 'POST', `/calls/${first.attemptId}/disposition`, {
      codes: ['Call back'],
      callbackAt: at,
    });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json().callback).toEqual({ at, result: 'scheduled' });
    const explain = await t().kore('GET', `/campaign/${c.id}/contacts/${encodeURIComponent(first.to)}/explain`);
    expect(explain.json().data.nextDialableAt).toBe(at);

    await h.tick();
    const second = h.phone.calls[1]!.req;
    await h.phone.answer(second.attemptId);
    const dnc = await h.api(ann!, 'POST', `/calls/${second.attemptId}/disposition`, {
      codes: ['Do not call'],
      doNotCall: true,
    });
    expect(dnc.statusCode, dnc.body).toBe(200);
    // The campaign has no DNC list of its own: the number goes on the account's global one, made for it.
    expect(dnc.json().doNotCall).toMatchObject({ listName: 'Global DNC' });
    expect(await t().services.dnc.isOnDnc(t().tenant, [], second.to)).toBe(true);
    // Given during the call: the agent stays on it, and skips wrap-up when it ends.
    expect((await h.row(ann!)).state).toBe('OnCall');
    await h.phone.end(second.attemptId, 'completed');
    expect((await h.row(ann!)).state).toBe('Available');
  });

  it('explains a contact waiting for an agent', async () => {
    const { h, listId, queue } = await setup(3);
    const [ann, bob] = await agents(h, 2);
    await h.online(ann!);
    await h.api(bob!, 'POST', '/login', { state: 'NotReady', reason: 'Lunch' });
    const c = await h.campaign('Progressive', listId);
    await h.tick();
    const waiting = numbers(3)
      .map((n) => n.phone)
      .find((p) => p !== h.phone.calls[0]!.req.to)!;
    const res = await t().kore('GET', `/campaign/${c.id}/contacts/${encodeURIComponent(waiting)}/explain`);
    const rule = (res.json().data.rules as { rule: string; ok: boolean; detail: string }[]).find(
      (r) => r.rule === 'agents',
    );
    expect(rule).toMatchObject({
      ok: false,
      detail: `waiting for an agent on queue ${queue}: 0 of 2 available (1 reserved, 1 not ready)`,
    });
  });
});
