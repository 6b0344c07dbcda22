/**
 * Preview campaigns: the engine reserves an Available agent with a live stream and offers them the
 * next record; the number is dialed only after Accept (or at the offer's deadline, when the
 * campaign says so). Skips, timeouts, lost streams and a paused or stopped campaign hand the record
 * back. Proven on both dialects from stored rows, the agents' stream events, what the scripted
 * phone network was asked to dial, and the Kore `view=contacts` answer; time is a manual clock.
 */
import { OFFER_RECONNECT_MS } from '../../src/domain/agents/presence.js';
import { afterEach, describe, expect, it } from 'vitest';
import { addContacts } from '../support/engine-harness.js';
import { agentHarness, type AgentHarness, type TestAgent } from '../support/agent-harness.js';
import { expectEnvelope } from '../support/failure-envelope.js';
import { useTestApp } from '../support/test-app.js';
import { DIALECTS } from '../support/test-db.js';

const phone = (i: number) => `+1415556${String(i).padStart(4, '0')}`;
let nextNumber = 0;

describe.each(DIALECTS)('Preview dialing on %s', (dialect) => {
  const t = useTestApp(dialect);
  /** Campaigns played by the current test: stopped after it, so later tests' engines never work on them. */
  let playing: string[] = [];

  afterEach(async () => {
    for (const id of playing) await t().kore('POST', `/campaign/${id}?trigger=stop`, {});
    playing = [];
  });

  /** A harness on a queue of its own, a list of `contacts` numbers, and `agents` agents logged in and seen (in that order, 1 ms apart: the longest idle is offered first). */
  async function setup(contacts: number, agentCount: number) {
    const queue = `Preview ${Math.random().toString(36).slice(2, 8)}`;
    await t().services.admin.createQueue({ accountId: t().tenant.accountId, iid: t().tenant.iid, name: queue });
    const h = agentHarness(t(), { queue });
    const listId = await t().addList(`Preview list ${Math.random()}`);
    const numbers = Array.from({ length: contacts }, () => phone(nextNumber++));
    await addContacts(
      t(),
      listId,
      numbers.map((p, i) => ({ phone: p, uniqueId: `u${i}` })),
    );
    const agents: TestAgent[] = [];
    for (let i = 0; i < agentCount; i++) {
      const a = await h.createAgent(`Agent ${i + 1} ${Math.random().toString(36).slice(2, 6)}`);
      await h.online(a);
      t().clock.advance(1);
      agents.push(a);
    }
    const play = async (over: Record<string, unknown> = {}) => {
      const c = await h.campaign('Preview', listId, over);
      playing.push(c.id);
      return c;
    };
    return { h, listId, numbers, agents, play };
  }

  /** Time passes with every stream in `present` open (touched as an open stream does). */
  async function pass(h: AgentHarness, ms: number, present: TestAgent[]) {
    t().clock.advance(ms);
    await h.seen(...present);
  }

  const records = (campaignId: string) =>
    t()
      .db.kysely.selectFrom('dial_records')
      .selectAll()
      .where('campaign_id', '=', campaignId)
      .orderBy('order_key')
      .execute();
  const record = (id: string) =>
    t().db.kysely.selectFrom('dial_records').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
  const attempts = (campaignId: string) =>
    t()
      .db.kysely.selectFrom('attempts')
      .innerJoin('dial_records', 'dial_records.id', 'attempts.record_id')
      .selectAll('attempts')
      .where('dial_records.campaign_id', '=', campaignId)
      .execute();
  const contactsView = async (id: string) =>
    (await t().kore('POST', `/campaign/${id}/status?view=contacts`, { page: 1, limit: 100 })).json().data.results as {
      phoneNumber: string;
      dialerOutcome: string;
      agentDispositionCodes: string[];
      botOutboundStatus: string;
      numberOfAttemptsSoFar: number;
    }[];
  const types = async (h: AgentHarness, a: TestAgent) => (await h.events(a)).map(([type]) => type);
  /** The offer events `a` was sent, newest last. */
  const offers = async (h: AgentHarness, a: TestAgent) =>
    (await h.events(a)).filter(([type]) => type === 'offer').map(([, data]) => data);

  it('offers the next record to an Available agent with a live stream and dials nothing before Accept', async () => {
    const { h, numbers, agents, play } = await setup(3, 2);
    const [ann, bob] = agents as [TestAgent, TestAgent];
    // Bob is logged in but his stream went quiet: not there, never reserved.
    await pass(h, 20_000, [ann]);
    const c = await play({ maxSkips: 2 });
    const offeredAt = t().clock.now();

    const rep = await h.tick();
    expect(rep.offered).toBe(1);
    const [first] = await records(c.id);
    expect(first).toMatchObject({ phone_e164: numbers[0], state: 'offered', agent_id: ann.id, attempts: 0 });
    expect(first!.lease_expires_at).toBe(offeredAt + 30_000);
    expect(await h.row(ann)).toMatchObject({
      state: 'Reserved',
      work_kind: 'offer',
      work_record_id: first!.id,
      work_attempt_id: null,
      work_campaign_id: c.id,
      work_until: offeredAt + 30_000,
    });
    expect((await h.row(bob)).state).toBe('Available');
    expect(await types(h, bob)).toEqual(['state']);
    expect(await types(h, ann)).toEqual(['state', 'state', 'offer']);
    const [offer] = await offers(h, ann);
    expect(offer).toEqual({
      offerId: first!.id,
      campaign: { id: c.id, name: expect.any(String) },
      campaignInstanceId: c.instanceId,
      contact: { phoneNumberE164: numbers[0], phoneNumber: numbers[0], uniqueId: 'u0' },
      attemptsSoFar: 0,
      expiresAt: new Date(offeredAt + 30_000).toISOString(),
      timeLeftSec: 30,
      onTimeout: 'dial',
      skipsLeft: 2,
      // Neither the campaign nor its bot lists codes: any code goes.
      dispositionCodes: [],
    });
    // The agent API shows the same offer as the agent's current work.
    const me = (await h.api(ann, 'GET', '/me')).json();
    expect(me).toMatchObject({
      state: 'Reserved',
      present: true,
      work: { kind: 'offer', offerId: first!.id, until: new Date(offeredAt + 30_000).toISOString() },
    });

    // However many ticks and however much time short of the deadline: nothing dialed, nobody else offered.
    for (let i = 0; i < 6; i++) {
      await pass(h, i === 5 ? 4_999 : 5_000, [ann]);
      await h.tick();
    }
    expect(t().clock.now()).toBe(offeredAt + 29_999);
    expect(h.phone.calls).toEqual([]);
    expect(await attempts(c.id)).toEqual([]);
    expect((await records(c.id)).map((r) => r.state)).toEqual(['offered', 'pending', 'pending']);
    expect(await types(h, ann)).toEqual(['state', 'state', 'offer']);
  });

  it('dials an accepted offer for that agent, connects the answer to them, wraps up and frees them on the disposition', async () => {
    const { h, numbers, agents, play } = await setup(2, 1);
    const [ann] = agents as [TestAgent];
    const c = await play({ maxSkips: 1, agentSettings: { wrapUpSec: 45, dispositionCodes: ['Sale', 'No sale'] } });
    await h.tick();
    const [first] = await records(c.id);

    const accepted = await h.api(ann, 'POST', `/offers/${first!.id}/accept`);
    expect(accepted.statusCode, accepted.body).toBe(200);
    expect(accepted.json()).toEqual({ offerId: first!.id, status: 'accepted' });
    expect(await record(first!.id)).toMatchObject({ state: 'accepted', agent_id: ann.id });
    expect(await h.row(ann)).toMatchObject({ state: 'Reserved', work_kind: 'call', work_attempt_id: null });
    expect(h.phone.calls).toEqual([]); // the next tick dials it

    await h.tick();
    expect(h.phone.calls).toHaveLength(1);
    const req = h.phone.calls[0]!.req;
    expect(req).toMatchObject({ campaignId: c.id, to: numbers[0], agent: { id: ann.id, name: ann.name } });
    const [att] = await attempts(c.id);
    expect(att).toMatchObject({ id: req.attemptId, record_id: first!.id, agent_id: ann.id, attempt_no: 1 });
    expect(await h.row(ann)).toMatchObject({ state: 'Reserved', work_kind: 'call', work_attempt_id: req.attemptId });
    // The other record was not offered meanwhile: Ann is the only agent and she is busy.
    expect((await records(c.id)).map((r) => r.state)).toEqual(['in_flight', 'pending']);

    await h.phone.answer(req.attemptId);
    expect((await h.row(ann)).state).toBe('OnCall');
    await pass(h, 40_000, [ann]);
    await h.phone.end(req.attemptId, 'completed', {
      talkSec: 40,
      botOutboundStatus: 'userHangUp',
      botOutboundStatusDetail: 'user_hangup',
    });
    expect(await h.row(ann)).toMatchObject({ state: 'WrapUp', work_until: t().clock.now() + 45_000 });
    expect(await types(h, ann)).toEqual([
      'state', // Available
      'state', // Reserved
      'offer',
      'offer.accepted',
      'call.connecting',
      'state', // OnCall
      'call.connected',
      'state', // WrapUp
      'call.ended',
      'wrapup.started',
    ]);
    // The codes come with the offer and the call already (the agent can prepare the disposition on
    // the call), and again with the wrap-up.
    const events = await h.events(ann);
    const of = (type: string) => events.find(([t]) => t === type)![1];
    expect(of('offer')).toMatchObject({ offerId: first!.id, dispositionCodes: ['Sale', 'No sale'] });
    expect(of('call.connecting')).toMatchObject({ attemptId: req.attemptId, dispositionCodes: ['Sale', 'No sale'] });
    expect(of('wrapup.started')).toMatchObject({ attemptId: req.attemptId, dispositionCodes: ['Sale', 'No sale'] });
    // Ann is wrapping up: the next record waits.
    await h.tick();
    expect((await records(c.id))[1]!.state).toBe('pending');

    const bad = await h.api(ann, 'POST', `/calls/${req.attemptId}/disposition`, { codes: ['Maybe'] });
    expect(expectEnvelope(bad, 400).errors[0]).toMatchObject({ field: 'codes[0]' });
    const disposed = await h.api(ann, 'POST', `/calls/${req.attemptId}/disposition`, { codes: ['sale'] });
    expect(disposed.statusCode, disposed.body).toBe(200);
    expect(disposed.json()).toMatchObject({ attemptId: req.attemptId, codes: ['Sale'] });
    expect(await h.row(ann)).toMatchObject({ state: 'Available', work_kind: null, work_record_id: null });

    const view = await contactsView(c.id);
    expect(view.find((r) => `+${r.phoneNumber}` === numbers[0])).toMatchObject({
      dialerOutcome: 'completed',
      agentDispositionCodes: ['Sale'],
      botOutboundStatus: 'userHangUp',
      numberOfAttemptsSoFar: 1,
    });
    // Free again: the next record is offered to her, not dialed.
    await h.tick();
    expect((await records(c.id))[1]).toMatchObject({ state: 'offered', agent_id: ann.id });
    expect(h.phone.calls).toHaveLength(1);
    const history = await t().services.agentAdmin.history(
      { accountId: t().tenant.accountId, iid: t().tenant.iid },
      ann.id,
    );
    expect(history.results.map((r) => r.state)).toEqual([
      'Available',
      'Reserved',
      'OnCall',
      'WrapUp',
      'Available',
      'Reserved',
    ]);
  });

  it('puts a skipped record back for the agent idle longest, and makes it final (agent-skipped, Kore filter_skipped) at the maxSkips-th skip', async () => {
    const { h, numbers, agents, play } = await setup(1, 3);
    const [ann, bob, cat] = agents as [TestAgent, TestAgent, TestAgent];
    const c = await play({ maxSkips: 2 });
    await h.tick();
    const [rec] = await records(c.id);
    expect(rec!.agent_id).toBe(ann.id);
    expect((await offers(h, ann))[0]).toMatchObject({ offerId: rec!.id, skipsLeft: 2 });

    t().clock.advance(1_000);
    await h.seen(ann, bob, cat);
    const skipped = await h.api(ann, 'POST', `/offers/${rec!.id}/skip`);
    expect(skipped.statusCode, skipped.body).toBe(200);
    expect(skipped.json()).toEqual({ offerId: rec!.id, status: 'skipped' });
    expect(await record(rec!.id)).toMatchObject({ state: 'pending', skips: 1, agent_id: null });
    expect(await h.row(ann)).toMatchObject({ state: 'Available', work_record_id: null });
    expect((await types(h, ann)).slice(-2)).toEqual(['state', 'offer.skipped']);

    // The record goes to whoever has been Available longest: Bob, not Ann, who has only just become free.
    // (Nothing excludes the skipping agent as such: with nobody else free she would get it straight back.)
    await h.tick();
    expect(await record(rec!.id)).toMatchObject({ state: 'offered', agent_id: bob.id });
    expect((await offers(h, bob))[0]).toMatchObject({ offerId: rec!.id, skipsLeft: 1 });
    expect(await offers(h, ann)).toHaveLength(1);

    const last = await h.api(bob, 'POST', `/offers/${rec!.id}/skip`);
    expect(last.statusCode, last.body).toBe(200);
    expect(last.json()).toEqual({ offerId: rec!.id, status: 'final' });
    expect(await record(rec!.id)).toMatchObject({
      state: 'done',
      skips: 2,
      final_outcome: 'agent-skipped',
      agent_id: bob.id,
    });
    expect((await h.row(bob)).state).toBe('Available');

    // Final: never offered again, never dialed, and no third skip.
    for (let i = 0; i < 3; i++) {
      await pass(h, 5_000, [ann, bob, cat]);
      await h.tick();
    }
    expect(await offers(h, cat)).toEqual([]);
    expect(h.phone.calls).toEqual([]);
    expectEnvelope(await h.api(bob, 'POST', `/offers/${rec!.id}/skip`), 409);
    expect((await record(rec!.id)).skips).toBe(2);
    const [row] = await contactsView(c.id);
    expect(row).toMatchObject({
      phoneNumber: numbers[0]!.slice(1),
      dialerOutcome: 'filter_skipped',
      numberOfAttemptsSoFar: 0,
    });
    // The only record is final: the instance completes.
    const campaign = await t()
      .db.kysely.selectFrom('campaigns')
      .select('status')
      .where('id', '=', c.id)
      .executeTakeFirstOrThrow();
    expect(campaign.status).toBe('Completed');
  });

  it('gives a skipped record straight back to the same agent when nobody else is free', async () => {
    const { h, agents, play } = await setup(1, 1);
    const [ann] = agents as [TestAgent];
    const c = await play({ maxSkips: 3 });
    await h.tick();
    const [rec] = await records(c.id);
    expect((await h.api(ann, 'POST', `/offers/${rec!.id}/skip`)).json()).toEqual({
      offerId: rec!.id,
      status: 'skipped',
    });
    await h.tick();
    expect(await record(rec!.id)).toMatchObject({ state: 'offered', agent_id: ann.id, skips: 1 });
    expect((await offers(h, ann)).map((o) => o.skipsLeft)).toEqual([3, 2]);
  });

  it('refuses every skip when maxSkips is 0 (409) and leaves the offer open', async () => {
    const { h, agents, play } = await setup(1, 1);
    const [ann] = agents as [TestAgent];
    const c = await play({ maxSkips: 0 });
    await h.tick();
    const [rec] = await records(c.id);
    expect((await offers(h, ann))[0]).toMatchObject({ skipsLeft: 0 });
    const res = await h.api(ann, 'POST', `/offers/${rec!.id}/skip`);
    expect(expectEnvelope(res, 409).message).toMatch(/maxSkips is 0/);
    expect(await record(rec!.id)).toMatchObject({ state: 'offered', agent_id: ann.id, skips: 0 });
    expect(await h.row(ann)).toMatchObject({ state: 'Reserved', work_record_id: rec!.id });
    // Accepting is still the way on.
    expect((await h.api(ann, 'POST', `/offers/${rec!.id}/accept`)).statusCode).toBe(200);
    await h.tick();
    expect(h.phone.calls.map((x) => x.req.agent?.id)).toEqual([ann.id]);
  });

  it('dials a timed-out offer on the agent’s behalf at its deadline, not a millisecond before', async () => {
    const { h, numbers, agents, play } = await setup(1, 1);
    const [ann] = agents as [TestAgent];
    const c = await play({ maxSkips: 1, agentSettings: { previewTimeoutSec: 10 } });
    await h.tick();
    const deadline = (await h.row(ann)).work_until!;
    expect(deadline).toBe(t().clock.now() + 10_000);

    await pass(h, deadline - 1 - t().clock.now(), [ann]);
    await h.tick();
    expect(h.phone.calls).toEqual([]);
    expect((await records(c.id))[0]!.state).toBe('offered');

    await pass(h, 1, [ann]);
    expect(t().clock.now()).toBe(deadline);
    const rep = await h.tick();
    expect(rep.agents.offersTimedOut).toBe(1);
    expect(h.phone.calls).toHaveLength(1);
    expect(h.phone.calls[0]).toMatchObject({ startedAt: deadline, req: { to: numbers[0], agent: { id: ann.id } } });
    expect(await h.row(ann)).toMatchObject({ state: 'Reserved', work_kind: 'call' });
    const timedOut = (await h.events(ann)).find(([type]) => type === 'offer.timed-out')!;
    expect(timedOut[1]).toMatchObject({
      offerId: (await records(c.id))[0]!.id,
      reason: expect.stringMatching(/dialing/),
    });
    // The offer is closed: a late Accept is refused.
    expectEnvelope(await h.api(ann, 'POST', `/offers/${(await records(c.id))[0]!.id}/accept`), 409);
  });

  it('requeues a timed-out offer when the campaign says so: the agent goes NotReady (missed-offer), the record to another agent, nothing dialed', async () => {
    const { h, agents, play } = await setup(1, 2);
    const [ann, bob] = agents as [TestAgent, TestAgent];
    const c = await play({ maxSkips: 1, agentSettings: { previewTimeoutSec: 5, previewTimeoutAction: 'requeue' } });
    await h.tick();
    const [rec] = await records(c.id);
    expect(rec!.agent_id).toBe(ann.id);
    expect((await offers(h, ann))[0]).toMatchObject({ onTimeout: 'requeue', timeLeftSec: 5 });

    await pass(h, 4_999, [ann, bob]);
    await h.tick();
    expect((await record(rec!.id)).agent_id).toBe(ann.id);

    await pass(h, 1, [ann, bob]);
    // At the deadline the offer is over even before a tick has swept it: Ann's accept comes too late.
    expectEnvelope(await h.api(ann, 'POST', `/offers/${rec!.id}/accept`), 409);
    expect(await record(rec!.id)).toMatchObject({ state: 'offered', agent_id: ann.id });
    const rep = await h.tick();
    expect(rep.agents.offersTimedOut).toBe(1);
    expect(await h.row(ann)).toMatchObject({ state: 'NotReady', state_reason: 'missed-offer', work_record_id: null });
    // Back for another agent in the same tick, without counting as a skip.
    expect(await record(rec!.id)).toMatchObject({ state: 'offered', agent_id: bob.id, skips: 0 });
    expect(h.phone.calls).toEqual([]);
    expect(await attempts(c.id)).toEqual([]);
    expect((await types(h, ann)).slice(-2)).toEqual(['state', 'offer.timed-out']);
    const history = await t().services.agentAdmin.history(
      { accountId: t().tenant.accountId, iid: t().tenant.iid },
      ann.id,
    );
    expect(history.results.at(-1)).toMatchObject({ state: 'NotReady', reason: 'missed-offer' });
    // Ann, NotReady, is not offered anything until she says she is Available.
    await pass(h, 5_000, [ann, bob]);
    await h.tick();
    expect(await offers(h, ann)).toHaveLength(1);
  });

  it('withdraws the offer of an agent whose stream is lost (after the reconnect allowance), gives the record to one who is there, and offers the gone agent nothing until seen again', async () => {
    const { h, agents, play } = await setup(1, 2);
    const [ann, bob] = agents as [TestAgent, TestAgent];
    // Bob starts NotReady: the record can only go to Ann.
    expect((await h.api(bob, 'POST', '/state', { state: 'NotReady', reason: 'Coffee' })).statusCode).toBe(200);
    const c = await play({ maxSkips: 5 });
    await h.tick();
    const [rec] = await records(c.id);
    expect(rec!.agent_id).toBe(ann.id);
    expect((await h.api(bob, 'POST', '/state', { state: 'Available' })).statusCode).toBe(200);

    // Ann's stream was last seen before the offer; 15 s later she still counts as there.
    const annSeen = (await h.row(ann)).stream_seen_at!;
    await pass(h, annSeen + 15_000 - t().clock.now(), [bob]);
    await h.tick();
    expect(await record(rec!.id)).toMatchObject({ state: 'offered', agent_id: ann.id });

    // Gone one instant later, but the offer is still hers for OFFER_RECONNECT_MS: a reload keeps it.
    await pass(h, 1, [bob]);
    await h.tick();
    expect(await record(rec!.id)).toMatchObject({ state: 'offered', agent_id: ann.id });
    await pass(h, OFFER_RECONNECT_MS - 1, [bob]);
    await h.tick();
    expect(await record(rec!.id)).toMatchObject({ state: 'offered', agent_id: ann.id });

    await pass(h, 1, [bob]);
    const rep = await h.tick();
    expect(rep.agents.offersWithdrawn).toBe(1);
    const withdrawn = (await h.events(ann)).find(([type]) => type === 'offer.withdrawn')!;
    expect(withdrawn[1]).toEqual({ offerId: rec!.id, reason: 'your event stream was lost' });
    // Ann is free but gone (logged out only after the grace period); the record went to Bob in the
    // same tick, and the withdrawal did not count as a skip.
    expect(await h.row(ann)).toMatchObject({ state: 'Available', work_record_id: null });
    expect((await offers(h, bob)).map((o) => o.offerId)).toEqual([rec!.id]);
    expect(await record(rec!.id)).toMatchObject({ state: 'offered', agent_id: bob.id, skips: 0 });
    expectEnvelope(await h.api(ann, 'POST', `/offers/${rec!.id}/accept`), 404);

    // Bob skips twice: Ann, free and idle far longer than him, is passed over while she is gone.
    for (let i = 0; i < 2; i++) {
      expect((await h.api(bob, 'POST', `/offers/${rec!.id}/skip`)).json().status).toBe('skipped');
      await pass(h, 5_000, [bob]);
      await h.tick();
      expect(await record(rec!.id)).toMatchObject({ state: 'offered', agent_id: bob.id });
    }
    expect(await offers(h, ann)).toHaveLength(1);
    expect(await offers(h, bob)).toHaveLength(3);
    expect(h.phone.calls).toEqual([]);

    // Ann's stream opens again: the next time the record is free it is hers (idle longest).
    await h.seen(ann);
    expect((await h.api(bob, 'POST', `/offers/${rec!.id}/skip`)).json().status).toBe('skipped');
    await h.tick();
    expect(await record(rec!.id)).toMatchObject({ state: 'offered', agent_id: ann.id, skips: 3 });
    expect((await offers(h, ann)).map((o) => o.offerId)).toEqual([rec!.id, rec!.id]);
  });

  it('withdraws open offers when the campaign is paused (record back, Accept 409) and offers again on resume', async () => {
    const { h, agents, play } = await setup(1, 1);
    const [ann] = agents as [TestAgent];
    const c = await play({ maxSkips: 1 });
    await h.tick();
    const [rec] = await records(c.id);

    expect((await t().kore('POST', `/campaign/${c.id}?trigger=pause`, {})).statusCode).toBe(200);
    expect(await record(rec!.id)).toMatchObject({ state: 'pending', agent_id: null, skips: 0 });
    expect(await h.row(ann)).toMatchObject({ state: 'Available', work_record_id: null });
    expect((await h.events(ann)).at(-1)).toEqual(['offer.withdrawn', { offerId: rec!.id, reason: 'campaign paused' }]);
    expectEnvelope(await h.api(ann, 'POST', `/offers/${rec!.id}/accept`), 409);
    expectEnvelope(await h.api(ann, 'POST', `/offers/${rec!.id}/skip`), 409);
    await h.tick();
    expect(await record(rec!.id)).toMatchObject({ state: 'pending' });
    expect(h.phone.calls).toEqual([]);

    expect((await t().kore('POST', `/campaign/${c.id}?trigger=resume`, {})).statusCode).toBe(200);
    await h.tick();
    expect(await record(rec!.id)).toMatchObject({ state: 'offered', agent_id: ann.id });
  });

  it('cancels open and accepted-but-not-dialed offers when the campaign is stopped: nothing is dialed', async () => {
    const { h, numbers, agents, play } = await setup(2, 2);
    const [ann, bob] = agents as [TestAgent, TestAgent];
    const c = await play({ maxSkips: 1 });
    await h.tick();
    const [r1, r2] = await records(c.id);
    expect([r1!.agent_id, r2!.agent_id]).toEqual([ann.id, bob.id]);
    // Bob accepts; the stop comes before the tick that would dial it.
    expect((await h.api(bob, 'POST', `/offers/${r2!.id}/accept`)).statusCode).toBe(200);

    expect((await t().kore('POST', `/campaign/${c.id}?trigger=stop`, {})).statusCode).toBe(200);
    for (const r of [r1!, r2!])
      expect(await record(r.id)).toMatchObject({ state: 'done', final_outcome: 'cancelled', agent_id: null });
    for (const a of [ann, bob]) {
      expect(await h.row(a)).toMatchObject({ state: 'Available', work_record_id: null, work_kind: null });
      expect((await h.events(a)).at(-1)![1]).toMatchObject({ reason: 'campaign stopped' });
    }
    expectEnvelope(await h.api(ann, 'POST', `/offers/${r1!.id}/accept`), 409);
    await h.tick();
    await pass(h, 60_000, [ann, bob]);
    await h.tick();
    expect(h.phone.calls).toEqual([]);
    expect(await attempts(c.id)).toEqual([]);
    const view = await contactsView(c.id);
    expect(view.map((r) => [`+${r.phoneNumber}`, r.dialerOutcome])).toEqual([
      [numbers[0], 'retry-cancelled'],
      [numbers[1], 'retry-cancelled'],
    ]);
  });

  it('answers 404 for an offer that is not the agent’s and 409 for one of theirs that is closed, in the failure envelope', async () => {
    const { h, agents, play } = await setup(2, 2);
    const [ann, bob] = agents as [TestAgent, TestAgent];
    const c = await play({ maxSkips: 3 });
    await h.tick();
    const [r1, r2] = await records(c.id);
    expect([r1!.agent_id, r2!.agent_id]).toEqual([ann.id, bob.id]);

    // Bob's offer, and an id that names nothing: not Ann's to answer.
    for (const id of [r2!.id, 'dr-nosuchoffer']) {
      for (const verb of ['accept', 'skip']) {
        const body = expectEnvelope(await h.api(ann, 'POST', `/offers/${id}/${verb}`), 404);
        expect(body.errors[0]).toMatchObject({ code: 'NOT_FOUND' });
      }
    }
    expect(await record(r2!.id)).toMatchObject({ state: 'offered', agent_id: bob.id, skips: 0 });
    expect(await record(r1!.id)).toMatchObject({ state: 'offered', agent_id: ann.id, skips: 0 });

    // Ann accepts hers: a second accept or a skip of it now finds it closed.
    expect((await h.api(ann, 'POST', `/offers/${r1!.id}/accept`)).statusCode).toBe(200);
    for (const verb of ['accept', 'skip'])
      expect(expectEnvelope(await h.api(ann, 'POST', `/offers/${r1!.id}/${verb}`), 409).errors[0]).toMatchObject({
        code: 'ILLEGAL_STATE',
      });
    // Bob skips his: answering it again is a 409 too, whatever the verb.
    expect((await h.api(bob, 'POST', `/offers/${r2!.id}/skip`)).statusCode).toBe(200);
    for (const verb of ['accept', 'skip']) expectEnvelope(await h.api(bob, 'POST', `/offers/${r2!.id}/${verb}`), 409);
    expect((await record(r2!.id)).skips).toBe(1);
    await h.tick();
    expect(h.phone.calls.map((x) => x.req.agent?.id)).toEqual([ann.id]);
  });
});
