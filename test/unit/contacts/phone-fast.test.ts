import fc from 'fast-check';
import { getCountries, getCountryCallingCode, parsePhoneNumberFromString } from 'libphonenumber-js/max';
import type { CountryCode } from 'libphonenumber-js/max';
import examples from 'libphonenumber-js/mobile/examples';
import { describe, expect, it } from 'vitest';
import { fastParse } from '../../../src/domain/contacts/phone-fast.js';
import { normalisePhone, normalisePhoneReference } from '../../../src/domain/contacts/phone.js';

/*
 * The import's fast path (phone-fast.ts, and normalisePhone's plain-digits shortcut) must give
 * exactly what libphonenumber-js gives. Two levels are compared:
 * - fastParse(text, country) against parsePhoneNumberFromString(text, { defaultCountry, extract:
 *   false }) -> isValid(), number, country, for digit strings of every supported country;
 * - normalisePhone (fast path) against normalisePhoneReference (every reading parsed by the library,
 *   no shortcut) for whole cells: punctuation, extensions, Unicode digits, letters, garbage.
 * Generated numbers start from each country's example number (so most are valid or nearly so:
 * the interesting cases) and are then written nationally, internationally, with IDD or trunk
 * prefixes, and mutated digit by digit.
 */

const countries = getCountries();
const exampleOf = (c: CountryCode): string | undefined => (examples as Partial<Record<CountryCode, string>>)[c];
const withExamples = countries.filter((c) => exampleOf(c) !== undefined);

function library(text: string, country?: CountryCode) {
  const n = parsePhoneNumberFromString(text, { defaultCountry: country, extract: false });
  return n ? { valid: n.isValid(), e164: n.number as string, country: n.country as string | undefined } : undefined;
}

/** The ways a number of `c` gets written, as digits (the first form is national). */
function forms(c: CountryCode): string[] {
  const national = exampleOf(c)!;
  const cc = getCountryCallingCode(c);
  const intl = `${cc}${parsePhoneNumberFromString(national, c)!.nationalNumber}`;
  const domestic = parsePhoneNumberFromString(national, c)!.formatNational().replace(/\D/g, '');
  return [
    national,
    domestic,
    intl,
    `+${intl}`,
    `00${intl}`,
    `011${intl}`,
    `0011${intl}`,
    `810${intl}`,
    `0${national}`,
    `1${national}`,
    `8${national}`,
    `${cc}0${national}`,
  ];
}

const countryArb = fc.constantFrom(...countries);
const commonCountryArb = fc.constantFrom<CountryCode>(
  'US',
  'CA',
  'GB',
  'DE',
  'FR',
  'IN',
  'AU',
  'BR',
  'MX',
  'AR',
  'RU',
  'KZ',
  'IT',
  'CN',
  'JP',
  'NG',
  'ZA',
  'AE',
);
const defaultCountryArb = fc.oneof(countryArb, commonCountryArb);

/**
 * Digit strings built from an example number: one of its forms, then 0–3 digit edits; paired with
 * a default country that is the number's own half of the time (where national forms are valid).
 */
const numberArb = fc
  .tuple(
    fc.constantFrom(...withExamples),
    fc.nat(),
    fc.array(fc.tuple(fc.constantFrom('set', 'drop', 'add'), fc.nat(), fc.integer({ min: 0, max: 9 })), {
      maxLength: 3,
    }),
    fc.option(defaultCountryArb, { freq: 2 }),
  )
  .map(([c, pick, edits, other]) => {
    const all = forms(c);
    let s = all[pick % all.length]!;
    for (const [op, at, d] of edits) {
      const plus = s.startsWith('+') ? 1 : 0;
      const body = s.slice(plus);
      const i = body.length === 0 ? 0 : at % body.length;
      const next =
        op === 'set'
          ? body.slice(0, i) + d + body.slice(i + 1)
          : op === 'drop'
            ? body.slice(0, i) + body.slice(i + 1)
            : body.slice(0, i) + d + body.slice(i);
      s = (plus ? '+' : '') + next;
    }
    return { text: s, country: other ?? c };
  });
const digitsArb = numberArb.map((n) => n.text);

/** Random digit strings behind the prefixes that steer the parser. */
const randomDigitsArb = fc
  .tuple(
    fc.constantFrom(
      '',
      '',
      '+',
      '0',
      '00',
      '011',
      '0011',
      '1',
      '7',
      '8',
      '44',
      '91',
      '+0',
      '+1',
      '+7',
      '+44',
      '+800',
      '+979',
    ),
    fc.stringMatching(/^[0-9]{0,17}$/),
  )
  .map(([prefix, digits]) => prefix + digits);

describe('fastParse is libphonenumber-js parse + isValid', () => {
  it('agrees on every country\u2019s example number written every usual way', () => {
    let checked = 0;
    for (const c of withExamples) {
      for (const text of forms(c)) {
        for (const dc of [c, 'US', 'GB', 'DE', 'IN', 'RU', 'AR', 'MX', 'AU', 'IT', 'BR'] as CountryCode[]) {
          expect(fastParse(text, dc), `${text} in ${dc}`).toEqual(library(text, dc));
          checked++;
        }
        const plus = text.startsWith('+') ? text : `+${text}`;
        expect(fastParse(plus), plus).toEqual(library(plus));
      }
    }
    expect(checked).toBeGreaterThan(20_000);
  });

  it('agrees on numbers derived from examples (national, international, IDD, trunk prefix, edited digits)', () => {
    fc.assert(
      fc.property(numberArb, ({ text, country }) => {
        expect(fastParse(text, country)).toEqual(library(text, country));
        if (text.startsWith('+')) expect(fastParse(text)).toEqual(library(text));
      }),
      { numRuns: 10_000 },
    );
  });

  it('agrees on random digit strings', () => {
    fc.assert(
      fc.property(randomDigitsArb, defaultCountryArb, (text, dc) => {
        expect(fastParse(text, dc)).toEqual(library(text, dc));
        if (text.startsWith('+')) expect(fastParse(text)).toEqual(library(text));
      }),
      { numRuns: 10_000 },
    );
  });

  it('finds valid numbers often enough for the comparison to mean something', () => {
    const sample = fc.sample(numberArb, { numRuns: 2_000, seed: 7 });
    const valid = sample.filter(({ text, country }) => library(text, country)?.valid).length;
    expect(valid).toBeGreaterThan(250); // about 1 in 6: thousands of valid numbers per run
  });

  it('declines what it does not handle, so the caller asks the library', () => {
    expect(fastParse('415 555 1234', 'US')).toBeNull();
    expect(fastParse('4155551234', 'XX')).toBeNull();
    expect(fastParse('+1-415', undefined)).toBeNull();
  });
});

const PUNCTUATION = [' ', '-', '.', '(', ')', '/', '\u00a0', '\u2013', '\u2010', '  '];
const GARBAGE = [
  'a',
  'x',
  '#',
  ';',
  '*',
  ',',
  '+',
  '١',
  '۲',
  '５',
  '\u0967',
  '\u200b',
  'ext',
  'e',
  '\t',
  '\n',
  '"',
  "'",
  '\u0000',
];

/** A cell as people and CRMs write it: digits with punctuation, maybe an extension, maybe garbage. */
const cellArb = fc
  .tuple(
    fc.oneof(digitsArb, digitsArb, randomDigitsArb),
    fc.array(fc.tuple(fc.nat(), fc.constantFrom(...PUNCTUATION)), { maxLength: 4 }),
    fc.option(fc.constantFrom(' ext. 12', ' x7', ';ext=345', ' #9', 'x', ' extension 12345678901', ' ext 1'), {
      freq: 4,
    }),
    fc.option(fc.tuple(fc.nat(), fc.constantFrom(...GARBAGE)), { freq: 3 }),
    fc.constantFrom('', ' ', '\t'),
    fc.boolean(),
  )
  .map(([digits, puncts, ext, garbage, pad, wide]) => {
    let s = digits;
    for (const [at, p] of puncts) {
      const i = s.length === 0 ? 0 : (at % s.length) + (s.startsWith('+') ? 1 : 0);
      s = s.slice(0, i) + p + s.slice(i);
    }
    if (ext) s += ext;
    if (garbage) {
      const i = s.length === 0 ? 0 : garbage[0] % s.length;
      s = s.slice(0, i) + garbage[1] + s.slice(i);
    }
    if (wide) s = s.replace(/[0-9]/, (d) => String.fromCharCode(0xff10 + Number(d)));
    return pad + s + pad;
  });

describe('normalisePhone (fast path) is normalisePhoneReference (library only)', () => {
  it('agrees on generated cells in every default country', () => {
    fc.assert(
      fc.property(cellArb, fc.oneof(defaultCountryArb, fc.constantFrom('us', ' gb ', 'XX', '', 'ZZ')), (cell, dc) => {
        expect(normalisePhone(cell, dc)).toEqual(normalisePhoneReference(cell, dc));
      }),
      { numRuns: 10_000 },
    );
  });

  it('agrees with the plain reading of example numbers (most of them valid)', () => {
    fc.assert(
      fc.property(numberArb, ({ text, country }) => {
        expect(normalisePhone(text, country)).toEqual(normalisePhoneReference(text, country));
      }),
      { numRuns: 10_000 },
    );
  });

  it('agrees on arbitrary text', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string({ maxLength: 70 }),
          fc.string({ unit: 'grapheme', maxLength: 30 }),
          fc.stringMatching(/^[+0-9 ()-]{0,30}$/),
        ),
        commonCountryArb,
        (cell, dc) => {
          expect(normalisePhone(cell, dc)).toEqual(normalisePhoneReference(cell, dc));
        },
      ),
      { numRuns: 10_000 },
    );
  });
});
