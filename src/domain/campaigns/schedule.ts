import { DateTime, IANAZone } from 'luxon';
import type { AppError } from '../../shared/errors.js';
import { errors } from '../../shared/errors.js';

/**
 * Recurring campaign schedules (Kore's schedule API): from `startDateTime` to `endDateTime`, in a
 * zone, the campaign is played at the start's time of day on every Nth day, or on chosen weekdays
 * of every Nth week. Kept in the campaign's config in Kore's own shape, so Get echoes it; `enabledAt` is
 * campaignd's (never shown): occurrences before the schedule was enabled do not count.
 */
export interface Schedule {
  isSchedulingEnabled: boolean;
  isRecurrenceEnabled: boolean;
  /** `YYYY-MM-DD HH:mm:ss`, local to `timezone` (zero-padded when stored). */
  startDateTime?: string;
  endDateTime?: string;
  timezone?: string;
  recurrenceObject?: Recurrence;
  enabledAt?: number;
}

export type Weekday = 'Mon' | 'Tue' | 'Wed' | 'Thu' | 'Fri' | 'Sat' | 'Sun';
export type Recurrence =
  | { recurType: 'Daily'; dailyDetails: { onceEveryNdays: number } }
  | { recurType: 'Weekly'; weeklyDetails: { onceEveryNweeks: number; whichDays: Weekday[] } };

const WEEKDAYS: readonly Weekday[] = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'];
/**
 * The docs' sample `"2026-01-1 18:29:00"` is not zero-padded (docs/kore-compatibility.md, inconsistency 30);
 * seconds are optional.
 */
const LOCAL = /^(\d{4})-(\d{1,2})-(\d{1,2})[ T](\d{1,2}):(\d{2})(?::(\d{2}))?$/;
const DAY_MS = 86_400_000;

interface Local {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
}

function parseLocal(raw: unknown): Local | undefined {
  const m = typeof raw === 'string' ? LOCAL.exec(raw.trim()) : null;
  if (!m) return undefined;
  const [year, month, day, hour, minute, second] = m.slice(1).map((v) => Number(v ?? 0)) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  const check = DateTime.fromObject({ year, month, day, hour, minute, second }, { zone: 'UTC' });
  return check.isValid && check.day === day && hour < 24 ? { year, month, day, hour, minute, second } : undefined;
}

const pad = (n: number, w = 2) => String(n).padStart(w, '0');
const formatLocal = (l: Local) =>
  `${pad(l.year, 4)}-${pad(l.month)}-${pad(l.day)} ${pad(l.hour)}:${pad(l.minute)}:${pad(l.second)}`;

/** The instant of a local wall time in `zone`; a time skipped by a DST jump moves forward with it. */
function instant(l: Local, zone: string): number {
  return DateTime.fromObject(l, { zone }).toMillis();
}

function intIn(v: unknown, min: number, max: number): number | undefined {
  const n = typeof v === 'string' && /^\d+$/.test(v.trim()) ? Number(v) : v;
  return typeof n === 'number' && Number.isInteger(n) && n >= min && n <= max ? n : undefined;
}

function weekday(v: unknown): Weekday | undefined {
  if (typeof v !== 'string') return undefined;
  const three = v.trim().slice(0, 3).toLowerCase();
  return WEEKDAYS.find((d) => d.toLowerCase() === three && /^[a-z]+$/i.test(v.trim()));
}

/**
 * Validates an enable-schedule body, reporting every problem. `defaultZone` is the campaign's
 * calling-hours zone, used when the body names none.
 */
export function parseScheduleBody(
  body: unknown,
  defaultZone: string,
  now: number,
): { ok: true; value: Schedule } | { ok: false; problems: AppError[] } {
  const problems: AppError[] = [];
  const bad = (field: string, msg: string) => problems.push(errors.validation(field, `${field}: ${msg}`));
  const b = (body && typeof body === 'object' && !Array.isArray(body) ? body : {}) as Record<string, unknown>;
  if (body === undefined || body === null || typeof body !== 'object' || Array.isArray(body))
    bad('body', 'must be an object with startDateTime, endDateTime and recurrenceObject');

  const zone = b.timezone === undefined || b.timezone === '' ? defaultZone : b.timezone;
  const zoneOk = typeof zone === 'string' && IANAZone.isValidZone(zone);
  if (!zoneOk) bad('timezone', `'${String(zone)}' is not an IANA time zone`);
  const start = parseLocal(b.startDateTime);
  const end = parseLocal(b.endDateTime);
  if (b.startDateTime === undefined) bad('startDateTime', 'is required (YYYY-MM-DD HH:mm:ss)');
  else if (!start) bad('startDateTime', `'${String(b.startDateTime)}' is not a date and time like 2026-01-27 18:29:00`);
  if (b.endDateTime === undefined) bad('endDateTime', 'is required (YYYY-MM-DD HH:mm:ss)');
  else if (!end) bad('endDateTime', `'${String(b.endDateTime)}' is not a date and time like 2026-02-27 18:29:00`);
  if (start && end && zoneOk) {
    const endAt = instant(end, zone);
    if (endAt <= instant(start, zone)) bad('endDateTime', 'must be after startDateTime');
    else if (endAt <= now) bad('endDateTime', 'must be in the future');
  }

  const r = (b.recurrenceObject && typeof b.recurrenceObject === 'object' ? b.recurrenceObject : undefined) as
    Record<string, unknown> | undefined;
  let recurrence: Recurrence | undefined;
  if (!r) bad('recurrenceObject', 'is required: { recurType: Daily | Weekly, ... }');
  else {
    const type = typeof r.recurType === 'string' ? r.recurType.trim().toLowerCase() : '';
    const daily = (r.dailyDetails ?? {}) as Record<string, unknown>;
    // The weekly page labels its fields dailyDetails while its sample says weeklyDetails (inconsistency 30).
    const weekly = (r.weeklyDetails ?? r.dailyDetails ?? {}) as Record<string, unknown>;
    if (type === 'daily') {
      const n = intIn(daily.onceEveryNdays, 1, 365);
      if (n === undefined) bad('recurrenceObject.dailyDetails.onceEveryNdays', 'must be an integer from 1 to 365');
      else recurrence = { recurType: 'Daily', dailyDetails: { onceEveryNdays: n } };
    } else if (type === 'weekly') {
      const n = intIn(weekly.onceEveryNweeks, 1, 52);
      if (n === undefined) bad('recurrenceObject.weeklyDetails.onceEveryNweeks', 'must be an integer from 1 to 52');
      const raw = weekly.whichDays;
      const days = Array.isArray(raw) ? raw.map(weekday) : [];
      if (!Array.isArray(raw) || raw.length === 0 || days.some((d) => d === undefined)) {
        bad('recurrenceObject.weeklyDetails.whichDays', `must list days among ${WEEKDAYS.join(' ')}`);
      } else if (n !== undefined) {
        const set = new Set(days as Weekday[]);
        recurrence = {
          recurType: 'Weekly',
          weeklyDetails: { onceEveryNweeks: n, whichDays: WEEKDAYS.filter((d) => set.has(d)) },
        };
      }
    } else {
      bad('recurrenceObject.recurType', `'${String(r.recurType)}' must be Daily or Weekly`);
    }
  }
  if (problems.length > 0 || !start || !end || !recurrence || !zoneOk) return { ok: false, problems };
  return {
    ok: true,
    value: {
      isSchedulingEnabled: true,
      isRecurrenceEnabled: true,
      startDateTime: formatLocal(start),
      endDateTime: formatLocal(end),
      timezone: zone,
      recurrenceObject: recurrence,
      enabledAt: now,
    },
  };
}

interface Plan {
  start: Local;
  startAt: number;
  endAt: number;
  zone: string;
  startDay: number;
  matches: (day: number) => boolean;
}

/** Calendar day number (days since 1970-01-01) of a local date; weekday 0 = Monday. */
const dayNumber = (l: Pick<Local, 'year' | 'month' | 'day'>) => Date.UTC(l.year, l.month - 1, l.day) / DAY_MS;
const weekdayOf = (day: number) => (((day + 3) % 7) + 7) % 7; // 1970-01-01 was a Thursday

function planOf(s: Schedule): Plan | undefined {
  if (!s.isSchedulingEnabled || !s.recurrenceObject || !s.startDateTime || !s.endDateTime || !s.timezone)
    return undefined;
  const start = parseLocal(s.startDateTime);
  const end = parseLocal(s.endDateTime);
  if (!start || !end) return undefined;
  const startDay = dayNumber(start);
  const r = s.recurrenceObject;
  let matches: (day: number) => boolean;
  if (r.recurType === 'Daily') {
    const n = r.dailyDetails.onceEveryNdays;
    matches = (day) => (day - startDay) % n === 0;
  } else {
    const n = r.weeklyDetails.onceEveryNweeks;
    const wanted = new Set(r.weeklyDetails.whichDays.map((d) => WEEKDAYS.indexOf(d)));
    const startMonday = startDay - weekdayOf(startDay);
    matches = (day) => wanted.has(weekdayOf(day)) && Math.floor((day - startMonday) / 7) % n === 0;
  }
  return {
    start,
    startAt: instant(start, s.timezone),
    endAt: instant(end, s.timezone),
    zone: s.timezone,
    startDay,
    matches,
  };
}

function occurrenceOn(p: Plan, day: number): number {
  const d = new Date(day * DAY_MS);
  return instant({ ...p.start, year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate() }, p.zone);
}

/** Local day number of an instant in the plan's zone. */
function localDay(p: Plan, ms: number): number {
  const t = DateTime.fromMillis(ms, { zone: p.zone });
  return dayNumber({ year: t.year, month: t.month, day: t.day });
}

/** The first occurrence strictly after `afterMs` (and not after the end), or undefined when none is left. */
export function nextOccurrence(s: Schedule, afterMs: number): number | undefined {
  const p = planOf(s);
  if (!p) return undefined;
  const lastDay = localDay(p, p.endAt);
  for (let day = Math.max(p.startDay, localDay(p, afterMs) - 1); day <= lastDay; day++) {
    if (!p.matches(day)) continue;
    const at = occurrenceOn(p, day);
    if (at > afterMs && at >= p.startAt && at <= p.endAt) return at;
  }
  return undefined;
}

/**
 * The latest occurrence in (afterMs, nowMs], or undefined. Only the latest counts: occurrences
 * missed while the engine was down or a run was still going are not made up one after another.
 */
export function latestDueOccurrence(s: Schedule, afterMs: number, nowMs: number): number | undefined {
  let due: number | undefined;
  for (let at = nextOccurrence(s, afterMs); at !== undefined && at <= nowMs; at = nextOccurrence(s, at)) due = at;
  return due;
}
