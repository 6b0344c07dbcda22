import { withErrors } from '../../../../contract/envelope.js';
import { AttemptsCsvQuery, CsvBody, RunParams } from '../../../../contract/reports.js';
import { KORE_TAG, koreSecurity, type KoreRouteContext } from '../kore-router.js';
import { csvHeaders, csvStream } from '../csv-reply.js';

/** campaignd extension: a run's attempts as a streamed CSV file (docs/reports.md). */
export function runAttemptsCsvRoute({ app, services, hide }: KoreRouteContext): void {
  app.get(
    '/campaign/:campaignId/runs/:instanceId/attempts.csv',
    {
      schema: {
        hide,
        tags: [KORE_TAG],
        summary: 'Attempts of a campaign run as CSV (campaignd extension)',
        description:
          "Streamed `text/csv` (RFC 4180, CRLF), every attempt matching the same filters and order as the attempts page; formula-like text cells are prefixed with `'`.",
        security: koreSecurity,
        params: RunParams,
        querystring: AttemptsCsvQuery,
        produces: ['text/csv'],
        response: withErrors({ 200: CsvBody }),
      },
    },
    async (req, reply) => {
      const { campaignId, instanceId } = req.params;
      const csv = await services.reports.attemptsCsv(req.tenant, campaignId, instanceId, req.query);
      return reply.headers(csvHeaders(csv.filename)).send(csvStream(csv.chunks));
    },
  );
}
