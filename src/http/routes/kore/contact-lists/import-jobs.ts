import { Type } from '@sinclair/typebox';
import { AccountQuery } from '../../../../contract/common.js';
import { ImportRejects } from '../../../../contract/contact-list.js';
import { withErrors } from '../../../../contract/envelope.js';
import { tenantImport, tenantImportRejects } from '../../../../domain/contacts/tenant-imports.js';
import { KORE_TAG, koreSecurity, type KoreRouteContext } from '../kore-router.js';

const ImportIdParams = Type.Object({
  iid: Type.String({ description: 'Bot (stream / app) id, st-…' }),
  importId: Type.String({ description: 'Import job id, imp-… (addContacts `importId`, or the CSV upload)' }),
});

/**
 * campaignd extension: the caller's own import jobs (addContacts and CSV uploads), as the admin API's
 * `GET /admin/v1/imports/{id}` and `…/rejects` show them. A job of another account or bot is 404.
 */
export function importJobsRoute({ app, services, hide }: KoreRouteContext): void {
  app.get(
    '/campaign/imports/:importId',
    {
      schema: {
        hide,
        tags: [KORE_TAG],
        summary: 'An import job (campaignd extension)',
        description:
          'Status (`queued`, `running`, `completed`, `failed`, with `error`), and the counts: `totalRows` read, `imported`, `duplicates` skipped, `rejected`. On SQLite duplicates are counted when the job completes.',
        security: koreSecurity,
        params: ImportIdParams,
        querystring: Type.Object(AccountQuery),
        response: withErrors({ 200: Type.Ref('ImportJob') }),
      },
    },
    async (req) => tenantImport(services.imports, req.tenant, req.params.importId),
  );
  app.get(
    '/campaign/imports/:importId/rejects',
    {
      schema: {
        hide,
        tags: [KORE_TAG],
        summary: 'Rejected rows of an import job (campaignd extension)',
        description:
          'By row number (`rowNumber`: the CSV line, header = 1; for addContacts the 1-based position in `data`), with the `column` (null when the row as a whole is refused) and the `reason`.',
        security: koreSecurity,
        params: ImportIdParams,
        // A query string carries text, and schemas do not coerce: the numbers are checked as digits.
        querystring: Type.Object({
          ...AccountQuery,
          skip: Type.Optional(Type.String({ pattern: '^\\d{1,9}$', description: 'rows to skip, default 0' })),
          limit: Type.Optional(Type.String({ pattern: '^([1-9]\\d{0,2}|1000)$', description: '1-1000, default 100' })),
        }),
        response: withErrors({ 200: ImportRejects }),
      },
    },
    async (req) =>
      tenantImportRejects(
        services.imports,
        req.tenant,
        req.params.importId,
        Number(req.query.skip ?? 0),
        Number(req.query.limit ?? 100),
      ),
  );
}
