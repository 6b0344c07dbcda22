import { sql, type ExpressionBuilder, type Kysely } from 'kysely';
import type { Db, DialectName } from '../db.js';
import { beginClaim, filterOnly, jsonRows, lockInstance } from '../dialect.js';
import { freeAgentsOf } from './agent-moves.js';
import { factsAhead, takeNumbers, type TakenNumbers } from './claim-protection.js';
import {
  attemptsStarted,
  leaseMany,
  linesOut,
  readDue,
  settleDue,
  type ClaimRequest,
  type Claimed,
} from './claim-steps.js';

export type { ClaimRequest, Claimed, Placement } from './claim-steps.js';
import type { Database, DialRecordRow, DialRecordState } from '../schema.js';

/** campaignd's filters of `view=contacts`, in stored terms (domain/engine/contacts-filter.ts builds them). */
export interface ContactsViewFilter {
  /** Records in one of these states. */
  states?: DialRecordState[];
  /** Records whose final outcome is one of these (engine outcomes). */
  finalOutcomes?: string[];
  /** phone_e164 >= phoneFrom (a number prefix's first number). */
  phoneFrom?: string;
  /** phone_e164 < phoneTo (the first number past the prefix); absent for a prefix of nines. */
  phoneTo?: string;
}

const OPEN_STATES = ['pending', 'offered', 'accepted', 'leased', 'in_flight'] as const;

/** A claim undone: the record waits again as if never claimed (the caller deletes its attempt). */
const unclaimed = (now: number) => (eb: ExpressionBuilder<Database, 'dial_records'>) => ({
  state: 'pending' as const,
  attempts: eb('attempts', '-', 1),
  current_attempt_id: null,
  agent_id: null,
  lease_owner: null,
  lease_expires_at: null,
  updated_at: now,
});

/**
 * The records of `claims` still leased with their claim's attempt. An attempt belongs to one record,
 * so matching both lists pairs them; `state` is a filter only, so SQLite looks the ids up (filterOnly).
 */
const stillLeased =
  (claims: readonly { recordId: string; attemptId: string }[]) => (eb: ExpressionBuilder<Database, 'dial_records'>) =>
    eb.and([
      eb(
        'id',
        'in',
        claims.map((c) => c.recordId),
      ),
      eb(
        'current_attempt_id',
        'in',
        claims.map((c) => c.attemptId),
      ),
      eb(filterOnly('state'), '=', 'leased'),
    ]);

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
  async claim(req: ClaimRequest): Promise<Claimed[]> {
    return (await this.claimMany([req]))[0]!;
  }

  /**
   * `claim` for several instances in ONE transaction, in the order given (a tick's, by priority):
   * one count of the calls out; every instance's due records read at once (readDue) with the facts
   * of their numbers for contact protection (factsAhead); then, instance by instance, the records its
   * caps allow after the earlier ones placed and protected (a later instance counts the numbers an
   * earlier one took as busy: TakenNumbers); then all of them leased at once (leaseMany) and every
   * `attempt.started` event in one INSERT. A few statements and one commit per tick, however many
   * campaigns. On PostgreSQL the rows read beyond what a campaign takes stay locked, and other
   * engines skip them, until the commit.
   */
  claimMany(reqs: readonly ClaimRequest[]): Promise<Claimed[][]> {
    if (reqs.length === 0) return Promise.resolve([]);
    return this.k.transaction().execute(async (trx) => {
      await beginClaim(this.db.dialect, trx);
      const lines = await linesOut(trx);
      // As many records per campaign as it could take were it the only one; each then takes the
      // first of them that keep the calls out within the caps after the earlier campaigns' claims.
      const due = await readDue(
        trx,
        this.db.dialect,
        reqs.map((req) => ({ instanceId: req.instanceId, limit: lines.limit(req), now: req.now })),
      );
      const facts = await factsAhead(trx, reqs, due);
      const taken: TakenNumbers = new Map();
      const batches = [];
      for (const req of reqs) {
        const limit = lines.limit(req);
        const read = (due.get(req.instanceId) ?? []).slice(0, Math.max(0, limit));
        const records = await settleDue(trx, req, read, { taken, facts: facts.get(req.instanceId) });
        lines.took(req.instanceId, records.length);
        takeNumbers(
          taken,
          req.accountId,
          records.map((r) => r.phone_e164),
          req.now,
        );
        batches.push({ req, records });
      }
      const all = await leaseMany(trx, this.db.dialect, batches);
      await attemptsStarted(trx, reqs, all);
      return all;
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
      .where(stillLeased(claims))
      .where('lease_owner', '=', owner)
      .where('lease_expires_at', '>', now)
      .returning('id')
      .execute();
    return new Set(rows.map((r) => r.id));
  }

  /**
   * An engine's heartbeat: its live leases go on to `until` — every claim, and the calls out that
   * were accepted at or after `inFlightSince` or connected to an agent at or after `connectedSince`
   * (no calls out when undefined). One UPDATE; returns how many.
   */
  async renewOwned(
    owner: string,
    now: number,
    until: number,
    inFlight: { since: number; connectedSince: number } | undefined,
  ): Promise<number> {
    const res = await this.k
      .updateTable('dial_records')
      .set({ lease_expires_at: until })
      .where('lease_owner', '=', owner)
      .where('lease_expires_at', '>', now)
      .where((eb) =>
        inFlight === undefined
          ? eb('state', '=', 'leased')
          : eb.or([
              eb('state', '=', 'leased'),
              eb.and([
                eb('state', '=', 'in_flight'),
                eb.or([
                  eb('updated_at', '>=', inFlight.since),
                  // A conversation with an agent lasts as long as it lasts, not as long as a ring.
                  eb.exists(
                    eb
                      .selectFrom('attempts')
                      .select('attempts.id')
                      .whereRef('attempts.id', '=', 'dial_records.current_attempt_id')
                      .where('attempts.outcome', 'is', null)
                      .where('attempts.connected_at', '>=', inFlight.connectedSince),
                  ),
                ]),
              ]),
            ]),
      )
      .executeTakeFirst();
    return Number(res.numUpdatedRows);
  }

  /** The provider accepted: the call is out; the lease now covers the longest wait for its outcome. */
  async markInFlight(
    claims: readonly { recordId: string; attemptId: string }[],
    leaseExpiresAt: number,
    now: number,
  ): Promise<void> {
    if (claims.length === 0) return;
    await this.k
      .updateTable('dial_records')
      .set({ state: 'in_flight', lease_expires_at: leaseExpiresAt, updated_at: now })
      .where(stillLeased(claims))
      .execute();
  }

  /**
   * The requests certainly never left (ProviderUnavailableError): the claims are undone without
   * using an attempt, in one transaction. Returns how many were still ours to undo.
   */
  async release(claims: readonly { recordId: string; attemptId: string }[], now: number): Promise<number> {
    if (claims.length === 0) return 0;
    return this.k.transaction().execute(async (trx) => {
      const undone = await trx
        .updateTable('dial_records')
        .set(unclaimed(now))
        .where(stillLeased(claims))
        .returning('id')
        .execute();
      const ours = new Set(undone.map((r) => r.id));
      const attempts = claims.filter((c) => ours.has(c.recordId)).map((c) => c.attemptId);
      if (attempts.length === 0) return 0;
      await freeAgentsOf(trx, attempts, now);
      await trx.deleteFrom('attempts').where('id', 'in', attempts).execute();
      return attempts.length;
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
        .where(filterOnly('state'), '=', 'leased')
        .where('lease_owner', '=', owner)
        .where('lease_expires_at', '>', now)
        .executeTakeFirst();
      const attempts = held.flatMap((r) => (r.current_attempt_id ? [r.current_attempt_id] : []));
      await freeAgentsOf(trx, attempts, now);
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
   * How many records of each instance are due now, counted up to its `max` (the scan stops there),
   * in one statement: for each, one range of dial_records_due_idx. A tick asks it of every campaign
   * (agents' up to their queue's free agents); one statement per campaign made an idle tick of 50
   * campaigns 50 round trips on PostgreSQL. Ordered by next_at so the scan follows the index: with
   * many records due, PostgreSQL would otherwise weigh a LIMIT-`max` sequential scan, which first
   * reads every final record stored before the due ones. The order does not change the count;
   * nothing but the index is read (an index-only scan).
   */
  async dueCounts(asks: readonly { instanceId: string; max: number }[], now: number): Promise<Map<string, number>> {
    const counts = new Map(asks.map((a) => [a.instanceId, 0]));
    const wanted = asks.filter((a) => a.max > 0);
    if (wanted.length === 0) return counts;
    const upTo = Math.max(...wanted.map((a) => a.max));
    const { rows } = await sql<{ id: string; n: number | string }>`
      select v.id, (select count(*) from (
          select 1 from dial_records r where r.instance_id = v.id and r.state = 'pending' and r.next_at <= ${now}
          order by r.next_at limit ${upTo}) as due) as n
      from ${idRows(
        this.db.dialect,
        wanted.map((a) => a.instanceId),
      )}`.execute(this.k);
    const n = new Map(rows.map((r) => [r.id, Number(r.n)]));
    for (const a of wanted) counts.set(a.instanceId, Math.min(a.max, n.get(a.instanceId) ?? 0));
    return counts;
  }

  /** True while any record of the instance is not final (openRecordExists). */
  hasOpen(instanceId: string): Promise<boolean> {
    return openRecordExists(this.k, this.db.dialect, instanceId);
  }

  /**
   * The instances among `instanceIds` with a record not final, in one statement. The tick asks it
   * of its idle campaigns and checks completion (completeIfDone, under the run's lock) only for the
   * others, instead of a round trip per idle campaign per tick.
   */
  withOpenRecords(instanceIds: readonly string[]): Promise<Set<string>> {
    return instancesWithOpenRecords(this.k, this.db.dialect, instanceIds);
  }

  /**
   * A page of an instance's records in dial order (`view=contacts`), with the total. `filter`
   * (campaignd's extension) narrows both with WHERE conditions that keep to the run's indexes: a
   * number prefix is a range of `dial_records_phone_uq (instance_id, phone_e164)`, states are
   * ranges of `dial_records_due_idx (instance_id, state, …)` for the count (and for the page when
   * only records out now are asked for); outcomes are checked on the done records (no index holds
   * final_outcome). Without a filter the queries are the ones Kore's view
   * has always run.
   */
  async page(
    instanceId: string,
    offset: number,
    limit: number,
    filter?: ContactsViewFilter,
  ): Promise<{ rows: DialRecordRow[]; total: number }> {
    let count = this.k
      .selectFrom('dial_records')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('instance_id', '=', instanceId);
    let rows = this.k.selectFrom('dial_records').selectAll().where('instance_id', '=', instanceId);
    if (filter?.states) {
      count = count.where('state', 'in', filter.states);
      rows = rows.where('state', 'in', filter.states);
    }
    if (filter?.finalOutcomes) {
      count = count.where('final_outcome', 'in', filter.finalOutcomes);
      rows = rows.where('final_outcome', 'in', filter.finalOutcomes);
    }
    if (filter?.phoneFrom !== undefined) {
      count = count.where('phone_e164', '>=', filter.phoneFrom);
      rows = rows.where('phone_e164', '>=', filter.phoneFrom);
    }
    if (filter?.phoneTo !== undefined) {
      count = count.where('phone_e164', '<', filter.phoneTo);
      rows = rows.where('phone_e164', '<', filter.phoneTo);
    }
    // Records out now (offered … in flight) are at most the concurrent-call capacity: gather them by
    // the state index and sort those few. Ordered by the bare column, SQLite (without statistics)
    // walks the run's view index in order instead, testing every record for the few that match.
    const fewOut = filter?.states?.every((st) => st !== 'pending' && st !== 'done') === true;
    const [n, page] = await Promise.all([
      count.executeTakeFirstOrThrow(),
      (fewOut ? rows.orderBy(sql`order_key + 0`) : rows.orderBy('order_key', 'asc'))
        .offset(offset)
        .limit(limit)
        .execute(),
    ]);
    return { rows: page, total: Number(n.n) };
  }

  /** The account's other records that hold `phone` now: offered, accepted, being placed or on a call (explain). */
  busyWith(
    accountId: string,
    phone: string,
    exceptRecordId: string,
  ): Promise<Pick<DialRecordRow, 'id' | 'campaign_id' | 'state' | 'current_attempt_id'>[]> {
    return this.k
      .selectFrom('dial_records as r')
      .innerJoin('campaign_instances as i', 'i.id', 'r.instance_id')
      .select(['r.id', 'r.campaign_id', 'r.state', 'r.current_attempt_id'])
      .where('r.phone_e164', '=', phone)
      .where('r.state', 'in', ['offered', 'accepted', 'leased', 'in_flight'])
      .where('i.account_id', '=', accountId)
      .where('r.id', '!=', exceptRecordId)
      .execute();
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

/** `ids` (deduplicated) as the rows `v(id)` of one JSON parameter (jsonRows). */
const idRows = (dialect: DialectName, ids: readonly string[]) =>
  jsonRows(dialect, JSON.stringify([...new Set(ids)].map((id) => ({ id }))), ['id']);

/**
 * The instances among `instanceIds` with a record not final: for each, one probe of
 * dial_records_due_idx per open state, in one statement (one snapshot, so a record moving between
 * open states cannot slip between two probes). One equality per probe: with `state IN (...)`,
 * PostgreSQL estimated thousands of matches and chose a sequential scan hoping to meet one early,
 * which reads every final record stored before the instance's open ones (earlier instances,
 * records already dialed). Each probe is one index lookup on both dialects.
 */
async function instancesWithOpenRecords(
  k: Kysely<Database>,
  dialect: DialectName,
  instanceIds: readonly string[],
): Promise<Set<string>> {
  if (instanceIds.length === 0) return new Set();
  const open = OPEN_STATES.map(
    (state) => sql`exists (select 1 from dial_records r where r.instance_id = v.id and r.state = ${state})`,
  );
  const { rows } = await sql<{ id: string }>`
    select v.id from ${idRows(dialect, instanceIds)} where ${sql.join(open, sql` or `)}`.execute(k);
  return new Set(rows.map((r) => r.id));
}

/** True while any record of the instance is not final, or an agent is in the wrap-up of one of its calls. */
export async function openRecordExists(
  k: Kysely<Database>,
  dialect: DialectName,
  instanceId: string,
): Promise<boolean> {
  if ((await instancesWithOpenRecords(k, dialect, [instanceId])).size > 0) return true;
  // A record whose call's agent is still in wrap-up is not over: the disposition may yet ask for a
  // call-back, which needs the run still open. Read after the records: the outcome that ends a
  // record moves its agent into wrap-up in the same transaction, so it cannot slip between the two.
  // Few agents are ever in wrap-up (agents_state_until_idx).
  const wrapUp = await k
    .selectFrom('agents')
    .select('id')
    .where('state', '=', 'WrapUp')
    .where('work_instance_id', '=', instanceId)
    .limit(1)
    .executeTakeFirst();
  return wrapUp !== undefined;
}
