import { errors } from '../../shared/errors.js';
import type { AgentsRepo } from '../../storage/repos/agents-repo.js';
import type { AgentRow } from '../../storage/schema.js';
import type { CampaignPolicies } from '../engine/campaign-policies.js';
import type { AgentPolicy, CampaignPolicy } from '../engine/campaign-policy.js';

/** The agent behind an authenticated request, as stored now; removed meanwhile is a 401. */
export async function signedInAgent(agents: AgentsRepo, agentId: string): Promise<AgentRow> {
  const a = await agents.find(agentId);
  if (!a) throw errors.unauthenticated('Agent not found (removed?)');
  return a;
}

/** The policy of the campaign the agent works for now (409 when they hold no work). */
export async function workPolicy(
  policies: CampaignPolicies,
  a: AgentRow,
): Promise<CampaignPolicy & { agents: AgentPolicy }> {
  const p =
    a.work_campaign_id && a.work_instance_id ? await policies.of(a.work_campaign_id, a.work_instance_id) : undefined;
  if (!p?.agents) throw errors.illegalState(`Agent ${a.name} has no call or offer of a campaign right now`);
  return p as CampaignPolicy & { agents: AgentPolicy };
}
