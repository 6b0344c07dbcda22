import type { Kysely } from 'kysely';
import type { Tenant } from '../../shared/tenant.js';
import type { AgentState, Database, QueueRow } from '../schema.js';
import type { AgentWithQueues } from './agents-repo.js';

/** Agents of a queue in one state, and how many of them have a live stream. */
export interface QueueStateCount {
  queueId: string;
  state: AgentState;
  n: number;
  present: number;
}

/** Agents of a bot working for a run, by kind of work and state. */
export interface WorkCount {
  instanceId: string;
  kind: 'offer' | 'call';
  state: AgentState;
  n: number;
}

/** A campaign of the bot with a run going on (Active or Paused) and its stored configuration. */
export interface RunningCampaign {
  id: string;
  name: string;
  status: string;
  dialing_mode: string | null;
  instance_id: string;
  config: string;
}

/** The reads of a supervisor's agents board (domain/agents/agent-board.ts): a few grouped queries per request. */
export class AgentBoardRepo {
  constructor(private readonly k: Kysely<Database>) {}

  /** One page of the bot's agents by name (then id), with their queues, and how many there are. */
  async page(t: Tenant, offset: number, limit: number): Promise<{ rows: AgentWithQueues[]; total: number }> {
    const count = await this.k
      .selectFrom('agents')
      .select((eb) => eb.fn.countAll<number | string>().as('n'))
      .where('account_id', '=', t.accountId)
      .where('bot_id', '=', t.botId)
      .executeTakeFirst();
    const rows = await this.k
      .selectFrom('agents')
      .selectAll()
      .where('account_id', '=', t.accountId)
      .where('bot_id', '=', t.botId)
      .orderBy('name')
      .orderBy('id')
      .limit(limit)
      .offset(offset)
      .execute();
    const queues = new Map<string, Pick<QueueRow, 'id' | 'name'>[]>();
    if (rows.length > 0) {
      const qs = await this.k
        .selectFrom('agent_queues')
        .innerJoin('queues', 'queues.id', 'agent_queues.queue_id')
        .select(['agent_queues.agent_id', 'queues.id', 'queues.name'])
        .where(
          'agent_queues.agent_id',
          'in',
          rows.map((r) => r.id),
        )
        .orderBy('queues.lname')
        .execute();
      for (const q of qs) queues.set(q.agent_id, [...(queues.get(q.agent_id) ?? []), { id: q.id, name: q.name }]);
    }
    return {
      rows: rows.map((r) => ({ ...r, queues: queues.get(r.id) ?? [] })),
      total: Number(count?.n ?? 0),
    };
  }

  /** Names of campaigns by id (of the tenant only). */
  async campaignNames(t: Tenant, ids: readonly string[]): Promise<Map<string, string>> {
    if (ids.length === 0) return new Map();
    const rows = await this.k
      .selectFrom('campaigns')
      .select(['id', 'name'])
      .where('account_id', '=', t.accountId)
      .where('bot_id', '=', t.botId)
      .where('id', 'in', [...ids])
      .execute();
    return new Map(rows.map((r) => [r.id, r.name]));
  }

  /** The bot's queues by name. */
  queues(t: Tenant): Promise<Pick<QueueRow, 'id' | 'name'>[]> {
    return this.k
      .selectFrom('queues')
      .select(['id', 'name'])
      .where('account_id', '=', t.accountId)
      .where('bot_id', '=', t.botId)
      .orderBy('lname')
      .execute();
  }

  /** Per queue of the bot and state: its members, and those with a stream seen since `presentSince`. */
  async queueStates(t: Tenant, presentSince: number): Promise<QueueStateCount[]> {
    const rows = await this.k
      .selectFrom('agent_queues')
      .innerJoin('agents', 'agents.id', 'agent_queues.agent_id')
      .select((eb) => [
        'agent_queues.queue_id',
        'agents.state',
        eb.fn.countAll<number | string>().as('n'),
        eb.fn
          .sum<number | string>(eb.case().when('agents.stream_seen_at', '>=', presentSince).then(1).else(0).end())
          .as('present'),
      ])
      .where('agents.account_id', '=', t.accountId)
      .where('agents.bot_id', '=', t.botId)
      .groupBy(['agent_queues.queue_id', 'agents.state'])
      .execute();
    return rows.map((r) => ({
      queueId: r.queue_id,
      state: r.state,
      n: Number(r.n),
      present: Number(r.present ?? 0),
    }));
  }

  /** The bot's agents holding work, counted per run, kind and state. */
  async work(t: Tenant): Promise<WorkCount[]> {
    const rows = await this.k
      .selectFrom('agents')
      .select((eb) => ['work_instance_id', 'work_kind', 'state', eb.fn.countAll<number | string>().as('n')])
      .where('account_id', '=', t.accountId)
      .where('bot_id', '=', t.botId)
      .where('work_kind', 'is not', null)
      .where('work_instance_id', 'is not', null)
      .groupBy(['work_instance_id', 'work_kind', 'state'])
      .execute();
    return rows.map((r) => ({ instanceId: r.work_instance_id!, kind: r.work_kind!, state: r.state, n: Number(r.n) }));
  }

  /** The bot's agent campaigns (Progressive, Preview) with a run going on: Active or Paused. */
  async running(t: Tenant): Promise<RunningCampaign[]> {
    const rows = await this.k
      .selectFrom('campaigns')
      .select(['id', 'name', 'status', 'dialing_mode', 'instance_id', 'config'])
      .where('account_id', '=', t.accountId)
      .where('bot_id', '=', t.botId)
      .where('status', 'in', ['Active', 'Paused'])
      .where('dialing_mode', 'in', ['Progressive', 'Preview'])
      .where('instance_id', 'is not', null)
      .orderBy('priority', 'desc')
      .orderBy('lname')
      .execute();
    return rows.map((r) => ({ ...r, instance_id: r.instance_id! }));
  }
}
