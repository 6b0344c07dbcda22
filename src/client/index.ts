/**
 * The typed client of campaignd's HTTP APIs (`import { createCampaigndClient } from 'campaignd/client'`):
 * openapi-fetch over types generated from openapi.json by `npm run openapi`, so every documented path,
 * parameter, body and answer is checked by the compiler.
 *
 * Calls never throw for an HTTP failure: each resolves to `{ data, error, response }`, with `data`
 * set for a 2xx and `error` (the Kore failure envelope `{ status: 'failure', message, errors }`)
 * otherwise; `response.status` is the HTTP status. Only a network failure rejects.
 */
import createClient, { type Client, type ClientOptions } from 'openapi-fetch';
import { authMiddleware, type Credentials } from './auth-middleware.js';
import type { components, paths } from './openapi-types.js';

export type { components, paths, webhooks } from './openapi-types.js';
export type { AppCredentials } from './app-token.js';
export type { Credentials } from './auth-middleware.js';

export type CampaigndClient = Client<paths>;
/** Every failure's body, whichever API answered. */
export type FailureEnvelope = components['schemas']['ErrorEnvelope'];

export interface CampaigndClientOptions extends Omit<ClientOptions, 'baseUrl'>, Credentials {
  /** The server's root, e.g. `http://127.0.0.1:3000`; paths are the documented ones, prefix included. */
  baseUrl: string;
}

/**
 * A client for the Kore API, the admin API and the agent API of one server. Give the credentials
 * of the APIs you call: each request gets the one its path needs.
 *
 *   const client = createCampaigndClient({ baseUrl, kore: { appId, clientSecret, accountId } });
 *   const { data, error } = await client.GET('/agentassist/api/v1/public/{iid}/campaign/{campaignId}', {
 *     params: { path: { iid, campaignId } },
 *   });
 */
export function createCampaigndClient(options: CampaigndClientOptions): CampaigndClient {
  const { kore, adminToken, agentCredential, tokenTtlSec, ...clientOptions } = options;
  const client = createClient<paths>(clientOptions);
  client.use(authMiddleware({ kore, adminToken, agentCredential, tokenTtlSec }));
  return client;
}
