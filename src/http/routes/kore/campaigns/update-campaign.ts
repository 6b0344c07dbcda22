import { Type } from '@sinclair/typebox';
import { CampaignInput, UpdateCampaignEnvelope } from '../../../../contract/campaign.js';
import { AccountQuery, CampaignIdParams } from '../../../../contract/common.js';
import { withErrors } from '../../../../contract/envelope.js';
import { KORE_TAG, koreSecurity, type KoreRouteContext } from '../kore-router.js';
import { IDEMPOTENT } from '../../../plugins/idempotency.js';

function isEmptyBody(body: unknown): boolean {
  return (
    body === undefined ||
    body === null ||
    (typeof body === 'object' && !Array.isArray(body) && Object.keys(body).length === 0)
  );
}

export function updateCampaignRoute({ app, services, apiVersion, hide }: KoreRouteContext): void {
  app.put(
    '/campaign/:campaignId',
    {
      config: IDEMPOTENT,
      schema: {
        hide,
        tags: [KORE_TAG],
        summary: 'Replace a campaign configuration (or get it, when the body is empty)',
        description:
          'PUT replaces the whole configuration: send the full create body. A PUT with no body (or `{}`) and no campaignType returns the campaign unchanged in the Get shape, for clients that followed the XO Get Voice Campaign page, which labels Get as PUT.',
        security: koreSecurity,
        params: CampaignIdParams,
        querystring: Type.Object({ campaignType: Type.Optional(Type.String()), ...AccountQuery }),
        body: Type.Optional(CampaignInput),
        response: withErrors({ 200: UpdateCampaignEnvelope }),
      },
      // Runs before body validation, so the documented body-less "Get as PUT" is answered, not rejected.
      preValidation: async (req, reply) => {
        if (isEmptyBody(req.body) && !(req.query as { campaignType?: string }).campaignType) {
          const c = await services.campaigns.get(req.tenant, (req.params as { campaignId: string }).campaignId);
          return reply.send({ status: 'success', message: `Campaign ${c.name} retrieved successfully`, data: c });
        }
      },
    },
    async (req) => {
      if (isEmptyBody(req.body)) {
        const c = await services.campaigns.get(req.tenant, req.params.campaignId);
        return { status: 'success' as const, message: `Campaign ${c.name} retrieved successfully`, data: c };
      }
      const c = await services.campaigns.update(
        req.tenant,
        req.params.campaignId,
        req.body!,
        req.query.campaignType,
        apiVersion,
      );
      const message = `Campaign ${c.name} details updated successfully`;
      return c.campaignType === 'voice'
        ? { status: 'success' as const, message, id: c.id, data: c }
        : { status: 'success' as const, message, data: c };
    },
  );
}
