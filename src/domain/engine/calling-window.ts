/**
 * Kore calling hours: when a contact may be called, evaluated in a time zone.
 *
 * Semantics (the engine's invariant is "never call a contact outside its window"):
 * - A window entry `{day, start, end}` is the half-open local wall-clock interval [start, end) on
 *   `day`. An `end` earlier than or equal to `start` runs past midnight into the next day
 *   (10:00 PM–2:00 AM); `end` "12:00 AM" means midnight at the end of the day, so 9:00 PM–12:00 AM
 *   is not overnight and 12:00 AM–12:00 AM is the whole day. Equal non-midnight start and end
 *   (9:00 AM–9:00 AM) is therefore a 24-hour window.
 * - WEEKLY and CUSTOM apply each entry to its own weekday. DAILY applies every entry's times to
 *   every weekday, whatever its `day` says. Entries with an unknown `day` are ignored (validated
 *   upstream). Several entries per day may overlap; the result is their union.
 * - An instant is inside iff its local wall-clock time in the zone, at that instant, falls in a
 *   window. That one rule settles DST: on a spring-forward day a window starting inside the gap
 *   (2:30 AM New York) opens at the first valid instant after the gap (3:00 AM); a window lying
 *   wholly inside the gap does not open that day; on a fall-back day the repeated hour is inside
 *   (both times) iff its wall-clock time is.
 *
 * Implementation: between two offset transitions wall time is instant + offset, a straight line,
 * so searches run on a DST-free "wall timeline" (wall ms as if UTC) one offset segment at a time.
 * Offsets come from luxon (the platform's tz database); nothing here reads the system clock.
 */
import { IANAZone, DateTime } from 'luxon';
import { BoundedCache } from '../../shared/bounded-cache.js';

export type WeekdayCode = 'MO' | 'TU' | 'WE' | 'TH' | 'FR' | 'SA' | 'SU';
/** Monday first, matching luxon's weekday numbering (1 = Monday) minus one. */
export const WEEKDAYS: readonly WeekdayCode[] = ['MO', 'TU', 'WE', 'TH', 'FR', 'SA', 'SU'];

/** Structural shape of Kore `dialingStrategy.callingHours`; the TypeBox static type is assignable to it. */
export interface CallingHoursLike {
  readonly frequency: string;
  readonly timezone: string;
  readonly days: readonly { readonly day: string; readonly start: string; readonly end: string }[];
}

export type WindowEntry = CallingHoursLike['days'][number];

interface CompiledWindow {
  readonly startMin: number;
  /** May exceed 1440 for overnight windows. */
  readonly endMin: number;
  readonly entry: WindowEntry;
}

/** Calling hours parsed once; pass it instead of the raw object when evaluating many instants. */
export interface CompiledCallingHours {
  readonly kind: 'compiled-calling-hours';
  /** Windows starting on each weekday, index 0 = Monday. */
  readonly byWeekday: readonly (readonly CompiledWindow[])[];
}

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const CLOCK_RE = /^(\d{1,2}):(\d{2}) ?([AaPp][Mm])$/;
/** No tz database zone changes offset twice within this long (modern data), so probing at this step finds every transition. */
const TRANSITION_PROBE_MS = 6 * HOUR;

/** True for Kore time-of-day strings: `h:mm AM/PM`, hour 1–12, optional space, AM/PM in any case. */
export function isClockTime(s: string): boolean {
  const m = CLOCK_RE.exec(s);
  if (!m) return false;
  const h = Number(m[1]);
  const min = Number(m[2]);
  return h >= 1 && h <= 12 && min <= 59;
}

/** `'9:00 AM'` -> 540 minutes since midnight; `'12:00 AM'` -> 0. Throws RangeError on anything else. */
export function parseClockTime(s: string): number {
  const m = CLOCK_RE.exec(s);
  if (!m || !isClockTime(s)) throw new RangeError(`Invalid clock time "${s}", expected h:mm AM/PM`);
  const h = Number(m[1]) % 12;
  const pm = m[3]!.toUpperCase() === 'PM';
  return (h + (pm ? 12 : 0)) * 60 + Number(m[2]);
}

export interface EffectiveZone {
  zone: string;
  source: 'contact' | 'campaign';
  /** A contact zone that was present but not a valid IANA name, reported for explanations. */
  ignoredContactZone?: string;
}

/**
 * Zone names already checked. isValidZone builds an Intl formatter on every call, and the engine
 * asks for every record it claims; the set of distinct zone names is small (bounded anyway).
 */
const zoneValidity = new BoundedCache<string, boolean>(10_000);
function isValidZoneName(tz: string): boolean {
  let ok = zoneValidity.get(tz);
  if (ok === undefined) {
    ok = IANAZone.isValidZone(tz);
    zoneValidity.set(tz, ok);
  }
  return ok;
}

/** The contact's zone when it has a valid one, else the campaign's (docs/engine.md, Invariants). */
export function effectiveZone(contactTz: string | undefined | null, campaignTz: string): EffectiveZone {
  const tz = contactTz?.trim();
  if (tz && isValidZoneName(tz)) return { zone: tz, source: 'contact' };
  if (tz) return { zone: campaignTz, source: 'campaign', ignoredContactZone: tz };
  return { zone: campaignTz, source: 'campaign' };
}

export function compileCallingHours(hours: CallingHoursLike | CompiledCallingHours): CompiledCallingHours {
  if ('kind' in hours) return hours;
  const byWeekday: CompiledWindow[][] = WEEKDAYS.map(() => []);
  const daily = hours.frequency.toUpperCase() === 'DAILY';
  for (const entry of hours.days) {
    const startMin = parseClockTime(entry.start);
    let endMin = parseClockTime(entry.end);
    if (endMin === 0) endMin = 1440;
    if (endMin <= startMin) endMin += 1440;
    const w: CompiledWindow = { startMin, endMin, entry };
    if (daily) {
      for (const list of byWeekday) list.push(w);
    } else {
      const idx = WEEKDAYS.indexOf(entry.day.toUpperCase() as WeekdayCode);
      if (idx >= 0) byWeekday[idx]!.push(w);
    }
  }
  return { kind: 'compiled-calling-hours', byWeekday };
}

function zoneOf(name: string): IANAZone {
  const z = IANAZone.create(name);
  if (!z.isValid) throw new RangeError(`Unknown IANA time zone "${name}"`);
  return z;
}

const offsetMs = (z: IANAZone, t: number): number => z.offset(t) * MINUTE;
/** 1970-01-01 was a Thursday (index 3). */
const weekdayOfDay = (dayNum: number): number => (((dayNum + 3) % 7) + 7) % 7;

interface WallMatch {
  window: CompiledWindow;
  /** True when the match is the after-midnight part of the previous day's overnight window. */
  spillover: boolean;
}

function matchWall(c: CompiledCallingHours, wall: number): WallMatch | null {
  const dayNum = Math.floor(wall / DAY);
  const msOfDay = wall - dayNum * DAY;
  for (const k of [0, 1]) {
    for (const w of c.byWeekday[weekdayOfDay(dayNum - k)]!) {
      const m = msOfDay + k * DAY;
      if (m >= w.startMin * MINUTE && m < w.endMin * MINUTE) return { window: w, spillover: k === 1 };
    }
  }
  return null;
}

/** First wall ms >= w0 inside a window; a week plus a day of starts covers every weekly pattern. */
function nextInsideWall(c: CompiledCallingHours, w0: number): number | null {
  if (matchWall(c, w0)) return w0;
  const dayNum = Math.floor(w0 / DAY);
  let best: number | null = null;
  for (let k = 0; k <= 7; k++) {
    for (const w of c.byWeekday[weekdayOfDay(dayNum + k)]!) {
      const s = (dayNum + k) * DAY + w.startMin * MINUTE;
      if (s >= w0 && (best === null || s < best)) best = s;
    }
  }
  return best;
}

/** First wall ms >= w0 outside every window, or null when the windows cover the whole week. */
function nextOutsideWall(c: CompiledCallingHours, w0: number): number | null {
  if (!matchWall(c, w0)) return w0;
  const dayNum = Math.floor(w0 / DAY);
  const ends: number[] = [];
  for (let k = -1; k <= 7; k++) {
    for (const w of c.byWeekday[weekdayOfDay(dayNum + k)]!) {
      const e = (dayNum + k) * DAY + w.endMin * MINUTE;
      if (e > w0) ends.push(e);
    }
  }
  ends.sort((a, b) => a - b);
  return ends.find((e) => !matchWall(c, e)) ?? null;
}

/** First instant in (from, to] whose offset differs from `off`, or null. */
function firstTransition(z: IANAZone, from: number, off: number, to: number): number | null {
  for (let lo = from; lo < to;) {
    let hi = Math.min(lo + TRANSITION_PROBE_MS, to);
    if (offsetMs(z, hi) !== off) {
      while (hi - lo > 1) {
        const mid = Math.floor((lo + hi) / 2);
        if (offsetMs(z, mid) === off) lo = mid;
        else hi = mid;
      }
      return hi;
    }
    lo = hi;
  }
  return null;
}

/** Walks offset segments from t, asking `onWall` for the first matching wall time in each. */
function scan(z: IANAZone, t: number, horizonMs: number, onWall: (wall: number) => number | null): number | null {
  const limit = t + horizonMs;
  for (let cur = t; cur <= limit;) {
    const off = offsetMs(z, cur);
    const w = onWall(cur + off);
    if (w === null) return null;
    const candidate = w - off;
    const tr = firstTransition(z, cur, off, Math.min(candidate, limit));
    if (tr === null) return candidate <= limit ? candidate : null;
    cur = tr;
  }
  return null;
}

export interface WindowSearchOptions {
  /** How far ahead to look, in days. Default 15: a full week after a DST-gapped day. */
  horizonDays?: number;
}

const horizonMs = (o?: WindowSearchOptions): number => (o?.horizonDays ?? 15) * DAY;

/** True iff the wall-clock time of `instantMs` in `zone` lies in one of the windows. */
export function isWithinCallingHours(
  hours: CallingHoursLike | CompiledCallingHours,
  zone: string,
  instantMs: number,
): boolean {
  const z = zoneOf(zone);
  return matchWall(compileCallingHours(hours), instantMs + offsetMs(z, instantMs)) !== null;
}

/**
 * The earliest instant >= instantMs inside a window (instantMs itself when inside), or null when
 * the hours have no windows, or none opens within the horizon.
 */
export function nextWindowStart(
  hours: CallingHoursLike | CompiledCallingHours,
  zone: string,
  instantMs: number,
  options?: WindowSearchOptions,
): number | null {
  const c = compileCallingHours(hours);
  if (c.byWeekday.every((l) => l.length === 0)) return null;
  return scan(zoneOf(zone), instantMs, horizonMs(options), (w) => nextInsideWall(c, w));
}

/**
 * The earliest instant >= instantMs outside every window (instantMs itself when outside), or null
 * when the windows never close within the horizon (e.g. DAILY 12:00 AM–12:00 AM).
 */
export function nextWindowEnd(
  hours: CallingHoursLike | CompiledCallingHours,
  zone: string,
  instantMs: number,
  options?: WindowSearchOptions,
): number | null {
  const c = compileCallingHours(hours);
  return scan(zoneOf(zone), instantMs, horizonMs(options), (w) => nextOutsideWall(c, w));
}

export interface WindowExplanation {
  zone: string;
  /** The instant evaluated, ISO in UTC. */
  instant: string;
  local: { date: string; time: string; weekday: WeekdayCode; offset: string; iso: string };
  inWindow: boolean;
  /** The entry that makes the instant callable; `spillover` when it is the after-midnight part of the previous day's overnight window. */
  window: (WindowEntry & { overnight: boolean; spillover: boolean }) | null;
  /** When the current window closes (ISO); null when outside or never closing within the horizon. */
  closesAt: string | null;
  /** nextWindowStart as ISO: the instant itself when inside; null when nothing opens. */
  nextOpening: string | null;
}

/** Everything the "explain" endpoint needs to say why an instant is or is not callable. */
export function describeWindowAt(
  hours: CallingHoursLike | CompiledCallingHours,
  zone: string,
  instantMs: number,
  options?: WindowSearchOptions,
): WindowExplanation {
  const c = compileCallingHours(hours);
  const z = zoneOf(zone);
  const match = matchWall(c, instantMs + offsetMs(z, instantMs));
  const local = DateTime.fromMillis(instantMs, { zone: z });
  const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString());
  const close = match ? nextWindowEnd(c, zone, instantMs, options) : null;
  return {
    zone,
    instant: new Date(instantMs).toISOString(),
    local: {
      date: local.toFormat('yyyy-MM-dd'),
      time: local.toFormat('HH:mm:ss'),
      weekday: WEEKDAYS[local.weekday - 1]!,
      offset: local.toFormat('ZZ'),
      iso: local.toISO() ?? '',
    },
    inWindow: match !== null,
    window: match
      ? {
          day: match.window.entry.day,
          start: match.window.entry.start,
          end: match.window.entry.end,
          overnight: match.window.endMin > 1440,
          spillover: match.spillover,
        }
      : null,
    closesAt: iso(close),
    nextOpening: iso(match ? instantMs : nextWindowStart(c, zone, instantMs, options)),
  };
}
