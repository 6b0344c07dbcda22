/**
 * The contact-protection rules a bot runs with (docs/contact-protection.md): its own frequency caps,
 * the rule packs it chose (shipped files and the operator's own), and the blackout dates of its
 * account. The engine asks every tick, so they are cached per bot for CONTACT_RULES_TTL_MS: a
 * change made through the admin API shows in every engine process within that.
 */
import { BoundedCache } from '../../shared/bounded-cache.js';
import type { BlackoutRow, RulePackRow } from '../../storage/schema.js';
import type { FrequencyCap } from './frequency-caps.js';
import type { Blackout } from './permitted-time.js';
import { parseRulePack, type RulePack } from './rule-pack.js';

export const CONTACT_RULES_TTL_MS = 5_000;

/** What a bot stores (`bots.contact_rules`, JSON): set through the admin API and `campaignd bots configure`. */
export interface BotContactRules {
  frequencyCaps: { attempts: number; hours: number }[];
  rulePacks: string[];
}

export const NO_BOT_RULES: BotContactRules = Object.freeze({ frequencyCaps: [], rulePacks: [] }) as BotContactRules;

/** The stored JSON, read leniently: a missing or malformed value is "no rules" (it was validated when written). */
export function botRulesOf(json: string | null | undefined): BotContactRules {
  if (!json) return NO_BOT_RULES;
  try {
    const v = JSON.parse(json) as Partial<BotContactRules>;
    return { frequencyCaps: v.frequencyCaps ?? [], rulePacks: v.rulePacks ?? [] };
  } catch {
    return NO_BOT_RULES;
  }
}

/** A bot's rules, resolved. */
export interface ContactRules {
  /** The bot's own caps (a pack's caps apply only to the numbers the pack applies to). */
  caps: FrequencyCap[];
  packs: RulePack[];
  blackouts: Blackout[];
}

export const NO_RULES: ContactRules = Object.freeze({ caps: [], packs: [], blackouts: [] }) as ContactRules;

export const blackoutOf = (r: BlackoutRow): Blackout => ({ id: r.id, name: r.name, from: r.from_date, to: r.to_date });

/** A pack's caps as the engine counts them, each citing its pack, version and provision. */
export function packCaps(pack: RulePack): FrequencyCap[] {
  return pack.caps.map((c) => ({
    attempts: c.attempts,
    hours: c.hours,
    source: `${pack.id}@${pack.version}: ${c.cite}`,
  }));
}

export interface ContactRulesStore {
  botRules(botId: string): Promise<string | null | undefined>;
  customPacks(): Promise<RulePackRow[]>;
  blackouts(accountId: string, botId: string): Promise<BlackoutRow[]>;
}

/**
 * Resolves and caches bots' rules. Shipped packs are parsed once; operator packs are re-read with
 * the rest when an entry expires (a parse failure there drops the pack, never the tick).
 */
export class ContactRulesSource {
  private readonly cache: BoundedCache<string, ContactRules>;

  constructor(
    private readonly store: ContactRulesStore,
    private readonly shipped: readonly RulePack[],
    now: () => number,
  ) {
    this.cache = new BoundedCache(10_000, now);
  }

  /** Every pack a bot may choose: shipped ones, then the operator's (which may not reuse a shipped id). */
  async allPacks(): Promise<RulePack[]> {
    const custom: RulePack[] = [];
    for (const row of await this.store.customPacks()) {
      try {
        custom.push(parseRulePack(JSON.parse(row.body)));
      } catch {
        // Validated when stored; a pack that no longer parses (an upgrade tightened the format) is skipped.
      }
    }
    return [...this.shipped, ...custom.filter((p) => !this.shipped.some((s) => s.id === p.id))];
  }

  async of(accountId: string, botId: string, fresh = false): Promise<ContactRules> {
    const key = `${accountId}/${botId}`;
    const hit = fresh ? undefined : this.cache.get(key);
    if (hit) return hit;
    const bot = botRulesOf(await this.store.botRules(botId));
    const blackouts = (await this.store.blackouts(accountId, botId)).map(blackoutOf);
    let packs: RulePack[] = [];
    if (bot.rulePacks.length > 0) {
      const all = new Map((await this.allPacks()).map((p) => [p.id, p]));
      packs = bot.rulePacks.flatMap((id) => all.get(id) ?? []);
    }
    const rules: ContactRules =
      bot.frequencyCaps.length === 0 && packs.length === 0 && blackouts.length === 0
        ? NO_RULES
        : { caps: bot.frequencyCaps.map((c) => ({ ...c, source: 'bot' })), packs, blackouts };
    this.cache.set(key, rules, CONTACT_RULES_TTL_MS);
    return rules;
  }

  /** Forgets every cached bot (a pack or blackout changed, which may concern many bots). */
  clear(): void {
    this.cache.clear();
  }

  forget(accountId: string, botId: string): void {
    this.cache.delete(`${accountId}/${botId}`);
  }
}
