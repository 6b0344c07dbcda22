import { BoundedCache } from '../../shared/bounded-cache.js';
import { POLICY_DEFAULTS } from './campaign-policy.js';

/** How long a bot's setting is reused before it is read again: a running engine follows a change within this. */
export const CAMPAIGN_CAP_TTL_MS = 5_000;
/** The largest per-campaign cap an operator may set (MAX_CONCURRENT_CALLS still bounds the total). */
export const CAMPAIGN_CAP_MAX = 1000;

/**
 * Calls one campaign may have out at once: its bot's `campaign_max_concurrent` (admin API, CLI),
 * else Kore's agentless default of 10. The engine asks every tick, so the setting is cached per bot
 * for CAMPAIGN_CAP_TTL_MS (a change made in another process shows within that; one made in this
 * process is forgotten at once); explain asks with `fresh` and shows the stored value.
 *
 *   const caps = new CampaignCaps(async (botId) => (await tenancy.findBot(botId))?.campaign_max_concurrent, () => clock.now());
 *   const cap = await caps.of(policy.botId);
 */
export class CampaignCaps {
  private readonly cache: BoundedCache<string, number>;

  constructor(
    private readonly lookup: (botId: string) => Promise<number | null | undefined>,
    now: () => number,
  ) {
    this.cache = new BoundedCache(10_000, now);
  }

  async of(botId: string, fresh = false): Promise<number> {
    const hit = fresh ? undefined : this.cache.get(botId);
    if (hit !== undefined) return hit;
    const cap = (await this.lookup(botId)) ?? POLICY_DEFAULTS.maxConcurrent;
    this.cache.set(botId, cap, CAMPAIGN_CAP_TTL_MS);
    return cap;
  }

  /** Drops what is known of the bot's setting (it was just changed). */
  forget(botId: string): void {
    this.cache.delete(botId);
  }
}
