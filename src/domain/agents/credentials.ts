import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * Agent credentials: `<agentId>.<secret>`, the secret 32 random bytes (base64url). Only a SHA-256
 * of the whole credential is stored. A slow password hash (scrypt) would add nothing here: the
 * secret is random and 256 bits long, so a stolen hash cannot be reversed by guessing, and the agent
 * API checks it on every request.
 */
export function newCredential(agentId: string): { credential: string; hash: string } {
  const credential = `${agentId}.${randomBytes(32).toString('base64url')}`;
  return { credential, hash: hashCredential(credential) };
}

export function hashCredential(credential: string): string {
  return createHash('sha256').update(credential, 'utf8').digest('hex');
}

/** The agent id a credential names, or undefined when it is not shaped like one. */
export function agentIdOf(credential: string): string | undefined {
  const m = /^(ag-[0-9a-f-]{36})\.[A-Za-z0-9_-]{43}$/.exec(credential);
  return m?.[1];
}

/** Constant-time comparison of a credential with a stored hash. */
export function credentialMatches(credential: string, hash: string): boolean {
  const a = Buffer.from(hashCredential(credential), 'hex');
  const b = Buffer.from(hash, 'hex');
  return a.length === b.length && timingSafeEqual(a, b);
}
