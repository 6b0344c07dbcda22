import type { ExpressionBuilder, Kysely } from 'kysely';
import type { Db } from '../db.js';
import { beginClaim, insertChunkSize, lockForClaim, lockInstance } from '../dialect.js';
import type { AttemptRow, Database, DialRecordRow } from '../schema.js';

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

const OPEN_STATES = ['pending', 'leased', 'in_flight'] as const;

/** A claim undone: the record waits again as if never claimed (the caller deletes its attempt). */
const unclaimed = (now: number) => (eb: ExpressionBuilder<Database, 'dial_records'>) => ({
  state: 'pending' as const,
  attempts: eb('attempts', '-', 1),
  current_attempt_id: null,
  lease_owner: null,
  lease_expires_at: null,
  updated_at: now,
});

/** Dial records of campaign instances: claiming, leases, and the reads of the status views. */
export class DialRecordsRepo {
  private readonly k: Kysely<Database>;
  constructor(private readonly db: Db) {
    this.k = db.kysely;
  }

  /**
   * Claims up to `limit` due records of one instance: lease, attempt row and attempts+1 in ONE
   * transaction (docs/engine.md, Invariants). Due records outside their window get next_at = window start in
   * the same transaction, so later ticks do not rescan them. On PostgreSQL rows held by another
   * worker are skipped; the `state = 'pending'` guard on the UPDATE is a second line of defence.
   */
  claim(req: ClaimRequest): Promise<Claimed[]> {
    return this.k.transaction().execute(async (trx) => {
      await beginClaim(this.db.dialect, trx);
      let limit = req.limit;
      if (req.caps) {
        // Exact now: beginClaim made this the only claim in progress (see dialect.ts).
        const out = await trx
          .selectFrom('dial_records')
          .select((eb) => [
            eb.fn.countAll<number>().as('total'),
            eb.fn.sum<number>(eb.case().when('instance_id', '=', req.instanceId).then(1).else(0).end()).as('mine'),
          ])
          .where('lease_expires_at', 'is not', null)
          .where('state', 'in', ['leased', 'in_flight'])
          .executeTakeFirstOrThrow();
        limit = Math.min(limit, req.caps.instance - Number(out.mine ?? 0), req.caps.total - Number(out.total));
        if (limit <= 0) return [];
      }
      const due = await lockForClaim(
        this.db.dialect,
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
      // Decide every row first, then write in a few set-wise statements instead of two per row:
      // the rows are ours for the transaction (PostgreSQL: locked above; SQLite: the write lock
      // taken by beginClaim), so the guards below can only fail if that reasoning does, and then
      // the whole claim is rolled back rather than leaving an attempt without its lease.
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
      if (inside.length === 0) return [];
      const attempts: AttemptRow[] = inside.map((r) => ({
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
      }));
      const size = insertChunkSize(15);
      for (let i = 0; i < attempts.length; i += size)
        await trx
          .insertInto('attempts')
          .values(attempts.slice(i, i + size))
          .execute();
      // Each record points at the attempt just written for it: (record_id, attempt_no) is unique.
      const res = await trx
        .updateTable('dial_records')
        .set((eb) => ({
          state: 'leased',
          attempts: eb('attempts', '+', 1),
          current_attempt_id: eb
            .selectFrom('attempts')
            .select('attempts.id')
            .whereRef('attempts.record_id', '=', 'dial_records.id')
            .where('attempts.attempt_no', '=', eb(eb.ref('dial_records.attempts'), '+', 1)),
          lease_owner: req.owner,
          lease_expires_at: req.now + req.leaseMs,
          updated_at: req.now,
        }))
        .where(
          'id',
          'in',
          inside.map((r) => r.id),
        )
        .where('state', '=', 'pending')
        .executeTakeFirst();
      if (Number(res.numUpdatedRows) !== inside.length) {
        throw new Error(
          `claim of instance ${req.instanceId}: ${inside.length} records read but ${String(res.numUpdatedRows)} leased; rolled back`,
        );
      }
      const out: Claimed[] = inside.map((r, i) => ({
        record: { ...r, state: 'leased', attempts: r.attempts + 1, current_attempt_id: attempts[i]!.id },
        attempt: attempts[i]!,
      }));
      return out;
    });
  }

  /**
   * Right before their dials: confirms that these claims are still this engine's and alive, and
   * extends them, in one guarded UPDATE. Returns the ids of the records renewed; a claim missing
   * from it ran out (reconciliation may already have recorded the attempt `unknown`, or will) and
   * must not be dialed. A read-then-write would let another engine reconcile a record between the two.
   */
  async renewLeases(
    claims: readonly { recordId: string; attemptId: string }[],
    owner: string,
    now: number,
    leaseExpiresAt: number,
  ): Promise<Set<string>> {
    if (claims.length === 0) return new Set();
    const rows = await this.k
      .updateTable('dial_records')
      .set({ lease_expires_at: leaseExpiresAt, updated_at: now })
      .where(
        'id',
        'in',
        claims.map((c) => c.recordId),
      )
      // An attempt belongs to one record, so matching both lists pairs them.
      .where(
        'current_attempt_id',
        'in',
        claims.map((c) => c.attemptId),
      )
      .where('state', '=', 'leased')
      .where('lease_owner', '=', owner)
      .where('lease_expires_at', '>', now)
      .returning('id')
      .execute();
    return new Set(rows.map((r) => r.id));
  }

  /**
   * An engine's heartbeat: its live leases go on to `until` — every claim, and the calls out that
   * were accepted at or after `inFlightSince` (none when undefined). One UPDATE; returns how many.
   */
  async renewOwned(owner: string, now: number, until: number, inFlightSince: number | undefined): Promise<number> {
    const res = await this.k
      .updateTable('dial_records')
      .set({ lease_expires_at: until })
      .where('lease_owner', '=', owner)
      .where('lease_expires_at', '>', now)
      .where((eb) =>
        inFlightSince === undefined
          ? eb('state', '=', 'leased')
          : eb.or([
              eb('state', '=', 'leased'),
              eb.and([eb('state', '=', 'in_flight'), eb('updated_at', '>=', inFlightSince)]),
            ]),
      )
      .executeTakeFirst();
    return Number(res.numUpdatedRows);
  }

  /** The provider accepted: the call is out; the lease now covers the longest wait for its outcome. */
  async markInFlight(recordId: string, attemptId: string, leaseExpiresAt: number, now: number): Promise<void> {
    await this.k
      .updateTable('dial_records')
      .set({ state: 'in_flight', lease_expires_at: leaseExpiresAt, updated_at: now })
      .where('id', '=', recordId)
      .where('current_attempt_id', '=', attemptId)
      .where('state', '=', 'leased')
      .execute();
  }

  /** The request certainly never left (ProviderUnavailableError): undo the claim without using an attempt. */
  async release(recordId: string, attemptId: string, now: number): Promise<void> {
    await this.k.transaction().execute(async (trx) => {
      const res = await trx
        .updateTable('dial_records')
        .set(unclaimed(now))
        .where('id', '=', recordId)
        .where('current_attempt_id', '=', attemptId)
        .where('state', '=', 'leased')
        .executeTakeFirst();
      if (Number(res.numUpdatedRows) === 1) await trx.deleteFrom('attempts').where('id', '=', attemptId).execute();
    });
  }

  /**
   * Shutdown: every claim of `owner` still leased (claimed, never handed to the provider) goes back
   * to pending and its attempt is deleted, as `release` does for one. Calls already out (in flight)
   * are not touched: their outcomes may still come. Returns how many records were released.
   */
  async releaseOwned(owner: string, now: number): Promise<number> {
    return this.k.transaction().execute(async (trx) => {
      await beginClaim(this.db.dialect, trx);
      // Only live leases: an expired one may be being reconciled by another engine right now.
      const held = await trx
        .selectFrom('dial_records')
        .select(['id', 'current_attempt_id'])
        .where('state', '=', 'leased')
        .where('lease_owner', '=', owner)
        .where('lease_expires_at', '>', now)
        .execute();
      if (held.length === 0) return 0;
      const res = await trx
        .updateTable('dial_records')
        .set(unclaimed(now))
        .where(
          'id',
          'in',
          held.map((r) => r.id),
        )
        .where('state', '=', 'leased')
        .where('lease_owner', '=', owner)
        .where('lease_expires_at', '>', now)
        .executeTakeFirst();
      const attempts = held.flatMap((r) => (r.current_attempt_id ? [r.current_attempt_id] : []));
      if (attempts.length > 0)
        await trx.deleteFrom('attempts').where('id', 'in', attempts).where('outcome', 'is', null).execute();
      return Number(res.numUpdatedRows);
    });
  }

  /** Attempts whose lease ran out without an outcome (a crashed or stuck engine). */
  expiredLeases(now: number, limit: number): Promise<{ id: string; current_attempt_id: string | null }[]> {
    return this.k
      .selectFrom('dial_records')
      .select(['id', 'current_attempt_id'])
      .where('state', 'in', ['leased', 'in_flight'])
      .where('lease_expires_at', '<', now)
      .limit(limit)
      .execute();
  }

  /**
   * Calls out (leased or in flight) per instance, across every engine process. Every record out
   * carries a lease (claim and markInFlight set it; outcomes and release clear it with the state),
   * so the `lease_expires_at IS NOT NULL` filter removes nothing: it lets PostgreSQL use the partial
   * index of records with a lease (migration 005) and read only the records out.
   */
  async inFlightByInstance(): Promise<Map<string, number>> {
    const rows = await this.k
      .selectFrom('dial_records')
      .select((eb) => ['instance_id', eb.fn.countAll<number>().as('n')])
      .where('lease_expires_at', 'is not', null)
      .where('state', 'in', ['leased', 'in_flight'])
      .groupBy('instance_id')
      .execute();
    return new Map(rows.map((r) => [r.instance_id, Number(r.n)]));
  }

  /**
   * How many records are due now, counting at most `cap` (the query stops there). Ordered by
   * next_at so the scan follows dial_records_due_idx: with many records due, PostgreSQL would
   * otherwise weigh a LIMIT-`cap` sequential scan, which first reads every final record stored
   * before the due ones. The order does not change the count. `next_at` rather than `id` is
   * selected because it is in the index (a covering scan on SQLite).
   */
  async dueCount(instanceId: string, now: number, cap: number): Promise<number> {
    if (cap <= 0) return 0;
    const rows = await this.k
      .selectFrom('dial_records')
      .select('next_at')
      .where('instance_id', '=', instanceId)
      .where('state', '=', 'pending')
      .where('next_at', '<=', now)
      .orderBy('next_at', 'asc')
      .limit(cap)
      .execute();
    return rows.length;
  }

  /** True while any record of the instance is not final (openRecordExists). */
  hasOpen(instanceId: string): Promise<boolean> {
    return openRecordExists(this.k, instanceId);
  }

  async page(instanceId: string, offset: number, limit: number): Promise<{ rows: DialRecordRow[]; total: number }> {
    const [count, rows] = await Promise.all([
      this.k
        .selectFrom('dial_records')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('instance_id', '=', instanceId)
        .executeTakeFirstOrThrow(),
      this.k
        .selectFrom('dial_records')
        .selectAll()
        .where('instance_id', '=', instanceId)
        .orderBy('order_key', 'asc')
        .offset(offset)
        .limit(limit)
        .execute(),
    ]);
    return { rows, total: Number(count.n) };
  }

  /** A record of an instance by record id, contact id, uniqueId or number (explain). */
  findByKey(instanceId: string, key: string, phone: string | undefined): Promise<DialRecordRow | undefined> {
    return this.k
      .selectFrom('dial_records')
      .selectAll()
      .where('instance_id', '=', instanceId)
      .where((eb) =>
        eb.or([
          eb('id', '=', key),
          eb('contact_id', '=', key),
          eb('unique_id', '=', key),
          eb('phone_e164', '=', phone ?? key),
        ]),
      )
      .orderBy('order_key', 'asc')
      .limit(1)
      .executeTakeFirst();
  }

  /**
   * A call-back (callContactAt): the record becomes due at `at`, a final one reopened for one more
   * attempt. One guarded UPDATE, so a record out on a call (leased / in flight) or excluded by DNC
   * is never touched ('refused'), whatever happens concurrently; and only while the instance is
   * Active or Paused, checked under the instance lock ('not_running').
   */
  async scheduleCallback(
    instanceId: string,
    recordId: string,
    at: number,
    now: number,
  ): Promise<'moved' | 'refused' | 'not_running'> {
    return this.k.transaction().execute(async (trx) => {
      // Serialised with completion (lockInstance): a record is reopened only while the instance runs.
      await lockInstance(this.db.dialect, trx, instanceId);
      const inst = await trx
        .selectFrom('campaign_instances')
        .select('status')
        .where('id', '=', instanceId)
        .executeTakeFirst();
      if (inst?.status !== 'Active' && inst?.status !== 'Paused') return 'not_running';
      const res = await trx
        .updateTable('dial_records')
        .set({ state: 'pending', next_at: at, final_outcome: null, current_attempt_id: null, updated_at: now })
        .where('id', '=', recordId)
        .where('instance_id', '=', instanceId)
        .where('state', 'in', ['pending', 'done'])
        .where((eb) => eb.or([eb('final_outcome', 'is', null), eb('final_outcome', '!=', 'dnc')]))
        .executeTakeFirst();
      return Number(res.numUpdatedRows) === 1 ? 'moved' : 'refused';
    });
  }
}

/**
 * True while any record of the instance is not final. One statement (one snapshot, so a record
 * moving between open states cannot slip between two probes), made of one probe per open state,
 * each ordered like dial_records_due_idx: with `state IN (...) LIMIT 1`, PostgreSQL estimated
 * thousands of matches and chose a sequential scan hoping to meet one early, which reads every
 * final record stored before the instance's open ones (earlier instances, records already
 * dialed). Each probe is one index lookup on both dialects; UNION ALL ... LIMIT 1 stops at the
 * first probe that finds a row.
 */
export async function openRecordExists(k: Kysely<Database>, instanceId: string): Promise<boolean> {
  const probe = (state: (typeof OPEN_STATES)[number]) =>
    k
      .selectFrom((eb) =>
        eb
          .selectFrom('dial_records')
          .select('id')
          .where('instance_id', '=', instanceId)
          .where('state', '=', state)
          .orderBy('next_at', 'asc')
          .limit(1)
          .as(`open_${state}`),
      )
      .select('id');
  const [first, ...rest] = OPEN_STATES.map(probe);
  const row = await rest
    .reduce((q, p) => q.unionAll(p), first!)
    .limit(1)
    .executeTakeFirst();
  return row !== undefined;
}
