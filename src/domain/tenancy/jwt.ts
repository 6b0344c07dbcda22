import { createHmac, timingSafeEqual } from 'node:crypto';

/** Claims campaignd reads from a Kore-style app token. */
export interface TokenClaims {
  appId: string;
  sub?: string;
  exp?: number;
  iat?: number;
  nbf?: number;
  jti?: string;
  [k: string]: unknown;
}

export type DecodeResult =
  { ok: true; claims: TokenClaims; signingInput: string; signature: Buffer } | { ok: false; reason: string };

const b64url = (buf: Buffer | string): string => Buffer.from(buf).toString('base64url');

/** App ids and jti values: 1-200 printable ASCII characters, no space. */
const PRINTABLE_ID = /^[\x21-\x7e]{1,200}$/;
/** Year 5138 in seconds: far beyond any token, and its milliseconds stay an exact integer. */
const MAX_NUMERIC_DATE = 1e11;

/**
 * Splits and decodes a compact JWS without trusting it. Only HS256 is accepted: Kore's API-scope
 * apps use HS256, and an allow-list of one closes the `alg: none` and algorithm-confusion holes.
 */
export function decodeHs256(token: string): DecodeResult {
  if (token.length > 8192) return { ok: false, reason: 'token too long' };
  const parts = token.split('.');
  if (parts.length !== 3) return { ok: false, reason: 'token is not a compact JWS' };
  const [h, p, s] = parts as [string, string, string];
  // Node's base64url decoder skips characters it does not know, so a signature with junk
  // appended would still verify: require exactly the 43 characters of a 32-byte HMAC.
  if (!/^[A-Za-z0-9_-]{43}$/.test(s)) return { ok: false, reason: 'token signature is not an HS256 signature' };
  let header: unknown;
  let claims: unknown;
  try {
    header = JSON.parse(Buffer.from(h, 'base64url').toString('utf8'));
    claims = JSON.parse(Buffer.from(p, 'base64url').toString('utf8'));
  } catch {
    return { ok: false, reason: 'token header or payload is not JSON' };
  }
  if (typeof header !== 'object' || header === null || (header as { alg?: unknown }).alg !== 'HS256') {
    return { ok: false, reason: 'only HS256 tokens are accepted' };
  }
  if (typeof claims !== 'object' || claims === null || Array.isArray(claims)) {
    return { ok: false, reason: 'token payload is not an object' };
  }
  // Checked before anything is looked up with them: an app id or jti that cannot be one (a NUL, a
  // space, 10 kB) never reaches the database.
  const appId = (claims as { appId?: unknown }).appId;
  if (typeof appId !== 'string' || appId === '') return { ok: false, reason: 'token has no appId claim' };
  if (!PRINTABLE_ID.test(appId)) return { ok: false, reason: 'token appId is not an app id' };
  for (const k of ['exp', 'iat', 'nbf'] as const) {
    const v = (claims as Record<string, unknown>)[k];
    if (v !== undefined && (typeof v !== 'number' || !(v >= 0 && v < MAX_NUMERIC_DATE))) {
      return { ok: false, reason: `token claim ${k} is not a time in seconds since 1970` };
    }
  }
  const jti = (claims as Record<string, unknown>).jti;
  if (jti !== undefined && (typeof jti !== 'string' || !PRINTABLE_ID.test(jti))) {
    return { ok: false, reason: 'token claim jti is not 1-200 printable characters' };
  }
  return { ok: true, claims: claims as TokenClaims, signingInput: `${h}.${p}`, signature: Buffer.from(s, 'base64url') };
}

export function verifySignature(signingInput: string, signature: Buffer, secret: string): boolean {
  const expected = createHmac('sha256', secret).update(signingInput).digest();
  return expected.length === signature.length && timingSafeEqual(expected, signature);
}

export function signHs256(claims: TokenClaims, secret: string): string {
  const input = `${b64url(JSON.stringify({ alg: 'HS256', typ: 'JWT' }))}.${b64url(JSON.stringify(claims))}`;
  return `${input}.${createHmac('sha256', secret).update(input).digest('base64url')}`;
}

/** Parses `30m`, `1h`, `2d`, `3600` (seconds) into seconds. */
export function parseTtl(ttl: string): number | null {
  const m = /^(\d+)\s*([smhd]?)$/i.exec(ttl.trim());
  if (!m) return null;
  const n = Number(m[1]);
  const unit = (m[2] ?? '').toLowerCase();
  return n * ({ '': 1, s: 1, m: 60, h: 3600, d: 86400 } as Record<string, number>)[unit]!;
}
