/**
 * Failed authentications are limited per client address (AUTH_FAILURES_PER_MINUTE), on the Kore and
 * the admin API together: guessing tokens from one address is cut off with a 429, before the token
 * is even read, while other addresses and good tokens go on.
 */
import { describe, expect, it } from 'vitest';
import { expectEnvelope } from '../support/failure-envelope.js';
import { useTestApp } from '../support/test-app.js';

const ADMIN_TOKEN = 'auth-failures-admin-token';

describe('failed authentications per address', () => {
  const t = useTestApp('sqlite', { env: { AUTH_FAILURES_PER_MINUTE: '5', ADMIN_TOKEN } });

  const kore = (token: string, remoteAddress: string) =>
    t().app.inject({
      method: 'GET',
      url: `/agentassist/api/v1/public/${t().tenant.iid}/campaign/cd-none`,
      remoteAddress,
      headers: { auth: token, accountId: t().tenant.accountId },
    });
  const admin = (token: string, remoteAddress: string) =>
    t().app.inject({
      method: 'GET',
      url: '/admin/v1/imports/imp-none',
      remoteAddress,
      headers: { authorization: `Bearer ${token}` },
    });

  it('answers 429 with Retry-After after AUTH_FAILURES_PER_MINUTE failures from one address, then lets it in after a minute', async () => {
    const attacker = '203.0.113.7';
    for (let i = 0; i < 3; i++) expectEnvelope(await kore('bad.token.here', attacker), 401);
    for (let i = 0; i < 2; i++) expectEnvelope(await admin('wrong-admin-token-xxxx', attacker), 401);
    const refused = await kore(t().tenant.token, attacker);
    expect(expectEnvelope(refused, 429).errors[0]!.code).toBe('TOO_MANY_AUTH_FAILURES');
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
    expect(expectEnvelope(await admin(ADMIN_TOKEN, attacker), 429).errors[0]!.code).toBe('TOO_MANY_AUTH_FAILURES');

    // Another address is not held back, and good requests are not counted.
    for (let i = 0; i < 10; i++) expect((await kore(t().tenant.token, '198.51.100.1')).statusCode).toBe(404);

    t().clock.advance(61_000);
    expect((await kore(t().tenant.token, attacker)).statusCode).toBe(404);
  });
});
