import { withErrors } from '../../../../contract/envelope.js';
import { AttemptsEnvelope, AttemptsQuery, RunParams } from '../../../../contract/reports.js';
import { KORE_TAG, koreSecurity, type KoreRouteContext } from '../kore-router.js';

/** campaignd extension: the attempts of one run, cursor-paged and filtered (docs/reports.md). */
export function runAttemptsRoute({ app, services, hide }: KoreRouteContext): void {
  app.get(
    '/campaign/:campaignId/runs/:instanceId/attempts',
    {
      schema: {
        hide,
        tags: [KORE_TAG],
        summary: 'Attempts of a campaign run (campaignd extension)',
        description:
          'Newest (default) or oldest first by start time. `limit` 1–500 (default 50); pass `nextCursor` as `cursor` with the same filters for the next page. Filters: `outcome`, `dialerOutcome` (comma-separated), `number`, `from` (inclusive) and `to` (exclusive) on the start time.',
        security: koreSecurity,
        params: RunParams,
        querystring: AttemptsQuery,
        response: withErrors({ 200: AttemptsEnvelope }),
      },
    },
    async (req) => ({
      status: 'success' as const,
      message: 'Attempts retrieved successfully',
      data: await services.reports.attempts(req.tenant, req.params.campaignId, req.params.instanceId, req.query),
    }),
  );
}
