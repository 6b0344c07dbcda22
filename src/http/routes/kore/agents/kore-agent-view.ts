import type { Agent } from '../../../../contract/agents.js';
import type { KoreAgent, KoreAgentStatus } from '../../../../contract/kore-agents.js';

/** The agent API's `Agent` under Kore's habits: `_id` beside `id`, the state named `status`. */
export function koreAgent(a: Agent): KoreAgent {
  return {
    _id: a.id,
    id: a.id,
    name: a.name,
    externalId: a.externalId,
    extension: a.extension,
    queues: a.queues,
    status: a.state,
    reason: a.reason,
    since: a.since,
    present: a.present,
    work: a.work,
    createdAt: a.createdAt,
  };
}

export function koreAgentStatus(a: Agent): KoreAgentStatus {
  return { agentId: a.id, status: a.state, reason: a.reason, since: a.since, present: a.present };
}
