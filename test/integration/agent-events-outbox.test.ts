/**
 * Agents in the event outbox (docs/events.md): every change of an agent's state is an
 * `agent.state_changed` (with the state before and how long it lasted), and every disposition —
 * the agent's own, or the system's when the wrap-up runs out — an `agent.disposition_submitted`,
 * each written with its change and read back through the pull endpoint. Both dialects, a scripted
 * phone network, a manual clock.
 */
import { describe, expect, it } from 'vitest';
import { addContacts } from '../support/engine-harness.js';
import { agentHarness, type TestAgent } from '../support/agent-harness.js';
import { useTestApp } from '../support/test-app.js';
import { DIALECTS } from '../support/test-db.js';

const ADMIN_TOKEN = 'test-admin-token-agent-events-0123456789';

interface PulledEvent {
  seq: number;
  type: string;
  timestamp: string;
  data: Record<string, unknown>;
}

describe.each(DIALECTS)('agent events in the outbox (%s)', (dialect) => {
  const t = useTestApp(dialect, { env: { ADMIN_TOKEN } });

  async function setup(contacts: number) {
    const queue = `Queue ${Math.random().toString(36).slice(2, 8)}`;
    await t().services.admin.createQueue({ accountId: t().tenant.accountId, iid: t().tenant.iid, name: queue });
    const h = agentHarness(t(), { queue });
    const listId = await t().addList(`Agent events ${Math.random()}`);
    await addContacts(
      t(),
      listId,
      Array.from({ length: contacts }, (_, i) => ({ phone: `+1415556${String(i).padStart(4, '0')}` })),
    );
    const ann = await h.createAgent(`Ann ${Math.random().toString(36).slice(2, 6)}`);
    return { h, listId, ann };
  }

  /** The agent's events of the account's stream, in stream order. */
  async function agentEvents(agent: TestAgent): Promise<PulledEvent[]> {
    const out: PulledEvent[] = [];
    for (let after = 0; ;) {
      const res = await t().app.inject({
        method: 'GET',
        url: `/admin/v1/events?accountId=${t().tenant.accountId}&after=${after}&limit=100`,
        headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
      });
      expect(res.statusCode, res.body).toBe(200);
      const page = res.json() as { events: PulledEvent[]; next: number };
      if (page.events.length === 0) break;
      out.push(...page.events);
      after = page.next;
    }
    return out.filter((e) => e.type.startsWith('agent.') && e.data.agentId === agent.id);
  }

  it('writes every state change with the state before, and the agent’s disposition with its codes', async () => {
    const { h, listId, ann } = await setup(1);
    const loggedInAt = t().clock.now();
    await h.online(ann);
    t().clock.advance(5_000);
    const c = await h.campaign('Progressive', listId);
    await h.tick();
    const call = h.phone.calls[0]!.req.attemptId;
    t().clock.advance(2_000);
    await h.phone.answer(call);
    t().clock.advance(30_000);
    await h.phone.end(call, 'completed', { talkSec: 30 });
    const disposed = await h.api(ann, 'POST', `/calls/${call}/disposition`, {
      codes: ['Sale'],
      notes: 'renewed',
      callbackAt: '2030-01-02T10:00:00Z',
    });
    expect(disposed.statusCode, disposed.body).toBe(200);

    const events = await agentEvents(ann);
    const changes = events.filter((e) => e.type === 'agent.state_changed').map((e) => e.data);
    expect(changes.map((d) => [d.previousState, d.state])).toEqual([
      ['Offline', 'Available'],
      ['Available', 'Reserved'],
      ['Reserved', 'OnCall'],
      ['OnCall', 'WrapUp'],
      ['WrapUp', 'Available'],
    ]);
    expect(changes[0]).toMatchObject({ agentName: ann.name, secondsInPreviousState: null, campaignId: null });
    expect(changes[1]).toMatchObject({ secondsInPreviousState: 5, campaignId: c.id, attemptId: call });
    expect(changes[2]).toMatchObject({ secondsInPreviousState: 2 });
    expect(changes[3]).toMatchObject({ secondsInPreviousState: 30 });
    expect(events[0]!.timestamp).toBe(new Date(loggedInAt).toISOString());

    const { record_id } = await t()
      .db.kysely.selectFrom('attempts')
      .select('record_id')
      .where('id', '=', call)
      .executeTakeFirstOrThrow();
    const dispositions = events.filter((e) => e.type === 'agent.disposition_submitted');
    expect(dispositions.map((e) => e.data)).toEqual([
      {
        agentId: ann.id,
        campaignId: c.id,
        instanceId: c.instanceId,
        attemptId: call,
        recordId: record_id,
        codes: ['Sale'],
        notes: 'renewed',
        callbackAt: '2030-01-02T10:00:00.000Z',
        doNotCall: false,
        by: 'agent',
      },
    ]);
    // The disposition ended the wrap-up: its event and the move to Available came together.
    const order = events.map((e) => e.type);
    expect(order.slice(-2).sort()).toEqual(['agent.disposition_submitted', 'agent.state_changed']);

    // A second disposition is refused: no second event.
    expect((await h.api(ann, 'POST', `/calls/${call}/disposition`, { codes: ['Sale'] })).statusCode).toBe(409);
    expect((await agentEvents(ann)).filter((e) => e.type === 'agent.disposition_submitted')).toHaveLength(1);
  });

  it('writes the system disposition when the wrap-up runs out, and NotReady with its reason', async () => {
    const { h, listId, ann } = await setup(1);
    await h.online(ann);
    const c = await h.campaign('Progressive', listId, { agentSettings: { wrapUpSec: 20 } });
    await h.tick();
    const call = h.phone.calls[0]!.req.attemptId;
    await h.phone.answer(call);
    await h.phone.end(call, 'completed');
    t().clock.advance(20_000);
    await h.seen(ann);
    await h.tick();
    expect((await h.row(ann)).state).toBe('Available');
    const notReady = await h.api(ann, 'POST', '/state', { state: 'NotReady', reason: 'Break' });
    expect(notReady.statusCode, notReady.body).toBe(200);

    const events = await agentEvents(ann);
    const [system] = events.filter((e) => e.type === 'agent.disposition_submitted');
    expect(system!.data).toMatchObject({
      campaignId: c.id,
      attemptId: call,
      codes: ['System Generated'],
      by: 'system',
      notes: null,
      callbackAt: null,
    });
    const last = events.filter((e) => e.type === 'agent.state_changed').at(-1)!.data;
    expect(last).toMatchObject({ previousState: 'Available', state: 'NotReady', reason: 'Break' });
    // Too late for the agent's own disposition now: refused, and still one event.
    expect((await h.api(ann, 'POST', `/calls/${call}/disposition`, { codes: ['Sale'] })).statusCode).toBe(409);
    expect(events.filter((e) => e.type === 'agent.disposition_submitted')).toHaveLength(1);
  });
});
