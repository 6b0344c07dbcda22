import type { Agent } from '../../contract/agents.js';
import { workView } from '../../storage/repos/agent-moves.js';
import type { AgentWithQueues } from '../../storage/repos/agents-repo.js';

const iso = (ms: number) => new Date(ms).toISOString();

/** An agent as the admin and agent APIs show it; `present` is whether its stream was seen since `presentSince`. */
export function toAgent(a: AgentWithQueues, presentSince: number): Agent {
  return {
    id: a.id,
    accountId: a.account_id,
    iid: a.bot_id,
    name: a.name,
    externalId: a.external_id,
    extension: a.extension,
    queues: a.queues.map((q) => q.name),
    state: a.state,
    reason: a.state_reason,
    since: iso(a.state_since),
    present: a.stream_seen_at !== null && a.stream_seen_at >= presentSince,
    work: workView(a),
    createdAt: a.created_at,
  };
}
