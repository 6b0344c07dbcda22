import type { Kysely } from 'kysely';
import type { DialectName } from '../db.js';
import { lockForClaim } from '../dialect.js';
import type { Database, DialRecordRow } from '../schema.js';
import { moveAgent, type AgentMove } from './agent-moves.js';

/** Which agents may take work: Available, in the queue, with an event stream seen since `presentSince`. */
export interface AgentSupply {
  queueId: string;
  presentSince: number;
}

/** An agent's work on a record: its offer, or its call (with the attempt once dialed). */
export const agentWork = (
  r: DialRecordRow,
  kind: 'offer' | 'call',
  attemptId: string | null,
  until: number | null,
) => ({
  work_kind: kind,
  work_instance_id: r.instance_id,
  work_campaign_id: r.campaign_id,
  work_record_id: r.id,
  work_attempt_id: attemptId,
  work_until: until,
});

/** Available agents of the queue with a live stream, longest idle first, locked for this claim. */
export async function availableAgents(
  dialect: DialectName,
  trx: Kysely<Database>,
  s: AgentSupply,
  limit: number,
): Promise<string[]> {
  if (limit <= 0) return [];
  const rows = await lockForClaim(
    dialect,
    trx
      .selectFrom('agents')
      .innerJoin('agent_queues', 'agent_queues.agent_id', 'agents.id')
      .select('agents.id')
      .where('agent_queues.queue_id', '=', s.queueId)
      .where('agents.state', '=', 'Available')
      .where('agents.stream_seen_at', '>=', s.presentSince)
      .orderBy('agents.state_since', 'asc')
      .orderBy('agents.id', 'asc')
      .limit(limit),
  ).execute();
  return rows.map((r) => r.id);
}

/** A move the claim's locks guarantee; if it fails anyway, the whole transaction is rolled back. */
export async function mustMove(trx: Kysely<Database>, m: AgentMove): Promise<void> {
  if (!(await moveAgent(trx, m))) {
    throw new Error(`agent ${m.agentId} was not ${m.from.join('|')} as the claim expected; rolled back`);
  }
}
