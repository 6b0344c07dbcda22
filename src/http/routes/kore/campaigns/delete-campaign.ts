import { Type } from '@sinclair/typebox';
import { errors } from '../../../../shared/errors.js';
import { CampaignEnvelope } from '../../../../contract/campaign.js';
import { AccountQuery, CampaignIdParams } from '../../../../contract/common.js';
import { withErrors } from '../../../../contract/envelope.js';
import { KORE_TAG, koreSecurity, type KoreRouteContext } from '../kore-router.js';
import { IDEMPOTENT } from '../../../plugins/idempotency.js';

export function deleteCampaignRoute({ app, services, hide }: KoreRouteContext): void {
  app.delete(
    '/campaign/:campaignId',
    {
      config: IDEMPOTENT,
      schema: {
        hide,
        tags: [KORE_TAG],
        summary: 'Delete a campaign; answers the deleted record',
        security: koreSecurity,
        params: CampaignIdParams,
        querystring: Type.Object({ campaignType: Type.Optional(Type.String()), ...AccountQuery }),
        response: withErrors({ 200: CampaignEnvelope }),
      },
    },
    async (req) => {
      const id = req.params.campaignId;
      // The delete docs print `/campaign/{{campaignType}}` where the id belongs (docs/kore-compatibility.md,
      // inconsistency 7).
      if (/^(voice|sms|\{\{?campaigntype\}?\})$/i.test(id)) {
        throw errors.badRequest(
          `'${id}' is a campaign type, not a campaign id: the path is /campaign/{campaignId}`,
          'campaignId',
        );
      }
      const c = await services.campaigns.delete(req.tenant, id);
      return { status: 'success' as const, message: `Campaign ${c.name} deleted successfully`, data: c };
    },
  );
}
