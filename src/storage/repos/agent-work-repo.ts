import type { Kysely, Updateable } from 'kysely';
import { nowIso } from '../../shared/ids.js';
import type { Db } from '../db.js';
import { beginClaim, beginWrite, lockForClaim } from '../dialect.js';
import type { Database, DialRecordRow } from '../schema.js';
import { moveAgent, NO_WORK, type AgentEventDraft, type AgentMove } from './agent-moves.js';
import { agentWork, availableAgents, mustMove, type AgentSupply } from './agent-supply.js';
import { attemptsStarted, dueInside, leaseRecords, lineLimit, type ClaimRequest, type Claimed } from './claim-steps.js';
import { appendEvents, type NewEvent } from './outbox.js';

export interface AgentClaimRequest extends ClaimRequest, AgentSupply {
  campaignId: string;
  /** What the agent's stream is told when the call (Progressive) or the offer (Preview) is theirs. */
  eventsFor: (record: DialRecordRow, attemptId: string | null) => AgentEventDraft[];
}

export interface OfferRequest extends Omit<AgentClaimRequest, 'newAttemptId' | 'leaseMs' | 'caps'> {
  /** The offer's deadline. */
  until: number;
}

/** How an offer ends without a dial: where the record and the agent go. */
export interface OfferReturn {
  /** A skip counts against the record's `maxSkips`; a withdrawal does not. */
  skip: boolean;
  maxSkips: number;
  agentTo: 'Available' | 'NotReady';
  reason: string | null;
  events: AgentEventDraft[];
}

/**
 * The work agents do, each step one transaction that moves the record and its agent together:
 * reserving agents in claims (Progressive) and offers (Preview), accepting, skipping and withdrawing
 * offers, and dialing accepted records. Reservations happen only inside claim transactions
 * (beginClaim), with the candidate agents locked (PostgreSQL) or the write lock held (SQLite), and
 * every move is guarded (agent-moves.ts): an agent is never reserved twice.
 */
export class AgentWorkRepo {
  private readonly k: Kysely<Database>;
  constructor(private readonly db: Db) {
    this.k = db.kysely;
  }

  /** Progressive: due records of the instance, each leased with an attempt for an agent reserved for it. */
  claimWithAgents(req: AgentClaimRequest): Promise<{ claimed: Claimed; agentId: string }[]> {
    return this.k.transaction().execute(async (trx) => {
      await beginClaim(this.db.dialect, trx);
      const limit = await lineLimit(trx, req);
      if (limit <= 0) return [];
      const agents = await availableAgents(this.db.dialect, trx, req, limit);
      if (agents.length === 0) return [];
      const records = await dueInside(trx, this.db.dialect, req, agents.length);
      const agentOf = new Map(records.map((r, i) => [r.id, agents[i]!]));
      const claimed = await leaseRecords(trx, this.db.dialect, req, records, { agentOf: (r) => agentOf.get(r.id)! });
      const at = req.now;
      for (const c of claimed) {
        const agentId = agentOf.get(c.record.id)!;
        await mustMove(trx, {
          agentId,
          from: ['Available'],
          to: 'Reserved',
          work: agentWork(c.record, 'call', c.attempt.id, null),
          at,
          nowIso: nowIso(at),
          campaignId: req.campaignId,
          attemptId: c.attempt.id,
          events: req.eventsFor(c.record, c.attempt.id),
        });
      }
      await attemptsStarted(trx, [req], [claimed]);
      return claimed.map((c) => ({ claimed: c, agentId: agentOf.get(c.record.id)! }));
    });
  }

  /** Preview: due records of the instance offered to agents reserved for them; nothing is dialed. */
  offer(req: OfferRequest): Promise<{ record: DialRecordRow; agentId: string }[]> {
    return this.k.transaction().execute(async (trx) => {
      await beginClaim(this.db.dialect, trx);
      const agents = await availableAgents(this.db.dialect, trx, req, req.limit);
      if (agents.length === 0) return [];
      const records = await dueInside(trx, this.db.dialect, req, agents.length);
      const out: { record: DialRecordRow; agentId: string }[] = [];
      for (const [i, r] of records.entries()) {
        const agentId = agents[i]!;
        const res = await trx
          .updateTable('dial_records')
          .set({
            state: 'offered',
            agent_id: agentId,
            lease_owner: req.owner,
            lease_expires_at: req.until,
            updated_at: req.now,
          })
          .where('id', '=', r.id)
          .where('state', '=', 'pending')
          .executeTakeFirst();
        if (Number(res.numUpdatedRows) !== 1) throw new Error(`offer of record ${r.id}: not pending; rolled back`);
        await mustMove(trx, {
          agentId,
          from: ['Available'],
          to: 'Reserved',
          work: agentWork(r, 'offer', null, req.until),
          at: req.now,
          nowIso: nowIso(req.now),
          campaignId: req.campaignId,
          events: req.eventsFor(r, null),
        });
        out.push({ record: { ...r, state: 'offered', agent_id: agentId }, agentId });
      }
      return out;
    });
  }

  /**
   * Accepted offers of the instance, leased with an attempt each for the agent who accepted,
   * within the line caps. Those whose calling window closed meanwhile go back (`place`).
   */
  claimAccepted(
    req: ClaimRequest & {
      campaignId: string;
      eventsFor: AgentClaimRequest['eventsFor'];
      /** Where a record whose calling window closed since its acceptance goes, with its agent. */
      closed: (r: DialRecordRow) => OfferReturn;
    },
  ): Promise<{ claimed: Claimed; agentId: string }[]> {
    return this.k.transaction().execute(async (trx) => {
      await beginClaim(this.db.dialect, trx);
      const limit = await lineLimit(trx, req);
      if (limit <= 0) return [];
      const accepted = await lockForClaim(
        this.db.dialect,
        trx
          .selectFrom('dial_records')
          .selectAll()
          .where('instance_id', '=', req.instanceId)
          .where('state', '=', 'accepted')
          .orderBy('next_at', 'asc')
          .limit(limit),
      ).execute();
      const inside: DialRecordRow[] = [];
      for (const r of accepted) {
        const p = req.place(r);
        if (p.inside) inside.push(r);
        else await this.returnIn(trx, r, r.agent_id!, req.now, req.closed(r), 'accepted', p.nextAt);
      }
      const claimed = await leaseRecords(trx, this.db.dialect, req, inside, {
        from: 'accepted',
        agentOf: (r) => r.agent_id!,
      });
      for (const c of claimed) {
        await mustMove(trx, {
          agentId: c.record.agent_id!,
          from: ['Reserved'],
          workRecordId: c.record.id,
          to: 'Reserved',
          work: { work_kind: 'call', work_attempt_id: c.attempt.id, work_until: null },
          at: req.now,
          nowIso: nowIso(req.now),
          campaignId: req.campaignId,
          attemptId: c.attempt.id,
          events: req.eventsFor(c.record, c.attempt.id),
        });
      }
      await attemptsStarted(trx, [req], [claimed]);
      return claimed.map((c) => ({ claimed: c, agentId: c.record.agent_id! }));
    });
  }

  /**
   * The agent accepts the record offered to them: it becomes `accepted`, for the next tick to
   * dial. False when the offer is not theirs, or not open any more (withdrawn, or timed out: an
   * agent's accept (`byAgent`) counts only before the deadline, even if the sweep has not run yet;
   * the sweep accepts on their behalf at it).
   */
  acceptOffer(
    recordId: string,
    agentId: string,
    now: number,
    events: AgentEventDraft[],
    byAgent: boolean,
  ): Promise<boolean> {
    return this.k.transaction().execute(async (trx) => {
      let update = trx
        .updateTable('dial_records')
        .set({ state: 'accepted', next_at: now, lease_owner: null, lease_expires_at: null, updated_at: now })
        .where('id', '=', recordId)
        .where('agent_id', '=', agentId)
        .where('state', '=', 'offered');
      if (byAgent) update = update.where('lease_expires_at', '>', now);
      const res = await update.executeTakeFirst();
      if (Number(res.numUpdatedRows) !== 1) return false;
      await mustMove(trx, {
        agentId,
        from: ['Reserved'],
        workRecordId: recordId,
        to: 'Reserved',
        work: { work_kind: 'call', work_until: null },
        at: now,
        nowIso: nowIso(now),
        events,
      });
      return true;
    });
  }

  /**
   * An offer (or an accepted record not yet dialed) ends without a dial: the record waits again,
   * or is final `agent-skipped` once skipped `maxSkips` times; the agent moves as `how` says.
   * Answers whether the record is final now, or false when it was not offered to (or accepted by)
   * this agent any more.
   */
  returnOffer(recordId: string, agentId: string, now: number, how: OfferReturn): Promise<'final' | 'back' | false> {
    return this.k.transaction().execute(async (trx) => {
      await beginWrite(this.db.dialect, trx);
      const r = await trx
        .selectFrom('dial_records')
        .selectAll()
        .where('id', '=', recordId)
        .where('agent_id', '=', agentId)
        .where('state', 'in', ['offered', 'accepted'])
        .executeTakeFirst();
      if (!r) return false;
      return this.returnIn(trx, r, agentId, now, how, r.state as 'offered' | 'accepted', now);
    });
  }

  /**
   * Offers at or past their deadline, oldest first: an offer is open while time is left, so at its
   * deadline (`expiresAt`, timeLeftSec 0) it has timed out, as a wrap-up ends at its `work_until`.
   */
  expiredOffers(
    now: number,
    limit: number,
  ): Promise<Pick<DialRecordRow, 'id' | 'agent_id' | 'campaign_id' | 'instance_id'>[]> {
    return this.k
      .selectFrom('dial_records')
      .select(['id', 'agent_id', 'campaign_id', 'instance_id'])
      .where('state', '=', 'offered')
      .where('lease_expires_at', '<=', now)
      .orderBy('lease_expires_at', 'asc')
      .limit(limit)
      .execute();
  }

  /**
   * A disposition for the agent's call: stored once on the attempt (false for a second one, or
   * for a call that is not theirs), its codes on the record for the Kore views, and the agent moved
   * on (`move`: out of WrapUp) in the same transaction. Without `move` the agent is on the call, and
   * the disposition is stored only while the call has no outcome: once it has, the outcome decided
   * the agent's wrap-up without this disposition, and the caller must read again.
   */
  dispose(
    attemptId: string,
    agentId: string,
    recordId: string,
    disposition: string,
    codes: string,
    move: AgentMove | undefined,
    /** Its `agent.disposition_submitted`, written only when the disposition is. */
    event: NewEvent,
  ): Promise<boolean> {
    return this.k.transaction().execute(async (trx) => {
      let update = trx
        .updateTable('attempts')
        .set({ disposition })
        .where('id', '=', attemptId)
        .where('agent_id', '=', agentId)
        .where('disposition', 'is', null);
      if (!move) update = update.where('outcome', 'is', null);
      const res = await update.executeTakeFirst();
      if (Number(res.numUpdatedRows) !== 1) return false;
      await trx
        .updateTable('dial_records')
        .set({ agent_disposition_codes: codes })
        .where('id', '=', recordId)
        .execute();
      if (move) await moveAgent(trx, move);
      await appendEvents(trx, [event]);
      return true;
    });
  }

  /**
   * Wrap-up ends without the agent's disposition (it ran out, or the agent left it): the system's
   * disposition is stored where none was given, and the agent moved on (`move`).
   */
  endWrapUp(
    attemptId: string,
    recordId: string,
    system: string,
    codes: string,
    move: AgentMove,
    /** The system disposition's `agent.disposition_submitted`, written only when it is stored. */
    event: NewEvent,
  ): Promise<boolean> {
    return this.k.transaction().execute(async (trx) => {
      if (!(await moveAgent(trx, move))) return false;
      const res = await trx
        .updateTable('attempts')
        .set({ disposition: system })
        .where('id', '=', attemptId)
        .where('disposition', 'is', null)
        .executeTakeFirst();
      if (Number(res.numUpdatedRows) === 1) {
        await trx
          .updateTable('dial_records')
          .set({ agent_disposition_codes: codes })
          .where('id', '=', recordId)
          .execute();
        await appendEvents(trx, [event]);
      }
      return true;
    });
  }

  private async returnIn(
    trx: Kysely<Database>,
    r: DialRecordRow,
    agentId: string,
    now: number,
    how: OfferReturn,
    from: 'offered' | 'accepted',
    nextAt: number,
  ): Promise<'final' | 'back' | false> {
    const skips = r.skips + (how.skip ? 1 : 0);
    const final = how.skip && skips >= how.maxSkips;
    const patch: Updateable<DialRecordRow> = {
      skips,
      lease_owner: null,
      lease_expires_at: null,
      updated_at: now,
      ...(final
        ? { state: 'done', final_outcome: 'agent-skipped', last_outcome: 'agent-skipped' }
        : { state: 'pending', next_at: nextAt, agent_id: null }),
    };
    const res = await trx
      .updateTable('dial_records')
      .set(patch)
      .where('id', '=', r.id)
      .where('agent_id', '=', agentId)
      .where('state', '=', from)
      .executeTakeFirst();
    if (Number(res.numUpdatedRows) !== 1) return false;
    await mustMove(trx, {
      agentId,
      from: ['Reserved'],
      workRecordId: r.id,
      to: how.agentTo,
      reason: how.reason,
      work: NO_WORK,
      at: now,
      nowIso: nowIso(now),
      campaignId: r.campaign_id,
      events: how.events,
    });
    return final ? 'final' : 'back';
  }
}

/**
 * Offers and accepted records of an instance being paused or stopped, in the caller's transaction:
 * back to pending (paused) or final `finalOutcome` (stopped), their agents free again.
 */
export async function withdrawOffers(
  trx: Kysely<Database>,
  instanceId: string,
  now: number,
  finalOutcome: string | null,
): Promise<void> {
  const held = await trx
    .selectFrom('dial_records')
    .select(['id', 'agent_id', 'campaign_id'])
    .where('instance_id', '=', instanceId)
    .where('state', 'in', ['offered', 'accepted'])
    .execute();
  for (const r of held) {
    await trx
      .updateTable('dial_records')
      .set({
        ...(finalOutcome ? { state: 'done', final_outcome: finalOutcome } : { state: 'pending', next_at: now }),
        agent_id: null,
        lease_owner: null,
        lease_expires_at: null,
        updated_at: now,
      })
      .where('id', '=', r.id)
      .execute();
    if (!r.agent_id) continue;
    await moveAgent(trx, {
      agentId: r.agent_id,
      from: ['Reserved'],
      workRecordId: r.id,
      to: 'Available',
      work: NO_WORK,
      at: now,
      nowIso: nowIso(now),
      campaignId: r.campaign_id,
      events: [
        {
          type: 'offer.withdrawn',
          data: { offerId: r.id, reason: finalOutcome ? 'campaign stopped' : 'campaign paused' },
        },
      ],
    });
  }
}
