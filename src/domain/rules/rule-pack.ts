/**
 * Jurisdiction rule packs: calling hours by day, frequency caps, holiday dates and abandoned-call
 * rules of one jurisdiction, kept as versioned data (`rules/packs/<id>.json`, docs/rule-packs.md)
 * rather than code, so a law change is a data change with a new `version` that explanations quote.
 *
 * A pack's hours have the shape of Kore calling hours without a zone: they are evaluated in the
 * contact's local zone (permitted-time.ts). Holiday dates are local calendar dates.
 *
 * parseRulePack is the only way a pack comes into being (shipped files and, later, the admin API):
 * it checks every field, names the first bad one, and returns a deeply frozen value, so compiled
 * forms can be cached per pack object.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { isClockTime, WEEKDAYS, type WeekdayCode } from '../engine/calling-window.js';
import { AppError } from '../../shared/errors.js';

export interface RulePackHoursEntry {
  readonly day: WeekdayCode;
  /** `h:mm AM/PM`, local wall clock; [start, end) like Kore calling hours. */
  readonly start: string;
  readonly end: string;
}

export interface RulePackHours {
  /** DAILY applies every entry's times to every day (whatever its `day`); WEEKLY each entry to its own day. */
  readonly frequency: 'DAILY' | 'WEEKLY';
  readonly days: readonly RulePackHoursEntry[];
  readonly cite: string;
}

/** At most `attempts` calls to a number within any `hours`-long sliding window (enforced by the engine). */
export interface RulePackCap {
  readonly attempts: number;
  readonly hours: number;
  readonly cite: string;
}

export interface RulePackHoliday {
  /** Local calendar date, YYYY-MM-DD: no call on this date in the contact's zone. */
  readonly date: string;
  readonly name: string;
}

/** Abandoned-call rules: data for predictive pacing (not enforced by the evaluator). */
export interface RulePackAbandon {
  /** No redial of a number for this long after an abandoned call to it. */
  readonly lockoutHours?: number;
  /** Highest abandoned-call rate, in % of live-answered calls, over `window`. */
  readonly maxRatePercent?: number;
  /** `<n>h`, `<n>d` or `calendar-month`: the period the rate is measured over. */
  readonly window?: string;
  /** A call with no live agent within this many seconds of the answer counts as abandoned. */
  readonly noAgentSeconds?: number;
  readonly cite: string;
}

export interface RulePack {
  /** Lower-case kebab id, equal to the file name: `us-fl`. */
  readonly id: string;
  /** The date from which the encoded values are in force (or the pack data revision); quoted by explanations. */
  readonly version: string;
  readonly name: string;
  readonly appliesTo: {
    /** ISO 3166-1 alpha-2, upper case. */
    readonly countries: readonly string[];
    /** ISO 3166-2 (`US-FL`); when present the pack applies only to contacts in one of these. */
    readonly regions?: readonly string[];
  };
  readonly source: { readonly title: string; readonly url?: string };
  readonly hours?: RulePackHours;
  readonly caps: readonly RulePackCap[];
  readonly holidays?: { readonly dates: readonly RulePackHoliday[]; readonly cite: string };
  readonly abandon?: RulePackAbandon;
  readonly notes?: string;
}

/** A pack that does not validate; `field` is the JSON path of the first bad field (`hours.days[2].start`). */
export class RulePackError extends AppError {
  declare readonly field: string;
  constructor(
    field: string,
    /** What is wrong, without the field name. */
    readonly reason: string,
  ) {
    super(400, 'INVALID_RULE_PACK', `${field}: ${reason}`, field);
    this.name = 'RulePackError';
  }
}

const ID_RE = /^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$/;
const VERSION_RE = /^[0-9A-Za-z][0-9A-Za-z._+-]{0,39}$/;
const COUNTRY_RE = /^[A-Z]{2}$/;
const REGION_RE = /^([A-Z]{2})-[A-Z0-9]{1,3}$/;
const DATE_RE = /^(\d{4})-(\d{2})-(\d{2})$/;
const WINDOW_RE = /^(?:[1-9]\d{0,3}[hd]|calendar-month)$/;
const MAX_TEXT = 2000;
const MAX_LIST = 1000;
const TOP_KEYS = ['id', 'version', 'name', 'appliesTo', 'source', 'hours', 'caps', 'holidays', 'abandon', 'notes'];

type Obj = Record<string, unknown>;

function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function obj(v: unknown, field: string, keys: readonly string[]): Obj {
  if (!isObj(v)) throw new RulePackError(field || 'pack', 'must be an object');
  for (const k of Object.keys(v)) {
    if (!keys.includes(k)) throw new RulePackError(field ? `${field}.${k}` : k, 'is not a known field');
  }
  return v;
}

function text(v: unknown, field: string, max = MAX_TEXT): string {
  if (typeof v !== 'string' || v.trim() === '')
    throw new RulePackError(field, 'is required and must be a non-empty string');
  if (v.length > max) throw new RulePackError(field, `must be at most ${max} characters`);
  return v;
}

function optText(v: unknown, field: string, max = MAX_TEXT): string | undefined {
  return v === undefined ? undefined : text(v, field, max);
}

function list(v: unknown, field: string, nonEmpty: boolean): unknown[] {
  if (!Array.isArray(v)) throw new RulePackError(field, 'must be an array');
  if (nonEmpty && v.length === 0) throw new RulePackError(field, 'must not be empty');
  if (v.length > MAX_LIST) throw new RulePackError(field, `must have at most ${MAX_LIST} entries`);
  return v;
}

function num(
  v: unknown,
  field: string,
  o: { min: number; max: number; integer?: boolean; minExclusive?: boolean },
): number {
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new RulePackError(field, 'must be a number');
  if (o.integer && !Number.isInteger(v)) throw new RulePackError(field, 'must be a whole number');
  if (o.minExclusive ? v <= o.min : v < o.min)
    throw new RulePackError(field, `must be ${o.minExclusive ? 'greater than' : 'at least'} ${o.min}`);
  if (v > o.max) throw new RulePackError(field, `must be at most ${o.max}`);
  return v;
}

/** True for a real calendar date written YYYY-MM-DD. */
export function isLocalDate(s: string): boolean {
  const m = DATE_RE.exec(s);
  if (!m) return false;
  const d = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
  return d.toISOString().slice(0, 10) === s;
}

function localDate(v: unknown, field: string): string {
  if (typeof v !== 'string' || !isLocalDate(v)) throw new RulePackError(field, 'must be a calendar date YYYY-MM-DD');
  return v;
}

function clock(v: unknown, field: string): string {
  if (typeof v !== 'string' || !isClockTime(v))
    throw new RulePackError(field, 'must be a time of day h:mm AM/PM, e.g. "8:00 AM"');
  return v;
}

function parseHours(v: unknown): RulePackHours {
  const h = obj(v, 'hours', ['frequency', 'days', 'cite']);
  const freq = typeof h.frequency === 'string' ? h.frequency.toUpperCase() : h.frequency;
  if (freq !== 'DAILY' && freq !== 'WEEKLY') throw new RulePackError('hours.frequency', 'must be DAILY or WEEKLY');
  const days = list(h.days, 'hours.days', true).map((e, i): RulePackHoursEntry => {
    const f = `hours.days[${i}]`;
    const d = obj(e, f, ['day', 'start', 'end']);
    const day = typeof d.day === 'string' ? d.day.toUpperCase() : d.day;
    if (!WEEKDAYS.includes(day as WeekdayCode))
      throw new RulePackError(`${f}.day`, 'must be one of MO TU WE TH FR SA SU');
    return { day: day as WeekdayCode, start: clock(d.start, `${f}.start`), end: clock(d.end, `${f}.end`) };
  });
  return { frequency: freq, days, cite: text(h.cite, 'hours.cite') };
}

function parseCaps(v: unknown): RulePackCap[] {
  if (v === undefined) return [];
  return list(v, 'caps', false).map((e, i) => {
    const f = `caps[${i}]`;
    const c = obj(e, f, ['attempts', 'hours', 'cite']);
    return {
      attempts: num(c.attempts, `${f}.attempts`, { min: 1, max: 1000, integer: true }),
      hours: num(c.hours, `${f}.hours`, { min: 1, max: 8784, integer: true }),
      cite: text(c.cite, `${f}.cite`),
    };
  });
}

function parseHolidays(v: unknown): RulePack['holidays'] {
  const h = obj(v, 'holidays', ['dates', 'cite']);
  const seen = new Set<string>();
  const dates = list(h.dates, 'holidays.dates', true).map((e, i): RulePackHoliday => {
    const f = `holidays.dates[${i}]`;
    const d = obj(e, f, ['date', 'name']);
    const date = localDate(d.date, `${f}.date`);
    if (seen.has(date)) throw new RulePackError(`${f}.date`, `${date} is listed twice`);
    seen.add(date);
    return { date, name: text(d.name, `${f}.name`, 200) };
  });
  return { dates, cite: text(h.cite, 'holidays.cite') };
}

function parseAbandon(v: unknown): RulePackAbandon {
  const a = obj(v, 'abandon', ['lockoutHours', 'maxRatePercent', 'window', 'noAgentSeconds', 'cite']);
  const out: {
    lockoutHours?: number;
    maxRatePercent?: number;
    window?: string;
    noAgentSeconds?: number;
    cite: string;
  } = { cite: text(a.cite, 'abandon.cite') };
  if (a.lockoutHours !== undefined)
    out.lockoutHours = num(a.lockoutHours, 'abandon.lockoutHours', { min: 0, max: 8784, minExclusive: true });
  if (a.maxRatePercent !== undefined)
    out.maxRatePercent = num(a.maxRatePercent, 'abandon.maxRatePercent', { min: 0, max: 100 });
  if (a.window !== undefined) {
    if (typeof a.window !== 'string' || !WINDOW_RE.test(a.window))
      throw new RulePackError('abandon.window', 'must be <n>h, <n>d or calendar-month');
    out.window = a.window;
  }
  if (a.noAgentSeconds !== undefined)
    out.noAgentSeconds = num(a.noAgentSeconds, 'abandon.noAgentSeconds', { min: 0, max: 60, minExclusive: true });
  if (out.maxRatePercent !== undefined && out.window === undefined)
    throw new RulePackError('abandon.window', 'is required with maxRatePercent');
  return out;
}

function parseAppliesTo(v: unknown): RulePack['appliesTo'] {
  const a = obj(v, 'appliesTo', ['countries', 'regions']);
  const countries = list(a.countries, 'appliesTo.countries', true).map((c, i) => {
    if (typeof c !== 'string' || !COUNTRY_RE.test(c))
      throw new RulePackError(
        `appliesTo.countries[${i}]`,
        'must be an ISO 3166-1 alpha-2 code in upper case, e.g. "US"',
      );
    return c;
  });
  if (a.regions === undefined) return { countries };
  const regions = list(a.regions, 'appliesTo.regions', true).map((r, i) => {
    const m = typeof r === 'string' ? REGION_RE.exec(r) : null;
    if (!m)
      throw new RulePackError(`appliesTo.regions[${i}]`, 'must be an ISO 3166-2 code in upper case, e.g. "US-FL"');
    if (!countries.includes(m[1]!))
      throw new RulePackError(`appliesTo.regions[${i}]`, `${String(r)} is not in one of appliesTo.countries`);
    return r as string;
  });
  return { countries, regions };
}

function parseSource(v: unknown): RulePack['source'] {
  const s = obj(v, 'source', ['title', 'url']);
  const title = text(s.title, 'source.title', 500);
  if (s.url === undefined) return { title };
  const url = text(s.url, 'source.url', 1000);
  let ok = false;
  try {
    const u = new URL(url);
    ok = u.protocol === 'https:' || u.protocol === 'http:';
  } catch {
    ok = false;
  }
  if (!ok) throw new RulePackError('source.url', 'must be an http(s) URL');
  return { title, url };
}

function deepFreeze<T>(v: T): T {
  if (typeof v === 'object' && v !== null) {
    for (const x of Object.values(v)) deepFreeze(x);
    Object.freeze(v);
  }
  return v;
}

/**
 * Validates a pack (parsed JSON) and returns it frozen, with enumerations in canonical upper case
 * and `caps` defaulted to []. Throws RulePackError naming the first bad field; unknown fields are
 * errors too (a misspelt `holiday` must not silently drop a ban).
 */
export function parseRulePack(json: unknown): RulePack {
  const p = obj(json, '', TOP_KEYS);
  if (typeof p.id !== 'string' || !ID_RE.test(p.id))
    throw new RulePackError('id', 'is required: lower-case letters, digits and dashes, e.g. "us-fl"');
  if (typeof p.version !== 'string' || !VERSION_RE.test(p.version))
    throw new RulePackError('version', 'is required: e.g. an ISO date "2021-07-01" (letters, digits, . _ + -)');
  const pack: {
    -readonly [K in keyof RulePack]: RulePack[K];
  } = {
    id: p.id,
    version: p.version,
    name: text(p.name, 'name', 200),
    appliesTo: parseAppliesTo(p.appliesTo),
    source: parseSource(p.source),
    caps: parseCaps(p.caps),
  };
  if (p.hours !== undefined) pack.hours = parseHours(p.hours);
  if (p.holidays !== undefined) pack.holidays = parseHolidays(p.holidays);
  if (p.abandon !== undefined) pack.abandon = parseAbandon(p.abandon);
  const notes = optText(p.notes, 'notes', 4000);
  if (notes !== undefined) pack.notes = notes;
  return deepFreeze(pack);
}

const PACKS_DIR = new URL('../../../rules/packs/', import.meta.url);
let shipped: readonly RulePack[] | undefined;

/**
 * The packs shipped in `rules/packs/*.json`, read and validated once (sorted by id). A bad file
 * throws a RulePackError naming the file, so a broken pack stops startup instead of a dial.
 */
export function loadShippedPacks(): RulePack[] {
  if (!shipped) {
    const files = readdirSync(PACKS_DIR)
      .filter((f) => f.endsWith('.json'))
      .sort();
    const packs = files.map((file) => {
      let pack: RulePack;
      try {
        pack = parseRulePack(JSON.parse(readFileSync(new URL(file, PACKS_DIR), 'utf8')));
      } catch (e) {
        if (e instanceof RulePackError) throw new RulePackError(e.field, `${e.reason} (rules/packs/${file})`);
        throw new RulePackError('pack', `rules/packs/${file} is not valid JSON: ${(e as Error).message}`);
      }
      if (`${pack.id}.json` !== file)
        throw new RulePackError('id', `"${pack.id}" does not match its file rules/packs/${file}`);
      return pack;
    });
    shipped = Object.freeze(packs);
  }
  return [...shipped];
}

export interface PackLocation {
  /** ISO 3166-1 alpha-2 of the contact's number, or null when unknown. */
  country: string | null;
  /** ISO 3166-2 (`US-FL`), or the subdivision alone (`FL`, read within `country`), or null. */
  region: string | null;
}

/**
 * The packs that apply to a contact: a pack with `regions` only when the contact's region is one
 * of them; a pack with countries only to any contact of those countries; nothing for an unknown
 * country. Order is kept.
 */
export function packsApplying(packs: readonly RulePack[], location: PackLocation): RulePack[] {
  const country = location.country?.trim().toUpperCase();
  if (!country) return [];
  let region = location.region?.trim().toUpperCase() || null;
  if (region && !region.includes('-')) region = `${country}-${region}`;
  return packs.filter((p) => {
    if (!p.appliesTo.countries.includes(country)) return false;
    if (!p.appliesTo.regions) return true;
    return region !== null && p.appliesTo.regions.includes(region);
  });
}
