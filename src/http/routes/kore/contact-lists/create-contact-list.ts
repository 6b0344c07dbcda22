import { Type } from '@sinclair/typebox';
import { errors } from '../../../../shared/errors.js';
import {
  ContactListEnvelope,
  CreateContactListBody,
  UpdateContactListEnvelope,
} from '../../../../contract/contact-list.js';
import { AccountQuery, IidParams } from '../../../../contract/common.js';
import { withErrors } from '../../../../contract/envelope.js';
import { KORE_TAG, koreSecurity, type KoreRouteContext } from '../kore-router.js';
import { IDEMPOTENT } from '../../../plugins/idempotency.js';
import { updateAnswer } from './update-contact-list.js';

export function createContactListRoute({ app, services, hide }: KoreRouteContext): void {
  app.post(
    '/campaign/contactList/createContactList',
    {
      config: IDEMPOTENT,
      schema: {
        hide,
        tags: [KORE_TAG],
        summary: 'Create a contact list (or a DNC list)',
        description:
          "name ≤ 48 (the sample's `name1` is accepted), description ≤ 256 (default \"\"), source passiveApi or passiveApiIntegration (default passiveApi), allowDuplicates (default false). v2: `isGlobalDNC: true` makes it the account's global do-not-call list (one per account; 409 otherwise). Kore's Update Contact List sample is sent to this URL: a request naming an existing list (`contactListId` in the query or body, or `_id`/`id` in the body) updates that list and answers as the update does; without one it creates a list.",
        security: koreSecurity,
        params: IidParams,
        querystring: Type.Object({ ...AccountQuery, contactListId: Type.Optional(Type.String()) }),
        body: CreateContactListBody,
        response: withErrors({ 200: Type.Union([UpdateContactListEnvelope, ContactListEnvelope]) }),
      },
    },
    async (req) => {
      const { contactListId, _id, id, ...body } = req.body;
      const target = req.query.contactListId ?? contactListId ?? _id ?? id;
      if (target !== undefined) {
        // An update sent to the create URL (docs/kore-compatibility.md, inconsistency 18). Only what an update can
        // change is taken.
        if (body.isGlobalDNC !== undefined)
          throw errors.validation(
            'isGlobalDNC',
            'isGlobalDNC: can only be set when a list is created, not by an update',
          );
        return updateAnswer(
          await services.contactLists.update(req.tenant, target, {
            name: body.name,
            name1: body.name1,
            description: body.description,
            allowDuplicates: body.allowDuplicates,
          }),
        );
      }
      const list = await services.contactLists.create(req.tenant, body);
      return { status: 'success' as const, message: `Contact list ${list.name} created successfully`, data: list };
    },
  );
}
