import { Type } from '@sinclair/typebox';
import type { Services } from '../../../services.js';
import {
  DncAddBody,
  DncChange,
  DncLookup,
  DncLookupQuery,
  DncRemoveBody,
  DncTenantQuery,
  MAX_DNC_NUMBERS,
} from '../../../contract/dnc.js';
import { withErrors } from '../../../contract/envelope.js';
import type { TypedApp } from '../kore/kore-router.js';

const TAG = 'Admin: DNC';
const security = [{ adminToken: [] }];
const ListParams = Type.Object({ listId: Type.String() });

/**
 * DNC management over the admin API (docs/imports.md "DNC management"): add numbers to a list with
 * an optional expiry, remove them, look a number up. Each route calls one use case of DncManagement.
 */
export function dncAdminRoutes(services: Services): (app: TypedApp) => void {
  return (app) => {
    app.get(
      '/dnc/lookup',
      {
        schema: {
          tags: [TAG],
          security,
          summary:
            "Which of the bot's lists, and the account's global DNC list, hold a number (with each entry's expiry)",
          querystring: DncLookupQuery,
          response: withErrors({ 200: DncLookup }),
        },
      },
      async (req) => services.dncAdmin.lookup(req.query, req.query.number),
    );
    app.post(
      '/contact-lists/:listId/dnc',
      {
        schema: {
          tags: [TAG],
          security,
          summary: `Put up to ${MAX_DNC_NUMBERS} numbers on a list, for good or until expiresAt; answers per number`,
          params: ListParams,
          querystring: DncTenantQuery,
          body: DncAddBody,
          response: withErrors({ 200: DncChange }),
        },
      },
      async (req) => services.dncAdmin.add(req.query, req.params.listId, req.body),
    );
    app.delete(
      '/contact-lists/:listId/dnc',
      {
        schema: {
          tags: [TAG],
          security,
          summary: `Take up to ${MAX_DNC_NUMBERS} numbers off a list; answers per number (removed or not_found)`,
          params: ListParams,
          querystring: DncTenantQuery,
          body: DncRemoveBody,
          response: withErrors({ 200: DncChange }),
        },
      },
      async (req) => services.dncAdmin.remove(req.query, req.params.listId, req.body),
    );
  };
}
