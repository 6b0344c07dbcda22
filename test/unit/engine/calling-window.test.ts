import { describe, expect, it } from 'vitest';
import {
  compileCallingHours,
  describeWindowAt,
  effectiveZone,
  isClockTime,
  isWithinCallingHours,
  nextWindowEnd,
  nextWindowStart,
  parseClockTime,
} from '../../../src/domain/engine/calling-window.js';
import type { CallingHoursLike } from '../../../src/domain/engine/calling-window.js';

type Entry = { day: string; start: string; end: string };
const weekly = (days: Entry[], frequency = 'WEEKLY', timezone = 'UTC'): CallingHoursLike => ({
  frequency,
  timezone,
  days,
});
const at = (iso: string): number => Date.parse(iso);
const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString());

describe('parseClockTime / isClockTime', () => {
  it.each([
    ['9:00 AM', 540],
    ['09:05 AM', 545],
    ['12:00 AM', 0],
    ['12:30 AM', 30],
    ['12:00 PM', 720],
    ['12:59 PM', 779],
    ['6:00 PM', 1080],
    ['11:59 PM', 1439],
    ['9:00am', 540],
    ['9:15 Pm', 1275],
    ['1:00pM', 780],
  ])('%s -> %i minutes', (s, min) => {
    expect(isClockTime(s)).toBe(true);
    expect(parseClockTime(s)).toBe(min);
  });

  it.each([
    '13:00 PM',
    '0:30 AM',
    '00:30 AM',
    '9:60 AM',
    '9:0 AM',
    '9:00',
    '21:00',
    '9:00  AM',
    ' 9:00 AM',
    '9:00 AM ',
    '9.00 AM',
    '9:00 XM',
    '',
    '123:00 AM',
    '9:000 AM',
  ])('rejects %j', (s) => {
    expect(isClockTime(s)).toBe(false);
    expect(() => parseClockTime(s)).toThrow(RangeError);
  });
});

describe('effectiveZone', () => {
  it('prefers a valid contact zone', () => {
    expect(effectiveZone('America/Chicago', 'Asia/Kolkata')).toEqual({ zone: 'America/Chicago', source: 'contact' });
  });
  it.each([undefined, null, '', '   '])('falls back to the campaign zone for %j', (tz) => {
    expect(effectiveZone(tz, 'Asia/Kolkata')).toEqual({ zone: 'Asia/Kolkata', source: 'campaign' });
  });
  it('reports an invalid contact zone it ignored', () => {
    expect(effectiveZone('Mars/Olympus_Mons', 'Asia/Kolkata')).toEqual({
      zone: 'Asia/Kolkata',
      source: 'campaign',
      ignoredContactZone: 'Mars/Olympus_Mons',
    });
  });
});

describe('ordinary weekly hours (Asia/Kolkata, +05:30)', () => {
  // Kore's sample: Monday and Friday 9:00 AM-6:00 PM. 2025-06-30 is a Monday.
  const hours = weekly(
    [
      { day: 'MO', start: '9:00 AM', end: '6:00 PM' },
      { day: 'FR', start: '9:00 AM', end: '6:00 PM' },
    ],
    'WEEKLY',
    'Asia/Kolkata',
  );
  const z = 'Asia/Kolkata';

  it('is inside on [start, end) and outside around it', () => {
    expect(isWithinCallingHours(hours, z, at('2025-06-30T03:29:59.999Z'))).toBe(false); // 08:59:59.999
    expect(isWithinCallingHours(hours, z, at('2025-06-30T03:30:00Z'))).toBe(true); // 09:00
    expect(isWithinCallingHours(hours, z, at('2025-06-30T12:29:59.999Z'))).toBe(true); // 17:59:59.999
    expect(isWithinCallingHours(hours, z, at('2025-06-30T12:30:00Z'))).toBe(false); // 18:00
    expect(isWithinCallingHours(hours, z, at('2025-07-01T05:00:00Z'))).toBe(false); // Tuesday 10:30
  });

  it('finds the next opening, skipping days without windows', () => {
    expect(iso(nextWindowStart(hours, z, at('2025-06-30T12:30:00Z')))).toBe('2025-07-04T03:30:00.000Z');
    expect(iso(nextWindowStart(hours, z, at('2025-07-04T13:00:00Z')))).toBe('2025-07-07T03:30:00.000Z');
    const inside = at('2025-06-30T05:00:00Z');
    expect(nextWindowStart(hours, z, inside)).toBe(inside);
  });

  it('evaluates in the zone it is given, not the campaign zone', () => {
    // 09:00 in Chicago on Monday is 19:30 in Kolkata: callable for a Chicago contact only.
    const t = at('2025-06-30T14:00:00Z');
    expect(isWithinCallingHours(hours, 'America/Chicago', t)).toBe(true);
    expect(isWithinCallingHours(hours, 'Asia/Kolkata', t)).toBe(false);
  });

  it('finds the window end', () => {
    expect(iso(nextWindowEnd(hours, z, at('2025-06-30T05:00:00Z')))).toBe('2025-06-30T12:30:00.000Z');
    const outside = at('2025-07-01T05:00:00Z');
    expect(nextWindowEnd(hours, z, outside)).toBe(outside);
  });
});

describe('multiple windows per day', () => {
  const hours = weekly([
    { day: 'MO', start: '9:00 AM', end: '12:00 PM' },
    { day: 'MO', start: '2:00 PM', end: '5:00 PM' },
    { day: 'TU', start: '9:00 AM', end: '1:00 PM' },
    { day: 'TU', start: '12:00 PM', end: '3:00 PM' },
  ]);
  it('has a gap between two windows of a day', () => {
    expect(isWithinCallingHours(hours, 'UTC', at('2025-06-30T12:30:00Z'))).toBe(false);
    expect(iso(nextWindowStart(hours, 'UTC', at('2025-06-30T12:30:00Z')))).toBe('2025-06-30T14:00:00.000Z');
    expect(iso(nextWindowEnd(hours, 'UTC', at('2025-06-30T10:00:00Z')))).toBe('2025-06-30T12:00:00.000Z');
  });
  it('treats overlapping windows as their union', () => {
    expect(isWithinCallingHours(hours, 'UTC', at('2025-07-01T13:30:00Z'))).toBe(true);
    expect(iso(nextWindowEnd(hours, 'UTC', at('2025-07-01T09:30:00Z')))).toBe('2025-07-01T15:00:00.000Z');
  });
});

describe('overnight and midnight windows', () => {
  it('runs 10:00 PM-2:00 AM past midnight into the next day', () => {
    const hours = weekly([{ day: 'FR', start: '10:00 PM', end: '2:00 AM' }]);
    expect(isWithinCallingHours(hours, 'UTC', at('2025-07-04T21:59:59Z'))).toBe(false);
    expect(isWithinCallingHours(hours, 'UTC', at('2025-07-04T22:00:00Z'))).toBe(true);
    expect(isWithinCallingHours(hours, 'UTC', at('2025-07-05T01:59:59.999Z'))).toBe(true);
    expect(isWithinCallingHours(hours, 'UTC', at('2025-07-05T02:00:00Z'))).toBe(false);
    // Saturday's own 10 PM is not a window: only Friday's entry exists.
    expect(isWithinCallingHours(hours, 'UTC', at('2025-07-05T22:30:00Z'))).toBe(false);
    const d = describeWindowAt(hours, 'UTC', at('2025-07-05T01:00:00Z'));
    expect(d.window).toEqual({ day: 'FR', start: '10:00 PM', end: '2:00 AM', overnight: true, spillover: true });
    expect(d.local.weekday).toBe('SA');
    expect(d.closesAt).toBe('2025-07-05T02:00:00.000Z');
  });

  it('wraps from Sunday night into Monday morning', () => {
    const hours = weekly([{ day: 'SU', start: '11:00 PM', end: '1:00 AM' }]);
    expect(isWithinCallingHours(hours, 'UTC', at('2025-06-30T00:30:00Z'))).toBe(true); // Monday 00:30
    expect(iso(nextWindowStart(hours, 'UTC', at('2025-06-30T01:00:00Z')))).toBe('2025-07-06T23:00:00.000Z');
  });

  it('reads an end of 12:00 AM as the end of the day, not an overnight window', () => {
    const hours = weekly([{ day: 'SA', start: '9:00 PM', end: '12:00 AM' }]);
    expect(isWithinCallingHours(hours, 'UTC', at('2025-07-05T23:59:59.999Z'))).toBe(true);
    expect(isWithinCallingHours(hours, 'UTC', at('2025-07-06T00:00:00Z'))).toBe(false);
    expect(describeWindowAt(hours, 'UTC', at('2025-07-05T22:00:00Z')).window?.overnight).toBe(false);
  });

  it('reads 12:00 AM-12:00 AM as the whole day', () => {
    const hours = weekly([{ day: 'MO', start: '12:00 AM', end: '12:00 AM' }]);
    expect(isWithinCallingHours(hours, 'UTC', at('2025-06-30T00:00:00Z'))).toBe(true);
    expect(isWithinCallingHours(hours, 'UTC', at('2025-06-30T23:59:59.999Z'))).toBe(true);
    expect(isWithinCallingHours(hours, 'UTC', at('2025-07-01T00:00:00Z'))).toBe(false);
    expect(isWithinCallingHours(hours, 'UTC', at('2025-06-29T23:59:59.999Z'))).toBe(false);
  });

  it('reads equal start and end as 24 hours from start', () => {
    const hours = weekly([{ day: 'MO', start: '9:00 AM', end: '9:00 AM' }]);
    expect(isWithinCallingHours(hours, 'UTC', at('2025-07-01T08:59:59Z'))).toBe(true);
    expect(isWithinCallingHours(hours, 'UTC', at('2025-07-01T09:00:00Z'))).toBe(false);
    expect(isWithinCallingHours(hours, 'UTC', at('2025-06-30T08:59:59Z'))).toBe(false);
  });

  it('never closes when the windows cover the whole week', () => {
    const hours = weekly([{ day: 'MO', start: '12:00 AM', end: '12:00 AM' }], 'DAILY');
    expect(nextWindowEnd(hours, 'UTC', at('2025-07-02T10:00:00Z'))).toBeNull();
    expect(describeWindowAt(hours, 'UTC', at('2025-07-02T10:00:00Z')).closesAt).toBeNull();
  });
});

describe('frequency', () => {
  const days = [{ day: 'MO', start: '9:00 AM', end: '10:00 AM' }];
  it('DAILY applies every entry to every weekday', () => {
    const wed = at('2025-07-02T09:30:00Z');
    expect(isWithinCallingHours(weekly(days, 'DAILY'), 'UTC', wed)).toBe(true);
    expect(isWithinCallingHours(weekly(days, 'WEEKLY'), 'UTC', wed)).toBe(false);
    expect(iso(nextWindowStart(weekly(days, 'DAILY'), 'UTC', at('2025-07-02T10:00:00Z')))).toBe(
      '2025-07-03T09:00:00.000Z',
    );
  });
  it('CUSTOM behaves like WEEKLY', () => {
    for (const t of ['2025-06-30T09:30:00Z', '2025-07-01T09:30:00Z', '2025-07-01T11:00:00Z']) {
      expect(isWithinCallingHours(weekly(days, 'CUSTOM'), 'UTC', at(t))).toBe(
        isWithinCallingHours(weekly(days, 'WEEKLY'), 'UTC', at(t)),
      );
    }
    expect(iso(nextWindowStart(weekly(days, 'CUSTOM'), 'UTC', at('2025-07-01T00:00:00Z')))).toBe(
      '2025-07-07T09:00:00.000Z',
    );
  });
  it('has no opening without windows', () => {
    const none = weekly([]);
    expect(isWithinCallingHours(none, 'UTC', at('2025-07-01T00:00:00Z'))).toBe(false);
    expect(nextWindowStart(none, 'UTC', at('2025-07-01T00:00:00Z'))).toBeNull();
    expect(describeWindowAt(none, 'UTC', at('2025-07-01T00:00:00Z')).nextOpening).toBeNull();
  });
  it('rejects an unknown zone instead of guessing', () => {
    expect(() => isWithinCallingHours(weekly(days), 'Mars/Base', 0)).toThrow(RangeError);
    expect(() => nextWindowStart(weekly(days), 'Nowhere', 0)).toThrow(RangeError);
  });
  it('accepts precompiled hours', () => {
    const c = compileCallingHours(weekly(days));
    expect(compileCallingHours(c)).toBe(c);
    expect(isWithinCallingHours(c, 'UTC', at('2025-06-30T09:30:00Z'))).toBe(true);
  });
});

describe('describeWindowAt', () => {
  const hours = weekly([{ day: 'MO', start: '9:00 AM', end: '6:00 PM' }], 'WEEKLY', 'Asia/Kolkata');
  it('explains an instant inside a window', () => {
    expect(describeWindowAt(hours, 'Asia/Kolkata', at('2025-06-30T05:00:00Z'))).toEqual({
      zone: 'Asia/Kolkata',
      instant: '2025-06-30T05:00:00.000Z',
      local: {
        date: '2025-06-30',
        time: '10:30:00',
        weekday: 'MO',
        offset: '+05:30',
        iso: '2025-06-30T10:30:00.000+05:30',
      },
      inWindow: true,
      window: { day: 'MO', start: '9:00 AM', end: '6:00 PM', overnight: false, spillover: false },
      closesAt: '2025-06-30T12:30:00.000Z',
      nextOpening: '2025-06-30T05:00:00.000Z',
    });
  });
  it('explains an instant outside any window', () => {
    const d = describeWindowAt(hours, 'Asia/Kolkata', at('2025-07-01T05:00:00Z'));
    expect(d).toMatchObject({ inWindow: false, window: null, closesAt: null, nextOpening: '2025-07-07T03:30:00.000Z' });
    expect(d.local.weekday).toBe('TU');
  });
});
