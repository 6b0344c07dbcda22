/**
 * csvRowPacker (the CSV import's hot path) against packedFromValues, the general conversion: the
 * same packed contact or the same errors for every row, over generated headers and cells that hit
 * each rule (blank and over-long values, bad numbers, zones and priorities, unnamed columns, extra
 * names that JSON orders first, characters JSON escapes, NUL characters).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { csvRowPacker, packedFromValues, planColumns } from '../../../src/domain/contacts/contact-record.js';

const COLUMNS = [
  'phoneNumber',
  'firstName',
  'LastName',
  'timeZone',
  'uniqueId',
  'contactPriority',
  'email',
  'first name',
  '2',
  '10',
  '__proto__',
  'constructor',
  '',
];
const LONG = 'x'.repeat(1025);
const CELLS = [
  '',
  '   ',
  ' Ada ',
  'Lovelace',
  LONG,
  'a"b\\c\n\t\u0001é😀',
  'Bob\u0000by',
  '4155552671\u0000',
  '4155552671',
  '+1 (415) 555-2671',
  '415-555-2671 ext. 12',
  '0044 20 7946 0958',
  '12345',
  'call me',
  '+1415555267',
  'America/Los_Angeles',
  'us/eastern',
  'Mars/Olympus',
  '+05:30',
  '1',
  '+7',
  '10',
  '0',
  '11',
  '5.0',
  ' 3 ',
];

const rowArb = fc
  .uniqueArray(fc.constantFrom(...COLUMNS), { minLength: 1, maxLength: 9 })
  .chain((columns) =>
    fc.tuple(
      fc.constant(columns),
      fc.array(fc.constantFrom(...CELLS), { minLength: columns.length, maxLength: columns.length }),
    ),
  );

describe('csvRowPacker', () => {
  it('packs every row exactly as packedFromValues does, errors included', () => {
    fc.assert(
      fc.property(rowArb, ([columns, cells]) => {
        const planned = planColumns(columns);
        if (!planned.ok) return;
        const plan = planned.plan;
        expect(csvRowPacker(plan, 'US')(cells)).toEqual(packedFromValues(plan, cells, 'US'));
      }),
      { numRuns: 3000 },
    );
  });

  it('rejects a known field holding a NUL character, and keeps one in an extra column', () => {
    const { plan } = planColumns(['phoneNumber', 'firstName', 'note']) as Extract<
      ReturnType<typeof planColumns>,
      { ok: true }
    >;
    const pack = csvRowPacker(plan, 'US');
    expect(pack(['4155552671', 'Bo\u0000b', 'x'])).toEqual({
      ok: false,
      errors: [{ column: 'firstName', reason: 'contains a NUL character' }],
    });
    expect(pack(['4155552671\u0000', 'Bob', 'x'])).toEqual({
      ok: false,
      errors: [{ column: 'phoneNumber', reason: 'contains a NUL character' }],
    });
    expect(pack(['4155552671', 'Bob', 'a\u0000b'])).toEqual({
      ok: true,
      contact: ['+14155552671', '4155552671', null, 'Bob', null, null, null, null, '{"note":"a\\u0000b"}'],
    });
  });

  it('writes extras as JSON.stringify would, integer-like names first', () => {
    const { plan } = planColumns(['email', '10', 'phoneNumber', '2', '__proto__']) as Extract<
      ReturnType<typeof planColumns>,
      { ok: true }
    >;
    const res = csvRowPacker(plan, 'US')(['a"@x', 'ten', '4155552671', 'two', 'p']);
    expect(res).toEqual({
      ok: true,
      contact: [
        '+14155552671',
        '4155552671',
        null,
        null,
        null,
        null,
        null,
        null,
        '{"2":"two","10":"ten","email":"a\\"@x","__proto__":"p"}',
      ],
    });
  });
});
