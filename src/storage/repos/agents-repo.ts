import type { Kysely, Selectable, Updateable } from 'kysely';
import type { Tenant } from '../../shared/tenant.js';
import type { AgentEventRow, AgentRow, AgentState, AgentStateHistoryRow, Database, QueueRow } from '../schema.js';
import { moveAgent, type AgentMove } from './agent-moves.js';

export interface AgentWithQueues extends AgentRow {
  queues: Pick<QueueRow, 'id' | 'name'>[];
}

/** Agents per state among the members of a queue (explain, the engine's sharing). */
export type QueueStates = Partial<Record<AgentState, number>> & { present: number };

/** Agents, their queues, state changes outside calls, presence, and the reads of their streams. */
export class AgentsRepo {
  constructor(private readonly k: Kysely<Database>) {}

  /** Inserts the agent and its queue memberships together. */
  async create(row: AgentRow, queueIds: readonly string[]): Promise<void> {
    await this.k.transaction().execute(async (trx) => {
      await trx.insertInto('agents').values(row).execute();
      if (queueIds.length > 0)
        await trx
          .insertInto('agent_queues')
          .values(queueIds.map((queue_id) => ({ agent_id: row.id, queue_id })))
          .execute();
    });
  }

  /** Changes the agent's details and, when given, replaces its queues; false when it is gone. */
  async update(
    id: string,
    patch: Updateable<Pick<AgentRow, 'name' | 'external_id' | 'extension' | 'credential_hash' | 'updated_at'>>,
    queueIds: readonly string[] | undefined,
  ): Promise<boolean> {
    return this.k.transaction().execute(async (trx) => {
      const res = await trx.updateTable('agents').set(patch).where('id', '=', id).executeTakeFirst();
      if (Number(res.numUpdatedRows) !== 1) return false;
      if (queueIds) {
        await trx.deleteFrom('agent_queues').where('agent_id', '=', id).execute();
        if (queueIds.length > 0)
          await trx
            .insertInto('agent_queues')
            .values(queueIds.map((queue_id) => ({ agent_id: id, queue_id })))
            .execute();
      }
      return true;
    });
  }

  /** Deletes the agent (its queues and stream go with it; its history stays) unless it is working. */
  async remove(id: string): Promise<'removed' | 'working' | 'missing'> {
    return this.k.transaction().execute(async (trx) => {
      const res = await trx
        .deleteFrom('agents')
        .where('id', '=', id)
        // A wrap-up still owes its call a disposition (and keeps its campaign run open).
        .where('state', 'not in', ['Reserved', 'OnCall', 'WrapUp'])
        .executeTakeFirst();
      if (Number(res.numDeletedRows) === 1) {
        await trx.deleteFrom('agent_events').where('agent_id', '=', id).execute();
        return 'removed';
      }
      const still = await trx.selectFrom('agents').select('id').where('id', '=', id).executeTakeFirst();
      return still ? 'working' : 'missing';
    });
  }

  find(id: string): Promise<AgentRow | undefined> {
    return this.k.selectFrom('agents').selectAll().where('id', '=', id).executeTakeFirst();
  }

  async findWithQueues(t: Tenant, id: string): Promise<AgentWithQueues | undefined> {
    const row = await this.k
      .selectFrom('agents')
      .selectAll()
      .where('id', '=', id)
      .where('account_id', '=', t.accountId)
      .where('bot_id', '=', t.botId)
      .executeTakeFirst();
    if (!row) return undefined;
    return { ...row, queues: (await this.queuesOf([id])).get(id) ?? [] };
  }

  async list(t: Tenant): Promise<AgentWithQueues[]> {
    const rows = await this.k
      .selectFrom('agents')
      .selectAll()
      .where('account_id', '=', t.accountId)
      .where('bot_id', '=', t.botId)
      .orderBy('created_at')
      .orderBy('id')
      .execute();
    const queues = await this.queuesOf(rows.map((r) => r.id));
    return rows.map((r) => ({ ...r, queues: queues.get(r.id) ?? [] }));
  }

  findByExternalId(botId: string, externalId: string): Promise<AgentRow | undefined> {
    return this.k
      .selectFrom('agents')
      .selectAll()
      .where('bot_id', '=', botId)
      .where('external_id', '=', externalId)
      .executeTakeFirst();
  }

  private async queuesOf(agentIds: readonly string[]): Promise<Map<string, Pick<QueueRow, 'id' | 'name'>[]>> {
    const out = new Map<string, Pick<QueueRow, 'id' | 'name'>[]>();
    if (agentIds.length === 0) return out;
    const rows = await this.k
      .selectFrom('agent_queues')
      .innerJoin('queues', 'queues.id', 'agent_queues.queue_id')
      .select(['agent_queues.agent_id', 'queues.id', 'queues.name'])
      .where('agent_queues.agent_id', 'in', [...agentIds])
      .orderBy('queues.lname')
      .execute();
    for (const r of rows) out.set(r.agent_id, [...(out.get(r.agent_id) ?? []), { id: r.id, name: r.name }]);
    return out;
  }

  /** A state change outside calls (login, logout, Available / NotReady): moveAgent in a transaction of its own. */
  move(m: AgentMove): Promise<boolean> {
    return this.k.transaction().execute((trx) => moveAgent(trx, m));
  }

  /** The agent's stream is open now (any server process); false when the agent is gone. */
  async touchStream(id: string, at: number | null): Promise<void> {
    await this.k.updateTable('agents').set({ stream_seen_at: at }).where('id', '=', id).execute();
  }

  /**
   * Agents logged in (not Offline) whose stream was last seen before `since` (or never, and who
   * have been in their state since before `since`): gone, to be logged out or have their offer
   * withdrawn.
   */
  goneSince(since: number, states: readonly AgentState[], limit: number): Promise<AgentRow[]> {
    return this.k
      .selectFrom('agents')
      .selectAll()
      .where('state', 'in', [...states])
      .where((eb) =>
        eb.or([
          eb('stream_seen_at', '<', since),
          eb.and([eb('stream_seen_at', 'is', null), eb('state_since', '<', since)]),
        ]),
      )
      .limit(limit)
      .execute();
  }

  /** Agents in WrapUp whose wrap-up time ran out. */
  wrapUpsEnded(now: number, limit: number): Promise<AgentRow[]> {
    return this.k
      .selectFrom('agents')
      .selectAll()
      .where('state', '=', 'WrapUp')
      .where('work_until', '<=', now)
      .orderBy('work_until')
      .limit(limit)
      .execute();
  }

  /**
   * Per queue, how many of its agents are in each state, and how many Available ones have a live
   * stream (`present`, since `presentSince`): one grouped read for the engine's tick and explain.
   */
  async queueStates(queueIds: readonly string[], presentSince: number): Promise<Map<string, QueueStates>> {
    const out = new Map<string, QueueStates>();
    if (queueIds.length === 0) return out;
    const rows = await this.k
      .selectFrom('agent_queues')
      .innerJoin('agents', 'agents.id', 'agent_queues.agent_id')
      .select((eb) => [
        'agent_queues.queue_id',
        'agents.state',
        eb.fn.countAll<number>().as('n'),
        eb.fn
          .sum<number>(eb.case().when('agents.stream_seen_at', '>=', presentSince).then(1).else(0).end())
          .as('present'),
      ])
      .where('agent_queues.queue_id', 'in', [...queueIds])
      .groupBy(['agent_queues.queue_id', 'agents.state'])
      .execute();
    for (const r of rows) {
      const q = out.get(r.queue_id) ?? { present: 0 };
      q[r.state] = Number(r.n);
      if (r.state === 'Available') q.present = Number(r.present ?? 0);
      out.set(r.queue_id, q);
    }
    return out;
  }

  /** Agents working for each instance (Reserved, OnCall, WrapUp), for sharing agents by priority. */
  async busyByInstance(instanceIds: readonly string[]): Promise<Map<string, number>> {
    if (instanceIds.length === 0) return new Map();
    const rows = await this.k
      .selectFrom('agents')
      .select((eb) => ['work_instance_id', eb.fn.countAll<number>().as('n')])
      .where('work_instance_id', 'in', [...instanceIds])
      .where('state', 'in', ['Reserved', 'OnCall', 'WrapUp'])
      .groupBy('work_instance_id')
      .execute();
    return new Map(rows.map((r) => [r.work_instance_id!, Number(r.n)]));
  }

  /** The agent's events after `afterId`, oldest first. */
  eventsAfter(agentIds: readonly string[], afterId: number, limit: number): Promise<Selectable<AgentEventRow>[]> {
    if (agentIds.length === 0) return Promise.resolve([]);
    return this.k
      .selectFrom('agent_events')
      .selectAll()
      .where('agent_id', 'in', [...agentIds])
      .where('id', '>', afterId)
      .orderBy('id')
      .limit(limit)
      .execute();
  }

  /** The id of the agent's newest event (a new stream without Last-Event-ID starts after it); 0 when none. */
  async lastEventId(agentId: string): Promise<number> {
    const row = await this.k
      .selectFrom('agent_events')
      .select((eb) => eb.fn.max('id').as('id'))
      .where('agent_id', '=', agentId)
      .executeTakeFirst();
    return Number(row?.id ?? 0);
  }

  /** Events older than `before` go (streams resume from a recent id; history keeps the states). */
  async pruneEvents(before: number): Promise<number> {
    const res = await this.k.deleteFrom('agent_events').where('at', '<', before).executeTakeFirst();
    return Number(res.numDeletedRows);
  }

  history(agentId: string, from: number, to: number, limit: number): Promise<Selectable<AgentStateHistoryRow>[]> {
    return this.k
      .selectFrom('agent_state_history')
      .selectAll()
      .where('agent_id', '=', agentId)
      .where('at', '>=', from)
      .where('at', '<', to)
      .orderBy('at')
      .orderBy('id')
      .limit(limit)
      .execute();
  }
}
