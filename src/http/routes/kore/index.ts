import type { FastifyPluginAsync } from 'fastify';
import type { Services } from '../../../services.js';
import type { KoreAuthenticator } from '../../plugins/auth.js';
import { createCampaignRoute } from './campaigns/create-campaign.js';
import { deleteCampaignRoute } from './campaigns/delete-campaign.js';
import { getCampaignRoute } from './campaigns/get-campaign.js';
import { listCampaignsRoute } from './campaigns/list-campaigns.js';
import { updateCampaignRoute } from './campaigns/update-campaign.js';
import { KORE_PREFIXES, type KoreRouteContext, type TypedApp } from './kore-router.js';

const ROUTES: ((ctx: KoreRouteContext) => void)[] = [
  // Literal sub-paths before `/:campaignId` matter only to readers: find-my-way prefers static segments.
  listCampaignsRoute,
  createCampaignRoute,
  getCampaignRoute,
  updateCampaignRoute,
  deleteCampaignRoute,
];

/** Mounts the Kore-compatible API under every documented prefix, behind JWT auth. */
export function koreRoutes(services: Services, auth: KoreAuthenticator, extra: ((ctx: KoreRouteContext) => void)[] = []): FastifyPluginAsync {
  return async (root) => {
    for (const { prefix, apiVersion, primary } of KORE_PREFIXES) {
      await root.register(
        async (scoped) => {
          scoped.addHook('onRequest', auth.hook);
          const ctx: KoreRouteContext = { app: scoped as unknown as TypedApp, services, apiVersion, hide: !primary };
          for (const route of [...ROUTES, ...extra]) route(ctx);
        },
        { prefix },
      );
    }
  };
}
