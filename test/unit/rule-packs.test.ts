/**
 * Jurisdiction rule packs (rules/packs/*.json) and the evaluator over them: one table row per
 * shipped rule (pack, version, cite, a local instant in a zone, allowed or blocked), the values of
 * caps and abandon rules as data, what parseRulePack rejects, which packs apply to a contact, and
 * nextPermitted / describePermit on concrete cases (holidays, blackouts, several zones, DST).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { DateTime } from 'luxon';
import { describe, expect, it } from 'vitest';
import { compileCallingHours, type CallingHoursLike } from '../../src/domain/engine/calling-window.js';
import { AppError } from '../../src/shared/errors.js';
import {
  loadShippedPacks,
  packsApplying,
  parseRulePack,
  RulePackError,
  type RulePack,
} from '../../src/domain/rules/rule-pack.js';
import {
  compilePermit,
  describePermit,
  nextPermitted,
  permittedAt,
  type Blackout,
  type PermitInput,
} from '../../src/domain/rules/permitted-time.js';

const PACKS = loadShippedPacks();
const pack = (id: string): RulePack => {
  const p = PACKS.find((x) => x.id === id);
  if (!p) throw new Error(`no shipped pack ${id}`);
  return p;
};
/** Local wall time in a zone -> epoch ms. */
const local = (zone: string, wall: string): number => DateTime.fromISO(wall, { zone }).toMillis();
const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString());
const ALWAYS = compileCallingHours({
  frequency: 'DAILY',
  timezone: 'UTC',
  days: [{ day: 'MO', start: '12:00 AM', end: '12:00 AM' }],
});
const input = (zones: string[], packs: RulePack[], blackouts: Blackout[] = [], hours = ALWAYS): PermitInput => ({
  campaignHours: hours,
  zones,
  packs,
  blackouts,
});

describe('shipped packs', () => {
  it('every file in rules/packs parses, is named after its id, and all are loaded', () => {
    const dir = new URL('../../rules/packs/', import.meta.url);
    const files = readdirSync(dir).filter((f) => f.endsWith('.json'));
    expect(files.length).toBeGreaterThanOrEqual(9);
    for (const f of files) {
      const p = parseRulePack(JSON.parse(readFileSync(new URL(f, dir), 'utf8')));
      expect(`${p.id}.json`).toBe(f);
      expect(p.version).toMatch(/^\d{4}-\d{2}-\d{2}$/);
      expect(p.source.title.length).toBeGreaterThan(0);
    }
    expect(PACKS.map((p) => p.id)).toEqual(files.map((f) => f.replace(/\.json$/, '')).sort());
  });

  it('are frozen and read once', () => {
    const p = pack('us-fl');
    expect(Object.isFrozen(p)).toBe(true);
    expect(Object.isFrozen(p.hours!.days[0])).toBe(true);
    expect(loadShippedPacks()[0]).toBe(PACKS[0]);
  });
});

type Row = [id: string, version: string, cite: string, zone: string, wall: string, allowed: boolean];

// Weekdays of 2026: 03-09 Mon, 12-05 Sat, 12-06 Sun, 12-07 Mon.
const ROWS: Row[] = [
  ['us-federal', '2026-12-06', '47 CFR § 64.1200(c)(1)', 'America/New_York', '2026-12-07T07:59', false],
  ['us-federal', '2026-12-06', '47 CFR § 64.1200(c)(1)', 'America/New_York', '2026-12-07T08:00', true],
  ['us-federal', '2026-12-06', '47 CFR § 64.1200(c)(1)', 'America/New_York', '2026-12-07T20:59', true],
  ['us-federal', '2026-12-06', '47 CFR § 64.1200(c)(1)', 'America/New_York', '2026-12-07T21:00', false],
  ['us-federal', '2026-12-06', '47 CFR § 64.1200(c)(1)', 'Pacific/Honolulu', '2026-12-06T07:59', false],
  ['us-federal', '2026-12-06', '47 CFR § 64.1200(c)(1)', 'Pacific/Honolulu', '2026-12-06T08:00', true],
  ['us-federal', '2026-12-06', '47 CFR § 64.1200(c)(1)', 'America/Anchorage', '2026-03-08T08:00', true], // DST day
  ['us-federal', '2026-12-06', '47 CFR § 64.1200(c)(1)', 'America/Los_Angeles', '2026-11-01T07:59', false], // DST day
  ['us-fl', '2021-07-01', '§ 501.616(6)(a)', 'America/New_York', '2026-12-07T07:59', false],
  ['us-fl', '2021-07-01', '§ 501.616(6)(a)', 'America/New_York', '2026-12-07T08:00', true],
  ['us-fl', '2021-07-01', '§ 501.616(6)(a)', 'America/New_York', '2026-12-07T19:59', true],
  ['us-fl', '2021-07-01', '§ 501.616(6)(a)', 'America/New_York', '2026-12-07T20:00', false],
  ['us-fl', '2021-07-01', '§ 501.616(6)(a)', 'America/Chicago', '2026-12-06T20:59', false], // panhandle, Sunday
  ['us-fl', '2021-07-01', '§ 501.616(6)(a)', 'America/Chicago', '2026-12-06T12:00', true],
  ['us-ok', '2022-11-01', '15 O.S. § 775C.1', 'America/Chicago', '2026-12-07T07:59', false],
  ['us-ok', '2022-11-01', '15 O.S. § 775C.1', 'America/Chicago', '2026-12-07T08:00', true],
  ['us-ok', '2022-11-01', '15 O.S. § 775C.1', 'America/Chicago', '2026-12-07T19:59', true],
  ['us-ok', '2022-11-01', '15 O.S. § 775C.1', 'America/Chicago', '2026-12-07T20:00', false],
  ['us-md', '2024-01-01', 'Com. Law § 14-4502', 'America/New_York', '2026-12-05T07:59', false],
  ['us-md', '2024-01-01', 'Com. Law § 14-4502', 'America/New_York', '2026-12-05T08:00', true],
  ['us-md', '2024-01-01', 'Com. Law § 14-4502', 'America/New_York', '2026-12-05T19:59', true],
  ['us-md', '2024-01-01', 'Com. Law § 14-4502', 'America/New_York', '2026-12-05T20:00', false],
  ['us-tx', '2026-12-06', '§ 301.051', 'America/Chicago', '2026-12-05T08:59', false], // Saturday
  ['us-tx', '2026-12-06', '§ 301.051', 'America/Chicago', '2026-12-05T09:00', true],
  ['us-tx', '2026-12-06', '§ 301.051', 'America/Chicago', '2026-12-05T20:59', true],
  ['us-tx', '2026-12-06', '§ 301.051', 'America/Chicago', '2026-12-05T21:00', false],
  ['us-tx', '2026-12-06', '§ 301.051', 'America/Chicago', '2026-12-06T09:00', false], // Sunday: noon
  ['us-tx', '2026-12-06', '§ 301.051', 'America/Chicago', '2026-12-06T11:59', false],
  ['us-tx', '2026-12-06', '§ 301.051', 'America/Chicago', '2026-12-06T12:00', true],
  ['us-tx', '2026-12-06', '§ 301.051', 'America/Denver', '2026-12-06T20:59', true], // El Paso
  ['us-tx', '2026-12-06', '§ 301.051', 'America/Denver', '2026-12-06T21:00', false],
  ['us-wa', '2022-06-09', 'RCW 19.158.040(2)', 'America/Los_Angeles', '2026-12-07T07:59', false],
  ['us-wa', '2022-06-09', 'RCW 19.158.040(2)', 'America/Los_Angeles', '2026-12-07T08:00', true],
  ['us-wa', '2022-06-09', 'RCW 19.158.040(2)', 'America/Los_Angeles', '2026-12-07T19:59', true],
  ['us-wa', '2022-06-09', 'RCW 19.158.040(2)', 'America/Los_Angeles', '2026-12-07T20:00', false],
  ['us-ri', '2026-12-06', '§ 5-61-3.6(a)', 'America/New_York', '2026-12-07T08:59', false],
  ['us-ri', '2026-12-06', '§ 5-61-3.6(a)', 'America/New_York', '2026-12-07T09:00', true],
  ['us-ri', '2026-12-06', '§ 5-61-3.6(a)', 'America/New_York', '2026-12-07T17:59', true],
  ['us-ri', '2026-12-06', '§ 5-61-3.6(a)', 'America/New_York', '2026-12-07T18:00', false],
  ['us-ri', '2026-12-06', '§ 5-61-3.6(a)', 'America/New_York', '2026-12-05T09:59', false], // Saturday 10-5
  ['us-ri', '2026-12-06', '§ 5-61-3.6(a)', 'America/New_York', '2026-12-05T10:00', true],
  ['us-ri', '2026-12-06', '§ 5-61-3.6(a)', 'America/New_York', '2026-12-05T16:59', true],
  ['us-ri', '2026-12-06', '§ 5-61-3.6(a)', 'America/New_York', '2026-12-05T17:00', false],
  ['us-ri', '2026-12-06', '§ 5-61-3.6(a)', 'America/New_York', '2026-12-06T12:00', false], // Sunday: none
  ['us-ri', '2026-12-06', '§ 5-61-2', 'America/New_York', '2026-12-25T12:00', false], // Christmas, a Friday
  ['us-ri', '2026-12-06', '§ 5-61-2', 'America/New_York', '2026-11-26T12:00', false], // Thanksgiving
  ['us-ri', '2026-12-06', '§ 5-61-3.6(a)', 'America/New_York', '2026-11-27T12:00', true], // the day after
  ['us-ri', '2026-12-06', '§ 5-61-2', 'America/New_York', '2027-08-09T12:00', false], // Victory Day
  ['us-ri', '2026-12-06', '§ 5-61-2', 'America/New_York', '2027-12-31T12:00', false], // New Year 2028 observed
  ['ca-crtc', '2026-12-06', 'Part III', 'America/Toronto', '2026-12-07T08:59', false],
  ['ca-crtc', '2026-12-06', 'Part III', 'America/Toronto', '2026-12-07T09:00', true],
  ['ca-crtc', '2026-12-06', 'Part III', 'America/Toronto', '2026-12-07T21:29', true],
  ['ca-crtc', '2026-12-06', 'Part III', 'America/Toronto', '2026-12-07T21:30', false],
  ['ca-crtc', '2026-12-06', 'Part III', 'America/Vancouver', '2026-12-05T09:59', false], // weekend 10-6
  ['ca-crtc', '2026-12-06', 'Part III', 'America/Vancouver', '2026-12-05T10:00', true],
  ['ca-crtc', '2026-12-06', 'Part III', 'America/Vancouver', '2026-12-06T17:59', true],
  ['ca-crtc', '2026-12-06', 'Part III', 'America/Vancouver', '2026-12-06T18:00', false],
  ['gb-ofcom', '2017-03-01', 'Persistent Misuse', 'Europe/London', '2026-12-06T03:00', true], // no hours
];

describe.each(ROWS)('%s %s (%s): %s %s', (id, version, cite, zone, wall, allowed) => {
  it(allowed ? 'allows' : 'blocks', () => {
    const p = pack(id);
    expect(p.version).toBe(version);
    const t = local(zone, wall);
    const r = permittedAt(input([zone], [p]), t);
    expect(r.allowed).toBe(allowed);
    if (allowed) {
      expect(nextPermitted(input([zone], [p]), t)).toBe(t);
      return;
    }
    expect(r.blocks.length).toBeGreaterThan(0);
    for (const b of r.blocks) {
      expect(b.zone).toBe(zone);
      expect(b.pack).toMatchObject({ id, version });
      expect(b.pack!.cite).toContain(cite);
    }
    const next = nextPermitted(input([zone], [p]), t);
    expect(next).not.toBeNull();
    expect(next!).toBeGreaterThan(t);
    expect(permittedAt(input([zone], [p]), next!).allowed).toBe(true);
    expect(permittedAt(input([zone], [p]), next! - 1).allowed).toBe(false);
  });
});

describe('caps and abandon rules as data', () => {
  it.each([
    ['us-fl', 3, 24, '§ 501.616(6)(b)'],
    ['us-ok', 3, 24, '775C'],
    ['us-md', 3, 24, '§ 14-4502'],
  ])('%s: at most %d calls per %d h (%s)', (id, attempts, hours, cite) => {
    expect(pack(id).caps).toHaveLength(1);
    expect(pack(id).caps[0]).toMatchObject({ attempts, hours });
    expect(pack(id).caps[0]!.cite).toContain(cite);
  });
  it('packs without a cap have an empty list', () => {
    for (const id of ['us-federal', 'us-tx', 'us-wa', 'us-ri', 'ca-crtc', 'gb-ofcom'])
      expect(pack(id).caps).toEqual([]);
  });
  it.each([
    ['gb-ofcom', { lockoutHours: 72, maxRatePercent: 3, window: '24h', noAgentSeconds: 2 }],
    ['ca-crtc', { maxRatePercent: 5, noAgentSeconds: 2 }],
    ['us-federal', { maxRatePercent: 3, window: '30d', noAgentSeconds: 2 }],
  ])('%s abandon rules', (id, expected) => {
    expect(pack(id).abandon).toMatchObject(expected);
  });
  it('Ofcom sets no calling hours and Rhode Island lists holidays for 2026 and 2027', () => {
    expect(pack('gb-ofcom').hours).toBeUndefined();
    const years = new Set(pack('us-ri').holidays!.dates.map((d) => d.date.slice(0, 4)));
    expect([...years].sort()).toEqual(['2026', '2027']);
  });
});

const GOOD = {
  id: 'xx-test',
  version: '2026-01-01',
  name: 'Test pack',
  appliesTo: { countries: ['US'], regions: ['US-FL'] },
  source: { title: 'Test § 1', url: 'https://example.org/law' },
  hours: { frequency: 'weekly', days: [{ day: 'mo', start: '8:00 AM', end: '8:00 PM' }], cite: '§ 1(a)' },
  caps: [{ attempts: 3, hours: 24, cite: '§ 1(b)' }],
  holidays: { dates: [{ date: '2026-12-25', name: 'Christmas Day' }], cite: '§ 1(c)' },
  abandon: { lockoutHours: 72, maxRatePercent: 3, window: '24h', noAgentSeconds: 2, cite: '§ 1(d)' },
  notes: 'test',
};
type Json = Record<string, unknown>;
const mutate = (f: (p: Json) => void): Json => {
  const p = structuredClone(GOOD) as Json;
  f(p);
  return p;
};
const hoursOf = (p: Json) => p.hours as { days: Json[]; [k: string]: unknown };

describe('parseRulePack', () => {
  it('accepts a full pack and canonicalises enumerations', () => {
    const p = parseRulePack(GOOD);
    expect(p.hours).toMatchObject({ frequency: 'WEEKLY', days: [{ day: 'MO' }] });
    expect(p.caps).toEqual([{ attempts: 3, hours: 24, cite: '§ 1(b)' }]);
  });
  it('defaults caps to an empty list and accepts a pack with only required fields', () => {
    const p = parseRulePack({
      id: 'min',
      version: '1',
      name: 'M',
      appliesTo: { countries: ['GB'] },
      source: { title: 'T' },
    });
    expect(p.caps).toEqual([]);
    expect(p.hours).toBeUndefined();
  });

  it.each<[string, Json | unknown, string]>([
    ['not an object', [], 'pack'],
    ['missing version', mutate((p) => delete p.version), 'version'],
    ['empty version', mutate((p) => (p.version = '')), 'version'],
    ['bad id', mutate((p) => (p.id = 'US FL')), 'id'],
    ['missing name', mutate((p) => delete p.name), 'name'],
    ['unknown field', mutate((p) => (p.holiday = {})), 'holiday'],
    ['lower-case country', mutate((p) => (p.appliesTo = { countries: ['us'] })), 'appliesTo.countries[0]'],
    ['no countries', mutate((p) => (p.appliesTo = { countries: [] })), 'appliesTo.countries'],
    [
      'region of another country',
      mutate((p) => (p.appliesTo = { countries: ['US'], regions: ['CA-ON'] })),
      'appliesTo.regions[0]',
    ],
    ['bad source url', mutate((p) => (p.source = { title: 'T', url: 'ftp://x' })), 'source.url'],
    ['bad frequency', mutate((p) => (hoursOf(p).frequency = 'CUSTOM')), 'hours.frequency'],
    ['empty days', mutate((p) => (hoursOf(p).days = [])), 'hours.days'],
    ['unknown day', mutate((p) => (hoursOf(p).days[0]!.day = 'XX')), 'hours.days[0].day'],
    ['bad time', mutate((p) => (hoursOf(p).days[0]!.start = '25:00')), 'hours.days[0].start'],
    ['24-hour time', mutate((p) => (hoursOf(p).days[0]!.end = '20:00')), 'hours.days[0].end'],
    ['missing hours cite', mutate((p) => delete hoursOf(p).cite), 'hours.cite'],
    ['negative cap', mutate((p) => (p.caps = [{ attempts: -1, hours: 24, cite: 'c' }])), 'caps[0].attempts'],
    ['fractional cap', mutate((p) => (p.caps = [{ attempts: 1.5, hours: 24, cite: 'c' }])), 'caps[0].attempts'],
    ['zero-hour cap', mutate((p) => (p.caps = [{ attempts: 3, hours: 0, cite: 'c' }])), 'caps[0].hours'],
    [
      'bad date',
      mutate((p) => (p.holidays = { dates: [{ date: '2026-02-30', name: 'x' }], cite: 'c' })),
      'holidays.dates[0].date',
    ],
    [
      'duplicate date',
      mutate(
        (p) =>
          (p.holidays = {
            dates: [
              { date: '2026-12-25', name: 'a' },
              { date: '2026-12-25', name: 'b' },
            ],
            cite: 'c',
          }),
      ),
      'holidays.dates[1].date',
    ],
    [
      'rate above 100 %',
      mutate((p) => (p.abandon = { maxRatePercent: 150, window: '24h', cite: 'c' })),
      'abandon.maxRatePercent',
    ],
    ['rate without window', mutate((p) => (p.abandon = { maxRatePercent: 3, cite: 'c' })), 'abandon.window'],
    ['bad window', mutate((p) => (p.abandon = { maxRatePercent: 3, window: 'daily', cite: 'c' })), 'abandon.window'],
    ['negative lockout', mutate((p) => (p.abandon = { lockoutHours: -72, cite: 'c' })), 'abandon.lockoutHours'],
  ])('rejects %s, naming %s', (_what, json, field) => {
    let err: unknown;
    try {
      parseRulePack(json);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(RulePackError);
    expect(err).toBeInstanceOf(AppError);
    expect((err as RulePackError).field).toBe(field);
    expect((err as RulePackError).status).toBe(400);
    expect((err as RulePackError).message.startsWith(`${field}:`)).toBe(true);
  });
});

describe('packsApplying', () => {
  const ids = (country: string | null, region: string | null) =>
    packsApplying(PACKS, { country, region }).map((p) => p.id);
  it.each<[string | null, string | null, string[]]>([
    ['US', 'US-FL', ['us-federal', 'us-fl']],
    ['us', 'fl', ['us-federal', 'us-fl']],
    ['US', 'US-TX', ['us-federal', 'us-tx']],
    ['US', null, ['us-federal']],
    ['US', 'US-NY', ['us-federal']],
    ['CA', 'CA-ON', ['ca-crtc']],
    ['GB', null, ['gb-ofcom']],
    ['FR', null, []],
    [null, 'US-FL', []],
  ])('%s / %s -> %j', (country, region, expected) => {
    expect(ids(country, region)).toEqual(expected);
  });
});

describe('nextPermitted and describePermit', () => {
  const ny = 'America/New_York';
  it('a Florida contact at 8:30 PM Saturday next opens at 8:00 AM Sunday', () => {
    const packs = packsApplying(PACKS, { country: 'US', region: 'US-FL' });
    expect(iso(nextPermitted(input([ny], packs), local(ny, '2026-12-05T20:30')))).toBe(
      iso(local(ny, '2026-12-06T08:00')),
    );
  });
  it('Rhode Island skips Christmas Eve evening, Christmas (holiday) and opens Saturday 10:00 AM', () => {
    const ri = [pack('us-federal'), pack('us-ri')];
    expect(iso(nextPermitted(input([ny], ri), local(ny, '2026-12-24T18:30')))).toBe(iso(local(ny, '2026-12-26T10:00')));
    // 2027: Fri 24th observed, Sat 25th Christmas, Sunday closed -> Monday 27th 9:00.
    expect(iso(nextPermitted(input([ny], ri), local(ny, '2027-12-23T19:00')))).toBe(iso(local(ny, '2027-12-27T09:00')));
  });
  it('a blackout opens at local midnight after its last day, then the hours decide', () => {
    const b: Blackout[] = [{ id: 'b1', name: 'Election', from: '2026-11-02', to: '2026-11-03' }];
    const t = local(ny, '2026-11-02T10:00');
    const r = permittedAt(input([ny], [pack('us-federal')], b), t);
    expect(r.blocks).toEqual([
      expect.objectContaining({ rule: 'blackout', zone: ny, blackout: { id: 'b1', name: 'Election' } }),
    ]);
    expect(iso(nextPermitted(input([ny], [pack('us-federal')], b), t))).toBe(iso(local(ny, '2026-11-04T08:00')));
    expect(iso(nextPermitted(input([ny], [], b), t))).toBe(iso(local(ny, '2026-11-04T00:00')));
  });
  it('every candidate zone must allow: New York and Los Angeles under the federal pack', () => {
    const zones = [ny, 'America/Los_Angeles'];
    const t = local(ny, '2026-12-07T09:00'); // 6:00 AM in Los Angeles
    const r = permittedAt(input(zones, [pack('us-federal')]), t);
    expect(r.allowed).toBe(false);
    expect(r.blocks.map((b) => b.zone)).toEqual(['America/Los_Angeles']);
    expect(iso(nextPermitted(input(zones, [pack('us-federal')]), t))).toBe(iso(local(ny, '2026-12-07T11:00')));
    // and closes at 9 PM in New York, 6 PM in Los Angeles
    expect(
      permittedAt(input(zones, [pack('us-federal')]), local(ny, '2026-12-07T21:00')).blocks.map((b) => b.zone),
    ).toEqual([ny]);
  });
  it("the campaign's own hours AND the packs: a 10 AM-6 PM weekday campaign under Texas opens Monday", () => {
    const hours: CallingHoursLike = {
      frequency: 'WEEKLY',
      timezone: 'UTC',
      days: ['MO', 'TU', 'WE', 'TH', 'FR'].map((day) => ({ day, start: '10:00 AM', end: '6:00 PM' })),
    };
    const tx = packsApplying(PACKS, { country: 'US', region: 'US-TX' });
    const c = compilePermit(input(['America/Chicago'], tx, [], compileCallingHours(hours)));
    const sun = local('America/Chicago', '2026-12-06T13:00');
    expect(permittedAt(c, sun).blocks.map((b) => b.rule)).toEqual(['calling-hours']);
    expect(iso(nextPermitted(c, sun))).toBe(iso(local('America/Chicago', '2026-12-07T10:00')));
  });
  it('across spring-forward: 1:00 AM EST on 2026-03-08 opens at 8:00 AM EDT', () => {
    const t = Date.parse('2026-03-08T06:00:00Z');
    expect(iso(nextPermitted(input([ny], [pack('us-federal')]), t))).toBe('2026-03-08T12:00:00.000Z');
  });
  it('returns null when nothing opens within the horizon', () => {
    const b: Blackout[] = [{ id: 'all', name: 'Closed', from: '2026-01-01', to: '2026-12-31' }];
    expect(nextPermitted(input([ny], [], b), local(ny, '2026-06-01T12:00'))).toBeNull();
    expect(nextPermitted(input([ny], [], b), local(ny, '2026-12-25T12:00'), 15)).toBe(local(ny, '2027-01-01T00:00'));
    expect(nextPermitted(input([ny], [], b), local(ny, '2026-12-25T12:00'), 3)).toBeNull();
  });
  it('describePermit names the zone, rule, pack version and cite, local time and next opening', () => {
    const ri = [pack('us-federal'), pack('us-ri')];
    const d = describePermit(input([ny], ri), local(ny, '2026-12-25T10:00'));
    expect(d.allowed).toBe(false);
    expect(d.nextPermitted).toBe(iso(local(ny, '2026-12-26T10:00')));
    expect(d.blocks).toEqual([
      expect.objectContaining({
        rule: 'holiday',
        pack: expect.objectContaining({ id: 'us-ri', version: '2026-12-06' }),
      }),
    ]);
    const z = d.zones[0]!;
    expect(z).toMatchObject({
      zone: ny,
      allowed: false,
      local: { date: '2026-12-25', time: '10:00:00', weekday: 'FR' },
    });
    expect(z.rules.map((r) => [r.rule, r.pack?.id ?? null, r.allowed])).toEqual([
      ['calling-hours', null, true],
      ['pack-hours', 'us-federal', true],
      ['pack-hours', 'us-ri', true],
      ['holiday', 'us-ri', false],
    ]);
    expect(z.rules[3]!.opensAt).toBe(iso(local(ny, '2026-12-26T00:00')));
    expect(z.rules[2]!.closesAt).toBe(iso(local(ny, '2026-12-25T18:00')));
    expect(d.packs.map((p) => [p.id, p.version])).toEqual([
      ['us-federal', '2026-12-06'],
      ['us-ri', '2026-12-06'],
    ]);
  });
  it('rejects an empty zone list and a malformed blackout', () => {
    expect(() => permittedAt(input([], []), 0)).toThrow(RangeError);
    expect(() =>
      permittedAt(input([ny], [], [{ id: 'x', name: 'x', from: '2026-02-03', to: '2026-02-01' }]), 0),
    ).toThrow(/blackout x/);
  });
});
