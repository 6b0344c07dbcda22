import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { errors } from '../../shared/errors.js';
import type { Metrics } from '../../shared/metrics.js';
import type { TypedApp } from '../routes/kore/kore-router.js';
import { countFailure, refusedAddress } from './auth.js';
import type { RollingLimiter } from './rate-limit.js';

const METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);

/**
 * Counts every answered request by method, route pattern and status, with its latency. The label is
 * the pattern the router matched (`/agentassist/api/v1/public/:iid/campaign/:campaignId`), never the
 * URL: ids in labels would grow the series without bound. Requests no route matched are `unmatched`.
 */
export function registerHttpMetrics(app: FastifyInstance, metrics: Metrics): void {
  app.addHook('onResponse', (req, reply, done) => {
    const labels = {
      method: METHODS.has(req.method) ? req.method : 'other',
      route: req.routeOptions.url ?? 'unmatched',
      status: String(reply.statusCode),
    };
    metrics.http.requests.inc(labels);
    metrics.http.duration.observe(labels, reply.elapsedTime / 1000);
    done();
  });
}

const digest = (s: string) => createHash('sha256').update(s).digest();

/**
 * `GET /metrics`, Prometheus text format, for `Authorization: Bearer <METRICS_TOKEN>` only: compared
 * in constant time (digests of equal length, so not even the token's length leaks); failures count
 * towards the per-address limit like the admin API's. Not registered without a token: then 404.
 */
export function metricsRoute(app: TypedApp, metrics: Metrics, token: string, failures: RollingLimiter): void {
  const expected = digest(token);
  const admit = async (req: FastifyRequest): Promise<void> => {
    const refused = refusedAddress(failures, req);
    if (refused) throw refused;
    const given = /^bearer\s+(.+)$/i.exec(req.headers.authorization ?? '')?.[1]?.trim() ?? '';
    if (!timingSafeEqual(digest(given), expected)) {
      throw countFailure(failures, req, errors.unauthenticated('/metrics needs Authorization: Bearer <METRICS_TOKEN>'));
    }
  };
  metrics.collectProcessMetrics();
  app.get('/metrics', { schema: { hide: true }, onRequest: admit }, async (_req, reply) => {
    const text = await metrics.scrape();
    return reply.type(metrics.contentType).send(text);
  });
}
