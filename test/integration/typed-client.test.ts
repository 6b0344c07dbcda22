/**
 * The typed client (`campaignd/client`) against a server listening on 127.0.0.1, through the client
 * only: it authenticates each API with its own credential (signing a fresh app token per Kore
 * request), answers typed data, and hands back failures as `error` with the Kore envelope and status.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCampaigndClient, type CampaigndClient } from '../../src/client/index.js';
import { agentlessSample } from '../fixtures/kore-samples.js';
import { useTestApp } from '../support/test-app.js';

const ADMIN_TOKEN = 'typed-client-admin-token-0123456789';
const CAMPAIGN = '/agentassist/api/v1/public/{iid}/campaign/{campaignId}' as const;
const LIST = '/agentassist/api/v1/public/{iid}/campaign/getAllCampaignDetails' as const;

describe('typed client', () => {
  const t = useTestApp('sqlite', { env: { ADMIN_TOKEN } });
  let baseUrl = '';
  let kore: CampaigndClient;
  let admin: CampaigndClient;
  beforeAll(async () => {
    baseUrl = await t().app.listen({ port: 0, host: '127.0.0.1' });
    const { clientId: appId, clientSecret, accountId } = t().tenant;
    kore = createCampaigndClient({ baseUrl, kore: { appId, clientSecret, accountId } });
    admin = createCampaigndClient({ baseUrl, adminToken: ADMIN_TOKEN });
  });
  afterAll(() => t().app.close());

  it('creates a campaign, reads it back and lists it through the Kore API', async () => {
    const { iid } = t().tenant;
    const created = await kore.POST('/agentassist/api/v1/public/{iid}/campaign', {
      params: { path: { iid }, query: { campaignType: 'voice' } },
      body: { ...agentlessSample, name: 'Typed client campaign' },
    });
    expect(created.error, JSON.stringify(created.error)).toBeUndefined();
    expect(created.response.status).toBe(200);
    const campaignId = created.data!.id;
    expect(campaignId).toMatch(/^cd-/);

    const got = await kore.GET(CAMPAIGN, { params: { path: { iid, campaignId } } });
    expect(got.data?.status).toBe('success');
    expect(got.data?.data).toMatchObject({ _id: campaignId, name: 'Typed client campaign', dialingMode: 'Agentless' });

    const listed = await kore.POST(LIST, { params: { path: { iid } }, body: {} });
    expect(listed.data?.data.results.map((c) => c._id)).toContain(campaignId);
    expect(listed.data?.data.totalResults).toBeGreaterThanOrEqual(1);
  });

  it('answers a failure as `error`: the Kore envelope, with the HTTP status', async () => {
    const { iid } = t().tenant;
    const missing = await kore.GET(CAMPAIGN, { params: { path: { iid, campaignId: 'cd-missing' } } });
    expect(missing.data).toBeUndefined();
    expect(missing.response.status).toBe(404);
    expect(missing.error).toMatchObject({ status: 'failure', errors: [{ code: expect.any(String) }] });
    expect(missing.error?.message).toEqual(expect.any(String));

    // The wrong secret signs tokens the server refuses.
    const { clientId: appId, accountId } = t().tenant;
    const forged = createCampaigndClient({ baseUrl, kore: { appId, clientSecret: 'not-the-secret', accountId } });
    const refused = await forged.POST(LIST, { params: { path: { iid } }, body: {} });
    expect(refused.response.status).toBe(401);
    expect(refused.error).toMatchObject({ status: 'failure' });
  });

  it('calls the admin API with the admin token, and the Kore API with the app it creates', async () => {
    const { accountId, iid } = t().tenant;
    const bot = await admin.GET('/admin/v1/bots/{iid}', { params: { path: { iid }, query: { accountId } } });
    expect(bot.error, JSON.stringify(bot.error)).toBeUndefined();
    expect(bot.data?.iid).toBe(iid);

    const wrong = createCampaigndClient({ baseUrl, adminToken: 'wrong-admin-token-0123456789abcd' });
    const denied = await wrong.GET('/admin/v1/bots/{iid}', { params: { path: { iid }, query: { accountId } } });
    expect(denied.response.status).toBe(401);
    expect(denied.error?.status).toBe('failure');

    // An app that refuses a token seen before: every request of the client still gets in, each with its own.
    const app = await admin.POST('/admin/v1/apps', { body: { accountId, iid, name: 'jti app', enforceJti: true } });
    expect(app.response.status).toBe(201);
    const { clientId, clientSecret } = app.data!;
    const jti = createCampaigndClient({ baseUrl, kore: { appId: clientId, clientSecret, accountId } });
    for (let i = 0; i < 2; i++) {
      const res = await jti.POST(LIST, { params: { path: { iid } }, body: {} });
      expect(res.response.status, JSON.stringify(res.error)).toBe(200);
    }
  });

  it('calls the agent API with an agent credential', async () => {
    const { accountId, iid } = t().tenant;
    const created = await admin.POST('/admin/v1/agents', {
      body: { accountId, iid, name: 'Typed Agent', queues: ['Default Queue'] },
    });
    expect(created.error, JSON.stringify(created.error)).toBeUndefined();
    const agent = createCampaigndClient({ baseUrl, agentCredential: created.data!.credential });
    const me = await agent.GET('/agent/v1/me');
    expect(me.data).toMatchObject({ name: 'Typed Agent', state: 'Offline' });
    const login = await agent.POST('/agent/v1/login', { body: {} });
    expect(login.data?.state).toBe('Available');
    // The agent's credential opens nothing of the admin API.
    const other = createCampaigndClient({ baseUrl, adminToken: created.data!.credential });
    const denied = await other.GET('/admin/v1/agents', { params: { query: { accountId, iid } } });
    expect(denied.response.status).toBe(401);
  });
});
