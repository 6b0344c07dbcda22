import { BoundedCache } from '../../shared/bounded-cache.js';
import type { CampaignsRepo } from '../../storage/repos/campaigns-repo.js';
import { policyOf, type CampaignPolicy } from './campaign-policy.js';

/**
 * The policies of running campaigns, parsed once per instance for the engine and the outcome
 * handler. Configuration is frozen while an instance runs (EDITABLE_STATUSES), and a new run is a
 * new instance, so an entry never goes stale; the cache is bounded only so that it cannot grow.
 */
export class CampaignPolicies {
  private readonly cache = new BoundedCache<string, CampaignPolicy>(1000);

  constructor(private readonly campaigns: CampaignsRepo) {}

  /** The policy of `campaignId` as run by `instanceId`; undefined when the campaign is gone. */
  async of(campaignId: string, instanceId: string): Promise<CampaignPolicy | undefined> {
    const key = `${campaignId}/${instanceId}`;
    const hit = this.cache.get(key);
    if (hit) return hit;
    const row = await this.campaigns.findForEngine(campaignId);
    if (!row) return undefined;
    const policy = policyOf(row);
    this.cache.set(key, policy);
    return policy;
  }
}
