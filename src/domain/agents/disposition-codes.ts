import { BoundedCache } from '../../shared/bounded-cache.js';
import { errors } from '../../shared/errors.js';
import type { AgentPolicy } from '../engine/campaign-policy.js';

/** How long a bot's list is reused before it is read again (a change in this process is seen at once). */
const TTL_MS = 5_000;

/** Kore's sample code for a disposition the system gave: here, a wrap-up that ran out without one. */
export const SYSTEM_DISPOSITION = 'System Generated';

/**
 * The disposition codes an agent may give on a campaign's call: the campaign's own
 * (`agentSettings.dispositionCodes`), else its bot's (admin API, `campaignd bots configure`), else
 * any code. Matched case-insensitively and stored in the configured spelling.
 */
export class DispositionCodes {
  private readonly cache: BoundedCache<string, string[]>;

  constructor(
    private readonly lookup: (botId: string) => Promise<string | null | undefined>,
    now: () => number,
  ) {
    this.cache = new BoundedCache(10_000, now);
  }

  /** The list that applies; empty means any code. */
  async allowed(policy: Pick<AgentPolicy, 'dispositionCodes'>, botId: string): Promise<string[]> {
    if (policy.dispositionCodes.length > 0) return policy.dispositionCodes;
    const hit = this.cache.get(botId);
    if (hit) return hit;
    const raw = await this.lookup(botId);
    const codes = raw ? (JSON.parse(raw) as string[]) : [];
    this.cache.set(botId, codes, TTL_MS);
    return codes;
  }

  /** The codes as configured, or a 400 naming each one that is not allowed. */
  async check(
    policy: Pick<AgentPolicy, 'dispositionCodes'>,
    botId: string,
    given: readonly string[],
  ): Promise<string[]> {
    const allowed = await this.allowed(policy, botId);
    const out: string[] = [];
    for (const [i, raw] of given.entries()) {
      const code = raw.trim();
      if (code === '') throw errors.validation(`codes[${i}]`, `codes[${i}]: must not be blank`);
      if (allowed.length === 0) {
        out.push(code);
        continue;
      }
      const known = allowed.find((c) => c.toLowerCase() === code.toLowerCase());
      if (!known)
        throw errors.validation(
          `codes[${i}]`,
          `codes[${i}]: '${code}' is not one of ${allowed.map((c) => `'${c}'`).join(', ')}`,
        );
      out.push(known);
    }
    return [...new Set(out)];
  }

  forget(botId: string): void {
    this.cache.delete(botId);
  }
}
