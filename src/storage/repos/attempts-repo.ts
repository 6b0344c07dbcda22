import type { Kysely, Updateable } from 'kysely';
import type { AttemptRow, CampaignInstanceRow, Database, DialRecordRow } from '../schema.js';
import { moveAgent, type AgentMove } from './agent-moves.js';
import { appendEvents, type NewEvent } from './outbox.js';
import { storeOutcomes, type OutcomeWrite } from './outcome-writes.js';
import { recordOfAttempt } from './record-of-attempt.js';
import type { DialectName } from '../db.js';

/** What an outcome reads of its attempt (OutcomeHandler.plan): which try it is, whether it is over, its agent. */
const OUTCOME_ATTEMPT_COLUMNS = [
  'id',
  'record_id',
  'instance_id',
  'attempt_no',
  'started_at',
  'outcome',
  'agent_id',
  'connected_at',
  'answered_at',
  'disposition',
] as const;
export type OutcomeAttempt = Pick<AttemptRow, (typeof OUTCOME_ATTEMPT_COLUMNS)[number]>;

/** What an outcome reads of its record: whether it is still out, its tries, where it is. */
const OUTCOME_RECORD_COLUMNS = [
  'id',
  'instance_id',
  'campaign_id',
  'phone_e164',
  'time_zone',
  'state',
  'attempts',
  'current_attempt_id',
] as const;
export type OutcomeRecord = Pick<DialRecordRow, (typeof OUTCOME_RECORD_COLUMNS)[number]>;

/** Attempts and the one transaction that records an outcome on an attempt and its record together. */
export class AttemptsRepo {
  constructor(
    private readonly db: Kysely<Database>,
    /** Which JSON-rows form the set-wise outcome writes use (outcome-writes.ts). */
    private readonly dialect: DialectName = 'sqlite',
  ) {}

  find(id: string): Promise<AttemptRow | undefined> {
    return this.db.selectFrom('attempts').selectAll().where('id', '=', id).executeTakeFirst();
  }

  record(id: string): Promise<DialRecordRow | undefined> {
    return this.db.selectFrom('dial_records').selectAll().where('id', '=', id).executeTakeFirst();
  }

  /**
   * Stores the outcome once: the `outcome IS NULL` guard makes a repeated or racing report a no-op
   * (false). The record is updated only while this attempt is still its current one, and the agent
   * the call was for is freed (`agent`, guarded on this attempt) in the same transaction. An agent's
   * call is stored only while it still has no disposition when `undisposed` is set: where the agent
   * goes depends on it, so a disposition given meanwhile makes this false and the caller reads again.
   */
  apply(
    attemptId: string,
    attempt: Updateable<AttemptRow>,
    recordId: string,
    record: Updateable<DialRecordRow> | null,
    agent?: AgentMove,
    undisposed = false,
    /** The outcome's events (attempt.ended, …): written only when the outcome is. */
    events: readonly NewEvent[] = [],
    /** More writes that belong to the outcome (a Predictive answer counted in its window), only when it is stored. */
    also?: (trx: Kysely<Database>) => Promise<void>,
  ): Promise<boolean> {
    return this.db.transaction().execute(async (trx) => {
      let update = trx.updateTable('attempts').set(attempt).where('id', '=', attemptId).where('outcome', 'is', null);
      if (undisposed) update = update.where('disposition', 'is', null);
      const res = await update.executeTakeFirst();
      if (Number(res.numUpdatedRows) !== 1) return false;
      if (record) {
        await trx
          .updateTable('dial_records')
          .set(record)
          .where('id', '=', recordId)
          .where('current_attempt_id', '=', attemptId)
          .where('state', 'in', ['leased', 'in_flight'])
          .execute();
      }
      if (agent) await moveAgent(trx, agent);
      if (also) await also(trx);
      await appendEvents(trx, events);
      return true;
    });
  }

  /**
   * The attempts of a batch of outcomes with what an outcome reads of their records and their runs,
   * in three statements (the ids are at most a batch, well under the bound-parameter limits). Only
   * the columns an outcome reads (OutcomeAttempt, OutcomeRecord): the contact's fields, the widest
   * part of a record, and the call's data are the dial's business, and every column read costs per
   * row. (One statement joining attempts to records was four times slower on PostgreSQL in the
   * engine bench.) Attempts without a record or run are left out.
   */
  async loadForOutcomes(
    attemptIds: readonly string[],
  ): Promise<Map<string, { att: OutcomeAttempt; rec: OutcomeRecord; inst: CampaignInstanceRow }>> {
    const out = new Map<string, { att: OutcomeAttempt; rec: OutcomeRecord; inst: CampaignInstanceRow }>();
    if (attemptIds.length === 0) return out;
    const atts = await this.db
      .selectFrom('attempts')
      .select(OUTCOME_ATTEMPT_COLUMNS)
      .where('id', 'in', [...new Set(attemptIds)])
      .execute();
    if (atts.length === 0) return out;
    const recs = await this.db
      .selectFrom('dial_records')
      .select(OUTCOME_RECORD_COLUMNS)
      .where('id', 'in', [...new Set(atts.map((a) => a.record_id))])
      .execute();
    const insts = await this.db
      .selectFrom('campaign_instances')
      .selectAll()
      .where('id', 'in', [...new Set(recs.map((r) => r.instance_id))])
      .execute();
    const recById = new Map(recs.map((r) => [r.id, r]));
    const instById = new Map(insts.map((i) => [i.id, i]));
    for (const att of atts) {
      const rec = recById.get(att.record_id);
      const inst = rec ? instById.get(rec.instance_id) : undefined;
      if (rec && inst) out.set(att.id, { att, rec, inst });
    }
    return out;
  }

  /**
   * Outcomes of calls without an agent stored together in one transaction, each as `apply` stores
   * one (outcome-writes.ts). Returns the attempts whose outcome this stored.
   */
  applyMany(items: readonly OutcomeWrite[]): Promise<Set<string>> {
    if (items.length === 0) return Promise.resolve(new Set());
    return this.db.transaction().execute((trx) => storeOutcomes(trx, this.dialect, items));
  }

  /**
   * A person answered and was connected to the agent: recorded once, before the outcome, with the
   * agent moved OnCall in the same transaction. False for a repeat, or after the outcome. With
   * `holdUntil` (calls that outlive the process) the record's lease is held at least that long.
   */
  markConnected(attemptId: string, at: number, holdUntil: number | undefined, agent: AgentMove): Promise<boolean> {
    return this.db.transaction().execute(async (trx) => {
      const res = await trx
        .updateTable('attempts')
        .set({ connected_at: at })
        .where('id', '=', attemptId)
        .where('connected_at', 'is', null)
        .where('outcome', 'is', null)
        .executeTakeFirst();
      if (Number(res.numUpdatedRows) !== 1) return false;
      if (holdUntil !== undefined)
        await trx
          .updateTable('dial_records')
          .set({ lease_expires_at: holdUntil })
          .where(recordOfAttempt(attemptId))
          .where('state', '=', 'in_flight')
          .where('lease_expires_at', '<', holdUntil)
          .execute();
      await moveAgent(trx, agent);
      return true;
    });
  }

  /** What the agent is shown of the call (the dial context), kept for the `connected` event and their desktop. */
  async setCallData(attemptId: string, data: string): Promise<void> {
    await this.db.updateTable('attempts').set({ call_data: data }).where('id', '=', attemptId).execute();
  }

  /** The agent asked to end the call; false when it has already ended. */
  async requestHangup(attemptId: string, at: number): Promise<boolean> {
    const res = await this.db
      .updateTable('attempts')
      .set({ hangup_requested_at: at })
      .where('id', '=', attemptId)
      .where('outcome', 'is', null)
      .where('hangup_requested_at', 'is', null)
      .executeTakeFirst();
    return Number(res.numUpdatedRows) === 1;
  }

  /** Calls out of this engine whose agent asked to end them: the engine tells the provider. */
  async hangupsRequested(owner: string, limit: number): Promise<string[]> {
    const rows = await this.db
      .selectFrom('attempts')
      .innerJoin('dial_records', 'dial_records.current_attempt_id', 'attempts.id')
      .select('attempts.id')
      .where('dial_records.state', '=', 'in_flight')
      .where('dial_records.lease_owner', '=', owner)
      .where('attempts.hangup_requested_at', 'is not', null)
      .where('attempts.outcome', 'is', null)
      .limit(limit)
      .execute();
    return rows.map((r) => r.id);
  }

  /** Start times of the account's attempts on a number in a channel since `since` (frequency caps; explain). */
  async startsOn(accountId: string, phone: string, channel: 'voice' | 'sms', since: number): Promise<number[]> {
    const rows = await this.db
      .selectFrom('attempts')
      .select('started_at')
      .where('account_id', '=', accountId)
      .where('phone_e164', '=', phone)
      .where('channel', '=', channel)
      .where('started_at', '>', since)
      .orderBy('started_at', 'asc')
      .execute();
    return rows.map((r) => Number(r.started_at));
  }

  async endedAt(recordId: string, attemptNo: number): Promise<number | null> {
    const row = await this.db
      .selectFrom('attempts')
      .select('ended_at')
      .where('record_id', '=', recordId)
      .where('attempt_no', '=', attemptNo)
      .executeTakeFirst();
    return row?.ended_at ?? null;
  }

  /** A real outcome after `unknown`: kept for reporting only (the record stays final). */
  async storeLate(attemptId: string, outcome: string): Promise<void> {
    await this.db
      .updateTable('attempts')
      .set({ late_outcome: outcome })
      .where('id', '=', attemptId)
      .where('late_outcome', 'is', null)
      .execute();
  }
}
