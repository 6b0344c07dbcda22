import { sql, type Kysely, type Updateable } from 'kysely';
import type { DialectName } from '../db.js';
import { filterOnly, jsonRows } from '../dialect.js';
import type { AttemptRow, Database, DialRecordRow } from '../schema.js';
import { appendEvents, type NewEvent } from './outbox.js';

/** One outcome of a batch (AttemptsRepo.applyMany). */
export interface OutcomeWrite {
  attemptId: string;
  attempt: Updateable<AttemptRow>;
  recordId: string;
  record: Updateable<DialRecordRow> | null;
  events: readonly NewEvent[];
  also?: (trx: Kysely<Database>) => Promise<void>;
}

/**
 * PostgreSQL types of the columns an outcome writes: a batch is sent as one JSON document and
 * read back as typed rows (`jsonb_to_recordset`), so each column needs its type.
 */
const ATTEMPT_TYPES: Record<string, string> = {
  outcome: 'text',
  provider_outcome: 'text',
  ended_at: 'bigint',
  detail: 'text',
  ring_sec: 'real',
  talk_sec: 'real',
  machine_detected: 'integer',
};
const RECORD_TYPES: Record<string, string> = {
  last_outcome: 'text',
  lease_owner: 'text',
  lease_expires_at: 'bigint',
  updated_at: 'bigint',
  bot_session_id: 'text',
  bot_outbound_status: 'text',
  bot_outbound_status_detail: 'text',
  agent_disposition_codes: 'text',
  state: 'text',
  final_outcome: 'text',
  current_attempt_id: 'text',
  next_at: 'bigint',
};

const known = (row: object, types: Record<string, string>) => Object.keys(row).every((k) => k in types);
/** Every attempt of a set-wise update writes all its columns, so that none is set to NULL by omission. */
const complete = (row: object) =>
  Object.keys(row).length === Object.keys(ATTEMPT_TYPES).length && known(row, ATTEMPT_TYPES);

/**
 * Stores a batch of outcomes in the caller's transaction, each with the guards a single outcome has
 * (an attempt that already has its outcome is left alone; a record is updated only while the attempt
 * is its current one), the events in one INSERT. The attempts are updated in one statement and the
 * records in one per shape of change (pending again, or done), from a JSON document of the batch:
 * per row, building and running a statement cost more than the row's write (SQLite) or a round trip
 * (PostgreSQL). A row of any other shape goes on its own. Returns the attempts whose outcome was stored.
 */
export async function storeOutcomes(
  trx: Kysely<Database>,
  dialect: DialectName,
  items: readonly OutcomeWrite[],
): Promise<Set<string>> {
  const applied = new Set<string>();
  const setWise = items.filter((it) => complete(it.attempt));
  const alone = items.filter((it) => !complete(it.attempt));

  if (setWise.length > 0) {
    for (const id of await updateAttempts(trx, dialect, setWise)) applied.add(id);
    const byShape = new Map<string, OutcomeWrite[]>();
    for (const it of setWise) {
      if (!applied.has(it.attemptId) || !it.record) continue;
      if (!known(it.record, RECORD_TYPES)) {
        await updateRecord(trx, it);
        continue;
      }
      const shape = Object.keys(it.record).sort().join(',');
      byShape.set(shape, [...(byShape.get(shape) ?? []), it]);
    }
    for (const [shape, group] of byShape) await updateRecords(trx, dialect, shape.split(','), group);
  }
  for (const it of alone) {
    const res = await trx
      .updateTable('attempts')
      .set(it.attempt)
      .where('id', '=', it.attemptId)
      .where('outcome', 'is', null)
      .executeTakeFirst();
    if (Number(res.numUpdatedRows) !== 1) continue;
    applied.add(it.attemptId);
    if (it.record) await updateRecord(trx, it);
  }
  const events: NewEvent[] = [];
  for (const it of items) {
    if (!applied.has(it.attemptId)) continue;
    if (it.also) await it.also(trx);
    events.push(...it.events);
  }
  await appendEvents(trx, events);
  return applied;
}

async function updateRecord(trx: Kysely<Database>, it: OutcomeWrite): Promise<void> {
  await trx
    .updateTable('dial_records')
    .set(it.record!)
    .where('id', '=', it.recordId)
    .where('current_attempt_id', '=', it.attemptId)
    .where('state', 'in', ['leased', 'in_flight'])
    .execute();
}

async function updateAttempts(
  trx: Kysely<Database>,
  dialect: DialectName,
  items: readonly OutcomeWrite[],
): Promise<string[]> {
  const cols = Object.keys(ATTEMPT_TYPES);
  const doc = JSON.stringify(items.map((it) => ({ ...it.attempt, _id: it.attemptId })));
  // The open-attempt guard as a filter only, so that PostgreSQL looks each row up by key (filterOnly).
  const rows = await sql<{ id: string }>`
    update attempts as t set ${sql.join(cols.map((c) => sql`${sql.ref(c)} = v.${sql.ref(c)}`))}
    from ${jsonRows(dialect, doc, ['_id'], cols, ATTEMPT_TYPES)}
    where t.id = v._id and ${filterOnly('t.outcome')} is null
    returning id`.execute(trx);
  return rows.rows.map((r) => r.id);
}

async function updateRecords(
  trx: Kysely<Database>,
  dialect: DialectName,
  cols: readonly string[],
  items: readonly OutcomeWrite[],
) {
  const doc = JSON.stringify(items.map((it) => ({ ...it.record, _id: it.recordId, _attempt: it.attemptId })));
  // The state as a filter only, so that SQLite finds each row by key (dialect.ts, filterOnly).
  await sql`
    update dial_records as t set ${sql.join(cols.map((c) => sql`${sql.ref(c)} = v.${sql.ref(c)}`))}
    from ${jsonRows(dialect, doc, ['_id', '_attempt'], cols, RECORD_TYPES)}
    where t.id = v._id and t.current_attempt_id = v._attempt and ${filterOnly('t.state')} in ('leased', 'in_flight')`.execute(
    trx,
  );
}
