import type { Middleware } from 'openapi-fetch';
import { signAppToken, type AppCredentials } from './app-token.js';

/** What the client authenticates with; each API uses its own, and a missing one sends none (the server answers 401). */
export interface Credentials {
  /**
   * Kore API (`…/public/{iid}/…`): the account, and the app's credentials (a token is signed per
   * request) or a function answering a token to send (e.g. one the admin API minted).
   */
  kore?: (AppCredentials | { token: () => Promise<string> }) & { accountId: string };
  /** Admin API (`/admin/v1`): the server's ADMIN_TOKEN. */
  adminToken?: string;
  /** Agent API (`/agent/v1`): the agent's credential (admin API `POST /admin/v1/agents`). */
  agentCredential?: string;
  /** Lifetime of each Kore token in seconds; generous enough for a client clock a little behind the server's. Default 300. */
  tokenTtlSec?: number;
}

type Api = 'kore' | 'admin' | 'agent';

/** Which API a documented path belongs to, so one client can hold every credential. */
function apiOf(schemaPath: string): Api | undefined {
  if (schemaPath.startsWith('/admin/')) return 'admin';
  if (schemaPath.startsWith('/agent/')) return 'agent';
  if (schemaPath.includes('/public/')) return 'kore';
  return undefined; // /healthz, /readyz
}

/**
 * Adds the credential of the API a request goes to. A request that already carries `auth` or
 * `Authorization` (set by the caller for that one call) is left as it is.
 */
export function authMiddleware(c: Credentials): Middleware {
  const ttlSec = c.tokenTtlSec ?? 300;
  const bearer = (secret: string | undefined): Record<string, string> =>
    secret === undefined ? {} : { authorization: `Bearer ${secret}` };
  const headersFor: Record<Api, () => Promise<Record<string, string>>> = {
    // A fresh token per request: nothing to renew, and apps that enforce jti accept every one.
    kore: async (): Promise<Record<string, string>> => {
      const k = c.kore;
      if (!k) return {};
      const auth = 'token' in k ? await k.token() : await signAppToken(k, Date.now(), ttlSec);
      return { auth, accountId: k.accountId };
    },
    admin: async () => bearer(c.adminToken),
    agent: async () => bearer(c.agentCredential),
  };
  return {
    async onRequest({ request, schemaPath }) {
      const api = apiOf(schemaPath);
      if (!api || request.headers.has('auth') || request.headers.has('authorization')) return undefined;
      for (const [name, value] of Object.entries(await headersFor[api]())) {
        if (!request.headers.has(name)) request.headers.set(name, value);
      }
      return request;
    },
  };
}
