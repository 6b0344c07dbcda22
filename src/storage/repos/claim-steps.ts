import type { Kysely } from 'kysely';
import type { DialectName } from '../db.js';
import { insertChunkSize, lockForClaim } from '../dialect.js';
import type { AttemptRow, Database, DialRecordRow } from '../schema.js';

/**
 * The steps of a claim transaction, shared by the agentless claim (DialRecordsRepo.claim) and the
 * agent-assisted ones (AgentClaimsRepo). Each runs inside a transaction opened with beginClaim, so
 * it is the only claim in progress (dialect.ts).
 */

/** Where a due record stands against its calling window at claim time. */
export type Placement = { inside: true } | { inside: false; nextAt: number };

export interface ClaimRequest {
  instanceId: string;
  channel: 'voice' | 'sms';
  limit: number;
  now: number;
  owner: string;
  leaseMs: number;
  /** Decides, per record, whether it may be dialed now; outside records are pushed to `nextAt`. */
  place: (r: DialRecordRow) => Placement;
  newAttemptId: () => string;
  /**
   * Calls that may be out at once, counted again inside the claim across every engine: for this
   * instance, and in all. The claim takes no more than leaves both within their cap.
   */
  caps?: { instance: number; total: number };
}

export interface Claimed {
  record: DialRecordRow;
  attempt: AttemptRow;
}

/** `req.limit`, lowered so that the calls out stay within `req.caps` (exact: this is the only claim in progress). */
export async function lineLimit(trx: Kysely<Database>, req: ClaimRequest): Promise<number> {
  if (!req.caps) return req.limit;
  const out = await trx
    .selectFrom('dial_records')
    .select((eb) => [
      eb.fn.countAll<number>().as('total'),
      eb.fn.sum<number>(eb.case().when('instance_id', '=', req.instanceId).then(1).else(0).end()).as('mine'),
    ])
    .where('lease_expires_at', 'is not', null)
    .where('state', 'in', ['leased', 'in_flight'])
    .executeTakeFirstOrThrow();
  return Math.min(req.limit, req.caps.instance - Number(out.mine ?? 0), req.caps.total - Number(out.total));
}

/**
 * Up to `limit` due pending records of the instance that are inside their calling window, in dial
 * order; the due ones outside it get next_at = their window's start here, so later ticks do not
 * rescan them. On PostgreSQL rows held by another worker are skipped.
 */
export async function dueInside(
  trx: Kysely<Database>,
  dialect: DialectName,
  req: Pick<ClaimRequest, 'instanceId' | 'now' | 'place'>,
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
  const inside: DialRecordRow[] = [];
  const deferred = new Map<number, string[]>();
  for (const r of due) {
    const p = req.place(r);
    if (p.inside) inside.push(r);
    else deferred.set(p.nextAt, [...(deferred.get(p.nextAt) ?? []), r.id]);
  }
  for (const [nextAt, ids] of deferred) {
    await trx
      .updateTable('dial_records')
      .set({ next_at: nextAt, updated_at: req.now })
      .where('id', 'in', ids)
      .where('state', '=', 'pending')
      .execute();
  }
  return inside;
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
  const attempts: AttemptRow[] = records.map((r) => ({
    id: req.newAttemptId(),
    record_id: r.id,
    instance_id: r.instance_id,
    attempt_no: r.attempts + 1,
    channel: req.channel,
    worker: req.owner,
    started_at: req.now,
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
    call_data: null,
    hangup_requested_at: null,
    disposition: null,
  }));
  const size = insertChunkSize(20);
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
    .where('state', '=', from)
    .executeTakeFirst();
  if (Number(res.numUpdatedRows) !== records.length) {
    throw new Error(
      `claim of instance ${req.instanceId}: ${records.length} records read but ${String(res.numUpdatedRows)} leased; rolled back`,
    );
  }
  return records.map((r, i) => ({
    record: { ...r, state: 'leased', attempts: r.attempts + 1, current_attempt_id: attempts[i]!.id },
    attempt: attempts[i]!,
  }));
}
