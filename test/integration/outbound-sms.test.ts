/**
 * Kore's Send Outbound SMS (`POST /api/public/bot/{BotId}/outboundsms`, reference §4.11) on both
 * dialects: its own scope, its validation and errors, the DNC refusal, the shared per-account rate
 * limit, and what the telephony provider is really given. The provider is scripted.
 */
import type { LightMyRequestResponse } from 'fastify';
import { beforeAll, describe, expect, it } from 'vitest';
import { OutboundSmsService } from '../../src/domain/telephony/outbound-sms-service.js';
import {
  ProviderUnavailableError,
  type DialRequest,
  type Provider,
  type StartResult,
} from '../../src/domain/telephony/provider.js';
import { signHs256 } from '../../src/domain/tenancy/jwt.js';
import { captureLogs } from '../support/captured-logs.js';
import { addContacts } from '../support/engine-harness.js';
import { expectEnvelope } from '../support/failure-envelope.js';
import { useTestApp, type TestApp } from '../support/test-app.js';
import { DIALECTS } from '../support/test-db.js';

const FROM = '+19876543210';
const TO = '+911234567890';
const TRIGGERED = { message: 'Triggered the configured Experience flow to deliver message via SMS channel' };

/** A provider that records what it is given and answers what the test says. */
function scriptedProvider(): Provider & { got: DialRequest[]; answer: () => Promise<StartResult> } {
  const p = {
    name: 'scripted',
    got: [] as DialRequest[],
    answer: async (): Promise<StartResult> => ({ accepted: true }),
    start: async (req: DialRequest) => {
      p.got.push(structuredClone(req));
      return p.answer();
    },
    close: async () => {},
  };
  return p;
}

interface SmsSetup {
  /** A token of an app holding only the Outbound SMS scope on the test bot. */
  token: string;
  flowId: string;
}

async function setUp(t: TestApp, numbers: string[] = [FROM]): Promise<SmsSetup> {
  const { accountId, iid } = t.tenant;
  const app = await t.services.admin.createApp({ accountId, iid, name: 'sms app', scopes: ['outbound-sms'] });
  const flow = await t.services.admin.createFlow({
    accountId,
    iid,
    name: 'Outbound SMS Flow',
    channel: 'sms',
    phoneNumbers: numbers,
  });
  return { token: signHs256({ sub: 'sms', appId: app.clientId }, app.clientSecret), flowId: flow.id };
}

function send(
  t: TestApp,
  body: unknown,
  o: { token?: string | null; iid?: string; headers?: Record<string, string>; query?: Record<string, string> } = {},
): Promise<LightMyRequestResponse> {
  return t.app.inject({
    method: 'POST',
    url: `/api/public/bot/${o.iid ?? t.tenant.iid}/outboundsms`,
    query: o.query,
    headers: {
      'content-type': 'application/json',
      ...(o.token === null ? {} : { auth: o.token ?? '' }),
      ...o.headers,
    },
    payload: JSON.stringify(body),
  });
}

describe.each(DIALECTS)('Send Outbound SMS on %s', (dialect) => {
  const provider = scriptedProvider();
  const t = useTestApp(dialect, { provider });
  let s: SmsSetup;
  beforeAll(async () => {
    s = await setUp(t());
  });
  const sent = () => provider.got.splice(0);

  it('hands the SMS flow of fromNo to the provider and answers exactly as Kore', async () => {
    sent();
    const res = await send(t(), { fromNo: FROM, toNo: TO }, { token: s.token });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toEqual(TRIGGERED);
    const got = sent();
    expect(got).toHaveLength(1);
    expect(got[0]).toEqual({
      attemptId: expect.stringMatching(/^att-[0-9a-f-]{36}$/),
      channel: 'sms',
      to: TO,
      from: FROM,
      experienceFlowId: s.flowId,
      experienceFlowName: 'Outbound SMS Flow',
      context: { phoneNumber: TO },
    });
    // Ad hoc: no campaign, no run, and no placeholder text.
    expect(got[0]).not.toHaveProperty('campaignId');
    expect(got[0]).not.toHaveProperty('message');
  });

  it('takes the account from the app when it is left out, and refuses another one', async () => {
    sent();
    const ok = await send(
      t(),
      { fromNo: FROM, toNo: TO },
      { token: s.token, headers: { accountId: t().tenant.accountId } },
    );
    expect(ok.statusCode, ok.body).toBe(200);
    const other = await send(t(), { fromNo: FROM, toNo: TO }, { token: s.token, query: { accountId: 'someoneelse' } });
    expect(expectEnvelope(other, 403).message).toMatch(/not authorised for account someoneelse/);
    expect(sent()).toHaveLength(1);
  });

  it('401 without a token or with a bad one', async () => {
    sent();
    expectEnvelope(await send(t(), { fromNo: FROM, toNo: TO }, { token: null }), 401);
    expectEnvelope(await send(t(), { fromNo: FROM, toNo: TO }, { token: `${s.token}x` }), 401);
    expect(sent()).toEqual([]);
  });

  it('403 for an app without the Outbound SMS scope (Campaign Management is not enough)', async () => {
    sent();
    const res = await send(t(), { fromNo: FROM, toNo: TO }, { token: t().tenant.token });
    const body = expectEnvelope(res, 403);
    expect(body.message).toMatch(/has no Outbound SMS scope for bot/);
    expect(body.errors[0]!.code).toBe('FORBIDDEN');
    // And the Outbound SMS app cannot use the campaign API.
    const list = await t().kore('POST', '/campaign/getAllCampaignDetails', {}, { headers: { auth: s.token } });
    expect(expectEnvelope(list, 403).message).toMatch(/has no Campaign Management scope/);
    expect(sent()).toEqual([]);
  });

  it('403 on a bot the app has no scope for', async () => {
    sent();
    const other = await t().addTenant();
    expectEnvelope(await send(t(), { fromNo: FROM, toNo: TO }, { token: s.token, iid: other.iid }), 403);
    expect(sent()).toEqual([]);
  });

  it.each([
    [{ toNo: TO }, 'fromNo', /fromNo: is required/],
    [{ fromNo: FROM }, 'toNo', /toNo: is required/],
    [{ fromNo: 19876543210, toNo: TO }, 'fromNo', /fromNo: must be string/],
    [{ fromNo: '19876543210', toNo: TO }, 'fromNo', /fromNo: "19876543210" is not an E.164 number/],
    [{ fromNo: FROM, toNo: '+91 12345 67890' }, 'toNo', /toNo: "\+91 12345 67890" is not an E.164 number/],
    [{ fromNo: FROM, toNo: '+0123456789' }, 'toNo', /not an E.164 number/],
  ])('400 naming the field for %j', async (body, field, message) => {
    sent();
    const res = expectEnvelope(await send(t(), body, { token: s.token }), 400);
    expect(res.errors[0]).toMatchObject({ code: 'VALIDATION_ERROR', field });
    expect(res.message).toMatch(message);
    expect(sent()).toEqual([]);
  });

  it('400 listing both fields when both numbers are bad', async () => {
    sent();
    const res = expectEnvelope(await send(t(), { fromNo: 'abc', toNo: '123' }, { token: s.token }), 400);
    expect(res.errors.map((e) => e.field)).toEqual(['fromNo', 'toNo']);
    expect(sent()).toEqual([]);
  });

  it('400 for a fromNo attached to no SMS flow of this bot (not even one of another bot)', async () => {
    sent();
    const unknown = expectEnvelope(await send(t(), { fromNo: '+15550001111', toNo: TO }, { token: s.token }), 400);
    expect(unknown.errors[0]).toMatchObject({ field: 'fromNo', code: 'VALIDATION_ERROR' });
    expect(unknown.message).toBe(
      `fromNo +15550001111 is not attached to an SMS experience flow of bot ${t().tenant.iid} (admin API: phoneNumbers of the flow)`,
    );
    const other = await t().addTenant();
    await t().services.admin.createFlow({
      accountId: other.accountId,
      iid: other.iid,
      name: 'Elsewhere',
      channel: 'sms',
      phoneNumbers: ['+15550002222'],
    });
    const foreign = expectEnvelope(await send(t(), { fromNo: '+15550002222', toNo: TO }, { token: s.token }), 400);
    expect(foreign.errors[0]).toMatchObject({ field: 'fromNo' });
    expect(sent()).toEqual([]);
  });

  it("409 DO_NOT_CALL for a toNo on the account's global DNC list; never sent", async () => {
    sent();
    const global = await t().addList('SMS Global DNC');
    await t().db.kysely.updateTable('contact_lists').set({ is_global_dnc: 1 }).where('id', '=', global).execute();
    await addContacts(t(), global, [{ phone: '+447700900123' }]);
    const res = expectEnvelope(await send(t(), { fromNo: FROM, toNo: '+447700900123' }, { token: s.token }), 409);
    expect(res.errors[0]).toEqual({
      code: 'DO_NOT_CALL',
      field: 'toNo',
      msg: "+447700900123 is on the account's do-not-call list 'SMS Global DNC'; nothing was sent",
    });
    expect(sent()).toEqual([]);
    // A number not on it still goes out.
    expect((await send(t(), { fromNo: FROM, toNo: '+447700900124' }, { token: s.token })).statusCode).toBe(200);
    expect(sent().map((r) => r.to)).toEqual(['+447700900124']);
  });

  it('502 when the provider refuses, 503 when it cannot be reached', async () => {
    sent();
    provider.answer = async () => ({
      accepted: false,
      outcome: 'failed',
      detail: 'provider refused with HTTP 400: no',
    });
    const refused = expectEnvelope(await send(t(), { fromNo: FROM, toNo: TO }, { token: s.token }), 502);
    expect(refused.errors[0]).toMatchObject({
      code: 'PROVIDER_REFUSED',
      msg: 'The telephony provider refused: failed: provider refused with HTTP 400: no',
    });
    provider.answer = async () => {
      throw new ProviderUnavailableError('telephony webhook unreachable: ECONNREFUSED');
    };
    const down = expectEnvelope(await send(t(), { fromNo: FROM, toNo: TO }, { token: s.token }), 503);
    expect(down.errors[0]!.code).toBe('UNAVAILABLE');
    expect(down.message).toMatch(/nothing was sent/);
    provider.answer = async () => ({ accepted: true });
    expect(sent()).toHaveLength(2);
  });

  it('logs each send with the attempt id the provider was given', async () => {
    const { log, lines } = captureLogs();
    const p = scriptedProvider();
    const svc = new OutboundSmsService({ tenancy: t().repos.tenancy, dnc: t().services.dnc, provider: p, log });
    const tenant = { accountId: t().tenant.accountId, botId: t().tenant.iid };
    const out = await svc.send(tenant, { fromNo: FROM, toNo: TO });
    expect(p.got.map((r) => r.attemptId)).toEqual([out.attemptId]);
    expect(lines()).toEqual([
      expect.objectContaining({
        level: 30,
        msg: 'outbound SMS handed to the provider',
        attemptId: out.attemptId,
        accountId: tenant.accountId,
        iid: tenant.botId,
        flowId: s.flowId,
        provider: 'scripted',
        from: FROM,
        to: TO,
      }),
    ]);
    p.answer = async () => ({ accepted: false, outcome: 'unknown', detail: 'maybe' });
    await expect(svc.send(tenant, { fromNo: FROM, toNo: TO })).rejects.toMatchObject({ status: 502 });
    expect(lines()[1]).toMatchObject({
      level: 40,
      msg: 'outbound SMS refused by the provider',
      attemptId: p.got[1]!.attemptId,
      outcome: 'unknown',
    });
  });
});

describe.each(DIALECTS)('Send Outbound SMS limits on %s', (dialect) => {
  const provider = scriptedProvider();
  const t = useTestApp(dialect, { provider, env: { RATE_LIMIT_PER_MINUTE: '3' } });

  it("counts against the account's one Kore API budget: 429 once it is spent, nothing sent", async () => {
    const s = await setUp(t());
    // One Kore API call and two SMS spend the three.
    expect((await t().kore('POST', '/campaign/getAllCampaignDetails', {})).statusCode).toBe(200);
    expect((await send(t(), { fromNo: FROM, toNo: TO }, { token: s.token })).statusCode).toBe(200);
    expect((await send(t(), { fromNo: FROM, toNo: TO }, { token: s.token })).statusCode).toBe(200);
    const limited = await send(t(), { fromNo: FROM, toNo: TO }, { token: s.token });
    expect(expectEnvelope(limited, 429).errors[0]!.code).toBe('RATE_LIMITED');
    expect(limited.headers['retry-after']).toBe('60');
    expect(provider.got).toHaveLength(2);
    // And the Kore API is limited too.
    expectEnvelope(await t().kore('POST', '/campaign/getAllCampaignDetails', {}), 429);
    t().clock.advance(60_000);
    expect((await send(t(), { fromNo: FROM, toNo: TO }, { token: s.token })).statusCode).toBe(200);
    expect(provider.got).toHaveLength(3);
  });

  it('503 when this process has no telephony provider', async () => {
    const { accountId, iid } = t().tenant;
    await t().services.admin.createFlow({
      accountId,
      iid,
      name: 'No Provider',
      channel: 'sms',
      phoneNumbers: ['+19876540000'],
    });
    const svc = new OutboundSmsService({
      tenancy: t().repos.tenancy,
      dnc: t().services.dnc,
      provider: undefined,
      log: captureLogs().log,
    });
    const tenant = { accountId: t().tenant.accountId, botId: t().tenant.iid };
    await expect(svc.send(tenant, { fromNo: '+19876540000', toNo: TO })).rejects.toMatchObject({
      status: 503,
      message: 'No telephony provider is configured in this process; nothing was sent',
    });
  });
});
