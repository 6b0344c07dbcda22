import { Type } from '@sinclair/typebox';
import { ContactListEnvelope, ContactListIdParams } from '../../../../contract/contact-list.js';
import { AccountQuery } from '../../../../contract/common.js';
import { withErrors } from '../../../../contract/envelope.js';
import { KORE_TAG, koreSecurity, type KoreRouteContext } from '../kore-router.js';

export function deleteContactListRoute({ app, services, hide }: KoreRouteContext): void {
  app.delete(
    '/campaign/contactList/:contactListId',
    {
      schema: {
        hide,
        tags: [KORE_TAG],
        summary: 'Delete a contact list and its contacts; answers the deleted list',
        description: 'A list that a campaign uses (as contacts or DNC list) is not deleted: 409 naming the campaigns.',
        security: koreSecurity,
        params: ContactListIdParams,
        querystring: Type.Object(AccountQuery),
        response: withErrors({ 200: ContactListEnvelope }),
      },
    },
    async (req) => {
      const list = await services.contactLists.delete(req.tenant, req.params.contactListId);
      return { status: 'success' as const, message: `Contact list ${list.name} deleted successfully`, data: list };
    },
  );
}
