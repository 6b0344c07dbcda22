/**
 * A property over random calling hours, numbers and clock paths across DST transitions (issue 14
 * item 2): the engine dials a contact without a `timeZone` only at an instant that lies inside the
 * campaign's calling hours in every candidate zone its number has (the most restrictive reading).
 * The check recomputes the candidates from the table (locatePhone) and the window from
 * calling-window.ts, independently of the engine's placement code.
 *
 * SQLite only: what is under test is the placement logic, which both dialects share; the dialects'
 * claim paths are covered by test/integration/zone-from-number.test.ts.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isWithinCallingHours, WEEKDAYS } from '../../src/domain/engine/calling-window.js';
import { locatePhone } from '../../src/domain/rules/phone-location.js';
import { addContacts, createCampaign, engineHarness, trigger } from '../support/engine-harness.js';
import { fuzzParams } from '../support/fuzz/values.js';
import { useTestApp } from '../support/test-app.js';

const MIN = 60_000;
/** Numbers with one zone, with several (Alaska: Adak/Anchorage), without DST (Phoenix), abroad, unknown. */
const NUMBERS = [
  '+12127365000', // New York
  '+14157361234', // Los Angeles
  '+19075550100', // Adak or Anchorage
  '+18082345678', // Honolulu
  '+16025551234', // Phoenix
  '+16042345678', // Vancouver
  '+18504441234', // Chicago (850 exchange)
  '+61298765432', // Sydney
  '+442079460000', // London
  '+15555550100', // unknown: the campaign's zone
];
/** Just before DST changes: US spring and fall, EU spring and fall, Australia's April fall-back. */
const STARTS = [
  '2026-03-07T18:00:00Z',
  '2026-10-31T18:00:00Z',
  '2026-03-28T18:00:00Z',
  '2026-10-24T18:00:00Z',
  '2026-04-04T10:00:00Z',
];
const ZONES = ['UTC', 'America/New_York', 'America/Denver', 'Europe/London', 'Australia/Sydney'];

const clock = fc
  .tuple(fc.integer({ min: 1, max: 12 }), fc.constantFrom(0, 30), fc.constantFrom('AM', 'PM'))
  .map(([h, m, ap]) => `${h}:${String(m).padStart(2, '0')} ${ap}`);
const hours = fc.record({
  frequency: fc.constantFrom('DAILY', 'WEEKLY'),
  timezone: fc.constantFrom(...ZONES),
  days: fc.array(fc.record({ day: fc.constantFrom(...WEEKDAYS), start: clock, end: clock }), {
    minLength: 1,
    maxLength: 4,
  }),
});

describe('zones from numbers under random hours and DST (SQLite)', () => {
  const t = useTestApp('sqlite');
  let run = 0;

  it('never dials outside the campaign hours of any candidate zone', async () => {
    await fc.assert(
      fc.asyncProperty(
        hours.filter((h) => h.days.every((d) => d.start !== d.end)),
        fc.subarray(NUMBERS, { minLength: 1 }),
        fc.constantFrom(...STARTS),
        fc.array(fc.integer({ min: 1, max: 240 }), { minLength: 5, maxLength: 40 }),
        async (callingHours, numbers, start, stepsMin) => {
          run++;
          t().clock.set(Date.parse(start));
          const name = `Zones ${run}`;
          const list = await t().addList(name);
          await addContacts(
            t(),
            list,
            numbers.map((phone) => ({ phone })),
          );
          const id = await createCampaign(
            t(),
            { name, contactLists: [name] },
            { callingHours, maxAttemptsPerRecord: 1 },
          );
          await trigger(t(), id, 'play');
          const h = engineHarness(t(), { profile: { mix: { completed: 1 } } });
          for (const m of stepsMin) {
            await h.step();
            t().clock.advance(m * MIN);
          }
          await t().kore('POST', `/campaign/${id}?trigger=stop`, {});
          await h.deliver();
          for (const s of h.started) {
            const located = locatePhone(s.req.to).zones;
            const zones = located.length > 0 ? located : [callingHours.timezone];
            for (const zone of zones)
              expect(
                isWithinCallingHours(callingHours, zone, s.at),
                `${s.req.to} dialed at ${new Date(s.at).toISOString()}, outside the hours in ${zone}`,
              ).toBe(true);
          }
        },
      ),
      fuzzParams(40),
    );
  }, 600_000);
});
