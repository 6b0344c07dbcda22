/** A Kore app as the Kore API knows it (admin API `POST /admin/v1/apps`, `campaignd apps create`). */
export interface AppCredentials {
  /** The app's `clientId` (cs-…), sent as the token's `appId` claim. */
  appId: string;
  /** The app's `clientSecret`: the HS256 key; it never leaves this process. */
  clientSecret: string;
}

const utf8 = new TextEncoder();

function base64url(bytes: Uint8Array): string {
  let text = '';
  for (const b of bytes) text += String.fromCharCode(b);
  return btoa(text).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

/** WebCrypto's key type, named through the function (the server's build has no DOM types). */
type HmacKey = Awaited<ReturnType<typeof crypto.subtle.importKey>>;

/** HMAC keys by secret: importing one costs more than the signature itself. */
const keys = new Map<string, Promise<HmacKey>>();

function keyOf(secret: string): Promise<HmacKey> {
  let key = keys.get(secret);
  if (!key) {
    key = crypto.subtle.importKey('raw', utf8.encode(secret), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
    keys.set(secret, key);
  }
  return key;
}

/**
 * An HS256 JWT `{sub, appId, iat, exp, jti}` for one request, signed with WebCrypto so the same
 * client runs in Node (20+) and in browsers (the console). Written here rather than imported from
 * the server's domain/tenancy/jwt.ts so the client carries nothing of the server. Every token has a
 * random `jti` and an expiry, so it is also accepted by apps created with `--enforce-jti` (which
 * refuse a jti seen before and lifetimes over an hour).
 */
export async function signAppToken(app: AppCredentials, nowMs: number, ttlSec: number): Promise<string> {
  const iat = Math.floor(nowMs / 1000);
  const claims = { sub: 'campaignd-client', appId: app.appId, iat, exp: iat + ttlSec, jti: crypto.randomUUID() };
  const part = (value: object) => base64url(utf8.encode(JSON.stringify(value)));
  const input = `${part({ alg: 'HS256', typ: 'JWT' })}.${part(claims)}`;
  const mac = await crypto.subtle.sign('HMAC', await keyOf(app.clientSecret), utf8.encode(input));
  return `${input}.${base64url(new Uint8Array(mac))}`;
}
