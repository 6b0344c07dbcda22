import type { Kysely } from 'kysely';
import type { DialectName } from '../db.js';
import { filterOnly, insertChunkSize, lockForClaim } from '../dialect.js';
import type { AttemptRow, Database, DialRecordRow } from '../schema.js';
import { appendEvents, newEvent } from './outbox.js';

/**
 * The steps of a claim transaction, shared by the agentless claim (DialRecordsRepo.claim) and the
 * agent-assisted ones (AgentClaimsRepo). Each runs inside a transaction opened with beginClaim, so
 * it is the only claim in progress (dialect.ts).
 */

/** Where a due record stands against its calling window at claim time. */
export type Placement = { inside: true } | { inside: false; nextAt: number };

/** What the claim knows of a number before it is dialed, across every campaign of the account. */
export interface NumberFacts {
  /** Another record of the account holds the number: offered, accepted, being placed or on a call. */
  busy: boolean;
  /** Start times of the account's attempts on the number in this channel within `historyMs`, ascending. */
  starts: readonly number[];
  /** Agent campaigns: the number's call was abandoned and it may not be dialed for an agent before this. */
  lockedUntil?: number;
}

/**
 * Contact protection (docs/contact-protection.md): the claim reads the facts of its batch's numbers
 * in two set-wise statements and asks `holdUntil` which records must wait. Claims are serialised
 * (beginClaim), so what it reads cannot change before the claim commits.
 */
export interface Protection {
  /** How far back attempts count: the longest frequency cap's window; 0 reads no history. */
  historyMs: number;
  /** Null: the record may be dialed now; else the instant it waits for. */
  holdUntil: (r: DialRecordRow, facts: NumberFacts) => number | null;
  /** An agent campaign: numbers barred from agent calls after an abandoned call (migration 021) wait too. */
  agentCalls?: boolean;
}

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
 * held by contact protection, in dial order; the due ones outside their window or held get next_at
 * = when they may go, here, so later ticks do not rescan them (a held record is delayed, never
 * lost). On PostgreSQL rows held by another worker are skipped.
 */
export async function dueInside(
  trx: Kysely<Database>,
  dialect: DialectName,
  req: Pick<ClaimRequest, 'instanceId' | 'accountId' | 'channel' | 'now' | 'place' | 'protect'>,
  limit: number,
): Promise<DialRecordRow[]> {
  const due = await lockForClaim(
    dialect,
    trx
      .selectFrom('dial_records')
      .selectAll()
      .where('instance_id', '=', req.instanceId)
      .where('state', '=', 'pending')
      .where('next_at', '<=', req.now)
      .orderBy('next_at', 'asc')
      .orderBy('order_key', 'asc')
      .limit(limit),
  ).execute();
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
    const facts = await numberFacts(trx, req.accountId, req.channel, req.now - protect.historyMs, placed, protect);
    inside = [];
    for (const r of placed) {
      const f = facts.get(r.phone_e164) ?? { busy: false, starts: [] };
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

/** Numbers per IN list: well under both dialects' bound-parameter limits. */
const NUMBERS_PER_QUERY = 500;

/** The protection facts of the records' numbers: two index lookups per 500 numbers. */
async function numberFacts(
  trx: Kysely<Database>,
  accountId: string,
  channel: 'voice' | 'sms',
  since: number,
  records: readonly DialRecordRow[],
  protect: Protection,
): Promise<Map<string, NumberFacts>> {
  const facts = new Map<string, { busy: boolean; starts: number[]; lockedUntil?: number }>();
  for (const r of records) facts.set(r.phone_e164, { busy: false, starts: [] });
  const phones = [...facts.keys()];
  for (let i = 0; i < phones.length; i += NUMBERS_PER_QUERY) {
    const chunk = phones.slice(i, i + NUMBERS_PER_QUERY);
    // The partial index dial_records_busy_idx holds only records out now (migration 016).
    const busy = await trx
      .selectFrom('dial_records as r')
      .innerJoin('campaign_instances as i', 'i.id', 'r.instance_id')
      .select('r.phone_e164')
      .where('r.phone_e164', 'in', chunk)
      .where('r.state', 'in', ['offered', 'accepted', 'leased', 'in_flight'])
      .where('i.account_id', '=', accountId)
      .execute();
    for (const b of busy) facts.get(b.phone_e164)!.busy = true;
    if (protect.agentCalls) {
      const locked = await trx
        .selectFrom('agent_call_lockouts')
        .select(['phone_e164', 'until'])
        .where('account_id', '=', accountId)
        .where('phone_e164', 'in', chunk)
        .execute();
      for (const l of locked) facts.get(l.phone_e164)!.lockedUntil = Number(l.until);
    }
    if (protect.historyMs <= 0) continue;
    const starts = await trx
      .selectFrom('attempts')
      .select(['phone_e164', 'started_at'])
      .where('account_id', '=', accountId)
      .where('phone_e164', 'in', chunk)
      .where('started_at', '>', since)
      .where('channel', '=', channel)
      .orderBy('started_at', 'asc')
      .execute();
    for (const a of starts) facts.get(a.phone_e164!)?.starts.push(Number(a.started_at));
  }
  return facts;
}

/**
 * Leases `records` (read in this transaction, in state `from`) with a new attempt each, in a few
 * set-wise statements instead of two per row. The rows are ours for the transaction (PostgreSQL:
 * locked when read; SQLite: the write lock), so the guards can only fail if that reasoning does,
 * and then the whole claim is rolled back rather than leaving an attempt without its lease.
 * `agentOf` names the agent each call is for (Progressive, Preview).
 */
export async function leaseRecords(
  trx: Kysely<Database>,
  req: ClaimRequest,
  records: readonly DialRecordRow[],
  opts: { from?: 'pending' | 'accepted'; agentOf?: (r: DialRecordRow) => string } = {},
): Promise<Claimed[]> {
  if (records.length === 0) return [];
  const from = opts.from ?? 'pending';
  const startedAt = req.startedAt?.() ?? req.now;
  const attempts: AttemptRow[] = records.map((r) => ({
    id: req.newAttemptId(),
    record_id: r.id,
    instance_id: r.instance_id,
    attempt_no: r.attempts + 1,
    channel: req.channel,
    worker: req.owner,
    started_at: startedAt,
    ended_at: null,
    outcome: null,
    provider_outcome: null,
    detail: null,
    ring_sec: null,
    talk_sec: null,
    machine_detected: null,
    late_outcome: null,
    agent_id: opts.agentOf?.(r) ?? null,
    connected_at: null,
    answered_at: null,
    call_data: null,
    hangup_requested_at: null,
    disposition: null,
    account_id: req.accountId,
    phone_e164: r.phone_e164,
  }));
  const size = insertChunkSize(22);
  for (let i = 0; i < attempts.length; i += size)
    await trx
      .insertInto('attempts')
      .values(attempts.slice(i, i + size))
      .execute();
  // Each record points at the attempt just written for it: (record_id, attempt_no) is unique.
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
        ...(opts.agentOf ? { agent_id: own.select('attempts.agent_id') } : {}),
        lease_owner: req.owner,
        lease_expires_at: req.now + req.leaseMs,
        updated_at: req.now,
      };
    })
    .where(
      'id',
      'in',
      records.map((r) => r.id),
    )
    .where(filterOnly('state'), '=', from)
    .executeTakeFirst();
  if (Number(res.numUpdatedRows) !== records.length) {
    throw new Error(
      `claim of instance ${req.instanceId}: ${records.length} records read but ${String(res.numUpdatedRows)} leased; rolled back`,
    );
  }
  return records.map((r, i) => ({
    record: {
      ...r,
      state: 'leased',
      attempts: r.attempts + 1,
      current_attempt_id: attempts[i]!.id,
      lease_owner: req.owner,
      lease_expires_at: req.now + req.leaseMs,
    },
    attempt: attempts[i]!,
  }));
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
