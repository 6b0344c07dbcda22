import fc from 'fast-check';
import { getCountries, getExampleNumber } from 'libphonenumber-js/max';
import examples from 'libphonenumber-js/mobile/examples';
import { describe, expect, it } from 'vitest';
import {
  MAX_PHONE_INPUT_LENGTH,
  isValidE164,
  isValidIanaZone,
  normalisePhone,
  toCountryCode,
} from '../../../src/domain/contacts/phone.js';

type Accept = [raw: string, country: string, e164: string, extra?: { extension?: string; country?: string }];
type Reject = [raw: string, country: string, reason: RegExp];

const accepted: Accept[] = [
  // US national formats and E.164
  ['+1 510 234 5678', 'US', '+15102345678', { country: 'US' }],
  ['+15102345678', 'IN', '+15102345678'],
  ['15102345678', 'US', '+15102345678'],
  ['(510) 234-5678', 'US', '+15102345678'],
  ['510.234.5678', 'US', '+15102345678'],
  ['510-234-5678', 'US', '+15102345678'],
  ['1 (510) 234-5678', 'US', '+15102345678'],
  ['  +1 510 234 5678  ', 'US', '+15102345678'],
  ['\t5102345678\n', 'US', '+15102345678'],
  ['+1\u00a0510\u2013234\u20135678', 'US', '+15102345678'],
  ['5102345678', 'us', '+15102345678'],
  // Kore's samples: international digits without '+'
  ['919876543210', 'US', '+919876543210', { country: 'IN' }],
  ['919876543210', 'IN', '+919876543210'],
  ['14155550123', 'DE', '+14155550123', { country: 'US' }],
  // India
  ['09876543210', 'IN', '+919876543210', { country: 'IN' }],
  ['98765 43210', 'IN', '+919876543210'],
  ['+91 98765-43210', 'GB', '+919876543210'],
  // United Kingdom
  ['0 20 7946 0958', 'GB', '+442079460958', { country: 'GB' }],
  ['020 7946 0958', 'GB', '+442079460958'],
  ['07400 123456', 'GB', '+447400123456'],
  ['+44 (0)20 7946 0958', 'US', '+442079460958'],
  // Germany
  ['030 123456', 'DE', '+4930123456', { country: 'DE' }],
  ['030/123456', 'DE', '+4930123456'],
  ['+49 30 123456', 'US', '+4930123456'],
  // 00 and other international prefixes
  ['0049 30 123456', 'US', '+4930123456'],
  ['0044 20 7946 0958', 'US', '+442079460958'],
  ['011 44 20 7946 0958', 'US', '+442079460958'],
  ['0011 44 20 7946 0958', 'AU', '+442079460958'],
  // extensions are split off
  ['+1 510 234 5678 ext. 89', 'US', '+15102345678', { extension: '89' }],
  ['5102345678 x89', 'US', '+15102345678', { extension: '89' }],
  ['5102345678x89', 'US', '+15102345678', { extension: '89' }],
  ['+15102345678;ext=89', 'US', '+15102345678', { extension: '89' }],
  ['+1 510 234 5678 #89', 'US', '+15102345678', { extension: '89' }],
  ['+1 510 234 5678 extension 1234', 'US', '+15102345678', { extension: '1234' }],
  // other digit forms
  ['+１ ５１０ ２３４ ５６７８', 'US', '+15102345678'],
  ['００９１９８７６５４３２１０', 'US', '+919876543210'],
  ['٠٩٨٧٦٥٤٣٢١٠', 'IN', '+919876543210'],
  // ambiguous digits: valid at home and abroad (+20 15550123 is Egypt); the domestic writing wins
  ['2015550123', 'US', '+12015550123', { country: 'US' }],
  // ...but digits that are not how Germans write numbers at home (they would start with 0) are international
  ['447400123456', 'DE', '+447400123456', { country: 'GB' }],
  // non-geographic numbers have no country
  ['+800 1234 5678', 'US', '+80012345678'],
  // an unsupported default country still reads international numbers
  ['+15102345678', 'XX', '+15102345678'],
];

const rejected: Reject[] = [
  ['', 'US', /^empty$/],
  ['   ', 'US', /^empty$/],
  ['abc', 'US', /contains letters/],
  ['1-800-FLOWERS', 'US', /contains letters/],
  ['tel:+15102345678', 'US', /contains letters/],
  ['+1 510 234 5678 x', 'US', /contains letters/],
  ['+', 'US', /no digits/],
  ['()-', 'US', /no digits/],
  ['++15102345678', 'US', /"\+" is only allowed once/],
  ['1+5102345678', 'US', /"\+" is only allowed once/],
  ['+1 510 234 5678*', 'US', /invalid character "\*"/],
  ['123', 'US', /too short for US/],
  ['0', 'GB', /too short/],
  ['+1 510 123 4567', 'US', /not a valid number/],
  ['15101234567', 'US', /not a valid number for US/],
  ['(510) 123-4567', 'US', /not a valid number for US/],
  ['+999 1234567', 'US', /unknown country calling code/],
  ['+0 123', 'US', /unknown country calling code/],
  ['9'.repeat(30), 'US', /too long/],
  // Kore's documented sample is masked digits, not a real number: +91 then 11 digits
  ['9122333445566', 'US', /too long/],
  ['1'.repeat(MAX_PHONE_INPUT_LENGTH + 1), 'US', /more than 64 characters/],
  ['510-234-5678 ext 12345678901', 'US', /extension longer than 10 digits/],
  ['१२३४५६७८९०', 'IN', /unsupported digit "१"/],
  ['5102345678', 'XX', /"XX" is not a supported default country/],
  ['5102345678', '', /not a supported default country/],
];

describe('normalisePhone', () => {
  it.each(accepted)('accepts %j (default %s) as %s', (raw, country, e164, extra) => {
    const r = normalisePhone(raw, country);
    expect(r).toMatchObject({ ok: true, e164, raw, ...extra });
    if (r.ok && extra?.extension === undefined) expect(r.extension).toBeUndefined();
  });

  it.each(rejected)('rejects %j (default %s)', (raw, country, reason) => {
    const r = normalisePhone(raw, country);
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.reason).toMatch(reason);
      expect(r.raw).toBe(raw);
    }
  });

  it('rejects a megabyte of digits by length alone', () => {
    const r = normalisePhone('1'.repeat(1_000_000), 'US');
    expect(r).toMatchObject({ ok: false, reason: 'too long (more than 64 characters)' });
  });

  it('has a table of at least 30 cases', () => {
    expect(accepted.length + rejected.length).toBeGreaterThanOrEqual(30);
  });

  const examplesByCountry = getCountries().flatMap((c) => {
    const n = getExampleNumber(c, examples);
    return n ? [{ country: c, number: n }] : [];
  });
  const countries = fc.constantFrom(...getCountries());

  it('returns every example number unchanged from E.164 and international format, whatever the default', () => {
    expect(examplesByCountry.length).toBeGreaterThan(200);
    fc.assert(
      fc.property(fc.constantFrom(...examplesByCountry), countries, fc.boolean(), ({ number }, def, pretty) => {
        const text = pretty ? number.formatInternational() : number.number;
        const r = normalisePhone(text, def);
        return r.ok && r.e164 === number.number;
      }),
      { numRuns: 500 },
    );
  });

  it('reads every example number in its own national format and as bare digits', () => {
    for (const { country, number } of examplesByCountry) {
      expect(normalisePhone(number.formatNational(), country), `${country} national`).toMatchObject({
        e164: number.number,
      });
      expect(normalisePhone(number.number.slice(1), country), `${country} digits`).toMatchObject({
        e164: number.number,
      });
    }
  });

  it('ignores how an example number is punctuated, and keeps any extension apart', () => {
    const separator = fc.constantFrom('', ' ', '-', '.', '\u00a0', ' - ');
    fc.assert(
      fc.property(
        fc.constantFrom(...examplesByCountry),
        fc.array(separator, { minLength: 20, maxLength: 20 }),
        fc.option(fc.stringMatching(/^[0-9]{1,6}$/), { nil: undefined }),
        ({ number }, seps, ext) => {
          const spaced = [...number.number.slice(1)]
            .map((d, i) => d + (seps[i] ?? ''))
            .join('')
            .trim();
          const text = `+${spaced}${ext === undefined ? '' : ` ext. ${ext}`}`;
          const r = normalisePhone(text, 'US');
          return r.ok && r.e164 === number.number && r.extension === ext;
        },
      ),
      { numRuns: 500 },
    );
  });

  const phoneish = fc
    .array(fc.constantFrom(...'0123456789+-(). x#;ext=０１٣१ \u00a0'.split('')), { maxLength: 30 })
    .map((cs) => cs.join(''));
  const anyText = fc.oneof(fc.string({ unit: 'binary', maxLength: 80 }), phoneish, fc.string({ maxLength: 200 }));
  const anyCountry = fc.oneof(countries, fc.constantFrom('XX', '', 'us', 'United States', '__proto__'));

  it('never throws, and whatever it accepts is valid E.164 that normalises to itself', () => {
    fc.assert(
      fc.property(anyText, anyCountry, anyCountry, (raw, def, otherDef) => {
        const r = normalisePhone(raw, def);
        expect(r.raw).toBe(raw);
        if (!r.ok) return typeof r.reason === 'string' && r.reason.length > 0;
        if (raw.length > MAX_PHONE_INPUT_LENGTH) return false;
        const again = normalisePhone(r.e164, otherDef);
        return isValidE164(r.e164) && again.ok && again.e164 === r.e164;
      }),
      { numRuns: 2000 },
    );
  });
});

describe('isValidE164', () => {
  it.each([
    ['+15102345678', true],
    ['+447400123456', true],
    ['+2908999', true], // Saint Helena: 7 digits is real
    ['+15101234567', false], // possible, not valid
    ['+1 510 234 5678', false],
    ['15102345678', false],
    ['+015102345678', false],
    ['+1234567890123456', false],
    ['+1510234567８', false],
    ['', false],
  ])('%j -> %s', (s, expected) => {
    expect(isValidE164(s)).toBe(expected);
  });

  it('is false for non-strings', () => {
    expect(isValidE164(15102345678)).toBe(false);
    expect(isValidE164(null)).toBe(false);
  });
});

describe('isValidIanaZone', () => {
  it.each([
    ['America/New_York', true],
    ['america/new_york', true],
    ['Asia/Kolkata', true],
    ['UTC', true],
    ['US/Eastern', true],
    ['Mars/Olympus', false],
    ['+05:30', false],
    ['GMT+5', false],
    ['', false],
    [`America/${'X'.repeat(60)}`, false],
  ])('%j -> %s', (tz, expected) => {
    expect(isValidIanaZone(tz)).toBe(expected);
    // second call is served from the cache and must agree
    expect(isValidIanaZone(tz)).toBe(expected);
  });

  it('is false for non-strings', () => {
    expect(isValidIanaZone(5)).toBe(false);
    expect(isValidIanaZone(undefined)).toBe(false);
  });
});

describe('toCountryCode', () => {
  it('accepts ISO2 codes in any case and refuses the rest', () => {
    expect(toCountryCode(' gb ')).toBe('GB');
    expect(toCountryCode('XX')).toBeUndefined();
    expect(toCountryCode('USA')).toBeUndefined();
  });
});
