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

/** Key of the PostgreSQL advisory lock that lets one publisher at a time number events. */
const PUBLISH_LOCK_KEY = 0x65767473; // 'evts'
/** Rows numbered per publish statement; the next run takes the rest. */
const PUBLISH_BATCH = 10_000;

/**
 * Writes events in the caller's transaction, set-wise (one INSERT per 3,000 rows), so they commit
 * or roll back with the change that caused them. They get their `seq` later (publishEvents).
 */
export async function appendEvents(trx: Kysely<Database>, events: readonly NewEvent[]): Promise<void> {
  if (events.length === 0) return;
  const size = insertChunkSize(8);
  for (let i = 0; i < events.length; i += size)
    await trx
      .insertInto('events')
      .values(events.slice(i, i + size))
      .execute();
}

/**
 * Numbers the committed events that have no `seq` yet, in insertion order, after the highest `seq`
 * given; returns how many. Readers page by `seq` ("everything after N"), and an id taken by one
 * transaction may commit after a later one's: numbering only what has committed, one publisher at
 * a time, means a reader that has seen N will only ever find new events above N. PostgreSQL: a
 * publisher that cannot take the lock returns 0 (another is numbering; the next run takes what it
 * left). SQLite: the write lock serialises publishers. Writers never wait for this: ordering costs
 * one statement per delivery run instead of a lock on every change's commit.
 */
export async function publishEvents(k: Kysely<Database>, dialect: DialectName): Promise<number> {
  return k.transaction().execute(async (trx) => {
    if (dialect === 'postgres') {
      const got = await sql<{ ok: boolean }>`select pg_try_advisory_xact_lock(${PUBLISH_LOCK_KEY}) as ok`.execute(trx);
      if (!got.rows[0]?.ok) return 0;
    }
    const res = await sql`update events set seq = n.base + n.rn
      from (
        select u.id, row_number() over (order by u.id) as rn, b.base
        from (select id from events where seq is null order by id limit ${PUBLISH_BATCH}) u,
             (select coalesce(max(seq), 0) as base from events) b
      ) n
      where events.id = n.id`.execute(trx);
    return Number(res.numAffectedRows ?? 0);
  });
}

/** Rows deleted per statement by pruneEvents and pruneDeliveries. */
export const PRUNE_BATCH = 5_000;

/**
 * Deletes published events that happened before `before` (EVENTS_RETENTION_DAYS), oldest first, in
 * batches taken from the head of the table by id, so a run never scans the events it keeps. The
 * event with the highest `seq` always stays: publishEvents numbers on from it, and a table emptied
 * would start `seq` again at 1, below every cursor. Returns how many went.
 */
export async function pruneEvents(k: Kysely<Database>, before: number): Promise<number> {
  let total = 0;
  for (;;) {
    const head = k.selectFrom('events').select('id').orderBy('id').limit(PRUNE_BATCH);
    const res = await k
      .deleteFrom('events')
      .where('id', 'in', head)
      .where('occurred_at', '<', before)
      .where(
        'seq',
        '<',
        k.selectFrom('events').select((eb) => eb.fn.max('seq').as('top')),
      )
      .executeTakeFirst();
    const n = Number(res.numDeletedRows);
    total += n;
    if (n < PRUNE_BATCH) return total;
  }
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
