import { createCampaigndClient, type CampaigndClient, type FailureEnvelope } from '../../src/client/index.js';
import type { Session } from './session.js';

/** The Kore API's prefix for the signed-in bot: every Kore path starts with it. */
export const KORE = '/agentassist/api/v1/public/{iid}' as const;

/** Lifetime asked of the Kore tokens the admin API mints for an operator; renewed a minute before. */
const OPERATOR_TOKEN_TTL_SEC = 3600;

/**
 * The typed client for a session (src/client: generated from openapi.json, so every call the console
 * makes is a documented one). Same origin: the console is served by the server it talks to.
 */
export function clientFor(s: Session, baseUrl = location.origin): CampaigndClient {
  switch (s.kind) {
    case 'app':
      return createCampaigndClient({
        baseUrl,
        kore: { appId: s.appId, clientSecret: s.clientSecret, accountId: s.accountId },
      });
    case 'operator': {
      const admin = createCampaigndClient({ baseUrl, adminToken: s.adminToken });
      let current: { token: string; until: number } | undefined;
      const token = async (): Promise<string> => {
        if (current && current.until > Date.now() + 60_000) return current.token;
        const { data, error } = await admin.POST('/admin/v1/tokens', {
          body: { clientId: s.appId, ttl: `${OPERATOR_TOKEN_TTL_SEC}` },
        });
        if (!data) throw new Error(messageOf(error));
        current = { token: data.token, until: Date.now() + OPERATOR_TOKEN_TTL_SEC * 1000 };
        return current.token;
      };
      return createCampaigndClient({ baseUrl, adminToken: s.adminToken, kore: { token, accountId: s.accountId } });
    }
    case 'agent':
      return createCampaigndClient({ baseUrl, agentCredential: s.credential });
  }
}

/** The path parameter every Kore call needs. */
export const botOf = (s: Session): { iid: string } => ({ iid: s.kind === 'agent' ? '' : s.iid });

/** A failure's message as the API gave it (or what went wrong on the way). */
export function messageOf(error: unknown): string {
  const e = error as Partial<FailureEnvelope> | undefined;
  if (e && typeof e.message === 'string') return e.message;
  if (error instanceof Error) return error.message;
  return 'The server could not be reached';
}

/**
 * The API's per-field messages (`errors[].field`, as the Kore envelope names them): forms show each
 * next to its field, exactly as the API worded it.
 */
export function fieldErrors(error: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  for (const e of (error as Partial<FailureEnvelope> | undefined)?.errors ?? [])
    if (e.field && !(e.field in out)) out[e.field] = e.msg;
  return out;
}
