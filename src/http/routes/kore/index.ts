import type { FastifyPluginAsync } from 'fastify';
import type { Services } from '../../../services.js';
import type { onRequestHookHandler } from 'fastify';
import { createCampaignRoute } from './campaigns/create-campaign.js';
import { deleteCampaignRoute } from './campaigns/delete-campaign.js';
import { getCampaignRoute } from './campaigns/get-campaign.js';
import { listCampaignsRoute } from './campaigns/list-campaigns.js';
import { updateCampaignRoute } from './campaigns/update-campaign.js';
import { callContactAtRoute } from './campaigns/call-contact-at.js';
import { campaignStatusRoute } from './campaigns/campaign-status.js';
import { scheduleCampaignRoute } from './campaigns/schedule-campaign.js';
import { explainContactRoute } from './campaigns/explain-contact.js';
import { campaignRunsRoute } from './campaigns/campaign-runs.js';
import { runAttemptsRoute } from './campaigns/run-attempts.js';
import { runAttemptsCsvRoute } from './campaigns/run-attempts-csv.js';
import { triggerCampaignRoute } from './campaigns/trigger-campaign.js';
import { agentInfoRoute } from './agents/agent-info.js';
import { agentStatusRoute } from './agents/agent-status.js';
import { campaignDispositionsRoute } from './agents/campaign-dispositions.js';
import { agentsBoardRoutes } from './agents/agents-board.js';
import { eventStreamRoute } from './events/event-stream.js';
import { ADD_CONTACTS_PREFIXES, addContactsRoute } from './contact-lists/add-contacts.js';
import { createContactListRoute } from './contact-lists/create-contact-list.js';
import { deleteContactListRoute } from './contact-lists/delete-contact-list.js';
import { getContactListRoute } from './contact-lists/get-contact-list.js';
import { listContactListsRoute } from './contact-lists/list-contact-lists.js';
import { listContactsRoute } from './contact-lists/list-contacts.js';
import { exportContactsRoute } from './contact-lists/export-contacts.js';
import { uploadContactsCsvRoute } from './contact-lists/upload-contacts-csv.js';
import { importJobsRoute } from './contact-lists/import-jobs.js';
import { updateContactListRoute } from './contact-lists/update-contact-list.js';
import { ResponseCache } from '../../response-cache.js';
import { registerIdempotency } from '../../plugins/idempotency.js';
import { KORE_PREFIXES, type KoreRouteContext, type TypedApp } from './kore-router.js';

const ROUTES: ((ctx: KoreRouteContext) => void)[] = [
  // Literal sub-paths before `/:campaignId` matter only to readers: find-my-way prefers static segments.
  listCampaignsRoute,
  scheduleCampaignRoute,
  agentInfoRoute,
  agentStatusRoute,
  agentsBoardRoutes,
  eventStreamRoute,
  createCampaignRoute,
  getCampaignRoute,
  updateCampaignRoute,
  deleteCampaignRoute,
  triggerCampaignRoute,
  campaignStatusRoute,
  explainContactRoute,
  campaignRunsRoute,
  runAttemptsRoute,
  runAttemptsCsvRoute,
  campaignDispositionsRoute,
  callContactAtRoute,
  createContactListRoute,
  listContactListsRoute,
  getContactListRoute,
  updateContactListRoute,
  deleteContactListRoute,
  listContactsRoute,
  exportContactsRoute,
  uploadContactsCsvRoute,
  importJobsRoute,
  addContactsRoute,
];

/** Mounts the Kore-compatible API under every documented prefix, behind JWT auth. */
export function koreRoutes(
  services: Services,
  auth: onRequestHookHandler,
  extra: ((ctx: KoreRouteContext) => void)[] = [],
): FastifyPluginAsync {
  return async (root) => {
    // Before the routes: it hooks the ones whose config says `idempotent`, under every prefix.
    registerIdempotency(root, services.idempotency);
    // Open event streams end before the server waits for its connections (campaign/events/stream).
    root.addHook('preClose', async () => services.eventStreams.close());
    const getCache = new ResponseCache();
    for (const { prefix, apiVersion, primary } of KORE_PREFIXES) {
      await root.register(
        async (scoped) => {
          scoped.addHook('onRequest', auth);
          const ctx: KoreRouteContext = {
            app: scoped as unknown as TypedApp,
            services,
            apiVersion,
            hide: !primary,
            getCache,
          };
          for (const route of [...ROUTES, ...extra]) route(ctx);
        },
        { prefix },
      );
    }
    // The prefixes where Kore documents addContacts carry that route only, behind the same authentication.
    for (const prefix of ADD_CONTACTS_PREFIXES) {
      await root.register(
        async (scoped) => {
          scoped.addHook('onRequest', auth);
          addContactsRoute({
            app: scoped as unknown as TypedApp,
            services,
            apiVersion: 'v1',
            hide: prefix !== ADD_CONTACTS_PREFIXES[0],
            getCache,
          });
        },
        { prefix },
      );
    }
  };
}
