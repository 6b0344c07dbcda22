import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import { registerErrorHandling } from '../http/plugins/error-handler.js';
import { metricsRoute } from '../http/plugins/metrics.js';
import { RollingLimiter } from '../http/plugins/rate-limit.js';
import type { TypedApp } from '../http/routes/kore/kore-router.js';
import type { Services } from '../services.js';
import { systemClock } from '../shared/clock.js';
import type { Config } from '../shared/config.js';
import type { Logger } from '../shared/logger.js';
import { databaseUnavailable } from '../storage/db-errors.js';

/**
 * `GET /metrics` of a `campaignd worker` (which has no HTTP server otherwise) on METRICS_PORT, with
 * the same token and the same answers as the server's: undefined, and nothing listening, unless both
 * METRICS_TOKEN and METRICS_PORT are set (docs/metrics.md).
 */
export async function listenForMetrics(
  config: Config,
  services: Services,
  log: Logger,
): Promise<FastifyInstance | undefined> {
  if (!config.metricsToken || config.metricsPort === undefined) return undefined;
  const app = Fastify({
    loggerInstance: log as FastifyBaseLogger,
    logController: new LogController({ disableRequestLogging: !log.isLevelEnabled('debug') }),
  });
  registerErrorHandling(app, databaseUnavailable);
  const failures = new RollingLimiter(config.authFailuresPerMinute, systemClock, 10_000);
  metricsRoute(app as unknown as TypedApp, services.metrics, config.metricsToken, failures);
  const address = await app.listen({ port: config.metricsPort, host: config.host });
  log.info({ address }, 'worker metrics listening');
  return app;
}
