import { CampaignEnvelope } from '../../../../contract/campaign.js';
import { CampaignIdParams } from '../../../../contract/common.js';
import { withErrors } from '../../../../contract/envelope.js';
import { KORE_TAG, koreSecurity, type KoreRouteContext } from '../kore-router.js';

const JSON_UTF8 = 'application/json; charset=utf-8';

/**
 * The hottest path. On SQLite the serialised answer is kept per tenant and campaign for as long
 * as the database's change version stays the same (response-cache.ts), so a repeated Get costs
 * one `total_changes()` call instead of a locked read, a JSON.parse and a serialisation.
 */
export function getCampaignRoute({ app, services, hide, getCache }: KoreRouteContext): void {
  app.get(
    '/campaign/:campaignId',
    {
      schema: {
        hide,
        tags: [KORE_TAG],
        summary: 'Get a campaign (voice or SMS)',
        description:
          "The XO revision of Kore's Get Voice Campaign page labels this PUT; a body-less PUT on the same path answers the same.",
        security: koreSecurity,
        params: CampaignIdParams,
        response: withErrors({ 200: CampaignEnvelope }),
      },
    },
    async (req, reply) => {
      const { accountId, botId } = req.tenant;
      const { campaignId } = req.params;
      // Read before the data, so a write landing in between retires what is built below.
      const version = services.campaigns.changeVersion();
      const key = `${accountId}\u0000${botId}\u0000${campaignId}`;
      const cached = version === undefined ? undefined : getCache.get(key, version);
      if (cached) return reply.type(JSON_UTF8).send(cached);
      const c = await services.campaigns.get(req.tenant, campaignId);
      const envelope = { status: 'success' as const, message: `Campaign ${c.name} retrieved successfully`, data: c };
      if (version === undefined) return envelope;
      // The route's own serializer, so cached bytes are exactly what an uncached answer would be.
      const body = Buffer.from(reply.serialize(envelope) as string);
      getCache.set(key, version, body);
      return reply.type(JSON_UTF8).send(body);
    },
  );
}
