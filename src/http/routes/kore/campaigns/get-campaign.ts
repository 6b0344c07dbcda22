import { CampaignEnvelope } from '../../../schemas/campaign.js';
import { CampaignIdParams } from '../../../schemas/common.js';
import { withErrors } from '../../../schemas/envelope.js';
import { KORE_TAG, koreSecurity, type KoreRouteContext } from '../kore-router.js';

/** The hottest path: one keyed read and a compiled serializer. */
export function getCampaignRoute({ app, services, hide }: KoreRouteContext): void {
  app.get(
    '/campaign/:campaignId',
    {
      schema: {
        hide,
        tags: [KORE_TAG],
        summary: 'Get a campaign (voice or SMS)',
        description: 'The seed documentation labels this PUT; a body-less PUT on the same path answers the same (§7.1).',
        security: koreSecurity,
        params: CampaignIdParams,
        response: withErrors({ 200: CampaignEnvelope }),
      },
    },
    async (req) => {
      const c = await services.campaigns.get(req.tenant, req.params.campaignId);
      return { status: 'success' as const, message: `Campaign ${c.name} retrieved successfully`, data: c };
    },
  );
}
