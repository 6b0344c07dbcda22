/** Calling windows in zones far from UTC and across DST changes (New York, London, Lord Howe). */
import { describe, expect, it } from 'vitest';
import {
  describeWindowAt,
  isWithinCallingHours,
  nextWindowEnd,
  nextWindowStart,
} from '../../../src/domain/engine/calling-window.js';
import type { CallingHoursLike } from '../../../src/domain/engine/calling-window.js';

type Entry = { day: string; start: string; end: string };
const weekly = (days: Entry[]): CallingHoursLike => ({ frequency: 'WEEKLY', timezone: 'UTC', days });
const at = (iso: string): number => Date.parse(iso);
const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString());

describe('zones far from UTC', () => {
  const mon9to10 = weekly([{ day: 'MO', start: '9:00 AM', end: '10:00 AM' }]);
  it.each([
    ['Pacific/Chatham', '2025-06-29T20:15:00Z'], // +12:45: Monday local is Sunday in UTC
    ['Pacific/Kiritimati', '2025-06-29T19:00:00Z'], // +14
    ['America/St_Johns', '2025-01-06T12:30:00Z'], // -3:30
    ['America/St_Johns', '2025-07-07T11:30:00Z'], // -2:30 in summer
    ['Asia/Kolkata', '2025-06-30T03:30:00Z'],
  ])('%s opens Monday 9:00 AM at %s', (zone, opening) => {
    const t = at(opening);
    expect(isWithinCallingHours(mon9to10, zone, t - 1)).toBe(false);
    expect(isWithinCallingHours(mon9to10, zone, t)).toBe(true);
    expect(isWithinCallingHours(mon9to10, zone, t + 3_600_000 - 1)).toBe(true);
    expect(isWithinCallingHours(mon9to10, zone, t + 3_600_000)).toBe(false);
    expect(nextWindowStart(mon9to10, zone, t - 3 * 86_400_000)).toBe(t);
    expect(describeWindowAt(mon9to10, zone, t).local).toMatchObject({ weekday: 'MO', time: '09:00:00' });
  });
});

describe('DST: America/New_York', () => {
  const ny = 'America/New_York';
  // 2025-03-09: 2:00 EST -> 3:00 EDT at 07:00Z. 2025-11-02: 2:00 EDT -> 1:00 EST at 06:00Z.
  it('opens a window that starts inside the spring-forward gap at the first instant after it', () => {
    const hours = weekly([{ day: 'SU', start: '2:30 AM', end: '4:00 AM' }]);
    expect(isWithinCallingHours(hours, ny, at('2025-03-09T06:59:59.999Z'))).toBe(false);
    expect(iso(nextWindowStart(hours, ny, at('2025-03-09T06:00:00Z')))).toBe('2025-03-09T07:00:00.000Z');
    expect(describeWindowAt(hours, ny, at('2025-03-09T07:00:00Z')).local.time).toBe('03:00:00');
  });
  it('skips a window lying wholly inside the gap until next week', () => {
    const hours = weekly([{ day: 'SU', start: '2:00 AM', end: '2:30 AM' }]);
    expect(iso(nextWindowStart(hours, ny, at('2025-03-09T05:00:00Z')))).toBe('2025-03-16T06:00:00.000Z');
  });
  it('shifts the UTC instant of a daytime window with the offset', () => {
    const hours = weekly([{ day: 'SU', start: '9:00 AM', end: '5:00 PM' }]);
    expect(iso(nextWindowStart(hours, ny, at('2025-03-02T00:00:00Z')))).toBe('2025-03-02T14:00:00.000Z');
    expect(iso(nextWindowStart(hours, ny, at('2025-03-09T00:00:00Z')))).toBe('2025-03-09T13:00:00.000Z');
  });
  it('closes an overnight window across the gap by wall clock', () => {
    const hours = weekly([{ day: 'SA', start: '11:00 PM', end: '3:00 AM' }]);
    expect(isWithinCallingHours(hours, ny, at('2025-03-09T06:59:59Z'))).toBe(true); // 1:59:59 EST
    expect(isWithinCallingHours(hours, ny, at('2025-03-09T07:00:00Z'))).toBe(false); // 3:00 EDT
  });
  it('opens the repeated fall-back hour twice', () => {
    const hours = weekly([{ day: 'SU', start: '1:00 AM', end: '1:30 AM' }]);
    expect(isWithinCallingHours(hours, ny, at('2025-11-02T05:10:00Z'))).toBe(true); // 1:10 EDT
    expect(isWithinCallingHours(hours, ny, at('2025-11-02T05:40:00Z'))).toBe(false); // 1:40 EDT
    expect(iso(nextWindowStart(hours, ny, at('2025-11-02T05:30:00Z')))).toBe('2025-11-02T06:00:00.000Z'); // 1:00 EST
    expect(iso(nextWindowEnd(hours, ny, at('2025-11-02T06:00:00Z')))).toBe('2025-11-02T06:30:00.000Z');
  });
  it('closes at the fall-back jump when the wall clock leaves the window', () => {
    const hours = weekly([{ day: 'SU', start: '1:30 AM', end: '2:00 AM' }]);
    expect(iso(nextWindowEnd(hours, ny, at('2025-11-02T05:45:00Z')))).toBe('2025-11-02T06:00:00.000Z');
    expect(iso(nextWindowStart(hours, ny, at('2025-11-02T06:00:00Z')))).toBe('2025-11-02T06:30:00.000Z');
  });
});

describe('DST: Europe/London', () => {
  const ldn = 'Europe/London';
  // 2025-03-30: 1:00 GMT -> 2:00 BST at 01:00Z. 2025-10-26: 2:00 BST -> 1:00 GMT at 01:00Z.
  it('skips the gap on spring-forward day', () => {
    const inGap = weekly([{ day: 'SU', start: '1:15 AM', end: '1:45 AM' }]);
    expect(iso(nextWindowStart(inGap, ldn, at('2025-03-30T00:00:00Z')))).toBe('2025-04-06T00:15:00.000Z');
    const acrossGap = weekly([{ day: 'SU', start: '1:30 AM', end: '3:00 AM' }]);
    expect(iso(nextWindowStart(acrossGap, ldn, at('2025-03-30T00:00:00Z')))).toBe('2025-03-30T01:00:00.000Z');
    expect(iso(nextWindowEnd(acrossGap, ldn, at('2025-03-30T01:00:00Z')))).toBe('2025-03-30T02:00:00.000Z');
  });
  it('keeps a window over the repeated hour open for both passes', () => {
    const hours = weekly([{ day: 'SU', start: '1:00 AM', end: '2:00 AM' }]);
    expect(iso(nextWindowStart(hours, ldn, at('2025-10-25T23:30:00Z')))).toBe('2025-10-26T00:00:00.000Z');
    expect(iso(nextWindowEnd(hours, ldn, at('2025-10-26T00:00:00Z')))).toBe('2025-10-26T02:00:00.000Z');
  });
});

describe('DST: Australia/Lord_Howe (30-minute shift)', () => {
  const lh = 'Australia/Lord_Howe';
  // 2025-10-05: 2:00 (+10:30) -> 2:30 (+11) at 2025-10-04T15:30Z. 2025-04-06: 2:00 (+11) -> 1:30 (+10:30) at 2025-04-05T15:00Z.
  it('opens a window starting in the half-hour gap at the gap end', () => {
    const hours = weekly([{ day: 'SU', start: '2:10 AM', end: '3:00 AM' }]);
    expect(isWithinCallingHours(hours, lh, at('2025-10-04T15:29:59.999Z'))).toBe(false);
    expect(iso(nextWindowStart(hours, lh, at('2025-10-04T15:00:00Z')))).toBe('2025-10-04T15:30:00.000Z');
    expect(iso(nextWindowEnd(hours, lh, at('2025-10-04T15:30:00Z')))).toBe('2025-10-04T16:00:00.000Z');
  });
  it('opens a window in the repeated half hour twice', () => {
    const hours = weekly([{ day: 'SU', start: '1:40 AM', end: '1:50 AM' }]);
    expect(iso(nextWindowStart(hours, lh, at('2025-04-05T14:00:00Z')))).toBe('2025-04-05T14:40:00.000Z');
    expect(iso(nextWindowStart(hours, lh, at('2025-04-05T14:50:00Z')))).toBe('2025-04-05T15:10:00.000Z');
    expect(iso(nextWindowEnd(hours, lh, at('2025-04-05T15:10:00Z')))).toBe('2025-04-05T15:20:00.000Z');
  });
});
