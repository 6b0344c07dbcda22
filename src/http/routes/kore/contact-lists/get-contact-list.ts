import { ContactListEnvelope, ContactListIdParams } from '../../../../contract/contact-list.js';
import { withErrors } from '../../../../contract/envelope.js';
import { KORE_TAG, koreSecurity, type KoreRouteContext } from '../kore-router.js';

export function getContactListRoute({ app, services, hide }: KoreRouteContext): void {
  app.get(
    '/campaign/contactList/:contactListId',
    {
      schema: {
        hide,
        tags: [KORE_TAG],
        summary: 'Get a contact list',
        security: koreSecurity,
        params: ContactListIdParams,
        response: withErrors({ 200: ContactListEnvelope }),
      },
    },
    async (req) => ({
      status: 'success' as const,
      message: '',
      data: await services.contactLists.get(req.tenant, req.params.contactListId),
    }),
  );
}
