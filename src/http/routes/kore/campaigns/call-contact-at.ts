import { Type } from '@sinclair/typebox';
import { CallContactAtBody, CallContactAtEnvelope } from '../../../../contract/engine.js';
import { withErrors } from '../../../../contract/envelope.js';
import { KORE_TAG, koreSecurity, type KoreRouteContext } from '../kore-router.js';
import { IDEMPOTENT } from '../../../plugins/idempotency.js';

/** Kore's call-back scheduling for contacts of a running instance (documented on v2; answered on every prefix). */
export function callContactAtRoute({ app, services, hide }: KoreRouteContext): void {
  app.post(
    '/campaign/:campaignInstanceId/callContactAt',
    {
      config: IDEMPOTENT,
      schema: {
        hide,
        tags: [KORE_TAG],
        summary: 'Schedule call-backs for contacts of a running campaign instance',
        description:
          'Each item answers on its own: `success` with the time, or `failed` with a reason. A final record is reopened for one more attempt; calling hours still apply.',
        security: koreSecurity,
        params: Type.Object({ iid: Type.String(), campaignInstanceId: Type.String() }),
        querystring: Type.Object({ accountId: Type.Optional(Type.String()) }),
        body: CallContactAtBody,
        response: withErrors({ 200: CallContactAtEnvelope }),
      },
    },
    async (req) => ({
      status: 'success' as const,
      data: await services.callbacks.schedule(req.tenant, req.params.campaignInstanceId, req.body),
    }),
  );
}
