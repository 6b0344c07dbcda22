/**
 * Property tests for calling windows. The oracle reads local wall-clock time through
 * Intl.DateTimeFormat and applies the window rules written out independently below, so the
 * implementation (luxon offsets + wall timeline) is checked against a second computation.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isWithinCallingHours, nextWindowEnd, nextWindowStart } from '../../../src/domain/engine/calling-window.js';
import type { CallingHoursLike } from '../../../src/domain/engine/calling-window.js';

const DAYS = ['MO', 'TU', 'WE', 'TH', 'FR', 'SA', 'SU'] as const;
const INTL_WEEKDAY: Record<string, number> = { Mon: 0, Tue: 1, Wed: 2, Thu: 3, Fri: 4, Sat: 5, Sun: 6 };
const HOUR = 3_600_000;
const ALL_ZONES = Intl.supportedValuesOf('timeZone');
/** Zones with DST, including half-hour (Lord_Howe), two-hour (Troll) and midnight (Havana, Santiago) shifts. */
const DST_ZONES = [
  'America/New_York',
  'Europe/London',
  'Australia/Lord_Howe',
  'Pacific/Chatham',
  'America/St_Johns',
  'America/Santiago',
  'America/Havana',
  'Antarctica/Troll',
  'Africa/Casablanca',
  'Asia/Gaza',
  'Europe/Chisinau',
  'America/Asuncion',
];
const FROM = Date.UTC(2019, 0, 1);
const TO = Date.UTC(2031, 0, 1);

const formatters = new Map<string, Intl.DateTimeFormat>();
function wallClock(zone: string, t: number): { weekday: number; msOfDay: number; utcLike: number } {
  let f = formatters.get(zone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      hourCycle: 'h23',
      weekday: 'short',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(zone, f);
  }
  const p = Object.fromEntries(f.formatToParts(t).map((x) => [x.type, x.value]));
  const ms = ((t % 1000) + 1000) % 1000;
  const msOfDay = ((Number(p.hour) * 60 + Number(p.minute)) * 60 + Number(p.second)) * 1000 + ms;
  const utcLike = Date.UTC(Number(p.year), Number(p.month) - 1, Number(p.day)) + msOfDay;
  return { weekday: INTL_WEEKDAY[p.weekday!]!, msOfDay, utcLike };
}

/** Independent reading of "h:mm AM/PM". */
function minutes(s: string): number {
  const [, h, m, ap] = /^(\d+):(\d+) ?(am|pm)$/i.exec(s)!;
  const hour = Number(h) === 12 ? 0 : Number(h);
  return (ap!.toLowerCase() === 'pm' ? hour + 12 : hour) * 60 + Number(m);
}

/** Oracle: is this local wall-clock moment inside a configured window (same-day part or previous night's overnight part)? */
function oracleInside(hours: CallingHoursLike, zone: string, t: number): boolean {
  const { weekday, msOfDay } = wallClock(zone, t);
  const mins = msOfDay / 60_000;
  const applies = (entryDay: string, weekdayIdx: number): boolean =>
    hours.frequency === 'DAILY' || entryDay === DAYS[weekdayIdx];
  return hours.days.some((e) => {
    const s = minutes(e.start);
    const rawEnd = minutes(e.end);
    const end = rawEnd === 0 ? 1440 : rawEnd;
    const overnight = end <= s;
    if (applies(e.day, weekday) && mins >= s && mins < (overnight ? 1440 : end)) return true;
    return overnight && applies(e.day, (weekday + 6) % 7) && mins < end;
  });
}

/** Wall-clock offset changes of a zone, found with Intl alone (daily probes, then bisection to the second). */
const transitionCache = new Map<string, number[]>();
function transitions(zone: string): number[] {
  const cached = transitionCache.get(zone);
  if (cached) return cached;
  const off = (t: number): number => wallClock(zone, t).utcLike - t;
  const out: number[] = [];
  let prev = off(FROM);
  for (let t = FROM; t < TO; t += 24 * HOUR) {
    const next = off(t + 24 * HOUR);
    if (next !== prev) {
      let lo = t;
      let hi = t + 24 * HOUR;
      const o = prev;
      while (hi - lo > 1000) {
        const mid = Math.floor((lo + hi) / 2);
        if (off(mid) === o) lo = mid;
        else hi = mid;
      }
      out.push(hi);
    }
    prev = next;
  }
  transitionCache.set(zone, out);
  return out;
}

const clockTime = fc.oneof(
  fc
    .record({
      h: fc.integer({ min: 1, max: 12 }),
      m: fc.integer({ min: 0, max: 59 }),
      pm: fc.boolean(),
      sp: fc.boolean(),
    })
    .map(({ h, m, pm, sp }) => `${h}:${String(m).padStart(2, '0')}${sp ? ' ' : ''}${pm ? 'PM' : 'am'}`),
  // Times around midnight and the usual DST hours, where the edge cases live.
  fc.constantFrom(
    '12:00 AM',
    '12:30 AM',
    '1:00 AM',
    '1:30 AM',
    '2:00 AM',
    '2:15 AM',
    '2:30 AM',
    '3:00 AM',
    '11:00 PM',
    '11:59 PM',
  ),
);
const hoursArb = fc.record({
  frequency: fc.constantFrom('WEEKLY', 'WEEKLY', 'DAILY', 'CUSTOM'),
  timezone: fc.constant('UTC'),
  days: fc.array(fc.record({ day: fc.constantFrom(...DAYS), start: clockTime, end: clockTime }), {
    minLength: 1,
    maxLength: 4,
  }),
});
const anyInstant = fc.integer({ min: FROM, max: TO });

/** A random zone and instant, half of the time within a day of one of that zone's offset changes. */
const zoneAndInstant = fc.oneof(
  fc.record({ zone: fc.constantFrom(...ALL_ZONES), t: anyInstant }),
  fc
    .record({
      zone: fc.constantFrom(...DST_ZONES),
      pick: fc.nat(),
      delta: fc.integer({ min: -26 * HOUR, max: 26 * HOUR }),
    })
    .map(({ zone, pick, delta }) => {
      const tr = transitions(zone);
      return { zone, t: tr.length ? tr[pick % tr.length]! + delta : FROM + delta };
    }),
);

describe('calling windows agree with an Intl oracle', () => {
  it('finds DST transitions for every curated zone (the generator really hits DST days)', () => {
    for (const z of DST_ZONES) expect(transitions(z).length, z).toBeGreaterThan(0);
  });

  it('(a) isWithinCallingHours is exactly the wall-clock rule', () => {
    fc.assert(
      fc.property(hoursArb, zoneAndInstant, (hours, { zone, t }) => {
        expect(isWithinCallingHours(hours, zone, t)).toBe(oracleInside(hours, zone, t));
      }),
      { numRuns: 500 },
    );
  });

  it('(b, c) nextWindowStart is the first inside instant at or after t', () => {
    fc.assert(
      fc.property(
        hoursArb,
        zoneAndInstant,
        fc.array(fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }), { maxLength: 4 }),
        (hours, { zone, t }, fractions) => {
          const r = nextWindowStart(hours, zone, t);
          expect(r).not.toBeNull();
          const start = r!;
          expect(start).toBeGreaterThanOrEqual(t);
          expect(isWithinCallingHours(hours, zone, start)).toBe(true);
          expect(oracleInside(hours, zone, start)).toBe(true);
          if (start > t) {
            expect(oracleInside(hours, zone, t)).toBe(false);
            expect(oracleInside(hours, zone, start - 1)).toBe(false);
            if (start - 60_000 > t) expect(oracleInside(hours, zone, start - 60_000)).toBe(false);
            for (const f of fractions) {
              const x = t + Math.floor((start - t) * f);
              if (x > t && x < start) expect(oracleInside(hours, zone, x)).toBe(false);
            }
          }
        },
      ),
      { numRuns: 400 },
    );
  });

  it('nextWindowEnd is the first outside instant after an opening, and the window holds until then', () => {
    fc.assert(
      fc.property(
        hoursArb,
        zoneAndInstant,
        fc.array(fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }), { maxLength: 4 }),
        (hours, { zone, t }, fractions) => {
          const start = nextWindowStart(hours, zone, t)!;
          const end = nextWindowEnd(hours, zone, start);
          if (end === null) {
            // Only a week covered end to end never closes; spot-check that.
            for (const f of fractions)
              expect(oracleInside(hours, zone, start + Math.floor(f * 7 * 24 * HOUR))).toBe(true);
            return;
          }
          expect(end).toBeGreaterThan(start);
          expect(oracleInside(hours, zone, end)).toBe(false);
          expect(oracleInside(hours, zone, end - 1)).toBe(true);
          for (const f of fractions)
            expect(oracleInside(hours, zone, start + Math.floor((end - start) * f))).toBe(true);
        },
      ),
      { numRuns: 300 },
    );
  });
});
