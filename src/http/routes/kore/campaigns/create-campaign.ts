import { Type } from '@sinclair/typebox';
import { CampaignInput, CreateCampaignEnvelope } from '../../../../contract/campaign.js';
import { AccountQuery, IidParams } from '../../../../contract/common.js';
import { withErrors } from '../../../../contract/envelope.js';
import { KORE_TAG, koreSecurity, type KoreRouteContext } from '../kore-router.js';
import { IDEMPOTENT } from '../../../plugins/idempotency.js';

export function createCampaignRoute({ app, services, apiVersion, hide }: KoreRouteContext): void {
  app.post(
    '/campaign',
    {
      config: IDEMPOTENT,
      schema: {
        hide,
        tags: [KORE_TAG],
        summary: 'Create a voice or SMS campaign',
        description:
          'Voice: Agentless (experienceFlowName), Progressive (queue_name), Preview (queue_name, maxSkips). SMS: simple (message, optional template_name) or advanced (experienceFlowName).',
        security: koreSecurity,
        params: IidParams,
        querystring: Type.Object({
          campaignType: Type.Optional(Type.String({ description: 'voice | sms' })),
          ...AccountQuery,
        }),
        body: CampaignInput,
        response: withErrors({ 200: CreateCampaignEnvelope }),
      },
    },
    async (req) => {
      const c = await services.campaigns.create(req.tenant, req.body, req.query.campaignType, apiVersion);
      // Voice answers "Preparing" like Kore's samples; campaignd prepares synchronously, so a Get already shows Ready.
      const data = c.campaignType === 'voice' ? { ...c, status: 'Preparing', campId: c.id } : { ...c, campId: c.id };
      return { status: 'success' as const, message: `Campaign ${c.name} creation in progress`, id: c.id, data };
    },
  );
}
