import { Type } from '@sinclair/typebox';
import { parseTrigger } from '../../../../domain/campaigns/lifecycle.js';
import { errors } from '../../../../shared/errors.js';
import { CampaignIdParams } from '../../../../contract/common.js';
import { TriggerQuery, TriggerResponse } from '../../../../contract/engine.js';
import { withErrors } from '../../../../contract/envelope.js';
import { KORE_TAG, koreSecurity, type KoreRouteContext } from '../kore-router.js';
import { IDEMPOTENT } from '../../../plugins/idempotency.js';

/**
 * Start / stop / pause / resume (Kore's start and stop pages, v1 and v2): `POST /campaign/{id}?trigger=…`
 * (v1, v2 SMS) and `POST /campaign/trigger/{id}?trigger=…` (v2 voice; the `campaign//trigger` spelling
 * collapses to it).
 */
export function triggerCampaignRoute({ app, services, hide }: KoreRouteContext): void {
  for (const path of ['/campaign/:campaignId', '/campaign/trigger/:campaignId']) {
    app.post(
      path,
      {
        config: IDEMPOTENT,
        schema: {
          hide: hide || path.includes('trigger'),
          tags: [KORE_TAG],
          summary: 'Start, stop, pause or resume a campaign',
          description:
            'Each play starts a new campaign instance (cid-…) from the full contact lists. Illegal transitions answer 409.',
          security: koreSecurity,
          params: CampaignIdParams,
          querystring: TriggerQuery,
          body: Type.Optional(Type.Unknown()),
          response: withErrors({ 200: TriggerResponse }),
        },
      },
      async (req) => {
        const id = req.params.campaignId;
        // The stop-SMS sample prints `{{campaignType}}` where the id belongs (docs/kore-compatibility.md,
        // inconsistency 7).
        if (/^(voice|sms|\{\{?campaigntype\}?\})$/i.test(id)) {
          throw errors.badRequest(
            `'${id}' is a campaign type, not a campaign id: the path is /campaign/{campaignId}?trigger=…`,
            'campaignId',
          );
        }
        const raw = req.query.trigger;
        if (raw === undefined || raw.trim() === '')
          throw errors.validation('trigger', 'trigger: is required: play, stop, pause or resume');
        const trigger = parseTrigger(raw);
        if (!trigger) throw errors.validation('trigger', `trigger: '${raw}' must be play, stop, pause or resume`);
        return services.instances.trigger(req.tenant, id, trigger);
      },
    );
  }
}
