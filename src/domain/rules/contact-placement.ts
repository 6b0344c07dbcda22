/**
 * Where a contact is and what may be done to them now: the zones their calling hours are read in,
 * the rule packs that apply to their number, the caps that count their attempts, and the instant
 * they may next be called (docs/contact-protection.md). The engine asks for every record it
 * claims, the outcome handler for every retry, explain for one record.
 *
 * Zones: the contact's own `timeZone` when valid; else the candidates of their number (every one
 * must allow: the most restrictive reading); else the campaign's zone.
 */
import { effectiveZone, isWithinCallingHours, nextWindowStart } from '../engine/calling-window.js';
import type { CampaignPolicy } from '../engine/campaign-policy.js';
import { NO_WINDOW_RECHECK_MS } from '../engine/dial-plan.js';
import { packCaps, type ContactRules } from './contact-rules.js';
import { historyMs, holdOf, type FrequencyCap, type Hold } from './frequency-caps.js';
import { compilePermit, nextPermitted, type CompiledPermit } from './permitted-time.js';
import { locatePhone, type PhoneLocation } from './phone-location.js';
import { packsApplying, type RulePack } from './rule-pack.js';

export type ZoneSource = 'contact' | 'number' | 'campaign';

export interface ContactSituation {
  zones: string[];
  zoneSource: ZoneSource;
  /** A contact zone that was given but is not a valid IANA name. */
  ignoredContactZone?: string;
  /** What the number says; null when nothing needed it (the contact has a zone and no pack applies). */
  location: PhoneLocation | null;
  packs: RulePack[];
  /** The bot's caps and those of the packs that apply to this number. */
  caps: FrequencyCap[];
}

export interface ContactRef {
  time_zone: string | null;
  phone_e164: string;
}

/** The contact's zones, packs and caps under `rules`, for a campaign whose zone is `campaignZone`. */
export function situationOf(rules: ContactRules, campaignZone: string, r: ContactRef): ContactSituation {
  const own = effectiveZone(r.time_zone, campaignZone);
  const location = own.source !== 'contact' || rules.packs.length > 0 ? locatePhone(r.phone_e164) : null;
  let zones: string[];
  let zoneSource: ZoneSource;
  if (own.source === 'contact') [zones, zoneSource] = [[own.zone], 'contact'];
  else if (location && location.zones.length > 0) [zones, zoneSource] = [location.zones, 'number'];
  else [zones, zoneSource] = [[campaignZone], 'campaign'];
  const packs = location && rules.packs.length > 0 ? packsApplying(rules.packs, location) : [];
  const caps = packs.length > 0 ? [...rules.caps, ...packs.flatMap(packCaps)] : rules.caps;
  return {
    zones,
    zoneSource,
    ...(own.ignoredContactZone ? { ignoredContactZone: own.ignoredContactZone } : {}),
    location,
    packs,
    caps,
  };
}

export function permitOf(
  policy: Pick<CampaignPolicy, 'compiled'>,
  rules: ContactRules,
  s: ContactSituation,
): CompiledPermit {
  return compilePermit({ campaignHours: policy.compiled, zones: s.zones, packs: s.packs, blackouts: rules.blackouts });
}

/**
 * The first instant at or after `t` at which the contact may be called by every rule in every
 * candidate zone, or null when none opens within the search horizon. With only the campaign's
 * hours in one zone (no pack, no blackout: the common case) that is the calling window's own
 * search, several times cheaper than the general one.
 */
function firstPermitted(
  policy: Pick<CampaignPolicy, 'compiled'>,
  rules: ContactRules,
  s: ContactSituation,
  t: number,
): number | null {
  if (s.zones.length === 1 && s.packs.length === 0 && rules.blackouts.length === 0) {
    const zone = s.zones[0]!;
    return isWithinCallingHours(policy.compiled, zone, t) ? t : nextWindowStart(policy.compiled, zone, t);
  }
  return nextPermitted(permitOf(policy, rules, s), t);
}

/** firstPermitted for a record; when nothing opens within the horizon, `t` + NO_WINDOW_RECHECK_MS (look again then rather than spin). */
export function permittedFrom(
  policy: Pick<CampaignPolicy, 'compiled' | 'hours'>,
  rules: ContactRules,
  r: ContactRef,
  t: number,
): number {
  return firstPermitted(policy, rules, situationOf(rules, policy.hours.timezone, r), t) ?? t + NO_WINDOW_RECHECK_MS;
}

/** Where a record stands at claim time: may it go now, or when may it. */
export type Placement = { inside: true } | { inside: false; nextAt: number };

/**
 * One claim's view of the rules at one instant. Records with the same zones and packs share an
 * answer, so a batch costs one evaluation per distinct (zones, packs), not one per record.
 */
export class ClaimPlacer {
  private readonly memo = new Map<string, Placement>();
  /** Each record's situation, worked out once for place and hold (they see the same records). */
  private readonly situations = new Map<ContactRef, ContactSituation>();
  readonly historyMs: number;

  constructor(
    private readonly policy: Pick<CampaignPolicy, 'compiled' | 'hours'>,
    private readonly rules: ContactRules,
    private readonly now: number,
  ) {
    // Pack caps apply per number; the history read covers the longest cap any chosen pack has.
    this.historyMs = historyMs([...rules.caps, ...rules.packs.flatMap(packCaps)]);
  }

  place = (r: ContactRef): Placement => {
    const s = this.situation(r);
    const key = `${s.zones.join(',')}|${s.packs.map((p) => p.id).join(',')}`;
    let p = this.memo.get(key);
    if (!p) {
      const at = firstPermitted(this.policy, this.rules, s, this.now);
      p = at === this.now ? { inside: true } : { inside: false, nextAt: at ?? this.now + NO_WINDOW_RECHECK_MS };
      this.memo.set(key, p);
    }
    return p;
  };

  /** Null when the number may be dialed now; else the hold (another call of the account, a cap). */
  hold = (r: ContactRef, facts: { busy: boolean; starts: readonly number[] }): Hold | null =>
    holdOf(this.situation(r).caps, facts, this.now);

  private situation(r: ContactRef): ContactSituation {
    let s = this.situations.get(r);
    if (!s) {
      s = situationOf(this.rules, this.policy.hours.timezone, r);
      this.situations.set(r, s);
    }
    return s;
  }
}
