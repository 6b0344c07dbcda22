import { Type } from '@sinclair/typebox';
import { CampaignIdParams, AccountQuery } from '../../../../contract/common.js';
import { withErrors } from '../../../../contract/envelope.js';
import { RunsEnvelope } from '../../../../contract/reports.js';
import { KORE_TAG, koreSecurity, type KoreRouteContext } from '../kore-router.js';

/** campaignd extension: every run (instance) of a campaign with its numbers (docs/reports.md). */
export function campaignRunsRoute({ app, services, hide }: KoreRouteContext): void {
  app.get(
    '/campaign/:campaignId/runs',
    {
      schema: {
        hide,
        tags: [KORE_TAG],
        summary: 'Run history of a campaign (campaignd extension)',
        description:
          'Every instance of the campaign, newest first: when it ran, its records and attempts by engine outcome and Kore `dialerOutcome`, connect and machine rates, mean ring and talk time.',
        security: koreSecurity,
        params: CampaignIdParams,
        querystring: Type.Object(AccountQuery),
        response: withErrors({ 200: RunsEnvelope }),
      },
    },
    async (req) => ({
      status: 'success' as const,
      message: 'Runs retrieved successfully',
      data: await services.reports.runs(req.tenant, req.params.campaignId),
    }),
  );
}
