import type { Kysely } from 'kysely';
import type { Db } from '../db.js';
import type { Database } from '../schema.js';
import { publishEvents } from './outbox.js';
import { numeric, type StoredEvent } from './webhooks-repo.js';

/**
 * The outbox as the live event streams read it (domain/events/event-stream-hub.ts): one read of the
 * published events of several accounts after a cursor, for every stream of a server process at once.
 */
export class EventStreamRepo {
  private readonly k: Kysely<Database>;
  constructor(private readonly db: Db) {
    this.k = db.kysely;
  }

  /** Numbers committed events (outbox.ts publishEvents): a reader publishes before it reads. */
  publish(): Promise<number> {
    return publishEvents(this.k, this.db.dialect);
  }

  /** The newest published event's seq (0 when none): where a stream that starts "now" begins. */
  async head(): Promise<number> {
    const row = await this.k
      .selectFrom('events')
      .select((eb) => eb.fn.max('seq').as('seq'))
      .executeTakeFirst();
    return Number(row?.seq ?? 0);
  }

  /** Published events of these accounts with `seq > after`, in seq order, at most `limit`. */
  async eventsAfter(accountIds: readonly string[], after: number, limit: number): Promise<StoredEvent[]> {
    if (accountIds.length === 0) return [];
    const rows = await this.k
      .selectFrom('events')
      .selectAll()
      .where('account_id', 'in', [...accountIds])
      .where('seq', '>', after)
      .orderBy('seq')
      .limit(limit)
      .execute();
    return rows.map(numeric);
  }
}
