import { errors } from '../../../../shared/errors.js';
import { CampaignIdParams } from '../../../../contract/common.js';
import { ContactsPageBody, StatusOrContactsEnvelope, StatusQuery } from '../../../../contract/engine.js';

import { withErrors } from '../../../../contract/envelope.js';
import { KORE_TAG, koreSecurity, type KoreRouteContext } from '../kore-router.js';

/** page / limit from the body (documented) or the query (tolerated); integers, limit 1–100. */
function intParam(name: string, v: unknown, def: number, min: number, max: number): number {
  if (v === undefined || v === null || v === '') return def;
  const n = typeof v === 'string' && /^\d+$/.test(v.trim()) ? Number(v) : v;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < min || n > max) {
    throw errors.validation(name, `${name}: must be an integer between ${min} and ${max}`);
  }
  return n;
}

/** Kore's status APIs: `view=status` (default) and `view=contacts`, by POST (documented) or GET (XO-old). */
export function campaignStatusRoute({ app, services, hide }: KoreRouteContext): void {
  for (const method of ['get', 'post'] as const) {
    app[method](
      '/campaign/:campaignId/status',
      {
        schema: {
          hide: hide || method === 'get',
          tags: [KORE_TAG],
          summary: 'Campaign status, or its contacts with their attempt results',
          security: koreSecurity,
          params: CampaignIdParams,
          querystring: StatusQuery,
          ...(method === 'post' ? { body: ContactsPageBody } : {}),
          response: withErrors({ 200: StatusOrContactsEnvelope }),
        },
      },
      async (req) => {
        const view = (req.query.view ?? 'status').trim().toLowerCase();
        if (view === 'status' || view === '') {
          return {
            status: 'success' as const,
            data: await services.instances.status(req.tenant, req.params.campaignId),
          };
        }
        if (view !== 'contacts')
          throw errors.validation('view', `view: '${req.query.view}' must be status or contacts`);
        const body = (req.body ?? {}) as { page?: unknown; limit?: unknown; filters?: unknown };
        const page = intParam('page', body.page ?? req.query.page, 1, 1, 1_000_000);
        const limit = intParam('limit', body.limit ?? req.query.limit, 100, 1, 100);
        // `filters` is campaignd's extension (docs/kore-compatibility.md); Kore clients never send it.
        return {
          status: 'success' as const,
          data: await services.instances.contacts(req.tenant, req.params.campaignId, page, limit, body.filters),
        };
      },
    );
  }
}
