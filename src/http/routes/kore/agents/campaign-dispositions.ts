import { Type } from '@sinclair/typebox';
import { AccountQuery, CampaignIdParams } from '../../../../contract/common.js';
import { withErrors } from '../../../../contract/envelope.js';
import { CampaignDispositionsEnvelope } from '../../../../contract/kore-agents.js';
import { KORE_TAG, koreSecurity, type KoreRouteContext } from '../kore-router.js';

/**
 * Kore's unofficial `…/campaign/:campId/dispositions` (reference §10): the disposition codes that
 * apply to the campaign's calls and where they come from. Read-only: an agent gives a disposition
 * through the agent API (`POST /agent/v1/calls/:attemptId/disposition`). POST as Kore's runtime
 * mounts it; a GET answers the same. Any body is ignored.
 */
export function campaignDispositionsRoute({ app, services, hide }: KoreRouteContext): void {
  for (const method of ['post', 'get'] as const) {
    app[method](
      '/campaign/:campaignId/dispositions',
      {
        schema: {
          hide: hide || method === 'get',
          tags: [KORE_TAG],
          summary: "The disposition codes of a campaign's calls: its own, else the bot's (Kore unofficial route)",
          security: koreSecurity,
          params: CampaignIdParams,
          querystring: Type.Object(AccountQuery),
          response: withErrors({ 200: CampaignDispositionsEnvelope }),
        },
      },
      async (req) => {
        const d = await services.agentAdmin.campaignDispositions(req.tenant, req.params.campaignId);
        return {
          status: 'success' as const,
          message: `Disposition codes of campaign ${d.campaign.name} retrieved successfully`,
          data: { campaignId: d.campaign.id, dispositionCodes: d.codes, source: d.source },
        };
      },
    );
  }
}
