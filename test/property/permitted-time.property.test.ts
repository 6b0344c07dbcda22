/**
 * Properties of the permitted-time evaluator over random candidate zone sets, campaign hours,
 * packs (shipped and generated), blackouts and instants, many of them around the 2026 DST changes
 * (US 03-08 and 11-01, EU 03-29 and 10-25, Lord Howe's half-hour shift on 04-05 and 10-04):
 *   (a) nextPermitted's answer, when not null, is allowed by permittedAt in every zone;
 *   (b) it is the earliest: not one instant of [t, answer) is allowed, sampled at minute steps
 *       (every minute near both ends, every 15 minutes in between, bounded), and the
 *       millisecond before the answer is not;
 *   (c) permittedAt true => isWithinCallingHours true for the campaign hours in every zone;
 *   (d) nextPermitted(t) === t exactly when permittedAt(t) allows.
 * Every time generated here lies on a 15-minute grid of local time and every zone's offset is a
 * multiple of 30 minutes, so allowed intervals start and end on UTC quarter hours and a
 * quarter-hour sampling cannot step over one.
 *
 * Seeds: fixed under CI, FUZZ_SEED replays one, FUZZ_RUNS soaks longer (test/support/fuzz/values.ts).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  compileCallingHours,
  isWithinCallingHours,
  type CallingHoursLike,
} from '../../src/domain/engine/calling-window.js';
import { loadShippedPacks, parseRulePack, type RulePack } from '../../src/domain/rules/rule-pack.js';
import {
  compilePermit,
  nextPermitted,
  permittedAt,
  type Blackout,
  type CompiledPermit,
} from '../../src/domain/rules/permitted-time.js';
import { fuzzParams } from '../support/fuzz/values.js';

const MINUTE = 60_000;
const QUARTER = 15 * MINUTE;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const ZONES = [
  'America/New_York',
  'America/Chicago',
  'America/Denver',
  'America/Phoenix',
  'America/Los_Angeles',
  'America/Anchorage',
  'Pacific/Honolulu',
  'Europe/London',
  'Australia/Lord_Howe',
] as const;
const DAYS = ['MO', 'TU', 'WE', 'TH', 'FR', 'SA', 'SU'] as const;
/** Offset transitions of 2026 in the zones above (UTC). */
const TRANSITIONS = [
  '2026-03-08T07:00:00Z', // New York spring forward
  '2026-03-08T10:00:00Z', // Los Angeles
  '2026-03-08T11:00:00Z', // Anchorage
  '2026-11-01T06:00:00Z', // New York fall back
  '2026-11-01T09:00:00Z', // Los Angeles
  '2026-03-29T01:00:00Z', // London
  '2026-10-25T01:00:00Z', // London
  '2026-04-04T15:00:00Z', // Lord Howe 2:00 -> 1:30
  '2026-10-03T15:30:00Z', // Lord Howe 2:00 -> 2:30
].map(Date.parse);
const SHIPPED = loadShippedPacks();

/** "h:mm AM/PM" from minutes since midnight (0..1439). */
function clock(min: number): string {
  const h = Math.floor(min / 60);
  const m = min % 60;
  const h12 = h % 12 === 0 ? 12 : h % 12;
  return `${h12}:${String(m).padStart(2, '0')} ${h < 12 ? 'AM' : 'PM'}`;
}

const quarterTime = fc.integer({ min: 0, max: 95 }).map((q) => clock(q * 15));
const entry = fc.record({ day: fc.constantFrom(...DAYS), start: quarterTime, end: quarterTime });
const hoursArb: fc.Arbitrary<CallingHoursLike> = fc.record({
  frequency: fc.constantFrom('WEEKLY', 'DAILY'),
  timezone: fc.constant('UTC'),
  days: fc.array(entry, { minLength: 1, maxLength: 5 }),
});

const isoDate = (ms: number): string => new Date(ms).toISOString().slice(0, 10);

/** An instant near a DST transition or anywhere in 2026-2027. */
const instantArb = fc.oneof(
  fc.tuple(fc.constantFrom(...TRANSITIONS), fc.integer({ min: -3 * DAY, max: 3 * DAY })).map(([base, d]) => base + d),
  fc.integer({ min: Date.parse('2026-01-01T00:00:00Z'), max: Date.parse('2027-12-31T00:00:00Z') }),
);

/** A generated pack: random hours (or none) and holidays near `t`. */
function generatedPack(t: number): fc.Arbitrary<RulePack> {
  return fc
    .record({
      hours: fc.option(
        fc.record({
          frequency: fc.constantFrom('WEEKLY', 'DAILY'),
          days: fc.array(entry, { minLength: 1, maxLength: 4 }),
        }),
      ),
      holidays: fc.uniqueArray(fc.integer({ min: -2, max: 10 }), { maxLength: 3 }),
    })
    .map(({ hours, holidays }) =>
      parseRulePack({
        id: 'gen',
        version: '1',
        name: 'Generated',
        appliesTo: { countries: ['US'] },
        source: { title: 'property test' },
        ...(hours ? { hours: { ...hours, cite: 'gen hours' } } : {}),
        ...(holidays.length > 0
          ? { holidays: { dates: holidays.map((d) => ({ date: isoDate(t + d * DAY), name: `h${d}` })), cite: 'gen' } }
          : {}),
      }),
    );
}

function blackoutsNear(t: number): fc.Arbitrary<Blackout[]> {
  return fc
    .array(fc.record({ from: fc.integer({ min: -3, max: 10 }), len: fc.integer({ min: 0, max: 3 }) }), { maxLength: 2 })
    .map((spans) =>
      spans.map(({ from, len }, i) => ({
        id: `b${i}`,
        name: `Blackout ${i}`,
        from: isoDate(t + from * DAY),
        to: isoDate(t + (from + len) * DAY),
      })),
    );
}

interface Case {
  t: number;
  zones: string[];
  hours: CallingHoursLike;
  packs: RulePack[];
  blackouts: Blackout[];
}

const caseArb: fc.Arbitrary<Case> = instantArb.chain((t) =>
  fc.record({
    t: fc.constant(t),
    // Mostly the US zones (a number's candidates are neighbours), sometimes any mix (mostly null).
    zones: fc.oneof(
      { weight: 3, arbitrary: fc.uniqueArray(fc.constantFrom(...ZONES.slice(0, 7)), { minLength: 1, maxLength: 3 }) },
      { weight: 1, arbitrary: fc.uniqueArray(fc.constantFrom(...ZONES), { minLength: 1, maxLength: 3 }) },
    ),
    hours: hoursArb,
    packs: fc
      .tuple(fc.subarray(SHIPPED, { maxLength: 3 }), fc.option(generatedPack(t), { freq: 2 }))
      .map(([shipped, gen]) => (gen ? [...shipped, gen] : shipped)),
    blackouts: blackoutsNear(t),
  }),
);

const HORIZON_DAYS = 15;
const allowed = (c: CompiledPermit, t: number): boolean => permittedAt(c, t).allowed;

/** Instants of [t, end) to probe: every minute of the first and last 3 hours, every quarter hour between. */
function probes(t: number, end: number): number[] {
  const out = [t];
  const firstMinute = Math.ceil((t + 1) / MINUTE) * MINUTE;
  for (let x = firstMinute; x < end && x < t + 3 * HOUR; x += MINUTE) out.push(x);
  const firstQuarter = Math.ceil((t + 3 * HOUR) / QUARTER) * QUARTER;
  for (let x = firstQuarter; x < end - 3 * HOUR; x += QUARTER) out.push(x);
  for (let x = Math.max(firstMinute, Math.ceil((end - 3 * HOUR) / MINUTE) * MINUTE); x < end; x += MINUTE) out.push(x);
  out.push(end - 1);
  return out.filter((x) => x >= t && x < end);
}

describe('permitted time (property)', () => {
  it('nextPermitted is allowed everywhere, is the earliest, and agrees with permittedAt', async () => {
    await fc.assert(
      fc.asyncProperty(caseArb, async ({ t, zones, hours, packs, blackouts }) => {
        // Yield between runs: one long synchronous loop starves the test runner's messaging.
        await new Promise((resolve) => setImmediate(resolve));
        const c = compilePermit({ campaignHours: compileCallingHours(hours), zones, packs, blackouts });
        const now = permittedAt(c, t);
        const next = nextPermitted(c, t, HORIZON_DAYS);

        // (d) t itself exactly when allowed
        expect(next === t).toBe(now.allowed);
        expect(now.allowed).toBe(now.blocks.length === 0);

        // (c) allowed => inside the campaign's hours in every zone
        for (const at of next === null ? [t] : [t, next]) {
          if (!allowed(c, at)) continue;
          for (const z of zones) expect(isWithinCallingHours(c.campaignHours, z, at)).toBe(true);
        }

        if (next !== null) {
          // (a) allowed by everything in every zone, within the horizon
          expect(next).toBeGreaterThanOrEqual(t);
          expect(next).toBeLessThanOrEqual(t + HORIZON_DAYS * DAY);
          expect(permittedAt(c, next)).toEqual({ allowed: true, blocks: [] });
          // (b) nothing earlier
          for (const x of probes(t, next)) {
            if (allowed(c, x))
              throw new Error(`allowed at ${new Date(x).toISOString()}, before ${new Date(next).toISOString()}`);
          }
        } else {
          // nothing within the horizon (quarter-hour grid, see the header)
          for (let x = Math.ceil(t / QUARTER) * QUARTER; x <= t + HORIZON_DAYS * DAY; x += QUARTER) {
            if (allowed(c, x)) throw new Error(`null, yet allowed at ${new Date(x).toISOString()}`);
          }
        }
      }),
      fuzzParams(120),
    );
  }, 300_000);
});
