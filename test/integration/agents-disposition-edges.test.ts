/**
 * Dispositions at the edges, both dialects:
 * - given on the call at the moment the call ends, it is never lost, whichever write lands first:
 *   the call-back it asks for is scheduled and the agent is freed, not left in a wrap-up that already
 *   has its disposition. The race is made deterministic by running the other side inside the first
 *   side's read-then-write gap (a spy on the repository write);
 * - the run does not complete while an agent is in the wrap-up of its last call, so that call's
 *   call-back can still be scheduled; a run stopped during a wrap-up answers the call-back, not a 409.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { AgentWorkRepo } from '../../src/storage/repos/agent-work-repo.js';
import { AttemptsRepo } from '../../src/storage/repos/attempts-repo.js';
import { addContacts } from '../support/engine-harness.js';
import { agentHarness } from '../support/agent-harness.js';
import { useTestApp } from '../support/test-app.js';
import { DIALECTS } from '../support/test-db.js';

describe.each(DIALECTS)('Dispositions at the edges on %s', (dialect) => {
  const t = useTestApp(dialect);
  afterEach(() => vi.restoreAllMocks());

  async function onCall() {
    const queue = `Race ${Math.random().toString(36).slice(2, 8)}`;
    await t().services.admin.createQueue({ accountId: t().tenant.accountId, iid: t().tenant.iid, name: queue });
    const h = agentHarness(t(), { queue });
    const listId = await t().addList(`Race list ${Math.random()}`);
    await addContacts(t(), listId, [{ phone: '+14155550100' }]);
    const agent = await h.createAgent(`Racer ${Math.random().toString(36).slice(2, 6)}`);
    await h.online(agent);
    const c = await h.campaign('Progressive', listId, { dialingStrategy: { maxAttemptsPerRecord: 1 } });
    await h.tick();
    const call = h.phone.calls[0]!.req;
    await h.phone.answer(call.attemptId);
    expect((await h.row(agent)).state).toBe('OnCall');
    const callbackAt = new Date(t().clock.now() + 3_600_000).toISOString();
    return { h, agent, c, call, callbackAt };
  }

  const nextDialable = async (campaignId: string, to: string) =>
    (await t().kore('GET', `/campaign/${campaignId}/contacts/${encodeURIComponent(to)}/explain`)).json().data
      .nextDialableAt as string | null;

  it('the call ends after the outcome was read but before it is written: the outcome decides again', async () => {
    const { h, agent, c, call, callbackAt } = await onCall();
    const apply = AttemptsRepo.prototype.apply;
    let injected = false;
    vi.spyOn(AttemptsRepo.prototype, 'apply').mockImplementation(async function (this: AttemptsRepo, ...args) {
      if (!injected) {
        injected = true;
        const res = await h.api(agent, 'POST', `/calls/${call.attemptId}/disposition`, {
          codes: ['Call back'],
          callbackAt,
        });
        expect(res.statusCode, res.body).toBe(200);
        expect(res.json().callback).toEqual({ at: callbackAt, result: 'after-call' });
      }
      return apply.apply(this, args);
    });
    await h.phone.end(call.attemptId, 'completed');
    expect(injected).toBe(true);

    // The disposition was there when the outcome was written: no wrap-up, the call-back scheduled.
    expect(await h.row(agent)).toMatchObject({ state: 'Available', work_attempt_id: null });
    expect(await nextDialable(c.id, call.to)).toBe(callbackAt);
    const types = (await h.events(agent)).map(([type]) => type);
    expect(types).not.toContain('wrapup.started');
  });

  it('the call ends after the agent was read but before the disposition is written: it ends the wrap-up', async () => {
    const { h, agent, c, call, callbackAt } = await onCall();
    const dispose = AgentWorkRepo.prototype.dispose;
    let injected = false;
    vi.spyOn(AgentWorkRepo.prototype, 'dispose').mockImplementation(async function (this: AgentWorkRepo, ...args) {
      if (!injected) {
        injected = true;
        await h.phone.end(call.attemptId, 'completed');
      }
      return dispose.apply(this, args);
    });
    const res = await h.api(agent, 'POST', `/calls/${call.attemptId}/disposition`, {
      codes: ['Call back'],
      callbackAt,
    });
    expect(injected).toBe(true);
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({ codes: ['Call back'], callback: { at: callbackAt, result: 'scheduled' } });

    expect(await h.row(agent)).toMatchObject({ state: 'Available', work_attempt_id: null });
    expect(await nextDialable(c.id, call.to)).toBe(callbackAt);
    const types = (await h.events(agent)).map(([type]) => type);
    expect(types.slice(-3)).toEqual(['wrapup.started', 'state', 'wrapup.ended']);
    const stored = await t()
      .db.kysely.selectFrom('attempts')
      .select('disposition')
      .where('id', '=', call.attemptId)
      .executeTakeFirstOrThrow();
    expect(JSON.parse(stored.disposition!)).toMatchObject({ codes: ['Call back'], by: agent.id, callbackAt });
  });

  it('keeps the run open while the agent wraps up its last call, and completes it after', async () => {
    const { h, agent, c, call, callbackAt } = await onCall();
    await h.phone.end(call.attemptId, 'completed');
    expect((await h.row(agent)).state).toBe('WrapUp');
    await h.tick();
    const status = async () => (await t().kore('GET', `/campaign/${c.id}`)).json().data.status as string;
    expect(await status()).toBe('Active');

    const res = await h.api(agent, 'POST', `/calls/${call.attemptId}/disposition`, {
      codes: ['Call back'],
      callbackAt,
    });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json().callback).toEqual({ at: callbackAt, result: 'scheduled' });
    expect(await nextDialable(c.id, call.to)).toBe(callbackAt);

    // Without a call-back the last wrap-up ending completes the run at the next tick.
    const second = await onCall();
    await second.h.phone.end(second.call.attemptId, 'completed');
    await second.h.tick();
    expect((await t().kore('GET', `/campaign/${second.c.id}`)).json().data.status).toBe('Active');
    const done = await second.h.api(second.agent, 'POST', `/calls/${second.call.attemptId}/disposition`, {
      codes: ['Sale'],
    });
    expect(done.statusCode, done.body).toBe(200);
    await second.h.tick();
    expect((await t().kore('GET', `/campaign/${second.c.id}`)).json().data.status).toBe('Completed');
  });

  it('stores the disposition of a run stopped during the wrap-up and answers that its call-back cannot be', async () => {
    const { h, agent, c, call, callbackAt } = await onCall();
    await h.phone.end(call.attemptId, 'completed');
    const stopped = await t().kore('POST', `/campaign/${c.id}?trigger=stop`, {});
    expect(stopped.statusCode, stopped.body).toBe(200);

    const res = await h.api(agent, 'POST', `/calls/${call.attemptId}/disposition`, {
      codes: ['Call back'],
      callbackAt,
    });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({
      codes: ['Call back'],
      callback: { at: callbackAt, result: 'campaign_not_running' },
    });
    expect((await h.row(agent)).state).toBe('Available');
    const view = (await t().kore('POST', `/campaign/${c.id}/status?view=contacts`, { page: 1, limit: 10 })).json();
    expect(view.data.results[0].agentDispositionCodes).toEqual(['Call back']);
  });
});
