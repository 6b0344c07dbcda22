import type { Agent } from '../../contract/agents.js';
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
    work:
      a.work_kind && a.work_campaign_id && a.work_instance_id
        ? {
            kind: a.work_kind,
            campaignId: a.work_campaign_id,
            campaignInstanceId: a.work_instance_id,
            ...(a.work_record_id ? { offerId: a.work_record_id } : {}),
            ...(a.work_attempt_id ? { attemptId: a.work_attempt_id } : {}),
            ...(a.work_until !== null ? { until: iso(a.work_until) } : {}),
          }
        : null,
    createdAt: a.created_at,
  };
}
