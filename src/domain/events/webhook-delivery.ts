import type { Clock } from '../../shared/clock.js';
import type { Logger } from '../../shared/logger.js';
import type { Metrics } from '../../shared/metrics.js';
import type { StoredEvent, SubscriptionRow, WebhooksRepo } from '../../storage/repos/webhooks-repo.js';
import { toEvent } from './event-view.js';
import { webhookHeaders } from './webhook-signing.js';

export interface WebhookDeliveryOptions {
  /** This process's id in subscription leases (the engine's owner). */
  owner: string;
  /** How long a receiver has to answer. Default 10 s (WEBHOOK_TIMEOUT_MS). */
  timeoutMs?: number;
  /** How long an event is retried before its subscription is marked failing. Default 24 h (WEBHOOK_RETRY_HOURS). */
  retryForMs?: number;
  /** First retry delay; doubled per try up to `maxDelayMs`. Default 5 s. */
  baseDelayMs?: number;
  /** Default 1 h. */
  maxDelayMs?: number;
  /** Subscriptions delivered to at once by this process. Default 16. */
  concurrency?: number;
  /** Events read per query. Default 50. */
  batch?: number;
  /** Events and delivery logs older than this are deleted (EVENTS_RETENTION_DAYS). Default 30 days. */
  retentionMs?: number;
  /** Where deliveries, failures and lag are counted (docs/metrics.md). */
  metrics?: Metrics['webhooks'];
  /** Injected in tests. */
  fetch?: typeof fetch;
  random?: () => number;
}

/** How often a process prunes what retention lets go. */
const PRUNE_EVERY_MS = 3600_000;

/** Why a try failed, as `campaignd_webhook_failures_total` labels it. */
type FailureReason = 'timeout' | 'network' | 'http_1xx' | 'http_3xx' | 'http_4xx' | 'http_5xx';

/** What one run of the delivery loop did. */
export interface DeliveryReport {
  started: number;
}

/**
 * Delivers the outbox to webhook subscriptions (docs/events.md), run by the runtime in processes
 * that dial. Each run leases the due subscriptions this process is not already serving and starts
 * one task per subscription without waiting for it, so a slow or dead receiver holds up only its
 * own subscription. A task sends the subscription's events one at a time in seq order (so in order
 * per campaign), moving its cursor after each 2xx; on a failure it schedules a retry with
 * exponential backoff and full jitter and stops. The lease (renewed with every success) makes one
 * process at a time deliver a subscription; a process killed mid-delivery loses its lease, and the
 * event it was sending is sent again by whoever claims next: at least once.
 */
export class WebhookDelivery {
  private readonly inFlight = new Map<string, Promise<void>>();
  private readonly timeoutMs: number;
  private readonly retryForMs: number;
  private readonly leaseMs: number;
  private readonly fetch: typeof fetch;
  private stopping = false;
  private prunedAt = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly repo: WebhooksRepo,
    private readonly clock: Clock,
    private readonly log: Logger,
    private readonly o: WebhookDeliveryOptions,
  ) {
    this.timeoutMs = o.timeoutMs ?? 10_000;
    this.retryForMs = o.retryForMs ?? 24 * 3600_000;
    this.leaseMs = this.timeoutMs * 2 + 10_000;
    this.fetch = o.fetch ?? globalThis.fetch;
  }

  /** Starts deliveries for the due subscriptions; returns how many were started. */
  async run(): Promise<DeliveryReport> {
    if (this.stopping) return { started: 0 };
    const room = (this.o.concurrency ?? 16) - this.inFlight.size;
    if (room <= 0) return { started: 0 };
    // Numbering committed events first: the subscriptions below then see everything up to now.
    await this.repo.publish();
    const now = this.clock.now();
    if (now - this.prunedAt >= PRUNE_EVERY_MS) {
      this.prunedAt = now;
      const pruned = await this.repo.prune(now - (this.o.retentionMs ?? 30 * 86_400_000));
      if (pruned.events + pruned.deliveries > 0) this.log.info(pruned, 'events past their retention deleted');
    }
    const subs = await this.repo.claimDue(this.o.owner, now, now + this.leaseMs, room, [...this.inFlight.keys()]);
    for (const sub of subs) {
      const task = this.serve(sub)
        .catch((err: unknown) => this.log.error({ err, subscriptionId: sub.id }, 'webhook delivery failed'))
        .finally(() => this.inFlight.delete(sub.id));
      this.inFlight.set(sub.id, task);
    }
    return { started: subs.length };
  }

  /** Every delivery in progress has finished (tests; shutdown after `stop`). */
  async idle(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.all([...this.inFlight.values()]);
  }

  /** No new deliveries; waits for those in flight (each bounded by the timeout). */
  async stop(): Promise<void> {
    this.stopping = true;
    await this.idle();
  }

  private async serve(sub: SubscriptionRow): Promise<void> {
    let cursor = Number(sub.cursor_seq);
    const batch = this.o.batch ?? 50;
    for (;;) {
      // Read first: every event up to the head has committed, so the cursor may move over those
      // of them the subscription does not want.
      const head = await this.repo.accountHead(sub.account_id);
      const events = await this.repo.nextEvents({ ...sub, cursor_seq: cursor }, batch, head);
      for (const e of events) {
        if (this.stopping) return this.repo.release(sub.id, this.o.owner);
        const ok = await this.send(sub, cursor, e);
        if (!ok) return; // the retry is scheduled and the lease given back (or lost)
        cursor = e.seq;
      }
      if (events.length < batch) {
        if (head > cursor) await this.repo.skipTo(sub.id, this.o.owner, cursor, head);
        return this.repo.release(sub.id, this.o.owner);
      }
    }
  }

  /** One try of one event; true when the receiver took it and the cursor moved. */
  private async send(sub: SubscriptionRow, cursor: number, e: StoredEvent): Promise<boolean> {
    const { seq } = e;
    const body = JSON.stringify(toEvent(e));
    const started = this.clock.now();
    const t0 = performance.now();
    let status: number | null = null;
    let error: string | null = null;
    let reason: FailureReason = 'network';
    try {
      const res = await this.fetch(sub.url, {
        method: 'POST',
        headers: webhookHeaders(sub.secret, `evt_${seq}`, Math.floor(started / 1000), body),
        body,
        redirect: 'manual',
        signal: AbortSignal.timeout(this.timeoutMs),
      });
      status = res.status;
      await res.body?.cancel().catch(() => {});
      if (res.status < 200 || res.status > 299) {
        error = `HTTP ${res.status}`;
        reason = `http_${Math.floor(res.status / 100)}xx` as FailureReason;
      }
    } catch (err) {
      const x = err as Error;
      const timedOut = x.name === 'TimeoutError';
      error = timedOut ? `no answer within ${this.timeoutMs} ms` : `${x.name}: ${x.message}`;
      if (timedOut) reason = 'timeout';
    }
    const m = this.o.metrics;
    const durationMs = performance.now() - t0;
    const at = this.clock.now();
    if (error === null) {
      m?.deliveries.inc({ event: e.type, result: 'delivered' });
      m?.lag.observe(Math.max(0, at - Number(e.occurred_at)) / 1000);
      return this.repo.recordTry({
        subscriptionId: sub.id,
        owner: this.o.owner,
        cursor,
        seq,
        at,
        ok: true,
        status,
        error: null,
        durationMs,
        leaseUntil: at + this.leaseMs,
      });
    }
    const tries = Number(sub.tries) + 1;
    sub.tries = tries;
    const since = sub.failing_since === null ? started : Number(sub.failing_since);
    const giveUp = at - since >= this.retryForMs;
    const nextAttemptAt = at + this.backoff(tries);
    m?.deliveries.inc({ event: e.type, result: giveUp ? 'gave_up' : 'failed' });
    m?.failures.inc({ reason });
    if (giveUp) this.log.warn({ subscriptionId: sub.id, seq, error }, 'webhook subscription failing: retries given up');
    else this.log.info({ subscriptionId: sub.id, seq, error, tries }, 'webhook delivery failed; will retry');
    await this.repo.recordTry({
      subscriptionId: sub.id,
      owner: this.o.owner,
      cursor,
      seq,
      at,
      ok: false,
      status,
      error,
      durationMs,
      nextAttemptAt,
      giveUp,
    });
    return false;
  }

  /** Exponential with full jitter: uniform in [d/2, d], d = base·2^(tries-1) capped at max. */
  private backoff(tries: number): number {
    const base = this.o.baseDelayMs ?? 5_000;
    const max = this.o.maxDelayMs ?? 3600_000;
    const d = Math.min(max, base * 2 ** Math.min(30, tries - 1));
    return Math.round(d / 2 + (this.o.random ?? Math.random)() * (d / 2));
  }
}
