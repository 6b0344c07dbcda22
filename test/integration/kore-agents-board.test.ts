/**
 * The supervisor's agents board (campaignd extensions of the Kore API, docs/agents.md "The agents
 * board"): `GET …/campaign/agents` and `GET …/campaign/queues/summary` follow the agents as the
 * harness moves them (log in, NotReady, a Progressive call reserved, connected, wrapped up, a Preview
 * offer), count time in state on the clock, page, and never show another bot's agents. Both dialects.
 */
import { describe, expect, it } from 'vitest';
import { newId } from '../../src/shared/ids.js';
import { signHs256 } from '../../src/domain/tenancy/jwt.js';
import { agentHarness, type TestAgent } from '../support/agent-harness.js';
import { addContacts } from '../support/engine-harness.js';
import { useTestApp, type TestTenant } from '../support/test-app.js';
import { DIALECTS } from '../support/test-db.js';

interface BoardAgent {
  id: string;
  name: string;
  externalId: string | null;
  state: string;
  reason: string | null;
  since: string;
  secondsInState: number;
  present: boolean;
  queues: string[];
  work: {
    kind: string;
    campaignId: string;
    campaignName: string | null;
    campaignInstanceId: string;
    attemptId: string | null;
    offerId: string | null;
  } | null;
}

interface QueueSummary {
  id: string;
  name: string;
  agents: number;
  present: number;
  states: Record<string, number>;
  campaigns: {
    campaignId: string;
    campaignName: string;
    campaignInstanceId: string;
    status: string;
    dialingMode: string;
    callsInFlight: number;
    inWrapUp: number;
    offered: number;
  }[];
}

describe.each(DIALECTS)('Kore agents board on %s', (dialect) => {
  const t = useTestApp(dialect);

  async function board(tenant?: TestTenant, query: Record<string, string> = {}) {
    const res = await t().kore('GET', '/campaign/agents', undefined, { query, ...(tenant ? { tenant } : {}) });
    expect(res.statusCode, res.body).toBe(200);
    return res.json().data as {
      results: BoardAgent[];
      totalResults: number;
      hasMore: boolean;
      skip: number;
      limit: number;
      totalPages: number;
      asOf: string;
    };
  }
  const agentOf = async (a: TestAgent) => (await board()).results.find((r) => r.id === a.id)!;
  async function queues(tenant?: TestTenant): Promise<QueueSummary[]> {
    const res = await t().kore('GET', '/campaign/queues/summary', undefined, tenant ? { tenant } : {});
    expect(res.statusCode, res.body).toBe(200);
    return (res.json().data as { queues: QueueSummary[] }).queues;
  }

  it('is a 401 without a token', async () => {
    for (const path of ['/campaign/agents', '/campaign/queues/summary']) {
      const res = await t().app.inject({ method: 'GET', url: `/agentassist/api/v1/public/${t().tenant.iid}${path}` });
      expect(res.statusCode).toBe(401);
    }
  });

  it('follows the agents through states, calls and offers, queue by queue', async () => {
    const { accountId, iid } = t().tenant;
    await t().services.admin.createQueue({ accountId, iid, name: 'Board Sales' });
    await t().services.admin.createQueue({ accountId, iid, name: 'Board Preview' });
    const h = agentHarness(t(), { queue: 'Board Sales' });
    const hp = agentHarness(t(), { queue: 'Board Preview' });
    const ann = await h.createAgent('Ann Board');
    const bob = await h.createAgent('Bob Board');
    const cay = await h.createAgent('Cay Board', ['Board Sales', 'Board Preview']);
    const dee = await hp.createAgent('Dee Board');

    let list = await board();
    expect(list.results.map((a) => a.name)).toEqual(['Ann Board', 'Bob Board', 'Cay Board', 'Dee Board']);
    expect(list.totalResults).toBe(4);
    expect(list.results.find((a) => a.id === cay.id)).toMatchObject({
      state: 'Offline',
      reason: null,
      present: false,
      queues: ['Board Preview', 'Board Sales'],
      work: null,
      secondsInState: 0,
    });
    let sales = (await queues()).find((q) => q.name === 'Board Sales')!;
    expect(sales).toMatchObject({ agents: 3, present: 0, campaigns: [] });
    expect(sales.states).toEqual({ Offline: 3, Available: 0, Reserved: 0, OnCall: 0, WrapUp: 0, NotReady: 0 });

    await h.online(ann);
    await h.online(bob);
    expect((await h.api(cay, 'POST', '/login', { state: 'NotReady', reason: 'Break' })).statusCode).toBe(200);
    await h.seen(cay);
    t().clock.advance(90_000);
    await h.seen(ann, bob, cay);
    expect(await agentOf(cay)).toMatchObject({ state: 'NotReady', reason: 'Break', secondsInState: 90, present: true });
    expect((await agentOf(ann)).since).toBe(new Date(t().clock.now() - 90_000).toISOString());

    // A Progressive call reserves one of the two Available agents of Board Sales.
    const listId = await t().addList('Board contacts');
    await addContacts(t(), listId, [{ phone: '+14155550901' }]);
    const c = await h.campaign('Progressive', listId);
    await h.tick();
    expect(h.phone.calls).toHaveLength(1);
    const call = h.phone.calls[0]!.req;
    const caller = call.agent!.id === ann.id ? ann : bob;
    expect(await agentOf(caller)).toMatchObject({
      state: 'Reserved',
      secondsInState: 0,
      work: {
        kind: 'call',
        campaignId: c.id,
        campaignName: expect.stringContaining('Agents Progressive'),
        campaignInstanceId: c.instanceId,
        attemptId: call.attemptId,
        offerId: null,
      },
    });
    sales = (await queues()).find((q) => q.name === 'Board Sales')!;
    expect(sales.states).toMatchObject({ Available: 1, Reserved: 1, NotReady: 1, Offline: 0 });
    expect(sales.present).toBe(3);
    expect(sales.campaigns).toEqual([
      expect.objectContaining({
        campaignId: c.id,
        campaignInstanceId: c.instanceId,
        status: 'Active',
        dialingMode: 'Progressive',
        callsInFlight: 1,
        inWrapUp: 0,
        offered: 0,
      }),
    ]);

    await h.phone.answer(call.attemptId);
    expect((await agentOf(caller)).state).toBe('OnCall');
    t().clock.advance(30_000);
    await h.phone.end(call.attemptId, 'completed');
    expect(await agentOf(caller)).toMatchObject({ state: 'WrapUp', work: { kind: 'call', attemptId: call.attemptId } });
    sales = (await queues()).find((q) => q.name === 'Board Sales')!;
    expect(sales.states).toMatchObject({ WrapUp: 1, Available: 1 });
    expect(sales.campaigns[0]).toMatchObject({ callsInFlight: 0, inWrapUp: 1, offered: 0 });

    // A Preview campaign on Board Preview offers its contact to Dee, its only Available agent there.
    await hp.online(dee);
    const plist = await t().addList('Board preview contacts');
    await addContacts(t(), plist, [{ phone: '+14155550902' }]);
    const p = await hp.campaign('Preview', plist);
    await hp.tick();
    const deeNow = await agentOf(dee);
    expect(deeNow).toMatchObject({
      state: 'Reserved',
      work: { kind: 'offer', campaignId: p.id, campaignInstanceId: p.instanceId, attemptId: null },
    });
    expect(deeNow.work!.offerId).toEqual(expect.any(String));
    const preview = (await queues()).find((q) => q.name === 'Board Preview')!;
    expect(preview).toMatchObject({ agents: 2, states: expect.objectContaining({ Reserved: 1, NotReady: 1 }) });
    expect(preview.campaigns).toEqual([
      expect.objectContaining({ campaignId: p.id, dialingMode: 'Preview', offered: 1, callsInFlight: 0 }),
    ]);
    // The Progressive campaign is not on this queue.
    expect(preview.campaigns.some((x) => x.campaignId === c.id)).toBe(false);
    // Default Queue (of the test tenant) has no agents and no campaigns.
    expect((await queues()).find((q) => q.name === 'Default Queue')).toMatchObject({ agents: 0, campaigns: [] });

    // Paging: `limit` and `page` (1-based) or `skip`, like getAllContacts.
    list = await board(undefined, { limit: '3', page: '2' });
    expect(list).toMatchObject({ skip: 3, limit: 3, totalResults: 4, totalPages: 2, hasMore: false });
    expect(list.results.map((a) => a.name)).toEqual(['Dee Board']);
    list = await board(undefined, { limit: '2', skip: '1' });
    expect(list.results.map((a) => a.name)).toEqual(['Bob Board', 'Cay Board']);
    expect(list.hasMore).toBe(true);
    const bad = await t().kore('GET', '/campaign/agents', undefined, { query: { limit: '0' } });
    expect(bad.statusCode).toBe(400);
  });

  it("never lists another bot's agents or queues", async () => {
    const { accountId } = t().tenant;
    // Another bot of the same account, with its own app, queue and agent.
    const iid = newId('st');
    const app = await t().services.admin.createApp({ accountId, iid, name: 'other bot app' });
    await t().services.admin.createQueue({ accountId, iid, name: 'Board Sales' });
    const theirs = await t().services.agentAdmin.create({
      accountId,
      iid,
      name: 'Zed Elsewhere',
      queues: ['Board Sales'],
    });
    const other: TestTenant = {
      accountId,
      iid,
      clientId: app.clientId,
      clientSecret: app.clientSecret,
      token: signHs256({ sub: '1234567890', appId: app.clientId }, app.clientSecret),
    };
    const mine = await board();
    expect(mine.results.some((a) => a.id === theirs.id)).toBe(false);
    expect(mine.results.length).toBeGreaterThan(0);
    const ours = (await queues()).find((q) => q.name === 'Board Sales')!;
    expect(ours.agents).toBe(3);

    const them = await board(other);
    expect(them.results.map((a) => a.id)).toEqual([theirs.id]);
    const theirQueues = await queues(other);
    expect(theirQueues.map((q) => q.name)).toEqual(['Board Sales']);
    expect(theirQueues[0]).toMatchObject({ agents: 1, campaigns: [] });
    // Their token on our path is refused (the token is for its own bot).
    const cross = await t().app.inject({
      method: 'GET',
      url: `/agentassist/api/v1/public/${t().tenant.iid}/campaign/agents`,
      headers: { auth: other.token, accountId },
    });
    expect(cross.statusCode).toBeGreaterThanOrEqual(401);
    expect(cross.statusCode).toBeLessThan(500);
    expect(cross.body).not.toContain('Zed Elsewhere');
  });
});
