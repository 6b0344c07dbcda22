/**
 * Kore's unofficial agent routes (reference §10): `…/campaign/agents/:agentId/info`,
 * `…/campaign/agents/:agentId/status` and `…/campaign/:campId/dispositions`, under every Kore
 * prefix, behind Kore auth and tenancy. A state a supervisor sets is the state the agent API, the
 * agent's event stream and the history show; what the agent API refuses, this refuses too.
 */
import type { LightMyRequestResponse } from 'fastify';
import { describe, expect, it } from 'vitest';
import { progressiveSample } from '../fixtures/kore-samples.js';
import { addContacts } from '../support/engine-harness.js';
import { agentHarness, type AgentHarness, type TestAgent } from '../support/agent-harness.js';
import { expectEnvelope } from '../support/failure-envelope.js';
import { T0, useTestApp, type TestTenant } from '../support/test-app.js';
import { DIALECTS } from '../support/test-db.js';

const ADMIN_TOKEN = 'test-admin-token-0123456789abcdef';
const V1 = (iid: string) => `/agentassist/api/v1/public/${iid}`;
const V2 = (iid: string) => `/campaign/api/v2/public/${iid}`;
const RUNTIME = (iid: string) => `/api/v1/public/${iid}`;

describe.each(DIALECTS)('Kore agent routes on %s', (dialect) => {
  const t = useTestApp(dialect, { env: { ADMIN_TOKEN } });
  const unique = () => Math.random().toString(36).slice(2, 8);

  /** A harness on a queue of its own, so campaigns of other tests never reserve its agents. */
  async function setup(): Promise<{ h: AgentHarness; queue: string }> {
    const queue = `Queue ${unique()}`;
    await t().services.admin.createQueue({ accountId: t().tenant.accountId, iid: t().tenant.iid, name: queue });
    return { h: agentHarness(t(), { queue }), queue };
  }

  /** A Kore call under `prefix` of the tenant (default the main one). */
  const kore = (
    method: 'GET' | 'POST',
    prefix: (iid: string) => string,
    path: string,
    body?: unknown,
    tenant?: TestTenant,
  ): Promise<LightMyRequestResponse> =>
    t().kore(method, path, body, { prefix: prefix((tenant ?? t().tenant).iid), ...(tenant ? { tenant } : {}) });

  const history = async (agent: TestAgent) => {
    const { accountId, iid } = t().tenant;
    const res = await t().app.inject({
      method: 'GET',
      url: `/admin/v1/agents/${agent.id}/history?accountId=${accountId}&iid=${iid}`,
      headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
    });
    expect(res.statusCode, res.body).toBe(200);
    return res.json<{ results: { state: string; reason: string | null; at: string }[] }>().results;
  };

  const me = async (h: AgentHarness, agent: TestAgent) => {
    const res = await h.api(agent, 'GET', '/me');
    expect(res.statusCode, res.body).toBe(200);
    return res.json<{ state: string; reason: string | null; since: string }>();
  };

  describe('info', () => {
    it('answers the agent in the Kore envelope on every prefix, by POST and GET', async () => {
      const { queue } = await setup();
      const created = await t().services.agentAdmin.create({
        accountId: t().tenant.accountId,
        iid: t().tenant.iid,
        name: 'Ann Info',
        queues: [queue, 'Default Queue'],
        externalId: `crm-${unique()}`,
        extension: '1042',
      });
      const want = {
        status: 'success',
        message: 'Agent Ann Info retrieved successfully',
        data: {
          _id: created.id,
          id: created.id,
          name: 'Ann Info',
          externalId: created.externalId,
          extension: '1042',
          queues: [queue, 'Default Queue'].sort(),
          status: 'Offline',
          reason: null,
          since: new Date(t().clock.now()).toISOString(),
          present: false,
          work: null,
          createdAt: created.createdAt,
        },
      };
      for (const prefix of [V1, V2, RUNTIME]) {
        const res = await kore('POST', prefix, `/campaign/agents/${created.id}/info`, {});
        expect(res.statusCode, res.body).toBe(200);
        const body = res.json<typeof want>();
        expect({ ...body, data: { ...body.data, queues: [...body.data.queues].sort() } }).toEqual(want);
      }
      const byGet = await kore('GET', V2, `/campaign/agents/${created.id}/info`);
      expect(byGet.statusCode, byGet.body).toBe(200);
      expect(byGet.json().data.id).toBe(created.id);
    });

    it('shows the agent at work: Reserved for a call of a campaign, with the attempt', async () => {
      const { h } = await setup();
      const ann = await h.createAgent(`Ann ${unique()}`);
      await h.online(ann);
      const listId = await t().addList(`Info list ${unique()}`);
      await addContacts(t(), listId, [{ phone: '+14155550101' }]);
      const c = await h.campaign('Progressive', listId);
      await h.tick();
      const call = h.phone.calls.find((x) => x.req.agent?.id === ann.id)!.req;
      const res = await kore('POST', V1, `/campaign/agents/${ann.id}/info`, {});
      expect(res.json().data).toMatchObject({
        status: 'Reserved',
        present: true,
        work: { kind: 'call', campaignId: c.id, campaignInstanceId: c.instanceId, attemptId: call.attemptId },
      });
    });
  });

  describe('status', () => {
    it('answers the state with no body or an empty one, on every prefix', async () => {
      const { h } = await setup();
      const ann = await h.createAgent(`Ann ${unique()}`);
      const loggedInAt = t().clock.now();
      await h.online(ann);
      t().clock.advance(5_000);
      for (const [prefix, body] of [
        [V1, undefined],
        [V2, {}],
        [RUNTIME, {}],
      ] as const) {
        const res = await kore('POST', prefix, `/campaign/agents/${ann.id}/status`, body);
        expect(res.statusCode, res.body).toBe(200);
        expect(res.json()).toEqual({
          status: 'success',
          message: `Agent ${ann.name} status retrieved successfully`,
          data: {
            agentId: ann.id,
            status: 'Available',
            reason: null,
            since: new Date(loggedInAt).toISOString(),
            present: true,
          },
        });
      }
      // Reading changes nothing.
      expect((await history(ann)).map((r) => r.state)).toEqual(['Available']);
    });

    it('sets NotReady, Available and Offline as a supervisor; the agent API, the stream and the history see it', async () => {
      const { h } = await setup();
      const ann = await h.createAgent(`Ann ${unique()}`);
      await h.online(ann);
      const eventsBefore = (await h.events(ann)).length;

      t().clock.advance(1_000);
      const notReady = await kore('POST', V1, `/campaign/agents/${ann.id}/status`, {
        status: 'notready',
        reason: 'Coaching',
      });
      expect(notReady.statusCode, notReady.body).toBe(200);
      expect(notReady.json()).toEqual({
        status: 'success',
        message: `Agent ${ann.name} status updated successfully`,
        data: {
          agentId: ann.id,
          status: 'NotReady',
          reason: 'Coaching',
          since: new Date(t().clock.now()).toISOString(),
          present: true,
        },
      });
      expect(await me(h, ann)).toMatchObject({ state: 'NotReady', reason: 'Coaching' });

      t().clock.advance(1_000);
      const available = await kore('POST', V2, `/campaign/agents/${ann.id}/status`, { status: 'AVAILABLE' });
      expect(available.statusCode, available.body).toBe(200);
      expect(available.json().data).toMatchObject({ status: 'Available', reason: null });
      expect(await me(h, ann)).toMatchObject({ state: 'Available', reason: null });

      t().clock.advance(1_000);
      const offline = await kore('POST', RUNTIME, `/campaign/agents/${ann.id}/status`, { status: 'Offline' });
      expect(offline.statusCode, offline.body).toBe(200);
      expect(offline.json().data).toMatchObject({ status: 'Offline', reason: 'supervisor' });
      expect(await me(h, ann)).toMatchObject({ state: 'Offline', reason: 'supervisor' });
      // A repeat is no change (no new history row).
      expect((await kore('POST', V1, `/campaign/agents/${ann.id}/status`, { status: 'offline' })).statusCode).toBe(200);

      const at = (ms: number) => new Date(T0 + ms).toISOString();
      const rows = (await history(ann)).map(({ state, reason, at }) => ({ state, reason, at }));
      const start = Date.parse(rows[0]!.at) - T0;
      expect(rows).toEqual([
        { state: 'Available', reason: null, at: at(start) },
        { state: 'NotReady', reason: 'Coaching', at: at(start + 1_000) },
        { state: 'Available', reason: null, at: at(start + 2_000) },
        { state: 'Offline', reason: 'supervisor', at: at(start + 3_000) },
      ]);
      // The agent's own stream is told each change, as if they had made it.
      const states = (await h.events(ann)).slice(eventsBefore).filter(([type]) => type === 'state');
      expect(states.map(([, data]) => data.state)).toEqual(['NotReady', 'Available', 'Offline']);

      // Only the agent logs in: a supervisor cannot make a logged-out agent Available.
      const login = await kore('POST', V1, `/campaign/agents/${ann.id}/status`, { status: 'Available' });
      expect(expectEnvelope(login, 409).errors[0]).toMatchObject({ code: 'ILLEGAL_STATE' });
      expect(login.json().message).toBe(`Agent ${ann.name} is logged out: log in first`);
      expect(await me(h, ann)).toMatchObject({ state: 'Offline' });
    });

    it('refuses with 409 what the agent API refuses: a change during a call', async () => {
      const { h } = await setup();
      const ann = await h.createAgent(`Ann ${unique()}`);
      await h.online(ann);
      const listId = await t().addList(`Call list ${unique()}`);
      await addContacts(t(), listId, [{ phone: '+14155550102' }]);
      await h.campaign('Progressive', listId);
      await h.tick();
      const call = h.phone.calls.find((x) => x.req.agent?.id === ann.id)!.req.attemptId;
      for (const when of ['dialing', 'talking']) {
        if (when === 'talking') await h.phone.answer(call);
        const state = when === 'dialing' ? 'Reserved' : 'OnCall';
        for (const status of ['Offline', 'NotReady', 'Available']) {
          const res = await kore('POST', V2, `/campaign/agents/${ann.id}/status`, { status });
          expect(expectEnvelope(res, 409).errors[0], `${status} while ${when}`).toMatchObject({
            code: 'ILLEGAL_STATE',
          });
          expect(res.json().message).toMatch(/is on a call .*: end it first$/);
          expect((await h.row(ann)).state, `${status} while ${when}`).toBe(state);
        }
        // The agent API refuses the same.
        expect((await h.api(ann, 'POST', '/logout')).statusCode).toBe(409);
      }
      // Over, and in wrap-up: the supervisor may end the wrap-up by taking the agent Offline.
      await h.phone.end(call, 'completed');
      expect((await h.row(ann)).state).toBe('WrapUp');
      const off = await kore('POST', V1, `/campaign/agents/${ann.id}/status`, {
        status: 'Offline',
        reason: 'Shift end',
      });
      expect(off.statusCode, off.body).toBe(200);
      expect(off.json().data).toMatchObject({ status: 'Offline', reason: 'Shift end' });
    });

    it('refuses a status it does not know, or a reason alone, with 400 naming the field, and changes nothing', async () => {
      const { h } = await setup();
      const ann = await h.createAgent(`Ann ${unique()}`);
      await h.online(ann);
      const cases: [unknown, string, string | undefined][] = [
        [{ status: 'Busy' }, 'status', "status: 'Busy' must be Available, NotReady or Offline"],
        [{ status: 'OnCall' }, 'status', "status: 'OnCall' must be Available, NotReady or Offline"],
        [{ status: '' }, 'status', "status: '' must be Available, NotReady or Offline"],
        [{ reason: 'Lunch' }, 'status', 'status: required when a reason is given'],
        [{ status: 42 }, 'status', undefined],
        [{ status: 'NotReady', reason: 'x'.repeat(65) }, 'reason', undefined],
      ];
      for (const [body, field, message] of cases) {
        const res = await kore('POST', V1, `/campaign/agents/${ann.id}/status`, body);
        const failure = expectEnvelope(res, 400);
        expect(failure.errors[0], JSON.stringify(body)).toMatchObject({ field });
        if (message) expect(failure.message).toBe(message);
      }
      expect(await me(h, ann)).toMatchObject({ state: 'Available', reason: null });
      expect((await history(ann)).map((r) => r.state)).toEqual(['Available']);
    });
  });

  describe('dispositions', () => {
    async function createCampaign(over: Record<string, unknown> = {}, tenant?: TestTenant): Promise<string> {
      const body = { ...progressiveSample(`Dispositions ${unique()}`), ...over };
      const res = await t().kore('POST', '/campaign?campaignType=voice', body, tenant ? { tenant } : {});
      expect(res.statusCode, res.body).toBe(200);
      return res.json().id as string;
    }

    const configureBot = async (dispositionCodes: string[] | null, tenant = t().tenant) => {
      const res = await t().app.inject({
        method: 'PATCH',
        url: `/admin/v1/bots/${tenant.iid}`,
        headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
        payload: JSON.stringify({ accountId: tenant.accountId, dispositionCodes }),
      });
      expect(res.statusCode, res.body).toBe(200);
    };

    it("answers the campaign's own codes, else the bot's, else none (any code), on every prefix", async () => {
      const other = await t().addTenant();
      const own = await createCampaign({ agentSettings: { dispositionCodes: ['Sale', 'Callback Later'] } });
      const plain = await createCampaign();
      const ask = async (prefix: (iid: string) => string, id: string, method: 'GET' | 'POST' = 'POST') => {
        const res = await kore(method, prefix, `/campaign/${id}/dispositions`, method === 'POST' ? {} : undefined);
        expect(res.statusCode, res.body).toBe(200);
        return res.json<{ status: string; message: string; data: unknown }>();
      };
      const name = async (id: string) => (await t().kore('GET', `/campaign/${id}`)).json().data.name as string;

      for (const prefix of [V1, V2, RUNTIME]) {
        expect(await ask(prefix, plain)).toEqual({
          status: 'success',
          message: `Disposition codes of campaign ${await name(plain)} retrieved successfully`,
          data: { campaignId: plain, dispositionCodes: [], source: 'any' },
        });
        expect((await ask(prefix, own)).data).toEqual({
          campaignId: own,
          dispositionCodes: ['Sale', 'Callback Later'],
          source: 'campaign',
        });
      }

      // The bot's list applies at once (no stale cache), to campaigns without their own only.
      await configureBot(['Interested', 'Not Interested']);
      expect((await ask(V2, plain, 'GET')).data).toEqual({
        campaignId: plain,
        dispositionCodes: ['Interested', 'Not Interested'],
        source: 'bot',
      });
      expect((await ask(V1, own)).data).toMatchObject({ dispositionCodes: ['Sale', 'Callback Later'] });
      // Another bot's list is its own business.
      await configureBot(['Elsewhere'], other);
      expect((await ask(V1, plain)).data).toMatchObject({ dispositionCodes: ['Interested', 'Not Interested'] });
      await configureBot(null);
      expect((await ask(RUNTIME, plain)).data).toEqual({ campaignId: plain, dispositionCodes: [], source: 'any' });
    });
  });

  describe('auth and tenancy', () => {
    it('needs a token, and answers 404 for an agent or campaign of another tenant (unknown alike), changing nothing', async () => {
      const { h } = await setup();
      const ann = await h.createAgent(`Ann ${unique()}`);
      await h.online(ann);
      const campaign = (
        await t().kore('POST', '/campaign?campaignType=voice', progressiveSample(`Tenancy ${unique()}`))
      ).json().id as string;
      const paths = [
        `/campaign/agents/${ann.id}/info`,
        `/campaign/agents/${ann.id}/status`,
        `/campaign/${campaign}/dispositions`,
      ];

      for (const path of paths) {
        const res = await t().app.inject({
          method: 'POST',
          url: `${V1(t().tenant.iid)}${path}`,
          headers: { accountId: t().tenant.accountId, 'content-type': 'application/json' },
          payload: '{}',
        });
        expect(expectEnvelope(res, 401).errors[0], path).toMatchObject({ code: 'UNAUTHORIZED' });
      }

      const other = await t().addTenant();
      for (const prefix of [V1, V2]) {
        const info = await kore('POST', prefix, `/campaign/agents/${ann.id}/info`, {}, other);
        expect(expectEnvelope(info, 404).message).toBe(`Agent ${ann.id} not found`);
        const status = await kore('POST', prefix, `/campaign/agents/${ann.id}/status`, {}, other);
        expect(expectEnvelope(status, 404).message).toBe(`Agent ${ann.id} not found`);
        const set = await kore('POST', prefix, `/campaign/agents/${ann.id}/status`, { status: 'Offline' }, other);
        expect(expectEnvelope(set, 404).message).toBe(`Agent ${ann.id} not found`);
        const disp = await kore('POST', prefix, `/campaign/${campaign}/dispositions`, {}, other);
        expect(expectEnvelope(disp, 404).errors[0]).toMatchObject({ code: 'CAMPAIGN_NOT_FOUND' });
      }
      const unknown = await kore('POST', V1, '/campaign/agents/ag-nobody/status', { status: 'Offline' });
      expect(expectEnvelope(unknown, 404).message).toBe('Agent ag-nobody not found');
      // The other tenant's supervisor took nobody offline.
      expect(await me(h, ann)).toMatchObject({ state: 'Available' });
    });
  });
});
