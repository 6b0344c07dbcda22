import { Type } from '@sinclair/typebox';
import { AddContactsBody, AddContactsReply } from '../../../../contract/contact-list.js';
import { AccountQuery, IidParams } from '../../../../contract/common.js';
import { withErrors } from '../../../../contract/envelope.js';
import { KORE_TAG, koreSecurity, type KoreRouteContext } from '../kore-router.js';
import { IDEMPOTENT } from '../../../plugins/idempotency.js';

/** The prefixes where Kore's Add Contacts page puts addContacts; only this route lives there. */
export const ADD_CONTACTS_PREFIXES = ['/api/1.1/public/:iid', '/api/public/:iid'];

export function addContactsRoute({ app, services, hide }: KoreRouteContext): void {
  app.post(
    '/campaign/contactList/addContacts',
    {
      config: IDEMPOTENT,
      schema: {
        hide,
        tags: [KORE_TAG],
        summary: 'Add contacts to a list named in the body (asynchronous)',
        description:
          "Answers at once; the contacts are added by an import job (`importId`, see GET /admin/v1/imports/{id}). Numbers without `+` are read with the bot's default country. Invalid rows are reported by the job (row = 1-based position in `data`); duplicates by normalised number are skipped unless the list allows them.",
        security: koreSecurity,
        params: IidParams,
        querystring: Type.Object(AccountQuery),
        body: AddContactsBody,
        response: withErrors({ 200: AddContactsReply }),
      },
    },
    async (req) => {
      const { body, tenant } = req;
      const job = await services.imports.submit({
        tenant,
        list: { name: body.contact_list_name },
        input: { rows: body.data },
        background: true,
      });
      // Current wording plus XO-old's `status` (docs/kore-compatibility.md, inconsistency 33): either generation
      // finds what it reads.
      return { status: 'success' as const, message: 'Adding contacts to public list is in progress', importId: job.id };
    },
  );
}
