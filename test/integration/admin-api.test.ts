/**
 * `/admin/v1`: what Kore.ai configures in its UI (apps, tokens, flows, queues, SMS templates),
 * guarded by ADMIN_TOKEN, on both dialects. What it creates must work against the Kore API.
 */
import type { LightMyRequestResponse } from 'fastify';
import { describe, expect, it } from 'vitest';
import { agentlessSample, progressiveSample, smsTemplateSample } from '../fixtures/kore-samples.js';
import { T0, useTestApp, type TestApp, type TestTenant } from '../support/test-app.js';
import { DIALECTS } from '../support/test-db.js';
import { expectEnvelope, type FailureBody } from '../support/failure-envelope.js';

const ADMIN_TOKEN = 'test-admin-token-0123456789abcdef';
const LIST = '/campaign/getAllCampaignDetails';

function expectFailure(res: LightMyRequestResponse, status: number, code: string, field?: string): FailureBody {
  const body = expectEnvelope(res, status);
  expect(body.errors[0]).toEqual(
    field === undefined ? { msg: body.message, code } : { msg: body.message, code, field },
  );
  return body;
}

function admin(
  t: TestApp,
  path: string,
  body: unknown,
  token: string | null = ADMIN_TOKEN,
  method: 'POST' | 'PATCH' | 'GET' = 'POST',
): Promise<LightMyRequestResponse> {
  return t.app.inject({
    method,
    url: `/admin/v1${path}`,
    headers: { 'content-type': 'application/json', ...(token === null ? {} : { authorization: `Bearer ${token}` }) },
    ...(method === 'GET' ? {} : { payload: JSON.stringify(body) }),
  });
}

interface CreatedApp {
  accountId: string;
  iid: string;
  name: string;
  clientId: string;
  clientSecret: string;
  enforceJti: boolean;
  scopes: string[];
}

const claimsOf = (token: string) =>
  JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString('utf8')) as Record<string, unknown>;

describe.each(DIALECTS)('admin API on %s', (dialect) => {
  const t = useTestApp(dialect, { env: { ADMIN_TOKEN } });

  /** Creates an app through the API and returns it with a token from the tokens endpoint. */
  async function newTenant(accountId: string, iid: string): Promise<CreatedApp & { token: string }> {
    const res = await admin(t(), '/apps', { accountId, iid });
    expect(res.statusCode, res.body).toBe(201);
    const app = res.json<CreatedApp>();
    const tok = await admin(t(), '/tokens', { clientId: app.clientId });
    expect(tok.statusCode, tok.body).toBe(201);
    return { ...app, token: tok.json<{ token: string }>().token };
  }

  describe('apps and tokens', () => {
    it('creates account, bot and app (201) and stores the app with its secret', async () => {
      const res = await admin(t(), '/apps', { accountId: 'acct-admin-1', iid: 'st-admin-1', name: 'Integration app' });
      expect(res.statusCode, res.body).toBe(201);
      const app = res.json<CreatedApp>();
      expect(app).toEqual({
        accountId: 'acct-admin-1',
        iid: 'st-admin-1',
        name: 'Integration app',
        clientId: expect.stringMatching(/^cs-/),
        clientSecret: expect.any(String),
        enforceJti: false,
        scopes: ['Campaign Management'],
      });
      expect(app.clientSecret.length).toBeGreaterThanOrEqual(32);

      const { tenancy } = t().repos;
      const stored = await tenancy.findApp(app.clientId);
      expect(stored).toMatchObject({
        id: app.clientId,
        account_id: 'acct-admin-1',
        secret: app.clientSecret,
        enforce_jti: 0,
      });
      expect(await tenancy.findBot('st-admin-1')).toMatchObject({ id: 'st-admin-1', account_id: 'acct-admin-1' });
      expect(await tenancy.hasScope(app.clientId, 'st-admin-1', 'campaign_management')).toBe(true);
    });

    it('issues a token (1h ttl) that works against the Kore API', async () => {
      const created = (await admin(t(), '/apps', { accountId: 'acct-admin-2', iid: 'st-admin-2' })).json<CreatedApp>();
      expect(created.name).toBe('campaignd app');
      const res = await admin(t(), '/tokens', { clientId: created.clientId, ttl: '1h' });
      expect(res.statusCode, res.body).toBe(201);
      const { token, expiresAt } = res.json<{ token: string; expiresAt: string | null }>();
      expect(expiresAt).toBe(new Date(T0 + 3600_000).toISOString());
      const claims = claimsOf(token);
      expect(claims.appId).toBe(created.clientId);
      expect(Number(claims.exp) - Number(claims.iat)).toBe(3600);
      expect(JSON.parse(Buffer.from(token.split('.')[0]!, 'base64url').toString())).toMatchObject({ alg: 'HS256' });

      const list = await t().app.inject({
        method: 'POST',
        url: `/agentassist/api/v1/public/st-admin-2${LIST}`,
        headers: { auth: token, accountId: 'acct-admin-2', 'content-type': 'application/json' },
        payload: '{"type":"voice"}',
      });
      expect(list.statusCode, list.body).toBe(200);
      expect(list.json<{ data: { totalResults: number } }>().data.totalResults).toBe(0);

      // The token is bound to its own account.
      const foreign = await t().app.inject({
        method: 'POST',
        url: `/agentassist/api/v1/public/${t().tenant.iid}${LIST}`,
        headers: { auth: token, accountId: t().tenant.accountId, 'content-type': 'application/json' },
        payload: '{}',
      });
      expectFailure(foreign, 403, 'FORBIDDEN');
    });

    it('issues a token without expiry when no ttl is given', async () => {
      const created = (await admin(t(), '/apps', { accountId: 'acct-admin-3', iid: 'st-admin-3' })).json<CreatedApp>();
      const res = await admin(t(), '/tokens', { clientId: created.clientId });
      expect(res.statusCode).toBe(201);
      const body = res.json<{ token: string; expiresAt: string | null }>();
      expect(body.expiresAt).toBeNull();
      expect(claimsOf(body.token)).not.toHaveProperty('exp');
    });

    it('creates jti apps whose tokens carry a jti and live at most an hour', async () => {
      const res = await admin(t(), '/apps', { accountId: 'acct-admin-4', iid: 'st-admin-4', enforceJti: true });
      expect(res.statusCode, res.body).toBe(201);
      const created = res.json<CreatedApp>();
      expect(created.enforceJti).toBe(true);
      const tok = await admin(t(), '/tokens', { clientId: created.clientId, ttl: '2d' });
      expect(tok.statusCode).toBe(201);
      const claims = claimsOf(tok.json<{ token: string }>().token);
      expect(typeof claims.jti).toBe('string');
      expect(Number(claims.exp) - Number(claims.iat)).toBe(3600);
    });

    it('adds a second app to an existing bot of the same account', async () => {
      const first = await newTenant('acct-admin-5', 'st-admin-5');
      const second = await newTenant('acct-admin-5', 'st-admin-5');
      expect(second.clientId).not.toBe(first.clientId);
      for (const tok of [first.token, second.token]) {
        const res = await t().app.inject({
          method: 'POST',
          url: `/agentassist/api/v1/public/st-admin-5${LIST}`,
          headers: { auth: tok, accountId: 'acct-admin-5', 'content-type': 'application/json' },
          payload: '{}',
        });
        expect(res.statusCode, res.body).toBe(200);
      }
    });

    it('409 for a bot that belongs to another account', async () => {
      await newTenant('acct-admin-6', 'st-admin-6');
      expectFailure(
        await admin(t(), '/apps', { accountId: 'acct-admin-other', iid: 'st-admin-6' }),
        409,
        'CONFLICT',
        'iid',
      );
      // Refused whole: the account it named is not left behind.
      const account = await t()
        .db.kysely.selectFrom('accounts')
        .select('id')
        .where('id', '=', 'acct-admin-other')
        .executeTakeFirst();
      expect(account).toBeUndefined();
    });

    it('400 for malformed ids, missing fields or a bad ttl; 404 for a token of an unknown app', async () => {
      expectFailure(
        await admin(t(), '/apps', { accountId: 'acct 7', iid: 'st-admin-7' }),
        400,
        'VALIDATION_ERROR',
        'accountId',
      );
      expectFailure(
        await admin(t(), '/apps', { accountId: 'acct-admin-7', iid: 'bot-7' }),
        400,
        'VALIDATION_ERROR',
        'iid',
      );
      expectFailure(await admin(t(), '/apps', { accountId: 'acct-admin-7' }), 400, 'VALIDATION_ERROR', 'iid');
      expectFailure(
        await admin(t(), '/apps', { accountId: 'acct-admin-7', iid: 'st-admin-7', name: '   ' }),
        400,
        'VALIDATION_ERROR',
        'name',
      );
      // Nothing was created by the rejected calls.
      expect(await t().repos.tenancy.findBot('st-admin-7')).toBeUndefined();

      const created = (await admin(t(), '/apps', { accountId: 'acct-admin-7', iid: 'st-admin-7' })).json<CreatedApp>();
      expectFailure(
        await admin(t(), '/tokens', { clientId: created.clientId, ttl: 'soon' }),
        400,
        'VALIDATION_ERROR',
        'ttl',
      );
      expectFailure(
        await admin(t(), '/tokens', { clientId: created.clientId, ttl: '0' }),
        400,
        'VALIDATION_ERROR',
        'ttl',
      );
      // An expiry beyond what a Date can hold is a bad ttl, not a 500.
      expectFailure(
        await admin(t(), '/tokens', { clientId: created.clientId, ttl: '100000000d' }),
        400,
        'VALIDATION_ERROR',
        'ttl',
      );
      expectFailure(
        await admin(t(), '/tokens', { clientId: created.clientId, ttl: '99999999999999999999' }),
        400,
        'VALIDATION_ERROR',
        'ttl',
      );
      expectFailure(await admin(t(), '/tokens', { clientId: 'cs-unknown' }), 404, 'NOT_FOUND');
    });
  });

  describe('flows, queues and templates', () => {
    let tenant: (CreatedApp & { token: string }) | undefined;
    const owner = async () => (tenant ??= await newTenant('acct-res-1', 'st-res-1'));
    const asTestTenant = (a: CreatedApp & { token: string }): TestTenant => ({
      accountId: a.accountId,
      iid: a.iid,
      clientId: a.clientId,
      clientSecret: a.clientSecret,
      token: a.token,
    });

    it('creates a flow (cf-…), a queue and a template (cmt-…) that Kore campaigns can name', async () => {
      const a = await owner();
      const flow = await admin(t(), '/flows', {
        accountId: a.accountId,
        iid: a.iid,
        name: 'Admin Voice Flow',
        channel: 'VOICE',
      });
      expect(flow.statusCode, flow.body).toBe(201);
      expect(flow.json()).toEqual({
        id: expect.stringMatching(/^cf-/),
        accountId: a.accountId,
        iid: a.iid,
        name: 'Admin Voice Flow',
        channel: 'voice',
      });

      const queue = await admin(t(), '/queues', { accountId: a.accountId, iid: a.iid, name: 'Admin Queue' });
      expect(queue.statusCode, queue.body).toBe(201);
      expect(queue.json()).toEqual({ id: expect.any(String), accountId: a.accountId, iid: a.iid, name: 'Admin Queue' });

      const template = await admin(t(), '/templates', {
        accountId: a.accountId,
        iid: a.iid,
        name: 'Admin Template',
        message: 'Your bill is ready.',
      });
      expect(template.statusCode, template.body).toBe(201);
      expect(template.json()).toEqual({
        id: expect.stringMatching(/^cmt-/),
        accountId: a.accountId,
        iid: a.iid,
        name: 'Admin Template',
        message: 'Your bill is ready.',
      });

      // Use them from the Kore API as this tenant.
      const tt = asTestTenant(a);
      await t().addList('Admin Contacts', tt);
      const agentless = await t().kore(
        'POST',
        '/campaign?campaignType=voice',
        {
          ...agentlessSample,
          name: 'Admin flow campaign',
          contactLists: ['Admin Contacts'],
          experienceFlowName: 'Admin Voice Flow',
        },
        { tenant: tt },
      );
      expect(agentless.statusCode, agentless.body).toBe(200);
      const progressive = await t().kore(
        'POST',
        '/campaign?campaignType=voice',
        { ...progressiveSample('Admin queue campaign'), contactLists: ['Admin Contacts'], queue_name: 'Admin Queue' },
        { tenant: tt },
      );
      expect(progressive.statusCode, progressive.body).toBe(200);
      const sms = await t().kore(
        'POST',
        '/campaign?campaignType=sms',
        {
          ...smsTemplateSample,
          name: 'Admin template campaign',
          contactLists: ['Admin Contacts'],
          message: { template_name: 'Admin Template', message: '' },
        },
        { tenant: tt },
      );
      expect(sms.statusCode, sms.body).toBe(200);

      // ...and they are not visible to another tenant.
      const elsewhere = await t().kore('POST', '/campaign?campaignType=voice', {
        ...agentlessSample,
        name: 'Borrowed flow campaign',
        experienceFlowName: 'Admin Voice Flow',
      });
      expect(expectFailure(elsewhere, 400, 'VALIDATION_ERROR', 'experienceFlowName').message).toContain(
        'Admin Voice Flow',
      );
    });

    it('409 for a duplicate name (case-insensitive), per kind', async () => {
      const a = await owner();
      const tenantBody = { accountId: a.accountId, iid: a.iid };
      expect((await admin(t(), '/flows', { ...tenantBody, name: 'Dup Flow', channel: 'sms' })).statusCode).toBe(201);
      const dupFlow = expectFailure(
        await admin(t(), '/flows', { ...tenantBody, name: 'dup flow', channel: 'sms' }),
        409,
        'CONFLICT',
        'name',
      );
      expect(dupFlow.message).toContain('dup flow');
      expect((await admin(t(), '/queues', { ...tenantBody, name: 'Dup Queue' })).statusCode).toBe(201);
      expectFailure(await admin(t(), '/queues', { ...tenantBody, name: 'Dup Queue' }), 409, 'CONFLICT', 'name');
      expect((await admin(t(), '/templates', { ...tenantBody, name: 'Dup Template', message: 'a' })).statusCode).toBe(
        201,
      );
      expectFailure(
        await admin(t(), '/templates', { ...tenantBody, name: 'DUP TEMPLATE', message: 'b' }),
        409,
        'CONFLICT',
        'name',
      );
      // The same name in another bot is fine.
      const other = await newTenant('acct-res-2', 'st-res-2');
      expect(
        (await admin(t(), '/flows', { accountId: other.accountId, iid: other.iid, name: 'Dup Flow', channel: 'sms' }))
          .statusCode,
      ).toBe(201);
    });

    it('400 for a bad channel, an empty name or an empty template message', async () => {
      const a = await owner();
      expectFailure(
        await admin(t(), '/flows', { accountId: a.accountId, iid: a.iid, name: 'Fax Flow', channel: 'fax' }),
        400,
        'VALIDATION_ERROR',
        'channel',
      );
      expectFailure(
        await admin(t(), '/flows', { accountId: a.accountId, iid: a.iid, name: 'No Channel Flow' }),
        400,
        'VALIDATION_ERROR',
        'channel',
      );
      expectFailure(
        await admin(t(), '/queues', { accountId: a.accountId, iid: a.iid, name: '' }),
        400,
        'VALIDATION_ERROR',
        'name',
      );
      expectFailure(
        await admin(t(), '/templates', { accountId: a.accountId, iid: a.iid, name: 'Empty Template', message: '  ' }),
        400,
        'VALIDATION_ERROR',
        'message',
      );
    });

    it('404 for an unknown bot, or a bot of another account', async () => {
      const a = await owner();
      expectFailure(
        await admin(t(), '/flows', { accountId: a.accountId, iid: 'st-nowhere', name: 'Lost Flow', channel: 'voice' }),
        404,
        'NOT_FOUND',
      );
      expectFailure(
        await admin(t(), '/queues', { accountId: 'acct-nobody', iid: a.iid, name: 'Lost Queue' }),
        404,
        'NOT_FOUND',
      );
      expectFailure(
        await admin(t(), '/templates', {
          accountId: 'acct-nobody',
          iid: 'st-nowhere',
          name: 'Lost Template',
          message: 'x',
        }),
        404,
        'NOT_FOUND',
      );
    });
  });

  describe('bot settings', () => {
    const patch = (iid: string, body: unknown, token?: string) =>
      admin(t(), `/bots/${iid}`, body, token ?? ADMIN_TOKEN, 'PATCH');
    const show = (iid: string, accountId: string) =>
      admin(t(), `/bots/${iid}?accountId=${accountId}`, undefined, ADMIN_TOKEN, 'GET');

    it('shows and changes the default country, the calls per campaign and the pre-call fetch, never echoing header values', async () => {
      const a = await newTenant('acct-bot-1', 'st-bot-1');
      expect((await show(a.iid, a.accountId)).json()).toEqual({
        accountId: a.accountId,
        iid: a.iid,
        defaultCountry: 'US',
        campaignMaxConcurrent: 10,
        precall: null,
        dispositionCodes: null,
        frequencyCaps: [],
        rulePacks: [],
      });
      const res = await patch(a.iid, {
        accountId: a.accountId,
        defaultCountry: 'gb',
        campaignMaxConcurrent: 40,
        precall: {
          url: 'https://crm.example.com/precall',
          headers: { Authorization: 'Bearer s3cret' },
          timeoutMs: 2500,
        },
      });
      expect(res.statusCode, res.body).toBe(200);
      const want = {
        accountId: a.accountId,
        iid: a.iid,
        defaultCountry: 'GB',
        campaignMaxConcurrent: 40,
        precall: { url: 'https://crm.example.com/precall', headerNames: ['Authorization'], timeoutMs: 2500 },
        dispositionCodes: null,
        frequencyCaps: [],
        rulePacks: [],
      };
      expect(res.json()).toEqual(want);
      expect(res.body).not.toContain('s3cret');
      expect((await show(a.iid, a.accountId)).json()).toEqual(want);
      const stored = JSON.parse((await t().repos.tenancy.findBot(a.iid))!.precall_config!);
      expect(stored).toEqual({
        url: 'https://crm.example.com/precall',
        headers: { Authorization: 'Bearer s3cret' },
        timeoutMs: 2500,
      });
      // Only what is named changes; null turns the fetch off.
      expect((await patch(a.iid, { accountId: a.accountId, defaultCountry: 'IN' })).json()).toMatchObject({
        defaultCountry: 'IN',
        precall: { url: 'https://crm.example.com/precall' },
      });
      expect((await patch(a.iid, { accountId: a.accountId, precall: null })).json()).toEqual({
        ...want,
        defaultCountry: 'IN',
        precall: null,
      });
      // null puts the calls per campaign back to the default.
      expect((await patch(a.iid, { accountId: a.accountId, campaignMaxConcurrent: null })).json()).toMatchObject({
        campaignMaxConcurrent: 10,
      });
      expect(await t().repos.tenancy.findBot(a.iid)).toMatchObject({ campaign_max_concurrent: null });
    });

    it('refuses bad values naming the field, and writes nothing', async () => {
      const a = await newTenant('acct-bot-2', 'st-bot-2');
      const cases: [unknown, string][] = [
        [{ defaultCountry: 'XX' }, 'defaultCountry'],
        [{ defaultCountry: 'USA' }, 'defaultCountry'],
        [{ precall: { url: 'not a url' } }, 'precall.url'],
        [{ precall: { url: 'ftp://crm.example.com/x' } }, 'precall.url'],
        [{ precall: { url: 'https://user:pw@crm.example.com/x' } }, 'precall.url'],
        [{ precall: { url: 'https://crm.example.com/x', headers: { 'Bad Name': 'x' } } }, 'precall.headers'],
        [
          { precall: { url: 'https://crm.example.com/x', headers: { 'X-Key': 'a\r\nInjected: yes' } } },
          'precall.headers',
        ],
        [{ precall: { url: 'https://crm.example.com/x', headers: { 'Content-Length': '5' } } }, 'precall.headers'],
        [{ precall: { url: 'https://crm.example.com/x', timeoutMs: 50 } }, 'precall.timeoutMs'],
        [{ precall: { url: 'https://crm.example.com/x', timeoutMs: 600_000 } }, 'precall.timeoutMs'],
        [{ defaultCountry: 'DE', precall: { url: 'gopher://x' } }, 'precall.url'],
        [{ campaignMaxConcurrent: 0 }, 'campaignMaxConcurrent'],
        [{ campaignMaxConcurrent: 1001 }, 'campaignMaxConcurrent'],
        [{ campaignMaxConcurrent: -5 }, 'campaignMaxConcurrent'],
        [{ defaultCountry: 'DE', campaignMaxConcurrent: 1e9 }, 'campaignMaxConcurrent'],
      ];
      for (const [body, field] of cases) {
        const res = await patch(a.iid, { accountId: a.accountId, ...(body as object) });
        const failure = expectEnvelope(res, 400);
        expect(failure.errors[0], JSON.stringify(body)).toMatchObject({ code: 'VALIDATION_ERROR', field });
      }
      expect(await t().repos.tenancy.findBot(a.iid)).toMatchObject({
        default_country: 'US',
        precall_config: null,
        campaign_max_concurrent: null,
      });
      // Not an integer: refused by the body schema.
      for (const bad of [2.5, '12', true])
        expect(
          (await patch(a.iid, { accountId: a.accountId, campaignMaxConcurrent: bad })).statusCode,
          String(bad),
        ).toBe(400);
      expect(await t().repos.tenancy.findBot(a.iid)).toMatchObject({ campaign_max_concurrent: null });
    });

    it("404 for an unknown bot or another account's bot; 401 without the admin token", async () => {
      const a = await newTenant('acct-bot-3', 'st-bot-3');
      expectFailure(await patch('st-nowhere', { accountId: a.accountId, defaultCountry: 'GB' }), 404, 'NOT_FOUND');
      expectFailure(await patch(a.iid, { accountId: 'acct-bot-other', defaultCountry: 'GB' }), 404, 'NOT_FOUND');
      expectFailure(await show(a.iid, 'acct-bot-other'), 404, 'NOT_FOUND');
      expectFailure(await patch(a.iid, { accountId: a.accountId, defaultCountry: 'GB' }, 'nope'), 401, 'UNAUTHORIZED');
      expect(await t().repos.tenancy.findBot(a.iid)).toMatchObject({ default_country: 'US' });
    });
  });

  describe('the admin token', () => {
    it('401 without it, with a wrong one, or with a Kore JWT', async () => {
      const body = { accountId: 'acct-denied', iid: 'st-denied' };
      expectFailure(await admin(t(), '/apps', body, null), 401, 'UNAUTHORIZED');
      expectFailure(await admin(t(), '/apps', body, 'wrong-admin-token-0123456789abcd'), 401, 'UNAUTHORIZED');
      expectFailure(await admin(t(), '/apps', body, `${ADMIN_TOKEN}x`), 401, 'UNAUTHORIZED');
      expectFailure(await admin(t(), '/apps', body, ADMIN_TOKEN.slice(0, -1)), 401, 'UNAUTHORIZED');
      expectFailure(await admin(t(), '/apps', body, t().tenant.token), 401, 'UNAUTHORIZED');
      const asAuthHeader = await t().app.inject({
        method: 'POST',
        url: '/admin/v1/apps',
        headers: { auth: ADMIN_TOKEN, 'content-type': 'application/json' },
        payload: JSON.stringify(body),
      });
      expectFailure(asAuthHeader, 401, 'UNAUTHORIZED');
      for (const path of ['/tokens', '/flows', '/queues', '/templates']) {
        expectFailure(await admin(t(), path, {}, 'nope'), 401, 'UNAUTHORIZED');
      }
      expect(await t().repos.tenancy.findBot('st-denied')).toBeUndefined();
    });
  });
});

describe.each(DIALECTS)('admin API without ADMIN_TOKEN on %s', (dialect) => {
  const t = useTestApp(dialect);

  it('is disabled: every admin route answers a 404 envelope, whatever token is sent', async () => {
    expect(t().config.adminToken).toBeUndefined();
    for (const path of ['/apps', '/tokens', '/flows', '/queues', '/templates']) {
      const body = expectFailure(
        await admin(t(), path, { accountId: 'acct-x', iid: 'st-x', name: 'n', channel: 'voice', message: 'm' }),
        404,
        'NOT_FOUND',
      );
      expect(body.message).toMatch(/ADMIN_TOKEN/);
      expectFailure(await admin(t(), path, {}, null), 404, 'NOT_FOUND');
      expectFailure(await admin(t(), path, {}, ''), 404, 'NOT_FOUND');
    }
    expect(await t().repos.tenancy.findBot('st-x')).toBeUndefined();
  });
});
