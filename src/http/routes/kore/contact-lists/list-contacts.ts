import { ContactListIdParams, ContactsEnvelope, ContactsQuery } from '../../../../contract/contact-list.js';
import { withErrors } from '../../../../contract/envelope.js';
import { KORE_TAG, koreSecurity, type KoreRouteContext } from '../kore-router.js';

export function listContactsRoute({ app, services, hide }: KoreRouteContext): void {
  app.get(
    '/campaign/contactList/:contactListId/getAllContacts',
    {
      schema: {
        hide,
        tags: [KORE_TAG],
        summary: 'Contacts of a list, in list order, paginated',
        description:
          'Query `skip` (wins when > 0) or 1-based `page`, `limit` 1–500 (default 50). `phoneNumber` is the number as given; `phoneNumberE164` its normalised form; other columns appear as given.',
        security: koreSecurity,
        params: ContactListIdParams,
        querystring: ContactsQuery,
        response: withErrors({ 200: ContactsEnvelope }),
      },
    },
    async (req) => {
      const data = await services.contactLists.contactsPage(req.tenant, req.params.contactListId, req.query);
      return { status: 'success' as const, message: 'Contacts retrieved successfully', data };
    },
  );
}
