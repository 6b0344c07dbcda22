import { sql, type Kysely } from 'kysely';
import type { DialectName } from '../db.js';
import { filterOnly, jsonRows } from '../dialect.js';
import type { AttemptRow, Database, DialRecordRow } from '../schema.js';
import { appendEvents, newEvent } from './outbox.js';
import { factsAhead, ownView, type NumberFacts, type Protection, type TakenNumbers } from './claim-protection.js';

export type { NumberFacts, Protection, TakenNumbers } from './claim-protection.js';

/**
 * The steps of a claim transaction, shared by the agentless claim (DialRecordsRepo.claim) and the
 * agent-assisted ones (AgentClaimsRepo). Each runs inside a transaction opened with beginClaim, so
 * it is the only claim in progress (dialect.ts).
 */

/** Where a due record stands against its calling window at claim time. */
export type Placement = { inside: true } | { inside: false; nextAt: number };

export interface ClaimRequest {
  instanceId: string;
  /** The instance's account: its attempts are written with it, and protection is per account. */
  accountId: string;
  /** The instance's bot, for the events the claim writes. */
  botId: string;
  channel: 'voice' | 'sms';
  limit: number;
  now: number;
  owner: string;
  leaseMs: number;
  /** Decides, per record, whether it may be dialed now; outside records are pushed to `nextAt`. */
  place: (r: DialRecordRow) => Placement;
  newAttemptId: () => string;
  /**
   * When the attempts start, read after the claim's checks (default `now`). A claim may wait for
   * another engine's; read then, an attempt never seems to start before the call it waited for ended.
   */
  startedAt?: () => number;
  /**
   * Calls that may be out at once, counted again inside the claim across every engine: for this
   * instance, and in all. The claim takes no more than leaves both within their cap.
   */
  caps?: { instance: number; total: number };
  protect?: Protection;
}

export interface Claimed {
  record: DialRecordRow;
  attempt: AttemptRow;
}

/**
 * The calls out now, per instance and in all, and what a claim may take within `req.caps` (exact:
 * this is the only claim in progress). `took` counts what this transaction leased since.
 */
export async function linesOut(trx: Kysely<Database>): Promise<{
  limit(req: ClaimRequest): number;
  took(instanceId: string, n: number): void;
}> {
  const rows = await trx
    .selectFrom('dial_records')
    .select((eb) => ['instance_id', eb.fn.countAll<number>().as('n')])
    .where('lease_expires_at', 'is not', null)
    .where('state', 'in', ['leased', 'in_flight'])
    .groupBy('instance_id')
    .execute();
  const mine = new Map(rows.map((r) => [r.instance_id, Number(r.n)]));
  let total = rows.reduce((a, r) => a + Number(r.n), 0);
  return {
    limit: (req) =>
      req.caps
        ? Math.min(req.limit, req.caps.instance - (mine.get(req.instanceId) ?? 0), req.caps.total - total)
        : req.limit,
    took: (instanceId, n) => {
      mine.set(instanceId, (mine.get(instanceId) ?? 0) + n);
      total += n;
    },
  };
}

/** `req.limit`, lowered so that the calls out stay within `req.caps` (see linesOut). */
export async function lineLimit(trx: Kysely<Database>, req: ClaimRequest): Promise<number> {
  return req.caps ? (await linesOut(trx)).limit(req) : req.limit;
}

/**
 * Up to `limit` due pending records of the instance that are inside their calling window and not
 * held by contact protection, in dial order (readDue, factsAhead, then settleDue).
 */
export async function dueInside(
  trx: Kysely<Database>,
  dialect: DialectName,
  req: Pick<ClaimRequest, 'instanceId' | 'accountId' | 'channel' | 'now' | 'place' | 'protect'>,
  limit: number,
): Promise<DialRecordRow[]> {
  const due = await readDue(trx, dialect, [{ instanceId: req.instanceId, limit, now: req.now }]);
  const facts = await factsAhead(trx, [req], due);
  return settleDue(trx, req, due.get(req.instanceId) ?? [], { facts: facts.get(req.instanceId) });
}

/**
 * Up to `limit` due pending records of each instance, in dial order (next_at, then order_key). On
 * PostgreSQL in one statement however many instances (a LATERAL read per instance, each one range
 * of dial_records_due_idx), the rows locked and those another worker holds skipped. SQLite runs in
 * the process, so a statement per instance costs no round trip (and its LIMIT cannot come from a
 * joined row).
 */
export async function readDue(
  trx: Kysely<Database>,
  dialect: DialectName,
  asks: readonly { instanceId: string; limit: number; now: number }[],
): Promise<Map<string, DialRecordRow[]>> {
  const wanted = asks.filter((a) => a.limit > 0);
  const due = new Map<string, DialRecordRow[]>(wanted.map((a) => [a.instanceId, []]));
  if (wanted.length === 0) return due;
  let rows: DialRecordRow[];
  if (dialect === 'postgres') {
    const doc = JSON.stringify(wanted.map((a) => ({ id: a.instanceId, n: a.limit, now: a.now })));
    ({ rows } = await sql<DialRecordRow>`
      select d.* from ${jsonRows(dialect, doc, ['id'], ['n', 'now'], { n: 'integer', now: 'bigint' })}
      cross join lateral (
        select * from dial_records r where r.instance_id = v.id and r.state = 'pending' and r.next_at <= v.now
        order by r.next_at, r.order_key limit v.n for update skip locked) d
      order by d.instance_id, d.next_at, d.order_key`.execute(trx));
  } else {
    rows = [];
    for (const a of wanted)
      rows.push(
        ...(await trx
          .selectFrom('dial_records')
          .selectAll()
          .where('instance_id', '=', a.instanceId)
          .where('state', '=', 'pending')
          .where('next_at', '<=', a.now)
          .orderBy('next_at', 'asc')
          .orderBy('order_key', 'asc')
          .limit(a.limit)
          .execute()),
      );
  }
  for (const r of rows) due.get(r.instance_id)!.push(r);
  return due;
}

/**
 * Of `due` (one instance's records read by readDue, in dial order), those inside their calling
 * window and not held by contact protection; the others get next_at = when they may go, here, so
 * later ticks do not rescan them (a held record is delayed, never lost). `ahead`: the facts of the
 * numbers, read before (factsAhead), and the numbers claimed earlier in the transaction but not
 * written yet (claimMany), which protection counts as busy.
 */
export async function settleDue(
  trx: Kysely<Database>,
  req: Pick<ClaimRequest, 'accountId' | 'channel' | 'now' | 'place' | 'protect'>,
  due: readonly DialRecordRow[],
  ahead: { facts: ReadonlyMap<string, NumberFacts> | undefined; taken?: TakenNumbers },
): Promise<DialRecordRow[]> {
  const placed: DialRecordRow[] = [];
  const deferred = new Map<number, string[]>();
  const defer = (r: DialRecordRow, at: number) => {
    const ids = deferred.get(at);
    if (ids) ids.push(r.id);
    else deferred.set(at, [r.id]);
  };
  for (const r of due) {
    const p = req.place(r);
    if (p.inside) placed.push(r);
    else defer(r, p.nextAt);
  }
  let inside = placed;
  if (req.protect && placed.length > 0) {
    const protect = req.protect;
    const facts = ahead.facts;
    // factsAhead reads them for every protected claim with records due.
    if (!facts) throw new Error(`claim of ${req.accountId}: protection facts not read (factsAhead)`);
    const earlier = ahead.taken?.get(req.accountId);
    inside = [];
    for (const r of placed) {
      const read = ownView(req.now, protect, facts.get(r.phone_e164));
      const at = earlier?.get(r.phone_e164);
      // Claimed at or after every start read, so the starts stay in ascending order.
      const f = at === undefined ? read : { ...read, busy: true, starts: [...read.starts, at] };
      const held = protect.holdUntil(r, f);
      const until = f.lockedUntil !== undefined && f.lockedUntil > req.now ? Math.max(held ?? 0, f.lockedUntil) : held;
      if (until === null) inside.push(r);
      else defer(r, until);
    }
  }
  for (const [nextAt, ids] of deferred) {
    await trx
      .updateTable('dial_records')
      .set({ next_at: nextAt, updated_at: req.now })
      .where('id', 'in', ids)
      .where(filterOnly('state'), '=', 'pending')
      .execute();
  }
  return inside;
}

/**
 * Leases `records` (read in this transaction, in state `from`) with a new attempt each
 * (leaseMany for one request).
 */
export async function leaseRecords(
  trx: Kysely<Database>,
  dialect: DialectName,
  req: ClaimRequest,
  records: readonly DialRecordRow[],
  opts: LeaseOptions = {},
): Promise<Claimed[]> {
  return (await leaseMany(trx, dialect, [{ req, records }], opts))[0]!;
}

export interface LeaseOptions {
  /** The state the records were read in. */
  from?: 'pending' | 'accepted';
  /** The agent each call is for (Progressive, Preview). */
  agentOf?: (r: DialRecordRow) => string;
}

/** Ids per leasing UPDATE: well under both dialects' bound-parameter limits. */
const IDS_PER_UPDATE = 10_000;

/**
 * Leases the records of several claim requests (each read in this transaction, in state `from`)
 * with a new attempt each, in a few set-wise statements however many requests: one multi-row
 * INSERT of the attempts, one UPDATE per lease (owner, instant, length; a tick's are all one). The
 * rows are ours for the transaction (PostgreSQL: locked when read; SQLite: the write lock), so the
 * guards can only fail if that reasoning does, and then the whole claim is rolled back rather than
 * leaving an attempt without its lease.
 */
export async function leaseMany(
  trx: Kysely<Database>,
  dialect: DialectName,
  batches: readonly { req: ClaimRequest; records: readonly DialRecordRow[] }[],
  opts: LeaseOptions = {},
): Promise<Claimed[][]> {
  const from = opts.from ?? 'pending';
  const made = batches.map(({ req, records }) => {
    const startedAt = req.startedAt?.() ?? req.now;
    return records.map((r) => attemptRow(req, r, startedAt, opts.agentOf?.(r) ?? null));
  });
  const attempts = made.flat();
  if (attempts.length === 0) return batches.map(() => []);
  await insertAttempts(trx, dialect, attempts);
  const leases = new Map<string, { req: ClaimRequest; ids: string[] }>();
  for (const { req, records } of batches) {
    const key = JSON.stringify([req.owner, req.now, req.leaseMs]);
    const lease = leases.get(key) ?? { req, ids: [] };
    lease.ids.push(...records.map((r) => r.id));
    leases.set(key, lease);
  }
  let leased = 0;
  for (const { req, ids } of leases.values())
    for (let i = 0; i < ids.length; i += IDS_PER_UPDATE)
      leased += await lease(trx, req, ids.slice(i, i + IDS_PER_UPDATE), from, opts.agentOf !== undefined);
  if (leased !== attempts.length) {
    const instances = batches.filter((b) => b.records.length > 0).map((b) => b.req.instanceId);
    throw new Error(
      `claim of instances ${instances.join(', ')}: ${attempts.length} records read but ${leased} leased; rolled back`,
    );
  }
  return batches.map(({ req, records }, i) =>
    records.map((r, j) => ({
      record: {
        ...r,
        state: 'leased',
        attempts: r.attempts + 1,
        current_attempt_id: made[i]![j]!.id,
        lease_owner: req.owner,
        lease_expires_at: req.now + req.leaseMs,
      },
      attempt: made[i]![j]!,
    })),
  );
}

/**
 * The columns a claim writes of an attempt, with their PostgreSQL types (jsonRows); every other
 * column starts null (UNSET), and the compiler holds the two to the whole of AttemptRow.
 */
const CLAIMED_COLUMNS = {
  id: 'text',
  record_id: 'text',
  instance_id: 'text',
  attempt_no: 'integer',
  channel: 'text',
  worker: 'text',
  started_at: 'bigint',
  agent_id: 'text',
  account_id: 'text',
  phone_e164: 'text',
} as const satisfies Partial<Record<keyof AttemptRow, string>>;
type ClaimedColumn = keyof typeof CLAIMED_COLUMNS;

const UNSET: { [K in Exclude<keyof AttemptRow, ClaimedColumn>]: null } = {
  ended_at: null,
  outcome: null,
  provider_outcome: null,
  detail: null,
  ring_sec: null,
  talk_sec: null,
  machine_detected: null,
  late_outcome: null,
  connected_at: null,
  answered_at: null,
  call_data: null,
  hangup_requested_at: null,
  disposition: null,
};

function attemptRow(req: ClaimRequest, r: DialRecordRow, startedAt: number, agentId: string | null): AttemptRow {
  return {
    id: req.newAttemptId(),
    record_id: r.id,
    instance_id: r.instance_id,
    attempt_no: r.attempts + 1,
    channel: req.channel,
    worker: req.owner,
    started_at: startedAt,
    agent_id: agentId,
    account_id: req.accountId,
    phone_e164: r.phone_e164,
    ...UNSET,
  };
}

/**
 * The claim's attempts in one INSERT from one JSON document of their claimed columns (jsonRows):
 * a multi-row VALUES of every column was 23 parameters an attempt, and PostgreSQL spent more on
 * parsing and planning those than on writing the rows (docs/benchmarks.md, the fifth step).
 */
async function insertAttempts(trx: Kysely<Database>, dialect: DialectName, attempts: readonly AttemptRow[]) {
  const cols = Object.keys(CLAIMED_COLUMNS) as ClaimedColumn[];
  const doc = JSON.stringify(attempts.map((a) => Object.fromEntries(cols.map((c) => [c, a[c]]))));
  await sql`
    insert into attempts (${sql.join(cols.map((c) => sql.ref(c)))})
    select ${sql.join(cols.map((c) => sql.ref(`v.${c}`)))} from ${jsonRows(dialect, doc, [], cols, CLAIMED_COLUMNS)}`.execute(
    trx,
  );
}

/** Points each record at the attempt just written for it ((record_id, attempt_no) is unique) and leases it; returns how many. */
async function lease(
  trx: Kysely<Database>,
  req: ClaimRequest,
  ids: readonly string[],
  from: 'pending' | 'accepted',
  withAgent: boolean,
): Promise<number> {
  const res = await trx
    .updateTable('dial_records')
    .set((eb) => {
      const own = eb
        .selectFrom('attempts')
        .whereRef('attempts.record_id', '=', 'dial_records.id')
        .where('attempts.attempt_no', '=', eb(eb.ref('dial_records.attempts'), '+', 1));
      return {
        state: 'leased',
        attempts: eb('attempts', '+', 1),
        current_attempt_id: own.select('attempts.id'),
        ...(withAgent ? { agent_id: own.select('attempts.agent_id') } : {}),
        lease_owner: req.owner,
        lease_expires_at: req.now + req.leaseMs,
        updated_at: req.now,
      };
    })
    .where('id', 'in', ids)
    .where(filterOnly('state'), '=', from)
    .executeTakeFirst();
  return Number(res.numUpdatedRows);
}

/**
 * The `attempt.started` events of a claim (docs/events.md), of one instance or several, in one
 * multi-row INSERT. The LAST statement of the claim transaction (appendEvents), so they commit
 * with the claim or not at all.
 */
export async function attemptsStarted(
  trx: Kysely<Database>,
  reqs: readonly Pick<ClaimRequest, 'instanceId' | 'accountId' | 'botId' | 'channel'>[],
  claimed: readonly (readonly Claimed[])[],
): Promise<void> {
  const events = reqs.flatMap((req, i) =>
    (claimed[i] ?? []).map(({ record: r, attempt: a }) =>
      newEvent(
        'attempt.started',
        { accountId: req.accountId, botId: req.botId, campaignId: r.campaign_id, instanceId: req.instanceId },
        Number(a.started_at),
        {
          campaignId: r.campaign_id,
          instanceId: r.instance_id,
          attemptId: a.id,
          recordId: r.id,
          attemptNo: a.attempt_no,
          channel: req.channel,
          phoneNumber: r.phone_e164,
          agentId: a.agent_id,
        },
      ),
    ),
  );
  if (events.length > 0) await appendEvents(trx, events);
}
