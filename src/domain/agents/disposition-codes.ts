import { BoundedCache } from '../../shared/bounded-cache.js';
import { errors } from '../../shared/errors.js';
import { nameProblem } from '../../shared/text.js';
import type { AgentPolicy } from '../engine/campaign-policy.js';

/** How long a bot's list is reused before it is read again (a change in this process is seen at once). */
const TTL_MS = 5_000;

/** A bot's list: at most this many codes. */
export const BOT_CODES_MAX = 100;
/** The longest code: what an agent's disposition (DispositionBody) and a campaign's list accept. */
export const CODE_MAX_LENGTH = 64;

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

  /** The list that applies and where it comes from: the campaign's own, the bot's, or none (any code). */
  async applying(
    policy: Pick<AgentPolicy, 'dispositionCodes'>,
    botId: string,
  ): Promise<{ codes: string[]; source: 'campaign' | 'bot' | 'any' }> {
    const codes = [...(await this.allowed(policy, botId))];
    const source = policy.dispositionCodes.length > 0 ? 'campaign' : codes.length > 0 ? 'bot' : 'any';
    return { codes, source };
  }

  forget(botId: string): void {
    this.cache.delete(botId);
  }
}

/**
 * A bot's list as given to the admin API or the CLI: null (any code) or 1–BOT_CODES_MAX distinct
 * codes, trimmed. Distinct ignoring case, because an agent's code is matched ignoring case: two
 * spellings of one code could never both be given. An empty list is refused rather than read as
 * "any code", so that clearing is always the explicit null.
 */
export function checkedBotCodes(raw: readonly string[] | null): string[] | null {
  if (raw === null) return null;
  if (!Array.isArray(raw) || raw.length === 0 || raw.length > BOT_CODES_MAX)
    throw errors.validation(
      'dispositionCodes',
      `dispositionCodes: must list 1 to ${BOT_CODES_MAX} codes, or be null to allow any code`,
    );
  const out: string[] = [];
  const seen = new Set<string>();
  for (const [i, c] of raw.entries()) {
    const field = `dispositionCodes[${i}]`;
    const code = typeof c === 'string' ? c.trim() : '';
    const issue =
      code === ''
        ? 'must not be blank'
        : code.length > CODE_MAX_LENGTH
          ? `must be at most ${CODE_MAX_LENGTH} characters`
          : seen.has(code.toLowerCase())
            ? `'${code}' is listed twice`
            : nameProblem(code);
    if (issue) throw errors.validation(field, `${field}: ${issue}`);
    seen.add(code.toLowerCase());
    out.push(code);
  }
  return out;
}
