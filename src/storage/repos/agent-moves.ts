import type { Static } from '@sinclair/typebox';
import type { Kysely, Updateable } from 'kysely';
import type { AgentWork as AgentWorkView } from '../../contract/agents.js';
import type { AgentRow, AgentState, Database } from '../schema.js';
import { appendEvents, newEvent, type NewEvent } from './outbox.js';

/** What an agent's event stream carries next (agent_events). */
export interface AgentEventDraft {
  type: string;
  data: Record<string, unknown>;
}

/** What an agent works on while Reserved, OnCall or WrapUp; all null when free. */
export type AgentWork = Pick<
  AgentRow,
  'work_kind' | 'work_instance_id' | 'work_campaign_id' | 'work_record_id' | 'work_attempt_id' | 'work_until'
>;

/** What an agent works on as the agent and admin APIs show it (the `work` of an agent and of its `state` events). */
export function workView(w: AgentWork): Static<typeof AgentWorkView> | null {
  if (!w.work_kind || !w.work_campaign_id || !w.work_instance_id) return null;
  return {
    kind: w.work_kind,
    campaignId: w.work_campaign_id,
    campaignInstanceId: w.work_instance_id,
    ...(w.work_record_id ? { offerId: w.work_record_id } : {}),
    ...(w.work_attempt_id ? { attemptId: w.work_attempt_id } : {}),
    ...(w.work_until !== null ? { until: new Date(w.work_until).toISOString() } : {}),
  };
}

export const NO_WORK: AgentWork = Object.freeze({
  work_kind: null,
  work_instance_id: null,
  work_campaign_id: null,
  work_record_id: null,
  work_attempt_id: null,
  work_until: null,
});

/** One change of one agent, made by `moveAgent` only if the agent is still as `from` says. */
export interface AgentMove {
  agentId: string;
  /**
   * The states the agent may be in for the move to happen: either all other than `to` (a change of
   * state), or `[to]` alone (new work in the same state: an offer accepted, a wrap-up renewed).
   */
  from: readonly AgentState[];
  /** And, when given, what it must be working on. */
  workRecordId?: string;
  workAttemptId?: string;
  to: AgentState;
  reason?: string | null;
  /**
   * A move within one state that changes its reason (NotReady Break → Lunch): a change all the same,
   * with its history row, `state` event and new `state_since`, since reports count time per reason.
   */
  reasonChanges?: boolean;
  /** The new work fields (NO_WORK to clear them); unchanged when undefined. */
  work?: Partial<AgentWork>;
  /** Other columns to set with the move (presence). */
  also?: Updateable<AgentRow>;
  at: number;
  nowIso: string;
  /** For the history row: what the change was about. */
  campaignId?: string | null;
  attemptId?: string | null;
  /** Events for the agent's stream, after the `state` event a change of state always gets. */
  events?: readonly AgentEventDraft[];
}

/**
 * The one way an agent's state changes, inside the caller's transaction: a guarded UPDATE of the
 * agent's row (so two processes can never both move the same agent out of the same state), then,
 * if it moved, a history row when the state changed and the events of its stream. False when the
 * agent was not as `from` says (nothing written).
 */
export async function moveAgent(trx: Kysely<Database>, m: AgentMove): Promise<boolean> {
  const sameState = m.from.includes(m.to);
  if (sameState && m.from.length !== 1) throw new Error(`ambiguous agent move from ${m.from.join('|')} to ${m.to}`);
  const changes = !sameState || m.reasonChanges === true;
  let q = trx
    .updateTable('agents')
    .set({
      ...m.also,
      ...m.work,
      state: m.to,
      state_reason: m.reason ?? null,
      // state_since moves with the state (or its reason) only: an offer accepted or a wrap-up renewed keep it.
      ...(changes ? { state_since: m.at } : {}),
      updated_at: m.nowIso,
    })
    .where('id', '=', m.agentId)
    .where('state', 'in', [...m.from]);
  if (m.workRecordId !== undefined) q = q.where('work_record_id', '=', m.workRecordId);
  if (m.workAttemptId !== undefined) q = q.where('work_attempt_id', '=', m.workAttemptId);
  const moved = await q
    .returning([
      'account_id',
      'bot_id',
      'name',
      'work_kind',
      'work_instance_id',
      'work_campaign_id',
      'work_record_id',
      'work_attempt_id',
      'work_until',
    ])
    .executeTakeFirst();
  if (!moved) return false;
  const events: AgentEventDraft[] = [];
  if (changes) {
    await appendEvents(trx, [await stateChangedEvent(trx, m, moved)]);
    await trx
      .insertInto('agent_state_history')
      .values({
        agent_id: m.agentId,
        at: m.at,
        state: m.to,
        reason: m.reason ?? null,
        campaign_id: m.campaignId ?? null,
        attempt_id: m.attemptId ?? null,
      })
      .execute();
    events.push({
      type: 'state',
      data: { state: m.to, reason: m.reason ?? null, since: new Date(m.at).toISOString(), work: workView(moved) },
    });
  }
  events.push(...(m.events ?? []));
  await addAgentEvents(trx, m.agentId, m.at, events);
  return true;
}

/**
 * The outbox's `agent.state_changed` (docs/events.md). The state before is the agent's last history
 * row: read under the row lock the move holds, so it is the one this move left (a new agent, which
 * has none, was Offline since it was created).
 */
async function stateChangedEvent(
  trx: Kysely<Database>,
  m: AgentMove,
  agent: Pick<AgentRow, 'account_id' | 'bot_id' | 'name'>,
): Promise<NewEvent> {
  const before = await trx
    .selectFrom('agent_state_history')
    .select(['state', 'reason', 'at'])
    .where('agent_id', '=', m.agentId)
    .orderBy('at', 'desc')
    .orderBy('id', 'desc')
    .limit(1)
    .executeTakeFirst();
  const scope = { accountId: agent.account_id, botId: agent.bot_id, campaignId: m.campaignId ?? null };
  return newEvent('agent.state_changed', scope, m.at, {
    agentId: m.agentId,
    agentName: agent.name,
    state: m.to,
    reason: m.reason ?? null,
    previousState: before?.state ?? 'Offline',
    previousReason: before?.reason ?? null,
    secondsInPreviousState: before ? Math.max(0, m.at - Number(before.at)) / 1000 : null,
    campaignId: m.campaignId ?? null,
    attemptId: m.attemptId ?? null,
  });
}

/**
 * Appends events to an agent's stream (agent_events), in order. Only ever after the move has updated
 * the agent's row: that row lock makes the ids of one agent's events commit in id order (on
 * PostgreSQL a sequence value taken by one transaction may otherwise commit after a later one's),
 * which is what lets a stream read "every id after the last one sent" without loss.
 */
async function addAgentEvents(
  trx: Kysely<Database>,
  agentId: string,
  at: number,
  events: readonly AgentEventDraft[],
): Promise<void> {
  if (events.length === 0) return;
  await trx
    .insertInto('agent_events')
    .values(events.map((e) => ({ agent_id: agentId, at, type: e.type, data: JSON.stringify(e.data) })))
    .execute();
}

/**
 * Claims undone before their dial (provider unavailable, shutdown): the agents reserved for these
 * attempts are free again. In the caller's transaction; returns how many were freed.
 */
export async function freeAgentsOf(trx: Kysely<Database>, attemptIds: readonly string[], at: number): Promise<number> {
  if (attemptIds.length === 0) return 0;
  const held = await trx
    .selectFrom('agents')
    .select(['id', 'work_attempt_id', 'work_campaign_id'])
    .where('work_attempt_id', 'in', [...attemptIds])
    .where('state', '=', 'Reserved')
    .execute();
  let freed = 0;
  for (const a of held) {
    const moved = await moveAgent(trx, {
      agentId: a.id,
      from: ['Reserved'],
      workAttemptId: a.work_attempt_id!,
      to: 'Available',
      work: NO_WORK,
      at,
      nowIso: new Date(at).toISOString(),
      campaignId: a.work_campaign_id,
      attemptId: a.work_attempt_id,
      events: [{ type: 'call.cancelled', data: { attemptId: a.work_attempt_id, reason: 'not dialed' } }],
    });
    if (moved) freed++;
  }
  return freed;
}
