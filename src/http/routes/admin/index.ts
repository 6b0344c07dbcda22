import { timingSafeEqual } from 'node:crypto';
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import { errors } from '../../../shared/errors.js';
import { parseTtl } from '../../../domain/tenancy/jwt.js';
import type { Services } from '../../../services.js';
import {
  BotParams,
  BotQuery,
  AppScopes,
  AppScopesParams,
  BotSettings,
  BotSettingsBody,
  CreateAppBody,
  CreatedApp,
  CreatedToken,
  CreateFlowBody,
  CreateQueueBody,
  FlowParams,
  FlowPhoneNumbersBody,
  GrantScopesBody,
  CreateTemplateBody,
  CreateTokenBody,
  NamedResource,
} from '../../../contract/admin.js';
import { withErrors } from '../../../contract/envelope.js';
import { countFailure, refusedAddress } from '../../plugins/auth.js';
import type { RollingLimiter } from '../../plugins/rate-limit.js';
import type { TypedApp } from '../kore/kore-router.js';
import { contactRulesAdminRoutes } from './contact-rules.js';

const TAG = 'Admin';
const security = [{ adminToken: [] }];

function adminGuard(adminToken: string | undefined, failures: RollingLimiter) {
  const expected = adminToken ? Buffer.from(adminToken) : undefined;
  return async (req: FastifyRequest): Promise<void> => {
    if (!expected) throw errors.notFound('Admin API', '(disabled: set ADMIN_TOKEN)');
    const refused = refusedAddress(failures, req);
    if (refused) throw refused;
    const header = req.headers.authorization ?? '';
    const given = Buffer.from(header.replace(/^bearer\s+/i, ''));
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
      throw countFailure(failures, req, errors.unauthenticated('Admin API needs Authorization: Bearer <ADMIN_TOKEN>'));
    }
  };
}

/** `/admin/v1`: what Kore.ai configures in its UI, the same operations as the CLI. */
export function adminRoutes(
  services: Services,
  adminToken: string | undefined,
  failures: RollingLimiter,
  extra: ((app: TypedApp) => void)[] = [],
): FastifyPluginAsync {
  return async (root) => {
    const app = root as unknown as TypedApp;
    app.addHook('onRequest', adminGuard(adminToken, failures));
    const { admin } = services;

    app.post(
      '/apps',
      {
        schema: {
          tags: [TAG],
          security,
          summary:
            'Create a JWT app with the Campaign Management scope, or the scopes given (creates the account and bot if new)',
          body: CreateAppBody,
          response: withErrors({ 201: CreatedApp }),
        },
      },
      async (req, reply) => {
        reply.code(201);
        return admin.createApp(req.body);
      },
    );
    app.post(
      '/apps/:clientId/scopes',
      {
        schema: {
          tags: [TAG],
          security,
          summary:
            'Add scopes to an app for a bot of its account (e.g. Outbound SMS); answers every scope it holds there',
          params: AppScopesParams,
          body: GrantScopesBody,
          response: withErrors({ 200: AppScopes }),
        },
      },
      async (req) => admin.grantScopes({ ...req.body, clientId: req.params.clientId }),
    );
    app.post(
      '/tokens',
      {
        schema: {
          tags: [TAG],
          security,
          summary: 'Issue an HS256 JWT {sub, appId} for an app',
          body: CreateTokenBody,
          response: withErrors({ 201: CreatedToken }),
        },
      },
      async (req, reply) => {
        const ttlSec = req.body.ttl === undefined ? undefined : parseTtl(req.body.ttl);
        if (ttlSec === null)
          throw errors.validation('ttl', `ttl: '${req.body.ttl}' is not a duration like 30m, 1h or 3600`);
        reply.code(201);
        return admin.issueToken({ clientId: req.body.clientId, ttlSec });
      },
    );
    app.post(
      '/flows',
      {
        schema: {
          tags: [TAG],
          security,
          summary: 'Create an experience flow (cf-…)',
          body: CreateFlowBody,
          response: withErrors({ 201: NamedResource }),
        },
      },
      async (req, reply) => {
        reply.code(201);
        return admin.createFlow(req.body);
      },
    );
    app.put(
      '/flows/:flowId/phone-numbers',
      {
        schema: {
          tags: [TAG],
          security,
          summary: "Replace the numbers an SMS experience flow sends from (Send Outbound SMS's fromNo)",
          params: FlowParams,
          body: FlowPhoneNumbersBody,
          response: withErrors({ 200: NamedResource }),
        },
      },
      async (req) => admin.setFlowNumbers({ ...req.body, flowId: req.params.flowId }),
    );
    app.post(
      '/queues',
      {
        schema: {
          tags: [TAG],
          security,
          summary: 'Create an agent queue',
          body: CreateQueueBody,
          response: withErrors({ 201: NamedResource }),
        },
      },
      async (req, reply) => {
        reply.code(201);
        return admin.createQueue(req.body);
      },
    );
    app.post(
      '/templates',
      {
        schema: {
          tags: [TAG],
          security,
          summary: 'Create an SMS template (cmt-…)',
          body: CreateTemplateBody,
          response: withErrors({ 201: NamedResource }),
        },
      },
      async (req, reply) => {
        reply.code(201);
        return admin.createTemplate(req.body);
      },
    );
    app.get(
      '/bots/:iid',
      {
        schema: {
          tags: [TAG],
          security,
          summary:
            "A bot's settings: default country, calls out per campaign, pre-call contact fetch (header values are not shown), disposition codes, frequency caps, rule packs",
          params: BotParams,
          querystring: BotQuery,
          response: withErrors({ 200: BotSettings }),
        },
      },
      async (req) => admin.botSettings({ accountId: req.query.accountId, iid: req.params.iid }),
    );
    app.patch(
      '/bots/:iid',
      {
        schema: {
          tags: [TAG],
          security,
          summary: "Change a bot's settings; only the fields given change",
          params: BotParams,
          body: BotSettingsBody,
          response: withErrors({ 200: BotSettings }),
        },
      },
      async (req) => admin.configureBot({ ...req.body, iid: req.params.iid }),
    );
    contactRulesAdminRoutes(services)(app);
    for (const route of extra) route(app);
  };
}
