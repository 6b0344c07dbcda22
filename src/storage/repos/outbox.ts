import { sql, type Insertable, type Kysely } from 'kysely';
import { EVENT_TYPES, type EventData, type EventType } from '../../contract/events.js';
import type { DialectName } from '../db.js';
import { insertChunkSize } from '../dialect.js';
import type { Database, EventRow, ImportRow } from '../schema.js';

/** Who an event belongs to, and what it is about (the columns it is filtered and ordered by). */
export interface EventScope {
  accountId: string;
  botId: string | null;
  campaignId?: string | null;
  instanceId?: string | null;
}

export type NewEvent = Insertable<EventRow>;

/** One outbox row, its data checked against the type's schema by the compiler. */
export function newEvent<T extends EventType>(type: T, scope: EventScope, at: number, data: EventData<T>): NewEvent {
  return {
    type,
    version: EVENT_TYPES[type].version,
    account_id: scope.accountId,
    bot_id: scope.botId,
    campaign_id: scope.campaignId ?? null,
    instance_id: scope.instanceId ?? null,
    occurred_at: at,
    data: JSON.stringify(data),
  };
}

/** Key of the PostgreSQL advisory lock that orders outbox writers. */
const OUTBOX_LOCK_KEY = 0x65767473; // 'evts'

/**
 * Writes events in the caller's transaction, set-wise (one INSERT per 3,000 rows), so they commit
 * or roll back with the change that caused them. Call it as the LAST statement of the transaction.
 *
 * Why a lock: subscriptions and pull readers page by `seq` ("everything after N"). On PostgreSQL a
 * sequence value taken by one transaction may commit after a later one's, and a reader that had
 * moved past it would never see it. The transaction-scoped advisory lock makes writers take their
 * seq values and commit one at a time; it is held only from this insert to the commit, and nothing
 * is waited for while holding it (this is the last statement), so it cannot deadlock. SQLite has a
 * single writer already.
 */
export async function appendEvents(
  trx: Kysely<Database>,
  dialect: DialectName,
  events: readonly NewEvent[],
): Promise<void> {
  if (events.length === 0) return;
  if (dialect === 'postgres') await sql`select pg_advisory_xact_lock(${OUTBOX_LOCK_KEY})`.execute(trx);
  const size = insertChunkSize(8);
  for (let i = 0; i < events.length; i += size)
    await trx
      .insertInto('events')
      .values(events.slice(i, i + size))
      .execute();
}

/** import.completed or import.failed, from the job's row as the finishing transaction left it. */
export function importEvent(row: ImportRow): NewEvent {
  const failed = row.status === 'failed';
  const at = Date.parse(row.finished_at ?? '') || Number(row.heartbeat_at ?? 0);
  return newEvent(failed ? 'import.failed' : 'import.completed', { accountId: row.account_id, botId: row.bot_id }, at, {
    importId: row.id,
    listId: row.list_id,
    status: failed ? 'failed' : 'completed',
    imported: failed ? null : Number(row.imported ?? 0),
    error: row.error ?? null,
  });
}
