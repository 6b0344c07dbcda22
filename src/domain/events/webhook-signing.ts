import { createHmac, randomBytes } from 'node:crypto';

/**
 * Standard Webhooks signing (https://www.standardwebhooks.com/, docs/events.md): the secret is
 * `whsec_` + base64 of the key bytes; the signature is `v1,` + base64(HMAC-SHA256(key,
 * `${id}.${timestamp}.${body}`)), timestamp in seconds. Stock verifiers (the `standardwebhooks`
 * packages) accept what this signs; test/unit/webhook-signing.test.ts proves it.
 */

const PREFIX = 'whsec_';

/** A new secret: 24 random bytes, as Standard Webhooks suggests (between 24 and 64). */
export function newWebhookSecret(): string {
  return PREFIX + randomBytes(24).toString('base64');
}

export function signWebhook(secret: string, id: string, timestampSec: number, body: string): string {
  const key = Buffer.from(secret.startsWith(PREFIX) ? secret.slice(PREFIX.length) : secret, 'base64');
  const mac = createHmac('sha256', key).update(`${id}.${timestampSec}.${body}`).digest('base64');
  return `v1,${mac}`;
}

/** The headers of one delivery. */
export function webhookHeaders(secret: string, id: string, timestampSec: number, body: string): Record<string, string> {
  return {
    'content-type': 'application/json',
    'user-agent': 'campaignd-webhooks',
    'webhook-id': id,
    'webhook-timestamp': String(timestampSec),
    'webhook-signature': signWebhook(secret, id, timestampSec, body),
  };
}
