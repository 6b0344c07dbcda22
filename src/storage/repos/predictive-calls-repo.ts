import type { Kysely } from 'kysely';
import { nowIso } from '../../shared/ids.js';
import type { Db } from '../db.js';
import { beginClaim } from '../dialect.js';
import type { Database, DialRecordRow } from '../schema.js';
import { moveAgent, NO_WORK, type AgentEventDraft } from './agent-moves.js';
import { agentWork, availableAgents, mustMove, type AgentSupply } from './agent-supply.js';
import { recordOfAttempt } from './record-of-attempt.js';

/** Predictive: where an answered call's agent comes from, and what their stream is told. */
export interface BindRequest extends AgentSupply {
  eventsFor: (record: DialRecordRow, attemptId: string) => AgentEventDraft[];
}

/**
 * Predictive calls (docs/pacing.md, Engine): placed for a queue, not an agent, and given an agent
 * only once a person answers. Each step is one transaction; reserving an agent happens under the
 * claim lock (beginClaim), as every other reservation does, so an agent is never reserved twice.
 */
export class PredictiveCallsRepo {
  private readonly k: Kysely<Database>;
  constructor(private readonly db: Db) {
    this.k = db.kysely;
  }

  /**
   * Predictive: a person answered the call. Recorded once (false-y `gone` for a repeat, or a call
   * already ended), then, in the same transaction, the longest-idle free agent of the queue is
   * reserved for it. Null: nobody is free; the call waits (`bindWaiting`) until its deadline.
   */
  answer(attemptId: string, at: number, bind: BindRequest): Promise<string | null | 'gone'> {
    return this.k.transaction().execute(async (trx) => {
      await beginClaim(this.db.dialect, trx);
      const res = await trx
        .updateTable('attempts')
        .set({ answered_at: at })
        .where('id', '=', attemptId)
        .where('answered_at', 'is', null)
        .where('outcome', 'is', null)
        .executeTakeFirst();
      if (Number(res.numUpdatedRows) !== 1) return 'gone';
      return this.bindIn(trx, attemptId, at, bind);
    });
  }

  /** Predictive: a free agent reserved for an answered call still waiting; null when there is none (or it waits no more). */
  bindWaiting(attemptId: string, now: number, bind: BindRequest): Promise<string | null> {
    return this.k.transaction().execute(async (trx) => {
      await beginClaim(this.db.dialect, trx);
      return this.bindIn(trx, attemptId, now, bind);
    });
  }

  /**
   * Predictive: the provider could not connect the call to the agent reserved for it (the deadline
   * passed meanwhile): the agent is free again at once, and the call's outcome will come without one.
   */
  unbind(attemptId: string, agentId: string, now: number, events: AgentEventDraft[]): Promise<boolean> {
    return this.k.transaction().execute(async (trx) => {
      const res = await trx
        .updateTable('attempts')
        .set({ agent_id: null })
        .where('id', '=', attemptId)
        .where('agent_id', '=', agentId)
        .where('connected_at', 'is', null)
        .where('outcome', 'is', null)
        .executeTakeFirst();
      if (Number(res.numUpdatedRows) !== 1) return false;
      await trx.updateTable('dial_records').set({ agent_id: null }).where(recordOfAttempt(attemptId)).execute();
      await moveAgent(trx, {
        agentId,
        from: ['Reserved'],
        workAttemptId: attemptId,
        to: 'Available',
        work: NO_WORK,
        at: now,
        nowIso: nowIso(now),
        attemptId,
        events,
      });
      return true;
    });
  }

  /** Predictive calls of these instances out and not with an agent: ringing, or answered and waiting. */
  predictiveCallsOut(
    instanceIds: readonly string[],
  ): Promise<{ id: string; instance_id: string; worker: string; started_at: number; answered_at: number | null }[]> {
    if (instanceIds.length === 0) return Promise.resolve([]);
    return this.k
      .selectFrom('attempts')
      .select(['id', 'instance_id', 'worker', 'started_at', 'answered_at'])
      .where('instance_id', 'in', instanceIds)
      .where('outcome', 'is', null)
      .where('agent_id', 'is', null)
      .execute();
  }

  /** Agents working on a call of the campaign (reserved for it, on it, or in its wrap-up), since when. */
  agentsWorkingFor(campaignId: string): Promise<{ state: string; state_since: number }[]> {
    return this.k
      .selectFrom('agents')
      .select(['state', 'state_since'])
      .where('work_campaign_id', '=', campaignId)
      .where('work_kind', '=', 'call')
      .where('state', 'in', ['Reserved', 'OnCall', 'WrapUp'])
      .execute();
  }

  private async bindIn(
    trx: Kysely<Database>,
    attemptId: string,
    at: number,
    bind: BindRequest,
  ): Promise<string | null> {
    const rec = await trx.selectFrom('dial_records').selectAll().where(recordOfAttempt(attemptId)).executeTakeFirst();
    if (!rec) return null;
    const [agentId] = await availableAgents(this.db.dialect, trx, bind, 1);
    if (!agentId) return null;
    const res = await trx
      .updateTable('attempts')
      .set({ agent_id: agentId })
      .where('id', '=', attemptId)
      .where('agent_id', 'is', null)
      .where('answered_at', 'is not', null)
      .where('outcome', 'is', null)
      .executeTakeFirst();
    if (Number(res.numUpdatedRows) !== 1) return null;
    await trx.updateTable('dial_records').set({ agent_id: agentId }).where('id', '=', rec.id).execute();
    await mustMove(trx, {
      agentId,
      from: ['Available'],
      to: 'Reserved',
      work: agentWork(rec, 'call', attemptId, null),
      at,
      nowIso: nowIso(at),
      campaignId: rec.campaign_id,
      attemptId,
      events: bind.eventsFor(rec, attemptId),
    });
    return agentId;
  }
}
