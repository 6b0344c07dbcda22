import { Type } from '@sinclair/typebox';
import { ListCampaignsBody, ListCampaignsEnvelope } from '../../../../contract/campaign.js';
import { AccountQuery, IidParams } from '../../../../contract/common.js';
import { withErrors } from '../../../../contract/envelope.js';
import { KORE_TAG, koreSecurity, type KoreRouteContext } from '../kore-router.js';

export function listCampaignsRoute({ app, services, hide }: KoreRouteContext): void {
  app.post(
    '/campaign/getAllCampaignDetails',
    {
      schema: {
        hide,
        tags: [KORE_TAG],
        summary: 'List campaigns with paging, creation-date window, sort and filters',
        description:
          'Paging: `skip` (wins when > 0) or 1-based `page`, `limit` 1–100 (default 50). Without `type` both voice and SMS campaigns are listed. Sort defaults to createdAt desc.',
        security: koreSecurity,
        params: IidParams,
        querystring: Type.Object(AccountQuery),
        body: Type.Optional(ListCampaignsBody),
        response: withErrors({ 200: ListCampaignsEnvelope }),
      },
      // The samples post no body at all; Fastify would validate `undefined` against the object schema.
      preValidation: async (req) => {
        req.body ??= {};
      },
    },
    async (req) => {
      const data = await services.campaigns.list(req.tenant, req.body);
      // The double space is Kore's (its Get All Campaigns sample).
      return { status: 'success' as const, message: 'Campaign  retrieved successfully', data };
    },
  );
}
