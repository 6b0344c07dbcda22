/**
 * Presence: an agent is there while their event stream is open (it touches the agent's row every
 * 5 s; silent 15 s = gone). A gone agent is never reserved; past AGENT_PRESENCE_GRACE_MS more they
 * are logged out (Offline, `disconnected`), unless their stream comes back first. A call connected
 * to a gone agent is never dropped: they are logged out once it and its wrap-up are over. Every
 * change is in the state history with its time. Both dialects, a scripted phone, a manual clock.
 */
import type { LightMyRequestResponse } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { PRESENCE_STALE_MS } from '../../src/domain/agents/presence.js';
import { addContacts } from '../support/engine-harness.js';
import { agentHarness, type AgentHarness, type TestAgent } from '../support/agent-harness.js';
import { useTestApp } from '../support/test-app.js';
import { DIALECTS } from '../support/test-db.js';

const ADMIN_TOKEN = 'test-admin-token-presence-0123456789';
/** Not the default (60 s): the engine must take it from the configuration. */
const GRACE_MS = 30_000;
const iso = (ms: number) => new Date(ms).toISOString();
let nextNumber = 0;

describe.each(DIALECTS)('Agent presence on %s', (dialect) => {
  const t = useTestApp(dialect, { env: { ADMIN_TOKEN, AGENT_PRESENCE_GRACE_MS: String(GRACE_MS) } });
  let playing: string[] = [];

  afterEach(async () => {
    for (const id of playing) await t().kore('POST', `/campaign/${id}?trigger=stop`, {});
    playing = [];
  });

  /** A harness on a queue of its own with a list of `contacts` numbers and one agent, not logged in. */
  async function setup(contacts: number) {
    const queue = `Presence ${Math.random().toString(36).slice(2, 8)}`;
    await t().services.admin.createQueue({ accountId: t().tenant.accountId, iid: t().tenant.iid, name: queue });
    const h = agentHarness(t(), { queue });
    const listId = await t().addList(`Presence list ${Math.random()}`);
    await addContacts(
      t(),
      listId,
      Array.from({ length: contacts }, () => ({ phone: `+1415557${String(nextNumber++).padStart(4, '0')}` })),
    );
    const ann = await h.createAgent(`Ann ${Math.random().toString(36).slice(2, 6)}`);
    const play = async (over: Record<string, unknown> = {}) => {
      const c = await h.campaign('Progressive', listId, over);
      playing.push(c.id);
      return c;
    };
    return { h, ann, play };
  }

  const historyApi = (a: TestAgent): Promise<LightMyRequestResponse> =>
    t().app.inject({
      method: 'GET',
      url: `/admin/v1/agents/${a.id}/history?accountId=${t().tenant.accountId}&iid=${t().tenant.iid}`,
      headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
    });
  const history = async (a: TestAgent) =>
    (await historyApi(a)).json().results as { state: string; reason: string | null; at: string }[];
  const lastEvent = async (h: AgentHarness, a: TestAgent) => (await h.events(a)).at(-1);
  /** Ticks every 5 s for `ms`, the agents in `present` seen each time (their streams open). */
  async function ticksFor(h: AgentHarness, ms: number, present: TestAgent[] = []) {
    for (let left = ms; left > 0; left -= 5_000) {
      t().clock.advance(Math.min(5_000, left));
      await h.seen(...present);
      await h.tick();
    }
  }

  it('logs out an Available agent gone longer than stale + grace, and never reserves them meanwhile', async () => {
    const { h, ann, play } = await setup(3);
    await h.online(ann);
    const seenAt = t().clock.now();
    const loginAt = seenAt;
    // Her stream goes silent; a campaign with numbers to dial starts once she counts as gone.
    t().clock.advance(PRESENCE_STALE_MS + 1);
    await play();
    await h.tick();
    expect(h.phone.calls).toEqual([]);
    expect((await h.api(ann, 'GET', '/me')).json()).toMatchObject({ state: 'Available', present: false });

    // Still logged in up to stale + grace after she was last seen, and never reserved.
    await ticksFor(h, seenAt + PRESENCE_STALE_MS + GRACE_MS - t().clock.now());
    expect(t().clock.now()).toBe(seenAt + PRESENCE_STALE_MS + GRACE_MS);
    expect(await h.row(ann)).toMatchObject({ state: 'Available', state_since: loginAt });
    expect(h.phone.calls).toEqual([]);

    t().clock.advance(1);
    const outAt = t().clock.now();
    const rep = await h.tick();
    expect(rep.agents.loggedOut).toBe(1);
    expect(await h.row(ann)).toMatchObject({
      state: 'Offline',
      state_reason: 'disconnected',
      state_since: outAt,
      work_kind: null,
    });
    expect(await lastEvent(h, ann)).toEqual([
      'state',
      { state: 'Offline', reason: 'disconnected', since: iso(outAt), work: null },
    ]);
    const res = await historyApi(ann);
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toEqual({
      agentId: ann.id,
      results: [
        { state: 'Available', reason: null, at: iso(loginAt), campaignId: null, attemptId: null },
        { state: 'Offline', reason: 'disconnected', at: iso(outAt), campaignId: null, attemptId: null },
      ],
    });

    // A stream that opens again does not log her back in: Offline stays Offline until she logs in.
    await h.seen(ann);
    await ticksFor(h, 10_000, [ann]);
    expect((await h.row(ann)).state).toBe('Offline');
    expect(h.phone.calls).toEqual([]);
    await h.online(ann);
    await h.tick();
    expect(h.phone.calls.map((c) => c.req.agent?.id)).toEqual([ann.id]);
  });

  it('keeps an agent whose stream comes back before the grace logged in, and reserves them again at once', async () => {
    const { h, ann, play } = await setup(3);
    await h.online(ann);
    const seenAt = t().clock.now();
    t().clock.advance(PRESENCE_STALE_MS + 1);
    const c = await play();
    // Gone: not reserved, however many ticks, but not logged out either.
    await ticksFor(h, seenAt + PRESENCE_STALE_MS + GRACE_MS - 1 - t().clock.now());
    expect(h.phone.calls).toEqual([]);
    expect((await h.row(ann)).state).toBe('Available');

    // Back 1 ms before she would have been logged out.
    await h.seen(ann);
    await h.tick();
    expect(h.phone.calls).toHaveLength(1);
    expect(h.phone.calls[0]!.req).toMatchObject({ campaignId: c.id, agent: { id: ann.id } });
    expect(await h.row(ann)).toMatchObject({ state: 'Reserved', work_kind: 'call' });

    // Past the time she would have been logged out, with her stream open: nothing changes.
    await h.phone.end(h.phone.calls[0]!.req.attemptId, 'no-answer');
    await ticksFor(h, GRACE_MS, [ann]);
    expect((await h.row(ann)).state).not.toBe('Offline');
    expect((await history(ann)).map((r) => r.state)).not.toContain('Offline');
  });

  it('never drops a call of an agent whose stream is gone, and logs them out only once the call and their wrap-up are over', async () => {
    const { h, ann, play } = await setup(2);
    await h.online(ann);
    const loginAt = t().clock.now();
    const c = await play({ agentSettings: { wrapUpSec: 60 } });
    await h.tick();
    const attemptId = h.phone.calls[0]!.req.attemptId;
    const dialedAt = t().clock.now();
    await h.phone.answer(attemptId);
    expect((await h.row(ann)).state).toBe('OnCall');

    // Her stream dies during the call and stays dead for twice stale + grace (within the call's lease:
    // this harness runs no heartbeat).
    await ticksFor(h, 2 * (PRESENCE_STALE_MS + GRACE_MS));
    expect(await h.row(ann)).toMatchObject({ state: 'OnCall', work_attempt_id: attemptId });
    expect(h.phone.hangups).toEqual([]);
    expect(h.phone.call(attemptId).ended).toBe(false);
    const att = await t()
      .db.kysely.selectFrom('attempts')
      .selectAll()
      .where('id', '=', attemptId)
      .executeTakeFirstOrThrow();
    expect(att).toMatchObject({ outcome: null, hangup_requested_at: null });
    expect(h.phone.calls).toHaveLength(1); // and nothing else is dialed for her

    // The call ends: she is in her wrap-up, which her lost stream does not cut short.
    await h.phone.end(attemptId, 'completed', { botOutboundStatus: 'userHangUp' });
    const endedAt = t().clock.now();
    expect(await h.row(ann)).toMatchObject({ state: 'WrapUp', work_until: endedAt + 60_000 });
    await ticksFor(h, 20_000);
    expect((await h.row(ann)).state).toBe('WrapUp');

    // She can still give the disposition (it needs no stream); then she is logged out.
    const disposed = await h.api(ann, 'POST', `/calls/${attemptId}/disposition`, { codes: ['Sale'] });
    expect(disposed.statusCode, disposed.body).toBe(200);
    const disposedAt = t().clock.now();
    const rep = await h.tick();
    expect(rep.agents.loggedOut).toBe(1);
    expect(await h.row(ann)).toMatchObject({ state: 'Offline', state_reason: 'disconnected' });
    expect(h.phone.calls).toHaveLength(1);
    const view = (await t().kore('POST', `/campaign/${c.id}/status?view=contacts`, { page: 1, limit: 10 })).json().data
      .results as { agentDispositionCodes: string[] }[];
    expect(view.map((r) => r.agentDispositionCodes)).toContainEqual(['Sale']);

    const rows = await history(ann);
    expect(rows.map((r) => [r.state, r.reason])).toEqual([
      ['Available', null],
      ['Reserved', null],
      ['OnCall', null],
      ['WrapUp', null],
      ['Available', null],
      ['Offline', 'disconnected'],
    ]);
    expect(rows.map((r) => r.at)).toEqual([
      iso(loginAt),
      iso(dialedAt),
      iso(dialedAt),
      iso(endedAt),
      iso(disposedAt),
      iso(disposedAt),
    ]);
  });

  it('ends the wrap-up of a gone agent at its time with the system disposition, then logs them out', async () => {
    const { h, ann, play } = await setup(1);
    await h.online(ann);
    const c = await play({ agentSettings: { wrapUpSec: 30 } });
    await h.tick();
    const attemptId = h.phone.calls[0]!.req.attemptId;
    await h.phone.answer(attemptId);
    t().clock.advance(PRESENCE_STALE_MS + GRACE_MS + 1);
    await h.tick();
    await h.phone.end(attemptId, 'completed');
    const until = (await h.row(ann)).work_until!;

    t().clock.advance(until - 1 - t().clock.now());
    await h.tick();
    expect((await h.row(ann)).state).toBe('WrapUp');
    t().clock.advance(1);
    const rep = await h.tick();
    expect(rep.agents).toMatchObject({ wrapUpsEnded: 1, loggedOut: 1 });
    expect(await h.row(ann)).toMatchObject({ state: 'Offline', state_reason: 'disconnected', state_since: until });
    const [row] = (await t().kore('POST', `/campaign/${c.id}/status?view=contacts`, { page: 1, limit: 10 })).json().data
      .results as { agentDispositionCodes: string[] }[];
    expect(row!.agentDispositionCodes).toEqual(['System Generated']);
    expect((await h.events(ann)).map(([type]) => type).slice(-3)).toEqual(['state', 'wrapup.ended', 'state']);
  });

  it('lets a call being placed for an agent whose stream drops run its course, then logs them out', async () => {
    const { h, ann, play } = await setup(2);
    await h.online(ann);
    await play();
    await h.tick();
    const attemptId = h.phone.calls[0]!.req.attemptId;
    await ticksFor(h, PRESENCE_STALE_MS + GRACE_MS + 5_000);
    // Still ringing: the reservation stands, nothing is hung up.
    expect(await h.row(ann)).toMatchObject({ state: 'Reserved', work_attempt_id: attemptId });
    expect(h.phone.hangups).toEqual([]);
    await h.phone.end(attemptId, 'no-answer');
    expect((await h.row(ann)).state).toBe('Available');
    await h.tick();
    expect(await h.row(ann)).toMatchObject({ state: 'Offline', state_reason: 'disconnected' });
    expect(h.phone.calls).toHaveLength(1);
  });

  it('logs out a NotReady agent who is gone too', async () => {
    const { h, ann } = await setup(0);
    expect((await h.api(ann, 'POST', '/login', { state: 'NotReady', reason: 'Lunch' })).statusCode).toBe(200);
    await h.seen(ann);
    await ticksFor(h, PRESENCE_STALE_MS + GRACE_MS);
    expect(await h.row(ann)).toMatchObject({ state: 'NotReady', state_reason: 'Lunch' });
    t().clock.advance(1);
    await h.tick();
    expect(await h.row(ann)).toMatchObject({ state: 'Offline', state_reason: 'disconnected' });
    expect((await history(ann)).map((r) => [r.state, r.reason])).toEqual([
      ['NotReady', 'Lunch'],
      ['Offline', 'disconnected'],
    ]);
  });
});
