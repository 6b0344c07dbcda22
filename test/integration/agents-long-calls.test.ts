/**
 * A conversation with an agent lasts as long as it lasts: the outcome timeout is about calls that
 * ring and are never heard of again, not about people talking. A connected call keeps its agent and
 * its lease for up to MAX_CONVERSATION_MS: renewed by the live engine that holds it, or held at
 * connect for calls that outlive the process (the webhook adapter, whose own timeout is then
 * ignored). Both dialects, a scripted network, a manual clock.
 */
import { describe, expect, it } from 'vitest';
import { MAX_CONVERSATION_MS } from '../../src/domain/telephony/provider.js';
import { addContacts } from '../support/engine-harness.js';
import { agentHarness } from '../support/agent-harness.js';
import { useTestApp } from '../support/test-app.js';
import { DIALECTS } from '../support/test-db.js';

const HOUR = 3_600_000;

describe.each(DIALECTS)('Long conversations on %s', (dialect) => {
  const t = useTestApp(dialect);

  async function connectedCall(answer = true) {
    const queue = `Long ${Math.random().toString(36).slice(2, 8)}`;
    await t().services.admin.createQueue({ accountId: t().tenant.accountId, iid: t().tenant.iid, name: queue });
    const h = agentHarness(t(), { queue, engine: { leaseMs: 15_000, outcomeTimeoutMs: 300_000 } });
    const listId = await t().addList(`Long list ${Math.random()}`);
    await addContacts(t(), listId, [{ phone: '+14155550101' }, { phone: '+14155550102' }]);
    const agent = await h.createAgent(`Talker ${Math.random().toString(36).slice(2, 6)}`);
    await h.online(agent);
    const c = await h.campaign('Progressive', listId, { dialingStrategy: { maxAttemptsPerRecord: 1 } });
    await h.tick();
    const call = h.phone.calls[0]!.req;
    if (answer) await h.phone.answer(call.attemptId);
    return { h, agent, c, call };
  }

  const attempt = (id: string) =>
    t().db.kysely.selectFrom('attempts').selectAll().where('id', '=', id).executeTakeFirstOrThrow();

  it('keeps an hour-long call with a live engine: renewed, never reconciled, the agent OnCall throughout', async () => {
    const { h, agent, call } = await connectedCall();
    for (let ms = 0; ms < HOUR; ms += 5_000) {
      t().clock.advance(5_000);
      await h.renewLeases();
      await h.seen(agent);
      if (ms % 60_000 === 0) {
        const rep = await h.tick();
        expect(rep.reconciled, `reconciled at ${ms} ms`).toBe(0);
      }
    }
    expect(await h.row(agent)).toMatchObject({ state: 'OnCall', work_attempt_id: call.attemptId });
    expect((await attempt(call.attemptId)).outcome).toBeNull();
    expect(h.phone.calls).toHaveLength(1);

    await h.phone.end(call.attemptId, 'completed', { talkSec: 3600 });
    expect(await attempt(call.attemptId)).toMatchObject({ outcome: 'completed', talk_sec: 3600 });
    expect((await h.row(agent)).state).toBe('WrapUp');
  });

  it('reconciles a connected call whose engine stopped renewing it, once its lease runs out', async () => {
    const { h, agent, call } = await connectedCall();
    // The engine that placed it died: no heartbeat. Another engine's tick reconciles the call.
    t().clock.advance(16_000);
    const rep = await h.tick();
    expect(rep.reconciled).toBe(1);
    expect((await attempt(call.attemptId)).outcome).toBe('unknown');
    expect((await h.row(agent)).state).toBe('WrapUp');
  });

  it('holds a connected call of a provider whose calls outlive the process, and ignores that provider’s own timeout for it', async () => {
    const { h, agent, call } = await connectedCall(false);
    // What the webhook adapter reports: connected with a hold, and later its outcome timeout.
    const at = t().clock.now();
    const holdUntil = at + MAX_CONVERSATION_MS + 300_000;
    await t().services.outcomes.connected({ attemptId: call.attemptId, at, holdUntil });
    const rec = await t()
      .db.kysely.selectFrom('dial_records')
      .select(['lease_expires_at', 'state'])
      .where('current_attempt_id', '=', call.attemptId)
      .executeTakeFirstOrThrow();
    expect(rec).toMatchObject({ state: 'in_flight', lease_expires_at: holdUntil });

    t().clock.advance(300_000);
    await t().services.outcomes.report({
      attemptId: call.attemptId,
      outcome: 'unknown',
      detail: 'no outcome within 300s',
      at: t().clock.now(),
      overdue: true,
    });
    expect((await attempt(call.attemptId)).outcome).toBeNull();
    t().clock.advance(2 * HOUR);
    expect((await h.tick()).reconciled).toBe(0);
    expect(await h.row(agent)).toMatchObject({ state: 'OnCall', work_attempt_id: call.attemptId });

    // The provider's own `unknown` (not a timeout) is an outcome like any other.
    await h.phone.end(call.attemptId, 'unknown');
    expect((await attempt(call.attemptId)).outcome).toBe('unknown');
    expect((await h.row(agent)).state).toBe('WrapUp');
  });

  it('still ends an unconnected call whose outcome never comes, at the outcome wait', async () => {
    const { h, agent, c } = await connectedCall();
    // The second contact: dialed once the first call is over and the agent free again.
    await h.phone.end(h.phone.calls[0]!.req.attemptId, 'completed');
    const disposed = await h.api(agent, 'POST', `/calls/${h.phone.calls[0]!.req.attemptId}/disposition`, {
      codes: ['Done'],
    });
    expect(disposed.statusCode, disposed.body).toBe(200);
    await h.tick();
    const ringing = h.phone.calls[1]!.req;
    expect(ringing.campaignId).toBe(c.id);
    for (let ms = 0; ms < 10 * 60_000; ms += 5_000) {
      t().clock.advance(5_000);
      await h.renewLeases();
      await h.seen(agent);
    }
    t().clock.advance(16_000);
    expect((await h.tick()).reconciled).toBe(1);
    expect((await attempt(ringing.attemptId)).outcome).toBe('unknown');
    expect((await h.row(agent)).state).toBe('Available');
  });
});
