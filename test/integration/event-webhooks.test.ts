/**
 * Event webhooks end to end, in process, on both dialects (docs/events.md): the engine's changes
 * write events in their own transactions; subscriptions made through the admin API get every one,
 * signed (checked with the stock `standardwebhooks` verifier), in order per campaign, through
 * receivers that fail, time out and answer slowly; a change that rolls back leaves no event; the
 * pull endpoint pages the same events.
 */
import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { WebhookDelivery } from '../../src/domain/events/webhook-delivery.js';
import { addContacts, claimAs, createCampaign, engineHarness, trigger } from '../support/engine-harness.js';
import { useTestApp } from '../support/test-app.js';
import { DIALECTS } from '../support/test-db.js';
import { startReceiver, type Receiver } from '../support/webhook-receiver.js';

const ADMIN_TOKEN = 'test-admin-token-events-0123456789';

interface PulledEvent {
  seq: number;
  type: string;
  data: Record<string, unknown>;
}

describe.each(DIALECTS)('event webhooks (%s)', (dialect) => {
  const t = useTestApp(dialect, { env: { ADMIN_TOKEN } });
  let flaky: Receiver;
  let slow: Receiver;
  beforeAll(async () => {
    // 500, 500, then a hang past the timeout, then 2xx; the other receiver always takes 150 ms.
    flaky = await startReceiver((n) => (n < 2 ? { status: 500 } : n === 2 ? 'hang' : { status: 200 }));
    slow = await startReceiver(() => ({ status: 202, delayMs: 150 }));
  });
  afterAll(async () => {
    await flaky.close();
    await slow.close();
  });

  function admin(method: 'GET' | 'POST' | 'DELETE', path: string, body?: unknown): Promise<LightMyRequestResponse> {
    return t().app.inject({
      method,
      url: `/admin/v1${path}`,
      headers: {
        authorization: `Bearer ${ADMIN_TOKEN}`,
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
      },
      payload: body === undefined ? undefined : JSON.stringify(body),
    });
  }

  async function pullAll(): Promise<PulledEvent[]> {
    const out: PulledEvent[] = [];
    let after = 0;
    for (;;) {
      const res = await admin('GET', `/events?accountId=${t().tenant.accountId}&after=${after}&limit=7`);
      expect(res.statusCode, res.body).toBe(200);
      const page = res.json() as { events: PulledEvent[]; next: number };
      if (page.events.length === 0) return out;
      out.push(...page.events);
      after = page.next;
    }
  }

  /** Runs delivery rounds, moving the clock past every backoff, until nothing is left to send. */
  async function deliverAll(d: WebhookDelivery, done: () => boolean): Promise<void> {
    for (let round = 0; round < 60 && !done(); round++) {
      await d.run();
      await d.idle();
      t().clock.advance(60_000);
    }
  }

  it('delivers every committed event, signed, in order per campaign, through failures, timeouts and slowness; none for rolled-back changes', async () => {
    const { accountId } = t().tenant;
    // Subscriptions through the admin API: one with a generated secret, one with its own.
    const made = await admin('POST', '/webhooks', { accountId, url: flaky.url, fromSeq: 0 });
    expect(made.statusCode, made.body).toBe(201);
    const flakySub = made.json() as { subscription: { id: string; status: string }; secret: string };
    expect(flakySub.secret).toMatch(/^whsec_/);
    const ownSecret = 'whsec_' + Buffer.alloc(32, 7).toString('base64');
    const made2 = await admin('POST', '/webhooks', {
      accountId,
      url: slow.url,
      secret: ownSecret,
      eventTypes: ['attempt.started', 'attempt.ended'],
      fromSeq: 0,
    });
    expect(made2.statusCode, made2.body).toBe(201);
    const list = await admin('GET', `/webhooks?accountId=${accountId}`);
    expect((list.json() as { subscriptions: unknown[] }).subscriptions).toHaveLength(2);
    expect(list.body).not.toContain(flakySub.secret); // shown once only
    const sealed = await t().db.kysely.selectFrom('webhook_subscriptions').select('secret').execute();
    expect(sealed.every((r) => r.secret.startsWith('enc1:'))).toBe(true);

    // Two campaigns, one with a contact on its DNC list (excluded at play).
    const a = await t().addList('Ev A');
    const b = await t().addList('Ev B');
    const dnc = await t().addList('Ev DNC');
    await addContacts(t(), a, [{ phone: '+15551000001' }, { phone: '+15551000002' }, { phone: '+15551000003' }]);
    await addContacts(t(), b, [{ phone: '+15552000001' }, { phone: '+15552000002' }]);
    await addContacts(t(), dnc, [{ phone: '+15551000003' }]);
    const c1 = await createCampaign(t(), { name: 'Ev one', contactLists: ['Ev A'], dncLists: { name: 'Ev DNC' } });
    const c2 = await createCampaign(t(), { name: 'Ev two', contactLists: ['Ev B'] });

    // A refused trigger (409) changes nothing, so writes nothing.
    const refused = await t().kore('POST', `/campaign/${c1}?trigger=pause`, {});
    expect(refused.statusCode).toBe(409);
    expect(await pullAll()).toEqual([]);

    await trigger(t(), c1, 'play');
    await trigger(t(), c2, 'play');
    // A claim that throws (two attempts with the same id) rolls back whole: no attempt.started from it.
    const inst2 = (
      await t().db.kysely.selectFrom('campaigns').select('instance_id').where('id', '=', c2).executeTakeFirstOrThrow()
    ).instance_id!;
    const before = (await pullAll()).length;
    await expect(
      t().repos.records.claim({
        instanceId: inst2,
        accountId,
        botId: t().tenant.iid,
        channel: 'voice',
        limit: 2,
        now: t().clock.now(),
        owner: 'doomed',
        leaseMs: 60_000,
        newAttemptId: () => 'att-duplicate',
        place: () => ({ inside: true }),
      }),
    ).rejects.toThrow();
    expect(await pullAll()).toHaveLength(before);
    void claimAs; // (the harness's claim helper is for the workers' tests)

    const h = engineHarness(t(), { profile: { mix: { completed: 1 } } });
    for (let i = 0; i < 5; i++) await h.step();

    const events = await pullAll();
    const count = (type: string) => events.filter((e) => e.type === type).length;
    expect(count('campaign.status_changed')).toBe(4); // two plays, two completions
    expect(count('instance.started')).toBe(2);
    expect(count('instance.completed')).toBe(2);
    expect(count('contact.excluded')).toBe(1);
    expect(count('attempt.started')).toBe(4);
    expect(count('attempt.ended')).toBe(4);
    expect(events.filter((e) => e.type === 'attempt.started').every((e) => e.data.attemptId !== 'att-duplicate')).toBe(
      true,
    );
    const ended = events.find((e) => e.type === 'attempt.ended')!;
    expect(ended.data).toMatchObject({ outcome: expect.any(String), dialerOutcome: expect.any(String), final: true });
    expect(events.map((e) => e.seq)).toEqual([...events.map((e) => e.seq)].sort((x, y) => x - y));
    // Per campaign: started before its attempts, attempts' start before their end, completion last.
    for (const c of [c1, c2]) {
      const mine = events.filter((e) => e.data.campaignId === c).map((e) => e.type);
      expect(mine[0]).toBe('campaign.status_changed');
      expect(mine[1]).toBe('instance.started');
      expect(mine.at(-1)).toBe('instance.completed');
    }

    const d = t().services.createWebhookDelivery({ owner: 'test-engine', timeoutMs: 300, baseDelayMs: 1000 });
    const wanted = events.filter((e) => e.type.startsWith('attempt.')).length;
    await deliverAll(d, () => flaky.accepted().length === events.length && slow.accepted().length === wanted);

    // The flaky receiver saw two 500s and a timeout first, then got everything, in seq order.
    expect(flaky.received.slice(0, 3).map((r) => r.status)).toEqual([500, 500, 0]);
    expect(flaky.accepted().map((e) => e.seq)).toEqual(events.map((e) => e.seq));
    expect(slow.accepted().map((e) => e.seq)).toEqual(
      events.filter((e) => e.type.startsWith('attempt.')).map((e) => e.seq),
    );
    flaky.verifyAll(flakySub.secret);
    slow.verifyAll(ownSecret);
    // webhook-id is the event's id, the same on every retry.
    expect(new Set(flaky.received.slice(0, 4).map((r) => r.headers['webhook-id']))).toEqual(
      new Set([`evt_${events[0]!.seq}`]),
    );

    // The delivery log tells the story.
    const log = await admin(
      'GET',
      `/webhooks/${flakySub.subscription.id}/deliveries?accountId=${accountId}&limit=1000`,
    );
    const tries = (log.json() as { deliveries: { ok: boolean; status: number | null; error: string | null }[] })
      .deliveries;
    expect(tries.filter((x) => !x.ok).map((x) => x.status ?? x.error)).toEqual([
      expect.stringMatching(/no answer within 300 ms/),
      500,
      500,
    ]);
    expect(tries.filter((x) => x.ok)).toHaveLength(events.length);
    const sub = await admin('GET', `/webhooks/${flakySub.subscription.id}?accountId=${accountId}`);
    expect(sub.json()).toMatchObject({ status: 'active', cursor: events.at(-1)!.seq, failingSince: null });

    // Replay from a cursor: the events after it arrive again, with the same ids.
    const n = flaky.received.length;
    const from = events[events.length - 3]!.seq;
    expect(
      (await admin('POST', `/webhooks/${flakySub.subscription.id}/replay?accountId=${accountId}`, { fromSeq: from }))
        .statusCode,
    ).toBe(200);
    await deliverAll(d, () => flaky.received.length >= n + 2);
    expect(flaky.received.slice(n).map((r) => r.headers['webhook-id'])).toEqual(
      events.slice(-2).map((e) => `evt_${e.seq}`),
    );
  });

  it('marks a subscription failing once retries have run out, and replay brings it back', async () => {
    const { accountId } = t().tenant;
    const dead = await startReceiver(() => ({ status: 503 }));
    try {
      const made = await admin('POST', '/webhooks', { accountId, url: dead.url });
      const { subscription } = made.json() as { subscription: { id: string; cursor: number } };
      const list = await t().addList('Ev C');
      await addContacts(t(), list, [{ phone: '+15553000001' }]);
      const c = await createCampaign(t(), { name: 'Ev three', contactLists: ['Ev C'] });
      await trigger(t(), c, 'play');
      const d = t().services.createWebhookDelivery({
        owner: 'test-engine-2',
        timeoutMs: 300,
        retryForMs: 3600_000,
        baseDelayMs: 60_000,
        maxDelayMs: 600_000,
      });
      let status = 'active';
      for (let i = 0; i < 40 && status === 'active'; i++) {
        await d.run();
        await d.idle();
        t().clock.advance(600_000);
        status = (
          (await admin('GET', `/webhooks/${subscription.id}?accountId=${accountId}`)).json() as { status: string }
        ).status;
      }
      expect(status).toBe('failing');
      const tries = dead.received.length;
      expect(tries).toBeGreaterThan(3);
      // Every try was the same first event: nothing after it was sent out of order.
      expect(new Set(dead.received.map((r) => r.headers['webhook-id'])).size).toBe(1);
      await d.run();
      await d.idle();
      expect(dead.received.length).toBe(tries); // failing: not tried any more
      const replayed = await admin('POST', `/webhooks/${subscription.id}/replay?accountId=${accountId}`, {
        fromSeq: subscription.cursor,
      });
      expect(replayed.json()).toMatchObject({ status: 'active', failingSince: null });
      await d.run();
      await d.idle();
      expect(dead.received.length).toBe(tries + 1);
      // Pause stops deliveries; delete removes the subscription and its log.
      expect((await admin('POST', `/webhooks/${subscription.id}/pause?accountId=${accountId}`)).json()).toMatchObject({
        status: 'paused',
      });
      t().clock.advance(3600_000);
      await d.run();
      await d.idle();
      expect(dead.received.length).toBe(tries + 1);
      expect((await admin('DELETE', `/webhooks/${subscription.id}?accountId=${accountId}`)).statusCode).toBe(200);
      expect((await admin('GET', `/webhooks/${subscription.id}?accountId=${accountId}`)).statusCode).toBe(404);
    } finally {
      await dead.close();
    }
  });

  it('refuses a subscription for an unknown account and a non-http URL', async () => {
    expect((await admin('POST', '/webhooks', { accountId: 'nope', url: 'http://127.0.0.1:9/x' })).statusCode).toBe(404);
    const bad = await admin('POST', '/webhooks', { accountId: t().tenant.accountId, url: 'ftp://example.com/x' });
    expect(bad.statusCode).toBe(400);
  });
});
