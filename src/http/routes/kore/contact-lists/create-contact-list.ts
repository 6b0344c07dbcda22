import { Type } from '@sinclair/typebox';
import { ContactListEnvelope, CreateContactListBody } from '../../../schemas/contact-list.js';
import { AccountQuery, IidParams } from '../../../schemas/common.js';
import { withErrors } from '../../../schemas/envelope.js';
import { KORE_TAG, koreSecurity, type KoreRouteContext } from '../kore-router.js';

export function createContactListRoute({ app, services, hide }: KoreRouteContext): void {
  app.post(
    '/campaign/contactList/createContactList',
    {
      schema: {
        hide,
        tags: [KORE_TAG],
        summary: 'Create a contact list (or a DNC list)',
        description:
          'name ≤ 48 (the sample\'s `name1` is accepted), description ≤ 256 (default ""), source passiveApi or passiveApiIntegration (default passiveApi), allowDuplicates (default false). v2: `isGlobalDNC: true` makes it the account\'s global do-not-call list (one per account; 409 otherwise).',
        security: koreSecurity,
        params: IidParams,
        querystring: Type.Object(AccountQuery),
        body: CreateContactListBody,
        response: withErrors({ 200: ContactListEnvelope }),
      },
    },
    async (req) => {
      const list = await services.contactLists.create(req.tenant, req.body);
      return { status: 'success' as const, message: `Contact list ${list.name} created successfully`, data: list };
    },
  );
}
