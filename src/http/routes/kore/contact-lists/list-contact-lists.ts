import { Type } from '@sinclair/typebox';
import { ContactListsEnvelope } from '../../../../contract/contact-list.js';
import { IidParams } from '../../../../contract/common.js';
import { withErrors } from '../../../../contract/envelope.js';
import { KORE_TAG, koreSecurity, type KoreRouteContext } from '../kore-router.js';

/** Documented as POST, sampled as GET (docs/kore-compatibility.md, inconsistency 19): both answer, unpaginated. */
export function listContactListsRoute({ app, services, hide }: KoreRouteContext): void {
  for (const method of ['GET', 'POST'] as const) {
    app.route({
      method,
      url: '/campaign/contactList/getAllListDetails',
      schema: {
        hide: hide || method === 'GET',
        tags: [KORE_TAG],
        summary: 'List every contact list of the bot (GET or POST, unpaginated)',
        description: '`type` is optional and must be call (voice and sms, which XO-old docs pass, are accepted too).',
        security: koreSecurity,
        params: IidParams,
        querystring: Type.Object({ type: Type.Optional(Type.String()), accountId: Type.Optional(Type.String()) }),
        response: withErrors({ 200: ContactListsEnvelope }),
      },
      handler: async (req) => {
        const data = await services.contactLists.listAll(req.tenant, req.query.type);
        return { status: 'success' as const, message: '', data };
      },
    });
  }
}
