import { Type } from '@sinclair/typebox';
import { AccountQuery } from '../../../../contract/common.js';
import { ContactListIdParams } from '../../../../contract/contact-list.js';
import { withErrors } from '../../../../contract/envelope.js';
import { CsvBody } from '../../../../contract/reports.js';
import { KORE_TAG, koreSecurity, type KoreRouteContext } from '../kore-router.js';
import { csvHeaders, csvStream } from '../csv-reply.js';

/** campaignd extension: a list's contacts as a streamed CSV file (docs/reports.md). */
export function exportContactsRoute({ app, services, hide }: KoreRouteContext): void {
  app.get(
    '/campaign/contactList/:contactListId/contacts.csv',
    {
      schema: {
        hide,
        tags: [KORE_TAG],
        summary: 'Contacts of a list as CSV (campaignd extension)',
        description:
          'Streamed `text/csv` (RFC 4180, CRLF) in list order, as the list stood when the export began: the getAllContacts fields, then the extra columns, then `otherColumns` (JSON of extra columns first seen after the first 2,000 rows).',
        security: koreSecurity,
        params: ContactListIdParams,
        querystring: Type.Object(AccountQuery),
        produces: ['text/csv'],
        response: withErrors({ 200: CsvBody }),
      },
    },
    async (req, reply) => {
      const csv = await services.reports.contactsCsv(req.tenant, req.params.contactListId);
      return reply.headers(csvHeaders(csv.filename)).send(csvStream(csv.chunks));
    },
  );
}
