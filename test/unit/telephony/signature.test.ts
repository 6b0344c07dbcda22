import { describe, expect, it } from 'vitest';
import {
  SIGNATURE_HEADER,
  TIMESTAMP_HEADER,
  computeSignature,
  headerValue,
  signRequest,
  verifyRequest,
} from '../../../src/domain/telephony/signature.js';

const secret = 'a-test-secret-of-some-length';
const now = Date.parse('2025-06-01T12:00:00Z');
const body = '{"attemptId":"att-1","outcome":"completed"}';

describe('signature', () => {
  it('signs "<ts>.<body>" and verifies it, header names in any case', () => {
    const h = signRequest(secret, body, now);
    expect(h[TIMESTAMP_HEADER]).toBe(String(now / 1000));
    expect(h[SIGNATURE_HEADER]).toMatch(/^sha256=[0-9a-f]{64}$/);
    const lower = Object.fromEntries(Object.entries(h).map(([k, v]) => [k.toLowerCase(), v]));
    expect(verifyRequest({ secret, rawBody: body, headers: lower, nowMs: now })).toEqual({
      ok: true,
      timestampSec: now / 1000,
    });
  });

  it('rejects a changed body, a wrong secret and a re-dated timestamp', () => {
    const h = signRequest(secret, body, now);
    expect(verifyRequest({ secret, rawBody: body + ' ', headers: h, nowMs: now }).ok).toBe(false);
    expect(verifyRequest({ secret: 'other-secret-xxxxxxxx', rawBody: body, headers: h, nowMs: now }).ok).toBe(false);
    const redated = { ...h, [TIMESTAMP_HEADER]: String(now / 1000 + 1) };
    expect(verifyRequest({ secret, rawBody: body, headers: redated, nowMs: now })).toEqual({
      ok: false,
      reason: 'signature mismatch',
    });
  });

  it('enforces the replay window both ways', () => {
    const h = signRequest(secret, body, now);
    expect(verifyRequest({ secret, rawBody: body, headers: h, nowMs: now + 300_000 }).ok).toBe(true);
    expect(verifyRequest({ secret, rawBody: body, headers: h, nowMs: now + 301_000 }).ok).toBe(false);
    expect(verifyRequest({ secret, rawBody: body, headers: h, nowMs: now - 301_000 }).ok).toBe(false);
    expect(verifyRequest({ secret, rawBody: body, headers: h, nowMs: now + 30_000, toleranceSec: 10 }).ok).toBe(false);
  });

  it('rejects missing, malformed, truncated and repeated headers', () => {
    const ts = Math.floor(now / 1000);
    const sig = computeSignature(secret, ts, body);
    const check = (headers: Record<string, string | string[] | undefined>) =>
      verifyRequest({ secret, rawBody: body, headers, nowMs: now }).ok;
    expect(check({})).toBe(false);
    expect(check({ [TIMESTAMP_HEADER]: String(ts) })).toBe(false);
    expect(check({ [TIMESTAMP_HEADER]: 'yesterday', [SIGNATURE_HEADER]: sig })).toBe(false);
    expect(check({ [TIMESTAMP_HEADER]: String(ts), [SIGNATURE_HEADER]: sig.slice(0, -1) })).toBe(false);
    expect(check({ [TIMESTAMP_HEADER]: String(ts), [SIGNATURE_HEADER]: [sig, sig] })).toBe(false);
    expect(
      check({ [TIMESTAMP_HEADER]: String(ts), [SIGNATURE_HEADER]: sig.toUpperCase().replace('SHA256', 'sha256') }),
    ).toBe(true);
  });

  it('reads headers case-insensitively', () => {
    expect(headerValue({ 'x-campaignd-timestamp': '1' }, TIMESTAMP_HEADER)).toBe('1');
    expect(headerValue({ 'X-CAMPAIGND-TIMESTAMP': ['2'] }, TIMESTAMP_HEADER)).toBe('2');
  });
});
