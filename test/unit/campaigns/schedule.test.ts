import { describe, expect, it } from 'vitest';
import {
  latestDueOccurrence,
  nextOccurrence,
  parseScheduleBody,
  type Schedule,
} from '../../../src/domain/campaigns/schedule.js';

const NOW = Date.parse('2026-06-01T12:00:00Z'); // a Monday
const ok = (body: unknown, zone = 'UTC') => {
  const r = parseScheduleBody(body, zone, NOW);
  if (!r.ok) throw new Error(r.problems.map((p) => p.message).join('; '));
  return r.value;
};
const fields = (body: unknown) => {
  const r = parseScheduleBody(body, 'UTC', NOW);
  return r.ok ? [] : r.problems.map((p) => p.field);
};
const iso = (ms: number | undefined) => (ms === undefined ? undefined : new Date(ms).toISOString());
const all = (s: Schedule, from: number) => {
  const out: string[] = [];
  for (let at = nextOccurrence(s, from); at !== undefined; at = nextOccurrence(s, at)) out.push(iso(at)!);
  return out;
};

describe('parseScheduleBody', () => {
  it("reads the docs' samples, unpadded dates and the weekly fields under dailyDetails (docs/kore-compatibility.md, inconsistency 30)", () => {
    const weekly = ok(
      {
        startDateTime: '2026-6-1 18:29:00',
        endDateTime: '2026-06-30 18:29',
        recurrenceObject: {
          recurType: 'weekly',
          dailyDetails: { onceEveryNweeks: 1, whichDays: ['Fri', 'mon', 'Wednesday'] },
        },
      },
      'Asia/Kolkata',
    );
    expect(weekly).toEqual({
      isSchedulingEnabled: true,
      isRecurrenceEnabled: true,
      startDateTime: '2026-06-01 18:29:00',
      endDateTime: '2026-06-30 18:29:00',
      timezone: 'Asia/Kolkata',
      recurrenceObject: {
        recurType: 'Weekly',
        weeklyDetails: { onceEveryNweeks: 1, whichDays: ['Mon', 'Wed', 'Fri'] },
      },
      enabledAt: NOW,
    });
    expect(
      ok({
        startDateTime: '2026-06-02 09:00:00',
        endDateTime: '2026-07-01 09:00:00',
        timezone: 'America/New_York',
        recurrenceObject: { recurType: 'Daily', dailyDetails: { onceEveryNdays: '2' } },
      }).recurrenceObject,
    ).toEqual({ recurType: 'Daily', dailyDetails: { onceEveryNdays: 2 } });
  });

  it('names every bad field', () => {
    expect(fields(undefined)).toEqual(
      expect.arrayContaining(['body', 'startDateTime', 'endDateTime', 'recurrenceObject']),
    );
    expect(
      fields({
        startDateTime: '2026-02-30 09:00:00',
        endDateTime: 'tomorrow',
        recurrenceObject: { recurType: 'Monthly' },
      }),
    ).toEqual(['startDateTime', 'endDateTime', 'recurrenceObject.recurType']);
    expect(
      fields({
        startDateTime: '2026-06-10 09:00:00',
        endDateTime: '2026-06-09 09:00:00',
        recurrenceObject: { recurType: 'Daily', dailyDetails: { onceEveryNdays: 0 } },
      }),
    ).toEqual(['endDateTime', 'recurrenceObject.dailyDetails.onceEveryNdays']);
    expect(
      fields({
        startDateTime: '2026-05-01 09:00:00',
        endDateTime: '2026-05-02 09:00:00',
        timezone: 'Mars/Olympus',
        recurrenceObject: { recurType: 'Daily', dailyDetails: { onceEveryNdays: 1 } },
      }),
    ).toEqual(['timezone']);
    expect(
      fields({
        startDateTime: '2026-05-01 09:00:00',
        endDateTime: '2026-05-02 09:00:00',
        recurrenceObject: { recurType: 'Daily', dailyDetails: { onceEveryNdays: 1 } },
      }),
    ).toEqual(['endDateTime']);
    expect(
      fields({
        startDateTime: '2026-06-01 09:00:00',
        endDateTime: '2026-07-02 09:00:00',
        recurrenceObject: { recurType: 'Weekly', weeklyDetails: { onceEveryNweeks: 1, whichDays: ['Mon', 'Funday'] } },
      }),
    ).toEqual(['recurrenceObject.weeklyDetails.whichDays']);
    expect(
      fields({
        startDateTime: '2026-06-01 09:00:00',
        endDateTime: '2026-07-02 09:00:00',
        recurrenceObject: { recurType: 'Weekly', weeklyDetails: { onceEveryNweeks: 53, whichDays: [] } },
      }),
    ).toEqual(['recurrenceObject.weeklyDetails.onceEveryNweeks', 'recurrenceObject.weeklyDetails.whichDays']);
  });
});

describe('occurrences', () => {
  it('every second day at the start time, from the start to the end inclusive', () => {
    const s = ok({
      startDateTime: '2026-06-01 12:30:00',
      endDateTime: '2026-06-07 12:30:00',
      recurrenceObject: { recurType: 'Daily', dailyDetails: { onceEveryNdays: 2 } },
    });
    expect(all(s, 0)).toEqual([
      '2026-06-01T12:30:00.000Z',
      '2026-06-03T12:30:00.000Z',
      '2026-06-05T12:30:00.000Z',
      '2026-06-07T12:30:00.000Z',
    ]);
    expect(iso(nextOccurrence(s, Date.parse('2026-06-03T12:30:00Z')))).toBe('2026-06-05T12:30:00.000Z');
    expect(nextOccurrence(s, Date.parse('2026-06-07T12:30:00Z'))).toBeUndefined();
  });

  it('chosen weekdays of every second week, counted from the week of the start', () => {
    // 2026-06-03 is a Wednesday: that week counts, the next does not, the one after does.
    const s = ok({
      startDateTime: '2026-06-03 08:00:00',
      endDateTime: '2026-06-30 23:00:00',
      recurrenceObject: {
        recurType: 'Weekly',
        weeklyDetails: { onceEveryNweeks: 2, whichDays: ['Mon', 'Wed', 'Fri'] },
      },
    });
    expect(all(s, 0)).toEqual([
      '2026-06-03T08:00:00.000Z',
      '2026-06-05T08:00:00.000Z',
      '2026-06-15T08:00:00.000Z',
      '2026-06-17T08:00:00.000Z',
      '2026-06-19T08:00:00.000Z',
      '2026-06-29T08:00:00.000Z',
    ]);
  });

  it('keeps the local time across DST changes, and moves a time skipped by spring-forward ahead', () => {
    // New York springs forward on 2027-03-14.
    const s = ok({
      startDateTime: '2027-03-13 09:00:00',
      endDateTime: '2027-03-15 09:00:00',
      timezone: 'America/New_York',
      recurrenceObject: { recurType: 'Daily', dailyDetails: { onceEveryNdays: 1 } },
    });
    expect(all(s, 0)).toEqual(['2027-03-13T14:00:00.000Z', '2027-03-14T13:00:00.000Z', '2027-03-15T13:00:00.000Z']);
    const skipped = ok({
      startDateTime: '2027-03-13 02:30:00',
      endDateTime: '2027-03-14 12:00:00',
      timezone: 'America/New_York',
      recurrenceObject: { recurType: 'Daily', dailyDetails: { onceEveryNdays: 1 } },
    });
    // 02:30 does not exist on 2027-03-14 in New York; the run starts at 03:30 EDT (07:30 UTC).
    expect(all(skipped, 0)).toEqual(['2027-03-13T07:30:00.000Z', '2027-03-14T07:30:00.000Z']);
  });

  it('counts only the latest missed occurrence as due', () => {
    const s = ok({
      startDateTime: '2026-06-01 12:30:00',
      endDateTime: '2026-06-30 12:30:00',
      recurrenceObject: { recurType: 'Daily', dailyDetails: { onceEveryNdays: 1 } },
    });
    expect(latestDueOccurrence(s, NOW, Date.parse('2026-06-01T12:29:59Z'))).toBeUndefined();
    expect(iso(latestDueOccurrence(s, NOW, Date.parse('2026-06-04T13:00:00Z')))).toBe('2026-06-04T12:30:00.000Z');
    expect(
      latestDueOccurrence(s, Date.parse('2026-06-04T12:30:00Z'), Date.parse('2026-06-04T13:00:00Z')),
    ).toBeUndefined();
  });

  it('has none when scheduling is off', () => {
    expect(nextOccurrence({ isSchedulingEnabled: false, isRecurrenceEnabled: false }, 0)).toBeUndefined();
  });
});
