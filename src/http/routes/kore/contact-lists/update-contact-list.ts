import { Type } from '@sinclair/typebox';
import {
  ContactListIdParams,
  UpdateContactListBody,
  UpdateContactListEnvelope,
  type ContactList,
} from '../../../../contract/contact-list.js';
import { AccountQuery } from '../../../../contract/common.js';
import { withErrors } from '../../../../contract/envelope.js';
import { KORE_TAG, koreSecurity, type KoreRouteContext } from '../kore-router.js';

/** The update answer: both documented shapes, `contactListId` + `body` (current) and the full list (XO-old). */
export function updateAnswer(list: ContactList) {
  const body = {
    name: list.name,
    description: list.description,
    iId: list.iId,
    listType: list.listType,
    accountId: list.accountId,
    scope: ['campaign_management'],
  };
  return {
    status: 'success' as const,
    message: `Contact list ${list.name} updated successfully`,
    data: { ...list, contactListId: list._id, body },
  };
}

export function updateContactListRoute({ app, services, hide }: KoreRouteContext): void {
  app.route({
    // The update sample is a POST (docs/kore-compatibility.md, inconsistency 18); both methods update.
    method: ['PUT', 'POST'],
    url: '/campaign/contactList/:contactListId',
    schema: {
      hide,
      tags: [KORE_TAG],
      summary: 'Update name, description or allowDuplicates of a contact list',
      description:
        "Fields left out are unchanged. Renaming a list that a campaign uses is refused (409, naming the campaigns): campaigns reference lists by name. The answer carries both documented shapes: `contactListId` + `body` (current) and the full list (XO-old). POST is accepted as PUT (Kore's Update Contact List sample is a POST).",
      security: koreSecurity,
      params: ContactListIdParams,
      querystring: Type.Object(AccountQuery),
      body: UpdateContactListBody,
      response: withErrors({ 200: UpdateContactListEnvelope }),
    },
    handler: async (req) =>
      updateAnswer(await services.contactLists.update(req.tenant, req.params.contactListId, req.body)),
  });
}
