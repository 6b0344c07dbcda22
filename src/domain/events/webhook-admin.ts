import { randomUUID } from 'node:crypto';
import type {
  CreateSubscriptionBody,
  CreatedSubscription,
  Delivery,
  EventPage,
  Subscription,
} from '../../contract/events.js';
import type { Clock } from '../../shared/clock.js';
import { errors } from '../../shared/errors.js';
import type { TenancyRepo } from '../../storage/repos/tenancy-repo.js';
import type { SubscriptionRow, WebhooksRepo } from '../../storage/repos/webhooks-repo.js';
import { toEvent } from './event-view.js';
import { newWebhookSecret } from './webhook-signing.js';

/** Webhook subscriptions and the pull endpoint (admin API, `campaignd webhooks`; docs/events.md). */
export class WebhookAdmin {
  constructor(
    private readonly repo: WebhooksRepo,
    private readonly tenancy: Pick<TenancyRepo, 'accountExists' | 'findBot'>,
    private readonly clock: Clock,
  ) {}

  async create(body: CreateSubscriptionBody): Promise<CreatedSubscription> {
    if (!(await this.tenancy.accountExists(body.accountId))) throw errors.notFound('Account', body.accountId);
    if (body.botId !== undefined && (await this.tenancy.findBot(body.botId))?.account_id !== body.accountId)
      throw errors.notFound('Bot', body.botId);
    let url: URL;
    try {
      url = new URL(body.url);
    } catch {
      throw errors.validation('url', 'url must be an absolute http(s) URL');
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:')
      throw errors.validation('url', 'url must be an absolute http(s) URL');
    const secret = body.secret ?? newWebhookSecret();
    let cursor = body.fromSeq;
    if (cursor === undefined) {
      // Starting at "now" means after every event committed so far: number them first.
      await this.repo.publish();
      cursor = await this.repo.lastSeq();
    }
    const now = this.clock.now();
    const row: SubscriptionRow = {
      id: `wh-${randomUUID()}`,
      account_id: body.accountId,
      bot_id: body.botId ?? null,
      url: url.toString(),
      secret,
      event_types: body.eventTypes ? JSON.stringify(body.eventTypes) : null,
      status: 'active',
      cursor_seq: cursor,
      failing_since: null,
      tries: 0,
      next_attempt_at: now,
      lease_owner: null,
      lease_expires_at: null,
      last_error: null,
      created_at: now,
      updated_at: now,
    };
    await this.repo.create(row);
    return { subscription: view(row), secret };
  }

  async list(accountId: string): Promise<Subscription[]> {
    return (await this.repo.list(accountId)).map(view);
  }

  async get(accountId: string, id: string): Promise<Subscription> {
    const row = await this.repo.find(accountId, id);
    if (!row) throw errors.notFound('Webhook subscription', id);
    return view(row);
  }

  async setPaused(accountId: string, id: string, paused: boolean): Promise<Subscription> {
    if (!(await this.repo.setStatus(accountId, id, paused ? 'paused' : 'active', this.clock.now())))
      throw errors.notFound('Webhook subscription', id);
    return this.get(accountId, id);
  }

  async replay(accountId: string, id: string, fromSeq: number): Promise<Subscription> {
    if (!(await this.repo.replay(accountId, id, fromSeq, this.clock.now())))
      throw errors.notFound('Webhook subscription', id);
    return this.get(accountId, id);
  }

  async delete(accountId: string, id: string): Promise<void> {
    if (!(await this.repo.delete(accountId, id))) throw errors.notFound('Webhook subscription', id);
  }

  async deliveries(accountId: string, id: string, limit: number): Promise<Delivery[]> {
    await this.get(accountId, id);
    return (await this.repo.deliveries(id, limit)).map((d) => ({
      id: d.id,
      eventSeq: d.event_seq,
      at: new Date(d.at).toISOString(),
      ok: d.ok === 1,
      status: d.status,
      error: d.error,
      durationMs: d.duration_ms,
    }));
  }

  /** The account's events after a cursor: the pull alternative to webhooks. */
  async events(accountId: string, after: number, limit: number): Promise<EventPage> {
    await this.repo.publish();
    const rows = await this.repo.eventsAfter(accountId, after, limit);
    return { events: rows.map(toEvent), next: rows.length > 0 ? rows[rows.length - 1]!.seq : after };
  }
}

function view(r: SubscriptionRow): Subscription {
  return {
    id: r.id,
    accountId: r.account_id,
    botId: r.bot_id,
    url: r.url,
    eventTypes: r.event_types ? (JSON.parse(r.event_types) as string[]) : null,
    status: r.status,
    cursor: Number(r.cursor_seq),
    failingSince: r.failing_since === null ? null : new Date(Number(r.failing_since)).toISOString(),
    lastError: r.last_error,
    createdAt: new Date(Number(r.created_at)).toISOString(),
  };
}
