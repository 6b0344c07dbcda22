/**
 * Kore API authentication (Kore's JWT page), tenant resolution (docs/kore-compatibility.md,
 * inconsistencies 3 and 4), tenant isolation (docs/architecture.md) and the per-account rate limit
 * (Kore's rate-limit page), on both dialects.
 */
import { createHmac } from 'node:crypto';
import type { LightMyRequestResponse } from 'fastify';
import { describe, expect, it } from 'vitest';
import { signHs256 } from '../../src/domain/tenancy/jwt.js';
import { agentlessSample } from '../fixtures/kore-samples.js';
import { T0, useTestApp, type TestApp, type TestTenant } from '../support/test-app.js';
import { DIALECTS } from '../support/test-db.js';
import { expectEnvelope, type FailureBody } from '../support/failure-envelope.js';

const LIST = '/campaign/getAllCampaignDetails';
const RATE_LIMIT_MESSAGE = "You've exceeded the per-minute rate limit. Please wait for sometime before retrying.";

/** Asserts the failure envelope (docs/kore-compatibility.md, envelopes and errors) and returns it. */
function expectFailure(res: LightMyRequestResponse, status: number, code: string, field?: string): FailureBody {
  const body = expectEnvelope(res, status);
  expect(body.errors).toEqual([field === undefined ? { msg: body.message, code } : { msg: body.message, code, field }]);
  return body;
}

const b64 = (v: unknown) => Buffer.from(typeof v === 'string' ? v : JSON.stringify(v)).toString('base64url');

/** A compact JWS with an arbitrary header, HMAC-signed with the given hash (or unsigned). */
function rawToken(
  header: Record<string, unknown>,
  claims: Record<string, unknown>,
  secret: string,
  hash: 'sha256' | 'sha512' | 'none' = 'sha256',
): string {
  const input = `${b64(header)}.${b64(claims)}`;
  const sig = hash === 'none' ? '' : createHmac(hash, secret).update(input).digest('base64url');
  return `${input}.${sig}`;
}

/** Headers for a list call without the harness defaults, so each test controls exactly what is sent. */
function listCall(
  t: TestApp,
  headers: Record<string, string>,
  opts: { url?: string; query?: Record<string, string> } = {},
) {
  return t.app.inject({
    method: 'POST',
    url: opts.url ?? `/agentassist/api/v1/public/${t.tenant.iid}${LIST}`,
    query: opts.query,
    headers: { 'content-type': 'application/json', ...headers },
    payload: JSON.stringify({ type: 'voice' }),
  });
}

function expectListOk(res: LightMyRequestResponse): void {
  expect(res.statusCode, res.body).toBe(200);
  const body = res.json<{ status: string; data: { results: unknown[]; totalResults: number } }>();
  expect(body.status).toBe('success');
  expect(Array.isArray(body.data.results)).toBe(true);
}

describe.each(DIALECTS)('authentication and tenancy on %s', (dialect) => {
  const t = useTestApp(dialect);

  describe('where the token comes from', () => {
    it('accepts `auth: <jwt>`', async () => {
      const { tenant } = t();
      expectListOk(await listCall(t(), { auth: tenant.token, accountId: tenant.accountId, iid: tenant.iid }));
    });

    it('accepts `auth: Bearer <jwt>` (any case of "bearer")', async () => {
      const { tenant } = t();
      expectListOk(
        await listCall(t(), { auth: `Bearer ${tenant.token}`, accountId: tenant.accountId, iid: tenant.iid }),
      );
      expectListOk(
        await listCall(t(), { auth: `bearer ${tenant.token}`, accountId: tenant.accountId, iid: tenant.iid }),
      );
    });

    it('accepts `Authorization: Bearer <jwt>`', async () => {
      const { tenant } = t();
      expectListOk(
        await listCall(t(), { authorization: `Bearer ${tenant.token}`, accountId: tenant.accountId, iid: tenant.iid }),
      );
    });

    it('uses `Authorization: Bearer` when an `auth` header is present but empty', async () => {
      // Postman-style clients send `auth: {{jwt}}` with an unset variable as an empty header.
      const { tenant } = t();
      expectListOk(
        await listCall(t(), { auth: '', authorization: `Bearer ${tenant.token}`, accountId: tenant.accountId }),
      );
      expectListOk(
        await listCall(t(), { auth: '   ', authorization: `Bearer ${tenant.token}`, accountId: tenant.accountId }),
      );
    });

    it('works the same for a GET of a campaign created through the API', async () => {
      const { tenant } = t();
      const created = await t().kore('POST', '/campaign?campaignType=voice', {
        ...agentlessSample,
        name: 'Auth header GET campaign',
      });
      expect(created.statusCode, created.body).toBe(200);
      const id = created.json<{ id: string }>().id;
      for (const auth of [
        { auth: tenant.token },
        { auth: `Bearer ${tenant.token}` },
        { authorization: `Bearer ${tenant.token}` },
      ]) {
        const res = await t().app.inject({
          method: 'GET',
          url: `/agentassist/api/v1/public/${tenant.iid}/campaign/${id}`,
          headers: { ...auth, accountId: tenant.accountId, iid: tenant.iid },
        });
        expect(res.statusCode, res.body).toBe(200);
        expect(res.json<{ data: { _id: string; name: string } }>().data).toMatchObject({
          _id: id,
          name: 'Auth header GET campaign',
        });
      }
    });
  });

  describe('where the accountId and iid come from', () => {
    it('reads accountId from the `accountId` header', async () => {
      const { tenant } = t();
      expectListOk(await listCall(t(), { auth: tenant.token, accountId: tenant.accountId }));
    });

    it('reads accountId from the lower-case `accountid` header', async () => {
      const { tenant } = t();
      expectListOk(await listCall(t(), { auth: tenant.token, accountid: tenant.accountId }));
    });

    it('reads accountId from the query string', async () => {
      const { tenant } = t();
      expectListOk(await listCall(t(), { auth: tenant.token }, { query: { accountId: tenant.accountId } }));
    });

    it('accepts the header and the query together when they agree (v2 sends both), 400 when they differ', async () => {
      const { tenant } = t();
      expectListOk(
        await listCall(
          t(),
          { auth: tenant.token, accountid: tenant.accountId },
          { query: { accountId: tenant.accountId } },
        ),
      );
      const other = await t().addTenant();
      const body = expectFailure(
        await listCall(
          t(),
          { auth: tenant.token, accountId: tenant.accountId },
          { query: { accountId: other.accountId } },
        ),
        400,
        'BAD_REQUEST',
        'accountId',
      );
      expect(body.message).toContain(other.accountId);
    });

    it('answers 400 with field accountId when it is nowhere', async () => {
      const { tenant } = t();
      expectFailure(await listCall(t(), { auth: tenant.token, iid: tenant.iid }), 400, 'BAD_REQUEST', 'accountId');
    });

    it('treats the iid header as optional', async () => {
      const { tenant } = t();
      expectListOk(await listCall(t(), { auth: tenant.token, accountId: tenant.accountId }));
    });

    it('rejects an iid header that differs from the path id with 400', async () => {
      const { tenant } = t();
      const body = expectFailure(
        await listCall(t(), { auth: tenant.token, accountId: tenant.accountId, iid: 'st-someone-else' }),
        400,
        'BAD_REQUEST',
        'iid',
      );
      expect(body.message).toContain('st-someone-else');
    });
  });

  describe('rejected tokens', () => {
    const send = (auth: string | undefined) => {
      const { tenant } = t();
      return listCall(t(), { ...(auth === undefined ? {} : { auth }), accountId: tenant.accountId, iid: tenant.iid });
    };

    it('401 without any token', async () => {
      const body = expectFailure(await send(undefined), 401, 'UNAUTHORIZED');
      expect(body.message).toMatch(/auth/i);
    });

    it('401 for an empty `Authorization: Bearer ` header', async () => {
      const { tenant } = t();
      expectFailure(
        await listCall(t(), { authorization: 'Bearer ', accountId: tenant.accountId }),
        401,
        'UNAUTHORIZED',
      );
    });

    it('401 for an `alg: none` token', async () => {
      const { tenant } = t();
      expectFailure(
        await send(
          rawToken({ alg: 'none', typ: 'JWT' }, { sub: '1', appId: tenant.clientId }, tenant.clientSecret, 'none'),
        ),
        401,
        'UNAUTHORIZED',
      );
    });

    it('401 for an HS512 token, even with the right secret', async () => {
      const { tenant } = t();
      expectFailure(
        await send(
          rawToken({ alg: 'HS512', typ: 'JWT' }, { sub: '1', appId: tenant.clientId }, tenant.clientSecret, 'sha512'),
        ),
        401,
        'UNAUTHORIZED',
      );
    });

    it('401 for an RS256 header over an HMAC signature (algorithm confusion)', async () => {
      const { tenant } = t();
      expectFailure(
        await send(rawToken({ alg: 'RS256', typ: 'JWT' }, { sub: '1', appId: tenant.clientId }, tenant.clientSecret)),
        401,
        'UNAUTHORIZED',
      );
    });

    it('401 for a token signed with the wrong secret, and the same message for an unknown appId', async () => {
      const { tenant } = t();
      const wrongSecret = expectFailure(
        await send(signHs256({ sub: '1', appId: tenant.clientId }, 'not-the-secret')),
        401,
        'UNAUTHORIZED',
      );
      const unknownApp = expectFailure(
        await send(signHs256({ sub: '1', appId: 'cs-00000000-0000-0000-0000-000000000000' }, tenant.clientSecret)),
        401,
        'UNAUTHORIZED',
      );
      expect(unknownApp.message).toBe(wrongSecret.message);
    });

    it('401 for garbage tokens', async () => {
      for (const garbage of [
        'garbage',
        'a.b.c',
        'Bearer',
        `${b64('{')}.${b64('{}')}.x`,
        '...',
        `${t().tenant.token}.extra`,
      ]) {
        expectFailure(await send(garbage), 401, 'UNAUTHORIZED');
      }
    });

    it('401 for a token without an appId claim, or with a misspelt one', async () => {
      const { tenant } = t();
      expectFailure(await send(rawToken({ alg: 'HS256' }, { sub: '1' }, tenant.clientSecret)), 401, 'UNAUTHORIZED');
      expectFailure(
        await send(rawToken({ alg: 'HS256' }, { sub: '1', appid: tenant.clientId }, tenant.clientSecret)),
        401,
        'UNAUTHORIZED',
      );
    });

    it('401 for a valid token with characters appended to its signature', async () => {
      // base64url decoding is lenient (it skips characters outside the alphabet): the signature
      // segment must be compared as issued, or one token has endless accepted spellings.
      const { tenant } = t();
      const fresh = signHs256({ sub: 'tamper', appId: tenant.clientId }, tenant.clientSecret);
      expectListOk(await send(fresh));
      expectFailure(await send(`${fresh}!!`), 401, 'UNAUTHORIZED');
    });

    it('401 for a token whose payload was altered after signing', async () => {
      const { tenant } = t();
      const [h, , s] = tenant.token.split('.');
      expectFailure(await send(`${h}.${b64({ sub: 'someone', appId: tenant.clientId })}.${s}`), 401, 'UNAUTHORIZED');
    });

    it('401 once exp has passed on the clock, even for a token used (and cached) before', async () => {
      const { tenant, clock } = t();
      const nowSec = Math.floor(clock.now() / 1000);
      const token = signHs256({ sub: '1', appId: tenant.clientId, iat: nowSec, exp: nowSec + 60 }, tenant.clientSecret);
      expectListOk(await send(token));
      clock.advance(59_000);
      expectListOk(await send(token));
      clock.advance(1_000);
      const body = expectFailure(await send(token), 401, 'UNAUTHORIZED');
      expect(body.message).toMatch(/expired/);
      // A token that was already expired when first seen.
      const stale = signHs256(
        { sub: '1', appId: tenant.clientId, exp: Math.floor(clock.now() / 1000) - 1 },
        tenant.clientSecret,
      );
      expectFailure(await send(stale), 401, 'UNAUTHORIZED');
    });

    it('401 for a token that is not valid yet (nbf in the future)', async () => {
      const { tenant, clock } = t();
      const nowSec = Math.floor(clock.now() / 1000);
      const token = signHs256({ sub: '1', appId: tenant.clientId, nbf: nowSec + 3600 }, tenant.clientSecret);
      expectFailure(await send(token), 401, 'UNAUTHORIZED');
    });
  });

  describe('tenant isolation', () => {
    let b: TestTenant | undefined;
    const tenantB = async () => (b ??= await t().addTenant());

    it("403 when tenant B's token is used with tenant A's accountId", async () => {
      const a = t().tenant;
      const other = await tenantB();
      const body = expectFailure(
        await listCall(t(), { auth: other.token, accountId: a.accountId, iid: a.iid }),
        403,
        'FORBIDDEN',
      );
      expect(body.message).toContain(a.accountId);
    });

    it("403 when tenant B's token and accountId are used on tenant A's bot path", async () => {
      const a = t().tenant;
      const other = await tenantB();
      expectFailure(await listCall(t(), { auth: other.token, accountId: other.accountId }), 403, 'FORBIDDEN');
      expectFailure(
        await listCall(t(), { auth: other.token, accountId: other.accountId, iid: a.iid }),
        403,
        'FORBIDDEN',
      );
    });

    it('403 for a bot that does not exist in the caller account', async () => {
      const a = t().tenant;
      expectFailure(
        await listCall(
          t(),
          { auth: a.token, accountId: a.accountId },
          { url: `/agentassist/api/v1/public/st-nobody${LIST}` },
        ),
        403,
        'FORBIDDEN',
      );
    });

    it("tenant A cannot see tenant B's campaign: 404 exactly like a missing id, and not listed", async () => {
      const other = await tenantB();
      const created = await t().kore(
        'POST',
        '/campaign?campaignType=voice',
        { ...agentlessSample, name: 'Tenant B private campaign' },
        { tenant: other },
      );
      expect(created.statusCode, created.body).toBe(200);
      const id = created.json<{ id: string }>().id;
      expect(id).toMatch(/^cd-/);

      // B sees it.
      const own = await t().kore('GET', `/campaign/${id}`, undefined, { tenant: other });
      expect(own.statusCode, own.body).toBe(200);

      const missingId = 'cd-00000000-0000-0000-0000-000000000000';
      const foreign = expectFailure(await t().kore('GET', `/campaign/${id}`), 404, 'CAMPAIGN_NOT_FOUND');
      const missing = expectFailure(await t().kore('GET', `/campaign/${missingId}`), 404, 'CAMPAIGN_NOT_FOUND');
      expect(foreign.message.replace(id, '<id>')).toBe(missing.message.replace(missingId, '<id>'));

      const listA = await t().kore('POST', LIST, {});
      expect(listA.statusCode).toBe(200);
      const names = listA.json<{ data: { results: { name: string }[] } }>().data.results.map((r) => r.name);
      expect(names).not.toContain('Tenant B private campaign');
    });
  });

  describe('apps that enforce jti', () => {
    const jtiApp = async () => {
      const { services, tenant } = t();
      return services.admin.createApp({
        accountId: tenant.accountId,
        iid: tenant.iid,
        name: 'jti app',
        enforceJti: true,
      });
    };
    const send = (auth: string) => listCall(t(), { auth, accountId: t().tenant.accountId });

    it('accepts a fresh token once and rejects its replay', async () => {
      const app = await jtiApp();
      const { token } = await t().services.admin.issueToken({ clientId: app.clientId });
      const claims = JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()) as Record<
        string,
        number | string
      >;
      expect(typeof claims.jti).toBe('string');
      expect(Number(claims.exp) - Number(claims.iat)).toBe(3600);

      expectListOk(await send(token));
      const body = expectFailure(await send(token), 401, 'UNAUTHORIZED');
      expect(body.message).toMatch(/jti/);
      // A second fresh token still works.
      expectListOk(await send((await t().services.admin.issueToken({ clientId: app.clientId })).token));
    });

    it('rejects a token without jti', async () => {
      const app = await jtiApp();
      const iat = Math.floor(t().clock.now() / 1000);
      expectFailure(
        await send(signHs256({ sub: '1', appId: app.clientId, iat, exp: iat + 600 }, app.clientSecret)),
        401,
        'UNAUTHORIZED',
      );
    });

    it('rejects a token living longer than an hour, or without iat/exp', async () => {
      const app = await jtiApp();
      const iat = Math.floor(t().clock.now() / 1000);
      expectFailure(
        await send(signHs256({ sub: '1', appId: app.clientId, iat, exp: iat + 3601, jti: 'long-1' }, app.clientSecret)),
        401,
        'UNAUTHORIZED',
      );
      expectFailure(
        await send(signHs256({ sub: '1', appId: app.clientId, jti: 'no-exp-1' }, app.clientSecret)),
        401,
        'UNAUTHORIZED',
      );
      // Exactly one hour is allowed.
      expectListOk(
        await send(
          signHs256({ sub: '1', appId: app.clientId, iat, exp: iat + 3600, jti: 'one-hour-1' }, app.clientSecret),
        ),
      );
    });
  });
});

describe.each(DIALECTS)('per-account rate limit on %s', (dialect) => {
  const t = useTestApp(dialect, { env: { RATE_LIMIT_PER_MINUTE: '3' } });

  it('allows 3 calls a minute per account, answers 429 with Retry-After, and recovers after 60 s', async () => {
    const { tenant, clock } = t();
    expect(clock.now()).toBe(T0);
    const other = await t().addTenant();
    const call = (who: TestTenant = tenant, headers: Record<string, string> = {}) =>
      listCall(
        t(),
        { auth: who.token, accountId: who.accountId, iid: who.iid, ...headers },
        { url: `/agentassist/api/v1/public/${who.iid}${LIST}` },
      );

    // Failed authentications and refused scopes for account A do not count against A.
    for (let i = 0; i < 4; i++) {
      expectFailure(await call(tenant, { auth: signHs256({ appId: tenant.clientId }, 'wrong') }), 401, 'UNAUTHORIZED');
      expectFailure(await call(tenant, { auth: other.token }), 403, 'FORBIDDEN');
    }

    for (let i = 0; i < 3; i++) expectListOk(await call());
    const limited = await call();
    const body = expectFailure(limited, 429, 'RATE_LIMITED');
    expect(body.message).toBe(RATE_LIMIT_MESSAGE);
    expect(limited.headers['retry-after']).toBe('60');

    // Another account has its own budget.
    expectListOk(await call(other));

    clock.advance(30_000);
    const still = await call();
    expectFailure(still, 429, 'RATE_LIMITED');
    expect(still.headers['retry-after']).toBe('30');

    clock.advance(30_000);
    // Rejected requests were not recorded, so a full budget is back.
    for (let i = 0; i < 3; i++) expectListOk(await call());
    expectFailure(await call(), 429, 'RATE_LIMITED');
  });

  it('counts a rolling window, not a fixed minute', async () => {
    const { clock } = t();
    const who = await t().addTenant();
    const call = () =>
      listCall(
        t(),
        { auth: who.token, accountId: who.accountId },
        { url: `/agentassist/api/v1/public/${who.iid}${LIST}` },
      );
    expectListOk(await call()); // t
    clock.advance(20_000);
    expectListOk(await call()); // t+20
    expectListOk(await call()); // t+20
    clock.advance(39_999);
    const res = await call(); // t+59.999: the first call is still inside the window
    expectFailure(res, 429, 'RATE_LIMITED');
    expect(res.headers['retry-after']).toBe('1');
    clock.advance(1);
    expectListOk(await call()); // t+60: the first call has left the window
    expectFailure(await call(), 429, 'RATE_LIMITED');
  });
});
