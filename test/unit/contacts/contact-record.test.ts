import { describe, expect, it } from 'vitest';
import {
  CONTACT_LIMITS,
  DEFAULT_LIST_MAPPING,
  planColumns,
  toContact,
} from '../../../src/domain/contacts/contact-record.js';
import type { ContactResult } from '../../../src/domain/contacts/contact-record.js';

const US = { defaultCountry: 'US' };
const PHONE = '+15102345678';

function ok(result: ContactResult) {
  if (!result.ok) throw new Error(`expected a contact, got ${JSON.stringify(result.errors)}`);
  return result.contact;
}
function errorsOf(result: ContactResult) {
  if (result.ok) throw new Error(`expected errors, got ${JSON.stringify(result.contact)}`);
  return result.errors;
}

describe('toContact: phone number', () => {
  it('normalises the Kore addContacts sample shape', () => {
    const c = ok(toContact({ phoneNumber: '919876543210' }, US));
    expect(c).toEqual({ phoneE164: '+919876543210', phoneRaw: '919876543210', phoneCountry: 'IN', extra: {} });
  });

  it('keeps the extension and the trimmed raw value', () => {
    const c = ok(toContact({ phoneNumber: '  (510) 234-5678 x12 ' }, US));
    expect(c).toMatchObject({ phoneE164: PHONE, phoneRaw: '(510) 234-5678 x12', extension: '12' });
  });

  it('accepts a JSON number', () => {
    expect(ok(toContact({ phoneNumber: 15102345678 }, US)).phoneE164).toBe(PHONE);
    expect(ok(toContact(JSON.parse('{"phoneNumber": 919876543210}'), US)).phoneE164).toBe('+919876543210');
  });

  it.each([
    [1.5e10 + 0.5, /positive whole number/],
    [-15102345678, /positive whole number/],
    [1e20, /positive whole number/],
    [0, /positive whole number/],
    [true, /not a boolean/],
    [{ number: PHONE }, /not an object/],
    [[PHONE], /not an array/],
    [undefined, /required/],
    [null, /required/],
    ['', /required/],
    ['   ', /required/],
    ['1-800-FLOWERS', /invalid phone number "1-800-FLOWERS": contains letters/],
    ['15101234567', /not a valid number for US/],
  ])('rejects %j', (value, reason) => {
    const errors = errorsOf(toContact({ phoneNumber: value, firstName: 'Ann' }, US));
    expect(errors).toHaveLength(1);
    expect(errors[0]?.column).toBe('phoneNumber');
    expect(errors[0]?.reason).toMatch(reason);
  });

  it.each([null, [], 'phone', 42])('rejects %j as a row', (row) => {
    expect(errorsOf(toContact(row as unknown as Record<string, unknown>, US))).toEqual([
      { column: '(row)', reason: 'a contact must be an object' },
    ]);
  });

  it('requires the phone column to be present at all', () => {
    expect(errorsOf(toContact({ firstName: 'Ann' }, US))).toEqual([
      { column: 'phoneNumber', reason: 'phone number is required' },
    ]);
  });

  it('reads national numbers in the default country', () => {
    expect(ok(toContact({ phoneNumber: '020 7946 0958' }, { defaultCountry: 'GB' })).phoneE164).toBe('+442079460958');
    expect(errorsOf(toContact({ phoneNumber: '020 7946 0958' }, US))[0]?.reason).toMatch(/invalid phone number/);
  });
});

describe('toContact: known fields', () => {
  it('fills every known field, trimmed', () => {
    const c = ok(
      toContact(
        {
          phoneNumber: PHONE,
          firstName: ' Ann ',
          lastName: 'Lee',
          timeZone: 'America/Los_Angeles',
          uniqueId: 'u-1',
          contactPriority: '3',
        },
        US,
      ),
    );
    expect(c).toEqual({
      phoneE164: PHONE,
      phoneRaw: PHONE,
      phoneCountry: 'US',
      firstName: 'Ann',
      lastName: 'Lee',
      timeZone: 'America/Los_Angeles',
      uniqueId: 'u-1',
      contactPriority: 3,
      extra: {},
    });
  });

  it('matches known column names case-insensitively', () => {
    const c = ok(toContact({ PHONENUMBER: PHONE, firstname: 'Ann', TimeZone: 'UTC', timezone_: 'x' }, US));
    expect(c).toMatchObject({ phoneE164: PHONE, firstName: 'Ann', timeZone: 'UTC', extra: { timezone_: 'x' } });
  });

  it('treats empty optional fields as absent', () => {
    const c = ok(
      toContact(
        { phoneNumber: PHONE, firstName: '', lastName: '  ', timeZone: '', uniqueId: null, contactPriority: '' },
        US,
      ),
    );
    for (const field of ['firstName', 'lastName', 'timeZone', 'uniqueId', 'contactPriority'])
      expect(c).not.toHaveProperty(field);
  });

  it('stringifies numbers in text fields', () => {
    expect(ok(toContact({ phoneNumber: PHONE, uniqueId: 12345, firstName: 7 }, US))).toMatchObject({
      uniqueId: '12345',
      firstName: '7',
    });
  });

  it('rejects booleans and objects in text fields', () => {
    const errors = errorsOf(toContact({ phoneNumber: PHONE, uniqueId: false, lastName: { a: 1 } }, US));
    expect(errors).toEqual([
      { column: 'uniqueId', reason: 'must be text or a number, not a boolean' },
      { column: 'lastName', reason: 'must be text or a number, not an object' },
    ]);
  });

  it('validates time zones and keeps them as written', () => {
    expect(ok(toContact({ phoneNumber: PHONE, timeZone: 'asia/kolkata' }, US)).timeZone).toBe('asia/kolkata');
    expect(errorsOf(toContact({ phoneNumber: PHONE, timeZone: 'Mars/Olympus' }, US))).toEqual([
      { column: 'timeZone', reason: 'unknown time zone "Mars/Olympus"' },
    ]);
    expect(errorsOf(toContact({ phoneNumber: PHONE, timeZone: '+05:30' }, US))[0]?.column).toBe('timeZone');
  });

  it.each([
    [1, 1],
    [10, 10],
    ['5', 5],
    [' 7 ', 7],
    ['+3', 3],
    ['007', 7],
  ])('accepts contactPriority %j', (value, expected) => {
    expect(ok(toContact({ phoneNumber: PHONE, contactPriority: value }, US)).contactPriority).toBe(expected);
  });

  it.each([0, 11, 5.5, '5.5', 'high', '-1', '1e1', -3, true, '10000'])('rejects contactPriority %j', (value) => {
    const errors = errorsOf(toContact({ phoneNumber: PHONE, contactPriority: value }, US));
    expect(errors).toHaveLength(1);
    expect(errors[0]?.column).toBe('contactPriority');
  });

  it('caps known field values at the value limit', () => {
    const max = 'a'.repeat(CONTACT_LIMITS.maxValueLength);
    expect(ok(toContact({ phoneNumber: PHONE, firstName: max }, US)).firstName).toBe(max);
    expect(errorsOf(toContact({ phoneNumber: PHONE, firstName: `${max}a` }, US))[0]?.reason).toMatch(
      /longer than 1024/,
    );
  });

  it('reports every problem of a row at once', () => {
    const errors = errorsOf(
      toContact({ phoneNumber: 'abc', timeZone: 'Nowhere', contactPriority: 99, notes: { x: 1 } }, US),
    );
    expect(errors.map((e) => e.column).sort()).toEqual(['contactPriority', 'notes', 'phoneNumber', 'timeZone']);
  });
});

describe('toContact: extra columns', () => {
  it('keeps unknown columns as given, spaces included', () => {
    const c = ok(
      toContact(
        { phoneNumber: PHONE, 'first name': 'Ann', 'last name': ' Lee ', email: 'a@b.c', tz: 'UTC', notes: '' },
        US,
      ),
    );
    expect(c.firstName).toBeUndefined();
    expect(c.timeZone).toBeUndefined();
    expect({ ...c.extra }).toEqual({ 'first name': 'Ann', 'last name': ' Lee ', email: 'a@b.c', tz: 'UTC', notes: '' });
  });

  it('stringifies scalars and drops nulls', () => {
    const c = ok(toContact({ phoneNumber: PHONE, age: 42, vip: true, ratio: 0.5, gone: null, missing: undefined }, US));
    expect({ ...c.extra }).toEqual({ age: '42', vip: 'true', ratio: '0.5' });
  });

  it.each([
    [{ a: 1 }, 'must be text or a number, not an object'],
    [[1, 2], 'must be text or a number, not an array'],
    [Infinity, 'must be a finite number'],
    [() => 1, 'must be text or a number, not a function'],
  ])('rejects the non-scalar %j', (value, reason) => {
    expect(errorsOf(toContact({ phoneNumber: PHONE, meta: value }, US))).toEqual([{ column: 'meta', reason }]);
  });

  it('caps key length, value length and the number of extra columns', () => {
    const { maxKeyLength, maxValueLength, maxExtraColumns } = CONTACT_LIMITS;
    expect(ok(toContact({ phoneNumber: PHONE, ['k'.repeat(maxKeyLength)]: 'v' }, US)).extra).toHaveProperty(
      'k'.repeat(maxKeyLength),
    );
    expect(errorsOf(toContact({ phoneNumber: PHONE, ['k'.repeat(maxKeyLength + 1)]: 'v' }, US))[0]?.reason).toMatch(
      /longer than 128/,
    );
    expect(ok(toContact({ phoneNumber: PHONE, note: 'v'.repeat(maxValueLength) }, US)).extra.note).toHaveLength(
      maxValueLength,
    );
    expect(errorsOf(toContact({ phoneNumber: PHONE, note: 'v'.repeat(maxValueLength + 1) }, US))).toEqual([
      { column: 'note', reason: 'value longer than 1024 characters' },
    ]);
    const columns = (n: number) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`c${i}`, String(i)]));
    expect(Object.keys(ok(toContact({ phoneNumber: PHONE, ...columns(maxExtraColumns) }, US)).extra)).toHaveLength(150);
    expect(errorsOf(toContact({ phoneNumber: PHONE, ...columns(maxExtraColumns + 1) }, US))).toEqual([
      { column: '(row)', reason: '151 extra columns; at most 150 are allowed' },
    ]);
  });

  it('ignores an unnamed empty column but rejects a value under no name', () => {
    expect(ok(toContact({ phoneNumber: PHONE, '': '' }, US)).extra).toEqual({});
    expect(errorsOf(toContact({ phoneNumber: PHONE, '': 'x' }, US))).toEqual([
      { column: '', reason: 'value in a column that has no name' },
    ]);
  });
});

describe('toContact: prototype pollution', () => {
  it('stores __proto__, constructor and prototype keys as plain data', () => {
    const row = JSON.parse(
      '{"phoneNumber":"+15102345678","__proto__":"x","constructor":"y","prototype":"z","hasOwnProperty":"w"}',
    );
    const { extra } = ok(toContact(row, US));
    expect(Object.getPrototypeOf(extra)).toBeNull();
    expect(Object.keys(extra).sort()).toEqual(['__proto__', 'constructor', 'hasOwnProperty', 'prototype']);
    expect(extra.hasOwnProperty).toBe('w');
    expect(Object.getOwnPropertyDescriptor(extra, '__proto__')?.value).toBe('x');
    expect(JSON.stringify(extra)).toBe('{"__proto__":"x","constructor":"y","prototype":"z","hasOwnProperty":"w"}');
    expect(({} as Record<string, unknown>).x).toBeUndefined();
    expect(Object.keys(Object.prototype)).toEqual([]);
  });

  it('rejects an object under __proto__ without polluting anything', () => {
    const row = JSON.parse('{"phoneNumber":"+15102345678","__proto__":{"polluted":"yes"}}');
    expect(errorsOf(toContact(row, US))).toEqual([
      { column: '__proto__', reason: 'must be text or a number, not an object' },
    ]);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('follows a mapping whose keys are __proto__ and constructor', () => {
    const row = JSON.parse('{"__proto__":"+15102345678","constructor":"Ann"}');
    const mapping = JSON.parse('{"__proto__":"phoneNumber","constructor":"firstName"}');
    const c = ok(toContact(row, { defaultCountry: 'US', mapping }));
    expect(c).toMatchObject({ phoneE164: PHONE, firstName: 'Ann' });
    expect(Object.keys(c.extra)).toEqual([]);
  });
});

describe('toContact: mapping', () => {
  const row = { 'Mobile Number': '510 234 5678', phoneNumber: 'old', Fname: 'Ann', Email: 'a@b.c' };

  it('maps source columns to fields; the displaced same-named column stays extra', () => {
    const c = ok(
      toContact(row, { defaultCountry: 'US', mapping: { 'Mobile Number': 'phoneNumber', Fname: 'firstName' } }),
    );
    expect(c).toMatchObject({ phoneE164: PHONE, firstName: 'Ann' });
    expect({ ...c.extra }).toEqual({ phoneNumber: 'old', Email: 'a@b.c' });
  });

  it('matches mapping sources case-insensitively and targets in any case', () => {
    const c = ok(
      toContact(row, {
        defaultCountry: 'US',
        mapping: { 'mobile number': 'PHONENUMBER', email: 'extra:contactEmail' },
      }),
    );
    expect(c.phoneE164).toBe(PHONE);
    expect({ ...c.extra }).toEqual({ phoneNumber: 'old', Fname: 'Ann', contactEmail: 'a@b.c' });
  });

  it('ignores mapped columns that a JSON row does not have', () => {
    expect(
      ok(toContact({ phoneNumber: PHONE }, { defaultCountry: 'US', mapping: { Fname: 'firstName' } })).firstName,
    ).toBeUndefined();
  });

  it('reports unknown targets, double mappings and collisions', () => {
    expect(errorsOf(toContact(row, { defaultCountry: 'US', mapping: { Fname: 'givenName' } }))[0]?.reason).toMatch(
      /mapping target "givenName" is not a known field/,
    );
    expect(
      errorsOf(toContact(row, { defaultCountry: 'US', mapping: { Fname: 'phoneNumber', Email: 'phoneNumber' } }))[0]
        ?.reason,
    ).toMatch(/more than one column is mapped to phoneNumber/);
    expect(errorsOf(toContact(row, { defaultCountry: 'US', mapping: { Fname: 'extra:Email' } }))).toEqual([
      { column: 'Email', reason: 'duplicates column "Fname": both give extra "Email"' },
    ]);
    expect(errorsOf(toContact(row, { defaultCountry: 'US', mapping: { Fname: 'extra:' } }))[0]?.column).toBe('Fname');
  });

  it('refuses two columns that both default to the same field', () => {
    expect(errorsOf(toContact({ phoneNumber: PHONE, PhoneNumber: PHONE }, US))).toEqual([
      { column: 'PhoneNumber', reason: 'duplicates column "phoneNumber": both give phoneNumber' },
    ]);
  });
});

describe('planColumns', () => {
  it('plans a header once: fields, extras and unmatched mapping sources', () => {
    const planned = planColumns(['Phone', 'firstName', 'Notes', ''], { Phone: 'phoneNumber', Missing: 'lastName' });
    expect(planned).toEqual({
      ok: true,
      plan: {
        columns: ['Phone', 'firstName', 'Notes', ''],
        targets: [
          { kind: 'field', field: 'phoneNumber' },
          { kind: 'field', field: 'firstName' },
          { kind: 'extra', name: 'Notes' },
          { kind: 'unnamed' },
        ],
        unmatchedSources: ['Missing'],
      },
    });
  });

  it('does not guess between two case-insensitive matches', () => {
    const planned = planColumns(['phone', 'PHONE'], { Phone: 'phoneNumber' });
    expect(planned.ok && planned.plan.unmatchedSources).toEqual(['Phone']);
  });
});

describe('DEFAULT_LIST_MAPPING', () => {
  it('is the identity mapping Kore returns on contact lists, and frozen', () => {
    expect(DEFAULT_LIST_MAPPING).toEqual({
      firstName: 'firstName',
      lastName: 'lastName',
      phoneNumber: 'phoneNumber',
      timeZone: 'timeZone',
      uniqueId: 'uniqueId',
      contactPriority: 'contactPriority',
    });
    expect(Object.isFrozen(DEFAULT_LIST_MAPPING)).toBe(true);
  });
});
