import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Request signing shared by outgoing dial requests and incoming provider callbacks.
 * Scheme (Stripe / Slack style): `X-Campaignd-Signature: sha256=<hex HMAC-SHA256(secret, "<ts>.<raw body>")>`
 * with `X-Campaignd-Timestamp: <unix seconds>`. Signing the timestamp together with the raw bytes
 * means a captured request cannot be replayed outside the window, nor re-dated, nor re-serialised.
 */

export const TIMESTAMP_HEADER = 'X-Campaignd-Timestamp';
export const SIGNATURE_HEADER = 'X-Campaignd-Signature';
export const IDEMPOTENCY_HEADER = 'Idempotency-Key';

/** Accepted clock skew / replay window either side of now. Default 300 s (5 min). */
export const DEFAULT_TOLERANCE_SEC = 300;

export type HeaderBag = Record<string, string | string[] | undefined>;

export function computeSignature(secret: string, timestampSec: number, rawBody: string): string {
  return 'sha256=' + createHmac('sha256', secret).update(`${timestampSec}.${rawBody}`, 'utf8').digest('hex');
}

/** Headers to send with `rawBody`; the timestamp is taken from the caller's clock (epoch ms). */
export function signRequest(secret: string, rawBody: string, nowMs: number): Record<string, string> {
  const ts = Math.floor(nowMs / 1000);
  return { [TIMESTAMP_HEADER]: String(ts), [SIGNATURE_HEADER]: computeSignature(secret, ts, rawBody) };
}

/** Case-insensitive header read; Node lower-cases names but other callers may not. */
export function headerValue(headers: HeaderBag, name: string): string | undefined {
  const wanted = name.toLowerCase();
  for (const [k, v] of Object.entries(headers)) {
    if (k.toLowerCase() !== wanted) continue;
    // A repeated header is ambiguous; refusing it avoids picking the attacker's copy.
    if (Array.isArray(v)) return v.length === 1 ? v[0] : undefined;
    return v;
  }
  return undefined;
}

export type VerifyResult = { ok: true; timestampSec: number } | { ok: false; reason: string };

export interface VerifyInput {
  secret: string;
  rawBody: string;
  headers: HeaderBag;
  /** Epoch ms from the injected clock. */
  nowMs: number;
  /** Default DEFAULT_TOLERANCE_SEC. */
  toleranceSec?: number;
}

export function verifyRequest(input: VerifyInput): VerifyResult {
  const tsRaw = headerValue(input.headers, TIMESTAMP_HEADER);
  const sig = headerValue(input.headers, SIGNATURE_HEADER);
  if (tsRaw === undefined || sig === undefined) {
    return { ok: false, reason: `missing ${TIMESTAMP_HEADER} or ${SIGNATURE_HEADER} header` };
  }
  if (!/^\d{1,12}$/.test(tsRaw.trim())) return { ok: false, reason: 'timestamp is not unix seconds' };
  const ts = Number(tsRaw.trim());
  const tolerance = input.toleranceSec ?? DEFAULT_TOLERANCE_SEC;
  if (Math.abs(input.nowMs / 1000 - ts) > tolerance) {
    return { ok: false, reason: `timestamp outside the ${tolerance}s window` };
  }
  const expected = Buffer.from(computeSignature(input.secret, ts, input.rawBody), 'utf8');
  const given = Buffer.from(sig.trim().toLowerCase(), 'utf8');
  // timingSafeEqual needs equal lengths; the length of a hex SHA-256 is public, so checking it first leaks nothing.
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
    return { ok: false, reason: 'signature mismatch' };
  }
  return { ok: true, timestampSec: ts };
}
