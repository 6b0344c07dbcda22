import { EVENT_TYPE_NAMES, type Event } from '../../contract/events.js';
import { errors } from '../../shared/errors.js';
import type { Logger } from '../../shared/logger.js';
import type { Tenant } from '../../shared/tenant.js';
import type { EventStreamRepo } from '../../storage/repos/event-stream-repo.js';
import { toEvent } from './event-view.js';

export interface EventStreamOptions {
  /** How often the outbox is published and read for the open streams of this process. Default 500 ms. */
  pollMs?: number;
  /**
   * How far a stream may fall behind, in events of its own, while its client does not take what was
   * written to it; one more and the stream is closed with `overflow`. Default 1,000.
   */
  maxBuffered?: number;
  /** Rows read per query. Default 500. */
  batch?: number;
}

/** Where a stream's events go (the HTTP response, in the route). */
export interface EventSink {
  /** Writes the events; false when the client has not taken what was written before (wait for `drained`). */
  send(events: Event[]): boolean;
  /** The hub ends the stream: `overflow` (the client fell behind; `after` is the last seq it was given) or `shutdown`. */
  end(reason: 'overflow' | 'shutdown', after: number): void;
}

/** An open stream: `drained` when the client took what was written, `close` when it went away. */
export interface EventSubscription {
  /** The seq the stream starts after. */
  readonly after: number;
  drained(): void;
  close(): void;
}

interface Subscriber {
  accountId: string;
  botId: string;
  types: Set<string> | null;
  /** Every event of the account up to here was looked at (sent, filtered out, or counted as missed). */
  seen: number;
  /** The last seq handed to the sink: where the stream resumes once its client has drained. */
  sent: number;
  /** The client has not taken what was written: nothing more is sent, its events wait in the database. */
  blocked: boolean;
  /** Events of this stream that went by while it was blocked. */
  missed: number;
  sink: EventSink;
}

const ALL_TYPES = new Set<string>(EVENT_TYPE_NAMES);

/** `types=a,b`: the event types a stream wants; null for all of them. A name that is no event type is a 400. */
export function parseEventTypes(raw: string | undefined): string[] | null {
  if (raw === undefined || raw.trim() === '') return null;
  const types = [
    ...new Set(
      raw
        .split(',')
        .map((s) => s.trim())
        .filter((s) => s !== ''),
    ),
  ];
  const bad = types.find((s) => !ALL_TYPES.has(s));
  if (bad !== undefined)
    throw errors.validation('types', `types: '${bad}' is not an event type (${EVENT_TYPE_NAMES.join(', ')})`);
  return types.length > 0 ? types : null;
}

/**
 * The live event streams of one server process (campaignd extension of the Kore API, docs/events.md
 * "Stream"). One poller serves every open stream: each run numbers committed events (like the pull
 * endpoint) and reads the new ones of every account with a stream in one query, then hands each
 * stream the events of its bot (and its account's events of no bot), of the types it wants, in seq
 * order. Backpressure: once a client has not taken what was written (the socket's buffers are full),
 * its stream gets nothing more and holds nothing in memory (its events stay in the database); it
 * goes on from its last event when the client drains, or, if more than `maxBuffered` of its events
 * go by first, is closed with `overflow` and the client resumes with Last-Event-ID, without loss.
 */
export class EventStreamHub {
  private readonly subscribers = new Set<Subscriber>();
  /** Streams ended for overflow whose response has not closed yet: cut at shutdown. */
  private readonly ending = new Set<Subscriber>();
  private poller: NodeJS.Timeout | undefined;
  private polling: Promise<void> | undefined;
  private again = false;
  private closed = false;

  constructor(
    private readonly repo: EventStreamRepo,
    private readonly log: Logger,
    private readonly opts: EventStreamOptions = {},
  ) {}

  /** Open streams of this process. */
  get size(): number {
    return this.subscribers.size;
  }

  /** Events the blocked streams of this process have fallen behind by (a gauge for tests and operators). */
  get behind(): number {
    let n = 0;
    for (const s of this.subscribers) n += s.missed;
    return n;
  }

  /**
   * Streams the tenant's events after `after` (undefined: after the newest, i.e. from now; beyond the
   * newest: from the newest) to `sink`, only `types` when given.
   */
  async subscribe(
    t: Tenant,
    opts: { after?: number | undefined; types?: string[] | null },
    sink: EventSink,
  ): Promise<EventSubscription> {
    if (this.closed) throw errors.unavailable('The server is shutting down', 1);
    // "From now" is after every event committed so far: number them first.
    await this.repo.publish();
    const head = await this.repo.head();
    const after = Math.min(opts.after ?? head, head);
    if (this.closed) throw errors.unavailable('The server is shutting down', 1);
    const sub: Subscriber = {
      accountId: t.accountId,
      botId: t.botId,
      types: opts.types ? new Set(opts.types) : null,
      seen: after,
      sent: after,
      blocked: false,
      missed: 0,
      sink,
    };
    this.subscribers.add(sub);
    this.start();
    // After the caller has its subscription (and has answered its headers).
    setImmediate(() => this.poll());
    return {
      after,
      drained: () => this.drained(sub),
      close: () => this.remove(sub),
    };
  }

  /** Publishes and reads now (and once more after a read in progress). */
  poll(): void {
    if (this.polling) {
      this.again = true;
      return;
    }
    this.polling = this.read()
      .catch((err: unknown) => this.log.warn({ err }, 'event stream poll failed'))
      .finally(() => {
        this.polling = undefined;
        if (this.again && !this.closed) {
          this.again = false;
          this.poll();
        }
      });
  }

  /** Ends every stream (server shutdown); waits for a read in progress. */
  async close(): Promise<void> {
    this.closed = true;
    this.stop();
    for (const s of [...this.subscribers, ...this.ending]) {
      this.subscribers.delete(s);
      this.ending.delete(s);
      s.sink.end('shutdown', s.sent);
    }
    await this.polling;
  }

  private async read(): Promise<void> {
    if (this.subscribers.size === 0) return;
    await this.repo.publish();
    const subs = [...this.subscribers];
    // Streams whose clients keep up drive the read; blocked ones only count what goes by (their
    // events stay in the database until they drain). With none keeping up, the read counts for them.
    const live = subs.filter((s) => !s.blocked);
    const from = Math.min(...(live.length > 0 ? live : subs).map((s) => s.seen));
    const batch = this.opts.batch ?? 500;
    const rows = await this.repo.eventsAfter([...new Set(subs.map((s) => s.accountId))], from, batch);
    if (rows.length === 0) return;
    if (rows.length === batch && live.length > 0) this.again = true;
    // Every event of these accounts in (from, last] is in `rows`: a stream at or past `from` has seen
    // all of its account's events up to `last`, whether it wanted them or not.
    const last = rows[rows.length - 1]!.seq;
    const cap = this.opts.maxBuffered ?? 1000;
    for (const s of subs) {
      if (!this.subscribers.has(s)) continue;
      const mine: Event[] = [];
      for (const r of rows) {
        if (r.seq <= s.seen || r.account_id !== s.accountId) continue;
        if (r.bot_id !== null && r.bot_id !== s.botId) continue;
        if (s.types && !s.types.has(r.type)) continue;
        mine.push(toEvent(r));
      }
      s.seen = Math.max(s.seen, last);
      if (s.blocked) {
        s.missed += mine.length;
        if (s.missed > cap) this.overflow(s);
      } else if (mine.length > 0) this.deliver(s, mine);
    }
  }

  private deliver(s: Subscriber, events: Event[]): void {
    s.sent = events[events.length - 1]!.seq;
    if (!s.sink.send(events)) {
      s.blocked = true;
      s.missed = 0;
    }
  }

  /** The client took what was written: go on from the last event sent (what went by is read again). */
  private drained(s: Subscriber): void {
    if (!this.subscribers.has(s) || !s.blocked) return;
    s.blocked = false;
    s.seen = s.sent;
    s.missed = 0;
    this.poll();
  }

  private overflow(s: Subscriber): void {
    this.log.info({ accountId: s.accountId, botId: s.botId, after: s.sent }, 'event stream client too slow: closed');
    this.remove(s);
    this.ending.add(s);
    s.sink.end('overflow', s.sent);
  }

  private remove(s: Subscriber): void {
    this.ending.delete(s);
    if (!this.subscribers.delete(s)) return;
    if (this.subscribers.size === 0) this.stop();
  }

  private start(): void {
    if (this.poller) return;
    this.poller = setInterval(() => this.poll(), this.opts.pollMs ?? 500);
    this.poller.unref();
  }

  private stop(): void {
    clearInterval(this.poller);
    this.poller = undefined;
  }
}
