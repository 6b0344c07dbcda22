/**
 * May this contact be called at instant T, and if not, when next? A pure evaluator over the
 * campaign's calling hours, the jurisdiction packs that apply to the contact, and the operator's
 * blackout dates (docs/rule-packs.md).
 *
 * A call is allowed at T only when, in EVERY candidate zone of the contact, the campaign's hours
 * AND every pack's hours allow T, and T's local date is neither a pack holiday nor in a blackout.
 * The number's zone is often uncertain (an area code spanning two zones), and a call that is
 * legal in one candidate zone may be unlawful in the other, so all must agree.
 *
 * Nothing here reads a clock or does I/O: time comes in as epoch ms. Hours are evaluated with
 * calling-window.ts (which handles DST on a wall timeline); dates with luxon.
 *
 * nextPermitted is a fixpoint: each constraint in each zone answers "the earliest instant >= x at
 * which I allow", the candidate moves to the largest answer, and the round repeats until no
 * constraint moves it. Each answer is exact and monotone, so the fixpoint is the earliest instant
 * every constraint allows. Each move lands on an opening of some constraint, so the number of
 * rounds is bounded by the openings within the horizon.
 */
import { DateTime, IANAZone } from 'luxon';
import {
  compileCallingHours,
  describeWindowAt,
  isWithinCallingHours,
  nextWindowStart,
  WEEKDAYS,
  type CallingHoursLike,
  type CompiledCallingHours,
  type WeekdayCode,
  type WindowExplanation,
} from '../engine/calling-window.js';
import { isLocalDate, type RulePack, type RulePackAbandon, type RulePackCap } from './rule-pack.js';

/** An operator blackout: no calls on these local dates (in each candidate zone), `to` inclusive. */
export interface Blackout {
  id: string;
  name: string;
  /** YYYY-MM-DD */
  from: string;
  /** YYYY-MM-DD, inclusive */
  to: string;
}

export interface PermitInput {
  campaignHours: CompiledCallingHours | CallingHoursLike;
  /** Candidate zones of the contact (at least one); every one must allow. */
  zones: readonly string[];
  /** Packs already filtered to those applying to this contact (packsApplying). */
  packs: readonly RulePack[];
  blackouts: readonly Blackout[];
}

export type PermitRule = 'calling-hours' | 'pack-hours' | 'holiday' | 'blackout';

export interface PackRef {
  id: string;
  version: string;
  cite: string;
}

/** One rule that forbids the call at the instant asked, in one zone. */
export interface Block {
  rule: PermitRule;
  zone: string;
  pack?: PackRef;
  blackout?: { id: string; name: string };
  detail: string;
}

/** A pack whose hours and holidays are parsed once; cached per (frozen) pack object. */
export interface CompiledRulePack {
  readonly pack: RulePack;
  readonly hours: CompiledCallingHours | null;
  /** Holiday date -> name. */
  readonly holidays: ReadonlyMap<string, string>;
}

/** A PermitInput with everything parsed; pass it instead when evaluating many instants. */
export interface CompiledPermit {
  readonly kind: 'compiled-permit';
  readonly campaignHours: CompiledCallingHours;
  readonly zones: readonly string[];
  readonly packs: readonly CompiledRulePack[];
  readonly blackouts: readonly Blackout[];
}

const MINUTE = 60_000;
const DAY = 86_400_000;
const compiledPacks = new WeakMap<RulePack, CompiledRulePack>();

/** The pack with its hours compiled; computed once per pack object. */
export function compileRulePack(pack: RulePack): CompiledRulePack {
  let c = compiledPacks.get(pack);
  if (!c) {
    c = {
      pack,
      hours: pack.hours
        ? compileCallingHours({ frequency: pack.hours.frequency, timezone: '', days: pack.hours.days })
        : null,
      holidays: new Map((pack.holidays?.dates ?? []).map((d) => [d.date, d.name])),
    };
    compiledPacks.set(pack, c);
  }
  return c;
}

/** Parses everything once (packs are cached per object, so this is cheap to call per record). */
export function compilePermit(input: PermitInput | CompiledPermit): CompiledPermit {
  if ('kind' in input) return input;
  if (input.zones.length === 0) throw new RangeError('a permit needs at least one candidate zone');
  for (const b of input.blackouts) {
    if (!isLocalDate(b.from) || !isLocalDate(b.to) || b.from > b.to)
      throw new RangeError(`blackout ${b.id}: from and to must be dates YYYY-MM-DD with from <= to`);
  }
  return {
    kind: 'compiled-permit',
    campaignHours: compileCallingHours(input.campaignHours),
    zones: input.zones,
    packs: input.packs.map(compileRulePack),
    blackouts: input.blackouts,
  };
}

interface Local {
  date: string;
  weekday: WeekdayCode;
  /** HH:mm */
  time: string;
}

function zoneOf(name: string): IANAZone {
  const z = IANAZone.create(name);
  if (!z.isValid) throw new RangeError(`Unknown IANA time zone "${name}"`);
  return z;
}

/** Local date, weekday and time of `t` in `zone`, by offset arithmetic (no formatter). */
function localAt(zone: string, t: number): Local {
  const wall = new Date(t + zoneOf(zone).offset(t) * MINUTE);
  const iso = wall.toISOString();
  return { date: iso.slice(0, 10), weekday: WEEKDAYS[(wall.getUTCDay() + 6) % 7]!, time: iso.slice(11, 16) };
}

function addDays(date: string, n: number): string {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  return new Date(Date.UTC(y, m - 1, d + n)).toISOString().slice(0, 10);
}

/** The first instant whose local date in `zone` is `date` (luxon moves a midnight inside a DST gap forward). */
function startOfLocalDate(zone: string, date: string): number {
  let ms = DateTime.fromISO(date, { zone }).toMillis();
  // Guard against a library answer that is still on the previous local date.
  for (let i = 0; i < 48 && localAt(zone, ms).date < date; i++) ms += 30 * MINUTE;
  return ms;
}

function hasDateBans(c: CompiledPermit): boolean {
  return c.blackouts.length > 0 || c.packs.some((p) => p.holidays.size > 0);
}

function isBannedDate(c: CompiledPermit, date: string): boolean {
  for (const p of c.packs) if (p.holidays.has(date)) return true;
  for (const b of c.blackouts) if (b.from <= date && date <= b.to) return true;
  return false;
}

const packRef = (p: RulePack, cite: string): PackRef => ({ id: p.id, version: p.version, cite });

/** A pack's permitted hours on one weekday, for explanations: "8:00 AM–8:00 PM" or "no calls on SU". */
function packHoursOn(p: RulePack, day: WeekdayCode): string {
  if (!p.hours) return 'any time';
  const entries = p.hours.frequency === 'DAILY' ? p.hours.days : p.hours.days.filter((e) => e.day === day);
  return entries.length === 0 ? `no calls on ${day}` : entries.map((e) => `${e.start}–${e.end}`).join(', ');
}

/** Every rule that forbids a call at `t`, in every candidate zone; allowed iff there is none. */
export function permittedAt(input: PermitInput | CompiledPermit, t: number): { allowed: boolean; blocks: Block[] } {
  const c = compilePermit(input);
  const dates = hasDateBans(c);
  const blocks: Block[] = [];
  for (const zone of c.zones) {
    let local: Local | undefined;
    const at = (): Local => (local ??= localAt(zone, t));
    if (!isWithinCallingHours(c.campaignHours, zone, t)) {
      const l = at();
      blocks.push({
        rule: 'calling-hours',
        zone,
        detail: `${l.weekday} ${l.date} ${l.time} local is outside the campaign's calling hours`,
      });
    }
    for (const cp of c.packs) {
      if (!cp.hours || isWithinCallingHours(cp.hours, zone, t)) continue;
      const l = at();
      blocks.push({
        rule: 'pack-hours',
        zone,
        pack: packRef(cp.pack, cp.pack.hours!.cite),
        detail: `${l.weekday} ${l.date} ${l.time} local is outside the hours of ${cp.pack.name} (${l.weekday}: ${packHoursOn(cp.pack, l.weekday)})`,
      });
    }
    if (!dates) continue;
    const { date } = at();
    for (const cp of c.packs) {
      const name = cp.holidays.get(date);
      if (name === undefined) continue;
      blocks.push({
        rule: 'holiday',
        zone,
        pack: packRef(cp.pack, cp.pack.holidays!.cite),
        detail: `${date} is ${name}: no calls under ${cp.pack.name}`,
      });
    }
    for (const b of c.blackouts) {
      if (b.from <= date && date <= b.to)
        blocks.push({
          rule: 'blackout',
          zone,
          blackout: { id: b.id, name: b.name },
          detail: `${date} is in the blackout "${b.name}" (${b.from} to ${b.to})`,
        });
    }
  }
  return { allowed: blocks.length === 0, blocks };
}

/** The first instant >= from whose local date in `zone` is not `banned`; null when none within `limit`. */
function nextDateOpening(zone: string, from: number, limit: number, banned: (date: string) => boolean): number | null {
  let date = localAt(zone, from).date;
  if (!banned(date)) return from;
  const maxDays = Math.ceil((limit - from) / DAY) + 2;
  for (let i = 0; i < maxDays; i++) {
    date = addDays(date, 1);
    if (!banned(date)) {
      const ms = startOfLocalDate(zone, date);
      return ms <= limit ? ms : null;
    }
  }
  return null;
}

/** Openings of one constraint within `days` days: an upper bound on the fixpoint's rounds. */
function openingsWithin(hours: CompiledCallingHours, days: number): number {
  const perWeek = hours.byWeekday.reduce((n, l) => n + l.length, 0);
  return perWeek * (Math.ceil(days / 7) + 2);
}

/**
 * The earliest instant >= t allowed by every rule in every candidate zone (t itself when allowed),
 * or null when none comes within `horizonDays` (default 15: a full week after a DST-gapped day).
 */
export function nextPermitted(input: PermitInput | CompiledPermit, t: number, horizonDays = 15): number | null {
  const c = compilePermit(input);
  const limit = t + horizonDays * DAY;
  const hours = [c.campaignHours, ...c.packs.flatMap((p) => (p.hours ? [p.hours] : []))];
  const dates = hasDateBans(c);
  const perZone = hours.reduce((n, h) => n + openingsWithin(h, horizonDays), 0) + (dates ? horizonDays + 2 : 0);
  const maxRounds = c.zones.length * perZone + 2;
  let cur = t;
  for (let round = 0; round < maxRounds; round++) {
    // Gauss-Seidel: each constraint asks from the furthest point found so far this round.
    let next = cur;
    for (const zone of c.zones) {
      for (const h of hours) {
        const o = nextWindowStart(h, zone, next, { horizonDays: (limit - next) / DAY });
        if (o === null) return null;
        next = o;
      }
      if (dates) {
        const o = nextDateOpening(zone, next, limit, (d) => isBannedDate(c, d));
        if (o === null) return null;
        next = o;
      }
    }
    if (next === cur) return cur;
    cur = next;
  }
  return null;
}

export interface PermitRuleFact {
  rule: PermitRule;
  allowed: boolean;
  detail: string;
  pack?: PackRef;
  blackout?: Blackout;
  /** Hours rules: the window that allows the instant, if any. */
  window?: WindowExplanation['window'];
  /** Hours rules: when the current window closes (ISO), null when outside or never closing. */
  closesAt?: string | null;
  /** Earliest instant >= t this rule alone allows in this zone (ISO); null when none within the horizon. */
  opensAt: string | null;
}

export interface PermitZoneFacts {
  zone: string;
  local: WindowExplanation['local'];
  allowed: boolean;
  rules: PermitRuleFact[];
}

export interface PermitExplanation {
  /** The instant evaluated, ISO in UTC. */
  instant: string;
  allowed: boolean;
  blocks: Block[];
  /** nextPermitted as ISO: the instant itself when allowed; null when nothing opens within the horizon. */
  nextPermitted: string | null;
  horizonDays: number;
  zones: PermitZoneFacts[];
  /** The packs applied, with the caps and abandon rules the engine enforces elsewhere. */
  packs: {
    id: string;
    version: string;
    name: string;
    source: RulePack['source'];
    caps: readonly RulePackCap[];
    abandon?: RulePackAbandon;
  }[];
}

const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString());

function hoursFact(
  rule: 'calling-hours' | 'pack-hours',
  hours: CompiledCallingHours,
  zone: string,
  t: number,
  horizonDays: number,
  what: string,
  pack?: PackRef,
): { fact: PermitRuleFact; local: WindowExplanation['local'] } {
  const w = describeWindowAt(hours, zone, t, { horizonDays });
  const fact: PermitRuleFact = {
    rule,
    allowed: w.inWindow,
    detail: w.inWindow
      ? `${w.local.weekday} ${w.local.time.slice(0, 5)} local is inside ${what} (${w.window!.start}–${w.window!.end})`
      : `${w.local.weekday} ${w.local.time.slice(0, 5)} local is outside ${what}`,
    window: w.window,
    closesAt: w.closesAt,
    opensAt: w.nextOpening,
  };
  if (pack) fact.pack = pack;
  return { fact, local: w.local };
}

/**
 * Per zone and per rule, why `t` is or is not callable and when each rule next allows, for the
 * "explain" endpoint: which zone, which rule, the pack id, version and cite, local time.
 */
export function describePermit(input: PermitInput | CompiledPermit, t: number, horizonDays = 15): PermitExplanation {
  const c = compilePermit(input);
  const limit = t + horizonDays * DAY;
  const { allowed, blocks } = permittedAt(c, t);
  const zones = c.zones.map((zone): PermitZoneFacts => {
    const campaign = hoursFact('calling-hours', c.campaignHours, zone, t, horizonDays, "the campaign's calling hours");
    const rules = [campaign.fact];
    for (const cp of c.packs) {
      if (cp.hours)
        rules.push(
          hoursFact('pack-hours', cp.hours, zone, t, horizonDays, `the hours of ${cp.pack.name}`, {
            ...packRef(cp.pack, cp.pack.hours!.cite),
          }).fact,
        );
    }
    const date = campaign.local.date;
    for (const cp of c.packs) {
      if (!cp.pack.holidays) continue;
      const name = cp.holidays.get(date);
      rules.push({
        rule: 'holiday',
        allowed: name === undefined,
        detail:
          name === undefined
            ? `${date} is not a holiday under ${cp.pack.name}`
            : `${date} is ${name}: no calls under ${cp.pack.name}`,
        pack: packRef(cp.pack, cp.pack.holidays.cite),
        opensAt: iso(nextDateOpening(zone, t, limit, (d) => cp.holidays.has(d))),
      });
    }
    for (const b of c.blackouts) {
      const inside = b.from <= date && date <= b.to;
      if (!inside) continue;
      rules.push({
        rule: 'blackout',
        allowed: false,
        detail: `${date} is in the blackout "${b.name}" (${b.from} to ${b.to})`,
        blackout: b,
        opensAt: iso(nextDateOpening(zone, t, limit, (d) => b.from <= d && d <= b.to)),
      });
    }
    return { zone, local: campaign.local, allowed: rules.every((r) => r.allowed), rules };
  });
  return {
    instant: new Date(t).toISOString(),
    allowed,
    blocks,
    nextPermitted: iso(allowed ? t : nextPermitted(c, t, horizonDays)),
    horizonDays,
    zones,
    packs: c.packs.map(({ pack: p }) => ({
      id: p.id,
      version: p.version,
      name: p.name,
      source: p.source,
      caps: p.caps,
      ...(p.abandon ? { abandon: p.abandon } : {}),
    })),
  };
}
