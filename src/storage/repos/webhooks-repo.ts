import { sql, type Kysely, type Selectable } from 'kysely';
import type { Db } from '../db.js';
import { PRUNE_BATCH, publishEvents, pruneEvents } from './outbox.js';
import type { Database, EventRow, WebhookDeliveryRow, WebhookSubscriptionRow } from '../schema.js';
import type { SecretBox } from '../../shared/secret-box.js';

export type SubscriptionRow = WebhookSubscriptionRow;
export type DeliveryLogRow = Selectable<WebhookDeliveryRow>;
/** What picks a subscription's events: its account, bot and types, after its cursor. */
export type SubscriptionFilter = Pick<SubscriptionRow, 'account_id' | 'bot_id' | 'event_types' | 'cursor_seq'>;
/** A published event: readers only ever see rows that have their `seq`. */
export type StoredEvent = Omit<Selectable<EventRow>, 'seq'> & { seq: number };

/** What one try of one delivery logs and does to its subscription. */
export interface DeliveryTry {
  subscriptionId: string;
  owner: string;
  /** The subscription's cursor when the event was read: a replay meanwhile makes the update a no-op. */
  cursor: number;
  seq: number;
  at: number;
  ok: boolean;
  status: number | null;
  error: string | null;
  durationMs: number;
  /** Failed: when to try again, and whether the subscription is now failing (retries given up). */
  nextAttemptAt?: number;
  giveUp?: boolean;
  /** Succeeded: the lease is renewed until then (the next event goes out under it). */
  leaseUntil?: number;
}

/**
 * Webhook subscriptions (secrets sealed at rest, like TenancyRepo's), the outbox read by cursor,
 * and the delivery log. Claiming a subscription leases it to one engine process: deliveries of one
 * subscription are made by one process at a time, in seq order.
 */
export class WebhooksRepo {
  private readonly k: Kysely<Database>;
  private readonly box: SecretBox;
  constructor(private readonly db: Db) {
    this.k = db.kysely;
    this.box = db.secrets;
  }

  /** Gives committed events their `seq` (outbox.ts publishEvents); readers call it before reading. */
  publish(): Promise<number> {
    return publishEvents(this.k, this.db.dialect);
  }

  /**
   * Retention (EVENTS_RETENTION_DAYS): events and delivery-log rows from before `before` go, oldest
   * first in batches (outbox.ts pruneEvents). Answers how many of each.
   */
  async prune(before: number): Promise<{ events: number; deliveries: number }> {
    const events = await pruneEvents(this.k, before);
    let deliveries = 0;
    for (;;) {
      const head = this.k.selectFrom('webhook_deliveries').select('id').orderBy('id').limit(PRUNE_BATCH);
      const res = await this.k
        .deleteFrom('webhook_deliveries')
        .where('id', 'in', head)
        .where('at', '<', before)
        .executeTakeFirst();
      const n = Number(res.numDeletedRows);
      deliveries += n;
      if (n < PRUNE_BATCH) return { events, deliveries };
    }
  }

  async create(row: SubscriptionRow): Promise<void> {
    await this.k
      .insertInto('webhook_subscriptions')
      .values({ ...row, secret: this.box.seal(row.secret) })
      .execute();
  }

  list(accountId: string): Promise<SubscriptionRow[]> {
    return this.k
      .selectFrom('webhook_subscriptions')
      .selectAll()
      .where('account_id', '=', accountId)
      .orderBy('created_at')
      .orderBy('id')
      .execute();
  }

  find(accountId: string, id: string): Promise<SubscriptionRow | undefined> {
    return this.k
      .selectFrom('webhook_subscriptions')
      .selectAll()
      .where('account_id', '=', accountId)
      .where('id', '=', id)
      .executeTakeFirst();
  }

  /** Pause or resume: a resumed (or replayed) subscription is due at once and starts a fresh retry budget. */
  async setStatus(accountId: string, id: string, status: 'active' | 'paused', now: number): Promise<boolean> {
    const res = await this.k
      .updateTable('webhook_subscriptions')
      .set({
        status,
        updated_at: now,
        ...(status === 'active' ? { next_attempt_at: now, tries: 0, failing_since: null } : {}),
      })
      .where('account_id', '=', accountId)
      .where('id', '=', id)
      .executeTakeFirst();
    return Number(res.numUpdatedRows) === 1;
  }

  /** Delivers again every matching event after `fromSeq`, and makes a failing subscription active. */
  async replay(accountId: string, id: string, fromSeq: number, now: number): Promise<boolean> {
    const res = await this.k
      .updateTable('webhook_subscriptions')
      .set({
        cursor_seq: fromSeq,
        status: 'active',
        tries: 0,
        failing_since: null,
        last_error: null,
        next_attempt_at: now,
        updated_at: now,
      })
      .where('account_id', '=', accountId)
      .where('id', '=', id)
      .executeTakeFirst();
    return Number(res.numUpdatedRows) === 1;
  }

  async delete(accountId: string, id: string): Promise<boolean> {
    return this.k.transaction().execute(async (trx) => {
      const res = await trx
        .deleteFrom('webhook_subscriptions')
        .where('account_id', '=', accountId)
        .where('id', '=', id)
        .executeTakeFirst();
      if (Number(res.numDeletedRows) !== 1) return false;
      await trx.deleteFrom('webhook_deliveries').where('subscription_id', '=', id).execute();
      return true;
    });
  }

  /** The newest event's seq (0 when none): where a new subscription starts by default. */
  async lastSeq(): Promise<number> {
    const row = await this.k
      .selectFrom('events')
      .select((eb) => eb.fn.max('seq').as('seq'))
      .executeTakeFirst();
    return Number(row?.seq ?? 0);
  }

  /**
   * Leases up to `limit` active subscriptions that are due and held by no live lease (nor in
   * `skip`: this process's deliveries in flight) to `owner` until `leaseUntil`; returns them with
   * their secrets opened. PostgreSQL: the read skips rows another process is claiming (SKIP
   * LOCKED); SQLite: the write lock is taken first, so claims are serialised.
   */
  async claimDue(
    owner: string,
    now: number,
    leaseUntil: number,
    limit: number,
    skip: readonly string[],
  ): Promise<SubscriptionRow[]> {
    const due = (k: Kysely<Database>) => {
      let q = k
        .selectFrom('webhook_subscriptions as s')
        .selectAll('s')
        .where('s.status', '=', 'active')
        .where('s.next_attempt_at', '<=', now)
        .where((eb) => eb.or([eb('s.lease_expires_at', 'is', null), eb('s.lease_expires_at', '<', now)]))
        // Only those with something to send (an index range of events_by_account each).
        .where(({ exists, selectFrom }) =>
          exists(
            selectFrom('events as e')
              .select('e.seq')
              .whereRef('e.account_id', '=', 's.account_id')
              .whereRef('e.seq', '>', 's.cursor_seq'),
          ),
        )
        .orderBy('s.next_attempt_at')
        .limit(limit);
      if (skip.length > 0) q = q.where('s.id', 'not in', [...skip]);
      return q;
    };
    // Idle (the usual case): one read, and no write lock taken on SQLite.
    if ((await due(this.k).execute()).length === 0) return [];
    return this.k.transaction().execute(async (trx) => {
      if (this.db.dialect === 'sqlite') await sql`update webhook_subscriptions set tries = tries where 0`.execute(trx);
      const q = due(trx);
      const rows = await (this.db.dialect === 'postgres' ? q.forUpdate().skipLocked() : q).execute();
      if (rows.length === 0) return [];
      await trx
        .updateTable('webhook_subscriptions')
        .set({ lease_owner: owner, lease_expires_at: leaseUntil })
        .where(
          'id',
          'in',
          rows.map((r) => r.id),
        )
        .execute();
      return rows.map((r) => ({
        ...r,
        secret: this.box.open(r.secret),
        lease_owner: owner,
        lease_expires_at: leaseUntil,
      }));
    });
  }

  /** The subscription's next events after its cursor, in seq order, filtered by bot and type. */
  async nextEvents(sub: SubscriptionRow, limit: number, upTo: number): Promise<StoredEvent[]> {
    const q = this.wanted(sub).selectAll().where('seq', '<=', upTo).orderBy('seq').limit(limit);
    return (await q.execute()).map(numeric);
  }

  /** Subscriptions that deliver (active, or failing and waiting for an operator): the pending gauge's. */
  delivering(): Promise<SubscriptionFilter[]> {
    return this.k
      .selectFrom('webhook_subscriptions')
      .select(['account_id', 'bot_id', 'event_types', 'cursor_seq'])
      .where('status', '!=', 'paused')
      .execute();
  }

  /** How many published events the subscription has yet to deliver, counted up to `cap`. */
  async pendingCount(sub: SubscriptionFilter, cap: number): Promise<number> {
    const row = await this.k
      .selectFrom(this.wanted(sub).select('id').limit(cap).as('pending'))
      .select((eb) => eb.fn.countAll<number | string>().as('n'))
      .executeTakeFirst();
    return Number(row?.n ?? 0);
  }

  /** The published events after the subscription's cursor that it wants: its account, bot and types. */
  private wanted(sub: SubscriptionFilter) {
    let q = this.k.selectFrom('events').where('account_id', '=', sub.account_id).where('seq', '>', sub.cursor_seq);
    if (sub.bot_id !== null) {
      const bot = sub.bot_id;
      q = q.where((eb) => eb.or([eb('bot_id', '=', bot), eb('bot_id', 'is', null)]));
    }
    const types = sub.event_types ? (JSON.parse(sub.event_types) as string[]) : null;
    return types ? q.where('type', 'in', types) : q;
  }

  /**
   * Logs a try and moves the subscription on: success advances the cursor past the event; failure
   * schedules the next try (or marks the subscription failing). Guarded by the lease and the cursor,
   * so a process whose lease ran out, or a replay meanwhile, changes nothing. False then.
   */
  async recordTry(t: DeliveryTry): Promise<boolean> {
    return this.k.transaction().execute(async (trx) => {
      const base = trx
        .updateTable('webhook_subscriptions')
        .where('id', '=', t.subscriptionId)
        .where('lease_owner', '=', t.owner)
        .where('cursor_seq', '=', t.cursor);
      const res = t.ok
        ? await base
            .set({
              cursor_seq: t.seq,
              tries: 0,
              failing_since: null,
              last_error: null,
              next_attempt_at: t.at,
              lease_expires_at: t.leaseUntil ?? t.at,
              updated_at: t.at,
            })
            .executeTakeFirst()
        : await base
            .set((eb) => ({
              tries: eb('tries', '+', 1),
              failing_since: eb.fn.coalesce('failing_since', eb.val(t.at)),
              last_error: t.error,
              next_attempt_at: t.nextAttemptAt ?? t.at,
              lease_owner: null,
              lease_expires_at: null,
              updated_at: t.at,
              ...(t.giveUp ? { status: 'failing' as const } : {}),
            }))
            .executeTakeFirst();
      if (Number(res.numUpdatedRows) !== 1) return false;
      await trx
        .insertInto('webhook_deliveries')
        .values({
          subscription_id: t.subscriptionId,
          event_seq: t.seq,
          at: t.at,
          ok: t.ok ? 1 : 0,
          status: t.status,
          error: t.error,
          duration_ms: Math.round(t.durationMs),
        })
        .execute();
      return true;
    });
  }

  /** The account's newest published event (0: none); nothing will ever be published below it. */
  async accountHead(accountId: string): Promise<number> {
    const row = await this.k
      .selectFrom('events')
      .select((eb) => eb.fn.max('seq').as('seq'))
      .where('account_id', '=', accountId)
      .executeTakeFirst();
    return Number(row?.seq ?? 0);
  }

  /** Moves the cursor over events the subscription does not want (another bot's, other types); guarded like recordTry. */
  async skipTo(id: string, owner: string, cursor: number, seq: number): Promise<boolean> {
    const res = await this.k
      .updateTable('webhook_subscriptions')
      .set({ cursor_seq: seq })
      .where('id', '=', id)
      .where('lease_owner', '=', owner)
      .where('cursor_seq', '=', cursor)
      .executeTakeFirst();
    return Number(res.numUpdatedRows) === 1;
  }

  /** Gives the lease back (nothing left to deliver, or shutting down). */
  async release(id: string, owner: string): Promise<void> {
    await this.k
      .updateTable('webhook_subscriptions')
      .set({ lease_owner: null, lease_expires_at: null })
      .where('id', '=', id)
      .where('lease_owner', '=', owner)
      .execute();
  }

  async deliveries(subscriptionId: string, limit: number): Promise<DeliveryLogRow[]> {
    const rows = await this.k
      .selectFrom('webhook_deliveries')
      .selectAll()
      .where('subscription_id', '=', subscriptionId)
      .orderBy('id', 'desc')
      .limit(limit)
      .execute();
    return rows.map((r) => ({ ...r, id: Number(r.id), event_seq: Number(r.event_seq), at: Number(r.at) }));
  }

  /** The account's events after a cursor, in seq order (the pull endpoint). */
  async eventsAfter(accountId: string, after: number, limit: number): Promise<StoredEvent[]> {
    const rows = await this.k
      .selectFrom('events')
      .selectAll()
      .where('account_id', '=', accountId)
      .where('seq', '>', after)
      .orderBy('seq')
      .limit(limit)
      .execute();
    return rows.map(numeric);
  }
}

/** An event row with its numbers as numbers (PostgreSQL returns bigint columns as strings). */
export function numeric(r: Selectable<EventRow>): StoredEvent {
  return { ...r, id: Number(r.id), seq: Number(r.seq), occurred_at: Number(r.occurred_at) };
}
