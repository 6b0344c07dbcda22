import { Type } from '@sinclair/typebox';
import { errors } from '../../../../shared/errors.js';
import { toContact } from '../../../../domain/contacts/contact-record.js';
import type { SourceRow } from '../../../../domain/contacts/import-service.js';
import { AddContactsBody, AddContactsReply } from '../../../../contract/contact-list.js';
import { AccountQuery, IidParams } from '../../../../contract/common.js';
import { withErrors } from '../../../../contract/envelope.js';
import { KORE_TAG, koreSecurity, type KoreRouteContext } from '../kore-router.js';

/** koreserver's public prefixes, where the docs put addContacts (§4.9.7); only this route lives there. */
export const ADD_CONTACTS_PREFIXES = ['/api/1.1/public/:iid', '/api/public/:iid'];

/** Rows are validated lazily, as the job consumes them, so the answer does not wait for them. */
function* rowsOf(data: unknown[], defaultCountry: string): Generator<SourceRow> {
  for (let i = 0; i < data.length; i++) {
    yield { rowNumber: i + 1, result: toContact(data[i] as Record<string, unknown>, { defaultCountry }) };
  }
}

export function addContactsRoute({ app, services, hide }: KoreRouteContext): void {
  app.post(
    '/campaign/contactList/addContacts',
    {
      schema: {
        hide,
        tags: [KORE_TAG],
        summary: 'Add contacts to a list named in the body (asynchronous)',
        description:
          'Answers at once; the contacts are added by an import job (`importId`, see GET /admin/v1/imports/{id}). Numbers without `+` are read with the bot\'s default country. Invalid rows are reported by the job (row = 1-based position in `data`); duplicates by normalised number are skipped unless the list allows them.',
        security: koreSecurity,
        params: IidParams,
        querystring: Type.Object(AccountQuery),
        body: AddContactsBody,
        response: withErrors({ 200: AddContactsReply }),
      },
    },
    async (req) => {
      const t = req.tenant;
      const list = await services.contactListsRepo.findByName(t, req.body.contact_list_name);
      if (!list) throw errors.notFound('Contact list', `'${req.body.contact_list_name}'`);
      const job = await services.imports.createJob(t, list, 'api');
      services.imports.runInBackground(job, list, rowsOf(req.body.data, t.defaultCountry));
      // Current wording plus XO-old's `status` (§7.33): clients of either generation find what they read.
      return { status: 'success' as const, message: 'Adding contacts to public list is in progress', importId: job.id };
    },
  );
}
