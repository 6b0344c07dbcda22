import { Webhook } from 'standardwebhooks';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { newWebhookSecret, signWebhook, webhookHeaders } from '../../../src/domain/events/webhook-signing.js';

describe('webhook signing (Standard Webhooks)', () => {
  afterEach(() => vi.useRealTimers());

  it("matches the specification's published test vector", () => {
    // From the standard-webhooks repository's libraries (test vectors shared by every language).
    const sig = signWebhook(
      'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
      'msg_p5jXN8AQM9LWM0D4loKWxJek',
      1614265330,
      '{"test": 2432232314}',
    );
    expect(sig).toBe('v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=');
  });

  it('is accepted by the stock verifier (standardwebhooks Webhook.verify), and a tampered body is not', () => {
    const secret = newWebhookSecret();
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{32}$/);
    const now = Math.floor(Date.now() / 1000);
    const body = JSON.stringify({ id: 'evt_1', type: 'attempt.ended', data: { outcome: 'completed' } });
    const headers = webhookHeaders(secret, 'evt_1', now, body);
    expect(new Webhook(secret).verify(body, headers)).toEqual(JSON.parse(body));
    expect(() => new Webhook(secret).verify(body.replace('completed', 'busy'), headers)).toThrow();
    expect(() => new Webhook(newWebhookSecret()).verify(body, headers)).toThrow();
  });

  it('a stock verifier refuses a replay of an old message (its timestamp is signed)', () => {
    const secret = newWebhookSecret();
    const body = '{}';
    const headers = webhookHeaders(secret, 'evt_2', 1_700_000_000, body);
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(1_700_000_000_000 + 3600_000);
    expect(() => new Webhook(secret).verify(body, headers)).toThrow(/too old/i);
  });
});
