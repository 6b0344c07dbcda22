import { Type } from '@sinclair/typebox';
import { ExplainEnvelope } from '../../../../contract/engine.js';
import { withErrors } from '../../../../contract/envelope.js';
import { KORE_TAG, koreSecurity, type KoreRouteContext } from '../kore-router.js';

/** campaignd extension: why a contact is or is not dialable now, and when it next will be. */
export function explainContactRoute({ app, services, hide }: KoreRouteContext): void {
  app.get(
    '/campaign/:campaignId/contacts/:contact/explain',
    {
      schema: {
        hide,
        tags: [KORE_TAG],
        summary: 'Explain a contact’s dialing decision (campaignd extension)',
        description:
          '`contact` is a contact id, dial-record id, uniqueId or phone number of the campaign’s current instance.',
        security: koreSecurity,
        params: Type.Object({ iid: Type.String(), campaignId: Type.String(), contact: Type.String() }),
        querystring: Type.Object({ accountId: Type.Optional(Type.String()) }),
        response: withErrors({ 200: ExplainEnvelope }),
      },
    },
    async (req) => ({
      status: 'success' as const,
      data: await services.explain.explain(req.tenant, req.params.campaignId, req.params.contact),
    }),
  );
}
