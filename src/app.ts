import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { Clock } from './shared/clock.js';
import type { Config } from './shared/config.js';
import { koreAuthHook } from './http/plugins/auth.js';
import { registerBodyParsers } from './http/plugins/body-parsers.js';
import { clientErrorHandler, frameworkErrors, registerErrorHandling } from './http/plugins/error-handler.js';
import { registerInputChecks } from './http/plugins/input-checks.js';
import { registerLingerLimit } from './http/plugins/linger-limit.js';
import { metricsRoute, registerHttpMetrics } from './http/plugins/metrics.js';
import { RollingLimiter } from './http/plugins/rate-limit.js';
import { SharedRollingLimiter } from './http/plugins/shared-rate-limit.js';
import { adminRoutes } from './http/routes/admin/index.js';
import { importAdminRoutes } from './http/routes/admin/imports.js';
import { agentAdminRoutes } from './http/routes/admin/agents.js';
import { dncAdminRoutes } from './http/routes/admin/dnc.js';
import { webhookAdminRoutes } from './http/routes/admin/webhooks.js';
import { agentRoutes } from './http/routes/agent/index.js';
import { consoleRoutes } from './http/routes/console.js';
import { healthRoutes } from './http/routes/health.js';
import { koreRoutes } from './http/routes/kore/index.js';
import { outboundSmsRoutes } from './http/routes/kore/outbound-sms.js';
import { OUTBOUND_SMS_SCOPE } from './domain/tenancy/api-access.js';
import { telephonyCallbackRoutes } from './http/routes/telephony/callbacks.js';
import type { Provider } from './domain/telephony/provider.js';
import type { TypedApp } from './http/routes/kore/kore-router.js';
import { Campaign } from './contract/campaign.js';
import { CreatedApp } from './contract/admin.js';
import { Agent } from './contract/agents.js';
import { ContactList, ImportJob } from './contract/contact-list.js';
import { ErrorEnvelope } from './contract/envelope.js';
import { createServices, type Services } from './services.js';
import { silentLogger, type Logger } from './shared/logger.js';
import type { Db } from './storage/db.js';
import { databaseUnavailable } from './storage/db-errors.js';
import { PgRateLimitsRepo } from './storage/repos/pg-rate-limits-repo.js';
import pkg from '../package.json' with { type: 'json' };
import { openApiWebhooks } from './contract/events.js';

export interface AppDeps {
  config: Config;
  db: Db;
  clock: Clock;
  /** The process's pino logger (shared/logger.ts). Default: silent. */
  logger?: Logger;
  /** Pre-built services (the server shares them with the runtime); built from db and clock otherwise. */
  services?: Services;
  /** Telephony adapter; with the webhook adapter, `POST /telephony/v1/callbacks` feeds its outcomes to the engine. */
  provider?: Provider;
}

/**
 * The docs print `/public{{streamId}}` without the slash (docs/kore-compatibility.md,
 * inconsistency 7); put it back before routing.
 */
function rewriteUrl(req: { url?: string }): string {
  const url = req.url ?? '/';
  return url.includes('/publicst-') ? url.replace('/publicst-', '/public/st-') : url;
}

/** TRUST_PROXY as a hop count: the last `n` forwarders are believed. */
const hopsOf = (n: number) => (_address: string, hop: number) => hop < n;

/** Ids are a few dozen characters; a path parameter over this is refused (414) before it is looked up. */
const MAX_PARAM_LENGTH = 256;

/** Builds the whole HTTP application; never listens (the caller decides). */
export async function buildApp(deps: AppDeps): Promise<FastifyInstance> {
  const { config, db, clock } = deps;
  const logger = deps.logger ?? silentLogger;
  const services = deps.services ?? createServices(db, clock, config, logger);
  const app = Fastify({
    loggerInstance: logger as FastifyBaseLogger,
    bodyLimit: config.bodyLimitBytes,
    // Node's own 300 s limit is off unless set: a body sent one byte a minute would hold its
    // connection forever. Headers must arrive well before that (Node refuses headersTimeout > requestTimeout).
    requestTimeout: config.requestTimeoutMs,
    http: {
      headersTimeout: Math.min(60_000, config.requestTimeoutMs),
      // Node looks for overdue requests every 30 s unless told otherwise: a quarter of the limit.
      connectionsCheckingInterval: Math.max(250, Math.min(30_000, Math.floor(config.requestTimeoutMs / 4))),
    },
    trustProxy: typeof config.trustProxy === 'number' ? hopsOf(config.trustProxy) : config.trustProxy,
    routerOptions: { ignoreTrailingSlash: true, ignoreDuplicateSlashes: true, maxParamLength: MAX_PARAM_LENGTH },
    frameworkErrors: frameworkErrors(MAX_PARAM_LENGTH),
    clientErrorHandler,
    rewriteUrl,
    ajv: { customOptions: { coerceTypes: false, removeAdditional: false, useDefaults: true, allErrors: false } },
    // Per-request lines only at debug: at info they would double the cost of the hottest path.
    logController: new LogController({ disableRequestLogging: !logger.isLevelEnabled('debug') }),
  }).withTypeProvider<TypeBoxTypeProvider>();

  app.decorateRequest('tenant', null as never);
  // First, so every route and the not-found handler are counted (docs/metrics.md).
  registerHttpMetrics(app, services.metrics);
  app.addSchema(ErrorEnvelope);
  app.addSchema(Campaign);
  app.addSchema(CreatedApp);
  app.addSchema(ContactList);
  app.addSchema(ImportJob);
  app.addSchema(Agent);
  // addContacts jobs run after their response; let them finish before the database is closed.
  app.addHook('onClose', async () => services.imports.whenIdle());
  // Agent event streams never end by themselves: close them, or closing the server would wait for them.
  app.addHook('preClose', async () => services.agentEvents.close());
  registerBodyParsers(app);
  registerErrorHandling(app, databaseUnavailable);
  registerInputChecks(app);
  // A refused request's body gets at most 10 s (and never more than REQUEST_TIMEOUT_MS) to finish arriving.
  registerLingerLimit(app, Math.min(10_000, config.requestTimeoutMs));

  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      // Event webhooks: what campaignd POSTs to subscribers (docs/events.md).
      webhooks: openApiWebhooks() as never,
      info: {
        title: 'campaignd',
        version: pkg.version,
        description:
          'Kore.ai-compatible Campaign Management API. Routes are documented under /agentassist/api/v1/public/{iid}; the same routes answer under /campaign/api/v1/public/{iid}, /campaign/api/v2/public/{iid}, /api/v2/public/{iid} and /api/v1/public/{iid}.',
      },
      components: {
        securitySchemes: {
          koreAuth: {
            type: 'apiKey',
            in: 'header',
            name: 'auth',
            description: 'HS256 JWT {sub, appId}; `auth: <jwt>`, `auth: Bearer <jwt>` or `Authorization: Bearer <jwt>`',
          },
          adminToken: { type: 'http', scheme: 'bearer', description: 'ADMIN_TOKEN' },
          agentCredential: {
            type: 'http',
            scheme: 'bearer',
            description: "the agent's credential (admin API: POST /admin/v1/agents)",
          },
        },
      },
    },
    refResolver: {
      buildLocalReference: (json, _baseUri, _fragment, i) => (typeof json.$id === 'string' ? json.$id : `def-${i}`),
    },
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });

  const typed = app as unknown as TypedApp;
  typed.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
  healthRoutes(typed, services);
  consoleRoutes(typed);
  // Failed authentications are counted per client address for the Kore and the admin API alike.
  const failures = new RollingLimiter(config.authFailuresPerMinute, clock, 10_000);
  // Behind one load balancer, PostgreSQL's server processes share one count per account; a SQLite
  // database has one host, and its server keeps the count in memory (docs/kore-compatibility.md).
  const perAccount =
    db.dialect === 'postgres'
      ? new SharedRollingLimiter(config.rateLimitPerMinute, clock, new PgRateLimitsRepo(db.kysely))
      : new RollingLimiter(config.rateLimitPerMinute, clock);
  // Without METRICS_TOKEN there is no /metrics at all (404): nothing leaks by default.
  if (config.metricsToken) metricsRoute(typed, services.metrics, config.metricsToken, failures);
  await app.register(koreRoutes(services, koreAuthHook(services.access, { perAccount, failures })));
  // Send Outbound SMS: its own scope, the same limits (one per-account budget for the whole Kore API).
  await app.register(
    outboundSmsRoutes(
      services.createOutboundSms(deps.provider),
      koreAuthHook(services.access, { perAccount, failures }, { scope: OUTBOUND_SMS_SCOPE, accountFromToken: true }),
    ),
  );
  await app.register(
    adminRoutes(services, config.adminToken, failures, [
      importAdminRoutes(services),
      agentAdminRoutes(services),
      dncAdminRoutes(services),
      webhookAdminRoutes(services),
    ]),
    { prefix: '/admin/v1' },
  );
  await app.register(agentRoutes(services, failures), { prefix: '/agent/v1' });
  await telephonyCallbackRoutes(app, deps.provider);
  return app;
}
