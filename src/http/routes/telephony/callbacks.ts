import type { FastifyInstance } from 'fastify';
import { WebhookProvider } from '../../../domain/telephony/webhook-provider.js';
import type { Provider } from '../../../domain/telephony/provider.js';

/**
 * `POST /telephony/v1/callbacks`: outcomes, connections and Predictive answers reported by the
 * webhook provider (docs/telephony-webhook.md). Authenticated by the HMAC signature over the raw
 * bytes (not by Kore JWTs), so the body is read as a string and handed untouched to
 * WebhookProvider.handleCallback; JSON parsing happens only after verification.
 */
export async function telephonyCallbackRoutes(app: FastifyInstance, provider: Provider | undefined): Promise<void> {
  await app.register(async (scoped) => {
    scoped.removeAllContentTypeParsers();
    scoped.addContentTypeParser('*', { parseAs: 'string', bodyLimit: 64 * 1024 }, (_req, body, done) =>
      done(null, body),
    );
    scoped.post('/telephony/v1/callbacks', { schema: { hide: true } }, async (req, reply) => {
      if (!(provider instanceof WebhookProvider)) {
        return reply.code(404).send({
          status: 'failure',
          message: 'callbacks are served only with TELEPHONY_PROVIDER=webhook',
          errors: [{ msg: 'webhook provider not configured', code: 'NOT_FOUND' }],
        });
      }
      const raw = typeof req.body === 'string' ? req.body : '';
      const res = await provider.handleCallback(raw, req.headers);
      if (!res.ok)
        return reply.code(res.status).send({
          status: 'failure',
          message: res.message,
          errors: [{ msg: res.message, code: res.status === 401 ? 'UNAUTHORIZED' : 'BAD_REQUEST' }],
        });
      // An answered callback's reply is the provider's instruction: connect this agent, or wait.
      if ('agent' in res) return { ok: true, agent: res.agent };
      return { status: 'success', duplicate: res.duplicate };
    });
  });
}
