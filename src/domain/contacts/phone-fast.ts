import metadata from 'libphonenumber-js/metadata.max.json';

/*
 * The fast path of phone normalisation: what libphonenumber-js does for
 *   parsePhoneNumberFromString(text, { defaultCountry, extract: false }) -> .isValid(), .number, .country
 * redone for the only inputs normalisePhone gives it (ASCII digits, optionally after one leading
 * '+'), with every regular expression of the metadata compiled once per country instead of on
 * every call. libphonenumber-js builds `new RegExp('^(?:' + pattern + ')$')` from multi-kilobyte
 * pattern strings for each test, copies option objects and walks the national-prefix logic two or
 * three times per number; at a million rows that was most of an import's time.
 *
 * It is a line-by-line port of libphonenumber-js 1.13 (es6/parse.js, isValid.js and the helpers
 * named below) reading the same 'max' metadata, so a metadata update needs no change here. The
 * property tests in test/unit/contacts/phone-fast.test.ts compare it with the library over generated
 * numbers of every country (national, international, IDD, trunk prefixes, garbage); a library
 * upgrade that changes the algorithm makes them fail rather than silently diverge. If the metadata
 * is not the layout this port reads (version 4), `fastParse` returns `null` and callers use the
 * library.
 */

/** What the library's parse + isValid say about one text; `undefined` when it would not parse. */
export interface FastNumber {
  valid: boolean;
  /** E.164, as PhoneNumber.number. */
  e164: string;
  /** ISO2, as PhoneNumber.country (absent for non-geographic and unresolved shared codes). */
  country: string | undefined;
}

// The minified numbering-plan layout of metadata version 4 (see libphonenumber-js es6/metadata.js).
type RawPlan = readonly unknown[];
const I = {
  CallingCode: 0,
  IddPrefix: 1,
  NationalNumberPattern: 2,
  PossibleLengths: 3,
  NationalPrefix: 5,
  NationalPrefixForParsing: 7,
  NationalPrefixTransformRule: 8,
  LeadingDigits: 10,
  Types: 11,
} as const;
/** Types in es6/helpers/getNumberType.js order; validity only asks whether any of them matches. */
const TYPE_COUNT = 10;
const MIN_LENGTH_FOR_NSN = 2;
const MAX_LENGTH_FOR_NSN = 17;
const MAX_LENGTH_COUNTRY_CODE = 3;
const MAX_INPUT_STRING_LENGTH = 250;

interface NumberType {
  pattern: RegExp;
  lengths: readonly number[] | undefined;
}

interface Plan {
  callingCode: string;
  /** IDD prefix, sticky: "search(...) === 0" is a match attempted at index 0. */
  idd: RegExp;
  /** national_number_pattern, anchored as matchesEntirely() does. */
  nnp: RegExp;
  possibleLengths: readonly number[] | undefined;
  /** '^(?:' + national_prefix_for_parsing (or national_prefix) + ')', as extractNationalNumberFromPossiblyIncompleteNumber builds it. */
  nationalPrefixForParsing: RegExp | undefined;
  nationalPrefixTransformRule: string | undefined;
  leadingDigits: RegExp | undefined;
  hasTypes: boolean;
  /** Types with a non-empty pattern, each with the lengths Type.possibleLengths() gives. */
  types: NumberType[];
}

interface Json {
  version?: unknown;
  country_calling_codes: Record<string, readonly string[] | undefined>;
  countries: Record<string, RawPlan | undefined>;
  nonGeographic?: Record<string, RawPlan | undefined>;
}
const json = metadata as unknown as Json;
const supported =
  json.version === 4 && typeof json.countries === 'object' && typeof json.country_calling_codes === 'object';

const entirely = (pattern: string): RegExp => new RegExp(`^(?:${pattern})$`);
const truthyString = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);
const lengthsOf = (v: unknown): readonly number[] | undefined => (Array.isArray(v) ? (v as number[]) : undefined);

function compile(raw: RawPlan): Plan {
  const possibleLengths = lengthsOf(raw[I.PossibleLengths]);
  const rawTypes = raw[I.Types];
  // NumberingPlan.hasTypes(): `[]` and `0` both mean "no types".
  const hasTypes = Array.isArray(rawTypes) ? rawTypes.length > 0 : !!rawTypes;
  const types: NumberType[] = [];
  if (hasTypes && Array.isArray(rawTypes)) {
    for (let t = 0; t < TYPE_COUNT; t++) {
      const type = rawTypes[t] as unknown[] | undefined | 0;
      if (!type) continue;
      const pattern = truthyString(type[0]);
      // isNumberTypeEqualTo: a type without a pattern never matches.
      if (pattern === undefined) continue;
      types.push({ pattern: entirely(pattern), lengths: lengthsOf(type[1]) ?? possibleLengths });
    }
  }
  const npfp = truthyString(raw[I.NationalPrefixForParsing]) ?? truthyString(raw[I.NationalPrefix]);
  const idd = raw[I.IddPrefix];
  const leading = truthyString(raw[I.LeadingDigits]);
  return {
    callingCode: String(raw[I.CallingCode]),
    // `new RegExp(x)` stringifies anything but undefined, as stripIddPrefix's `new RegExp(metadata.IDDPrefix())` does.
    idd: new RegExp(idd === undefined ? '' : String(idd), 'y'),
    nnp: entirely(String(raw[I.NationalNumberPattern] ?? '')),
    possibleLengths,
    nationalPrefixForParsing: npfp === undefined ? undefined : new RegExp(`^(?:${npfp})`),
    nationalPrefixTransformRule: truthyString(raw[I.NationalPrefixTransformRule]),
    leadingDigits: leading === undefined ? undefined : new RegExp(leading, 'y'),
    hasTypes,
    types,
  };
}

const compiled = new Map<RawPlan, Plan>();
function plan(raw: RawPlan): Plan {
  let p = compiled.get(raw);
  if (!p) compiled.set(raw, (p = compile(raw)));
  return p;
}

/**
 * `f` remembered per key. The keys (countries, calling codes) are few, and a Map finds a string
 * cut from a number faster than a lookup in the metadata's objects, which first internalises it.
 */
function memo<T>(f: (key: string) => T): (key: string) => T {
  const seen = new Map<string, T>();
  return (key) => {
    let v = seen.get(key);
    if (v === undefined && !seen.has(key)) seen.set(key, (v = f(key)));
    return v as T;
  };
}

const countryPlan = memo((country: string): Plan | undefined => {
  const raw = Object.hasOwn(json.countries, country) ? json.countries[country] : undefined;
  return raw ? plan(raw) : undefined;
});

/** Metadata.getCountryCodesForCallingCode. */
const countriesOf = memo((callingCode: string): readonly string[] | undefined => {
  const codes = Object.hasOwn(json.country_calling_codes, callingCode)
    ? json.country_calling_codes[callingCode]
    : undefined;
  if (!codes || (codes.length === 1 && codes[0]!.length === 3)) return undefined;
  return codes;
});

const nonGeographic = memo((callingCode: string): RawPlan | undefined =>
  json.nonGeographic && Object.hasOwn(json.nonGeographic, callingCode) ? json.nonGeographic[callingCode] : undefined,
);

/** Metadata.selectNumberingPlan(callingCode) via getNumberingPlanMetadata. */
function callingCodePlan(callingCode: string): Plan | undefined {
  const countries = countriesOf(callingCode);
  if (countries) return countryPlan(countries[0]!);
  const raw = nonGeographic(callingCode);
  return raw ? plan(raw) : undefined;
}

const hasCallingCode = (callingCode: string): boolean =>
  countriesOf(callingCode) !== undefined || nonGeographic(callingCode) !== undefined;

function atStart(re: RegExp, text: string): RegExpExecArray | null {
  re.lastIndex = 0;
  return re.exec(text);
}

/** es6/helpers/getNumberType.js, as a yes/no: the number matches the plan and one of its types. */
function hasType(p: Plan, nationalNumber: string): boolean {
  if (!p.nnp.test(nationalNumber)) return false;
  for (const t of p.types) {
    if (t.lengths && t.lengths.indexOf(nationalNumber.length) < 0) continue;
    if (t.pattern.test(nationalNumber)) return true;
  }
  return false;
}

/** es6/isValid.js */
const isValid = (p: Plan, nationalNumber: string): boolean =>
  p.hasTypes ? hasType(p, nationalNumber) : p.nnp.test(nationalNumber);

type LengthCheck = 'IS_POSSIBLE' | 'TOO_SHORT' | 'TOO_LONG' | 'INVALID_LENGTH';

/** es6/helpers/checkNumberLength.js (no type). */
function checkNumberLength(nationalNumber: string, p: Plan): LengthCheck {
  const lengths = p.possibleLengths;
  if (!lengths) return 'IS_POSSIBLE';
  const length = nationalNumber.length;
  const min = lengths[0];
  if (min === length) return 'IS_POSSIBLE';
  if (min !== undefined && min > length) return 'TOO_SHORT';
  const max = lengths[lengths.length - 1];
  if (max !== undefined && max < length) return 'TOO_LONG';
  return lengths.indexOf(length, 1) >= 0 ? 'IS_POSSIBLE' : 'INVALID_LENGTH';
}

/** es6/helpers/getCountryByNationalNumber.js */
function countryByNationalNumber(nationalNumber: string, countries: readonly string[]): string | undefined {
  for (const country of countries) {
    const p = countryPlan(country)!;
    if (p.leadingDigits) {
      if (nationalNumber && atStart(p.leadingDigits, nationalNumber)) return country;
    } else if (hasType(p, nationalNumber)) {
      return country;
    }
  }
  return undefined;
}

/** es6/helpers/getCountryByCallingCode.js */
function countryByCallingCode(callingCode: string, nationalNumber: string): string | undefined {
  const countries = countriesOf(callingCode);
  if (!countries) return undefined;
  if (countries.length === 1) return countries[0];
  return countryByNationalNumber(nationalNumber, countries);
}

/** es6/helpers/extractNationalNumberFromPossiblyIncompleteNumber.js (national number only). */
function stripNationalPrefix(number: string, p: Plan): string {
  const prefix = p.nationalPrefixForParsing;
  if (!number || !prefix) return number;
  const match = prefix.exec(number);
  if (!match) return number;
  const groups = match.length - 1;
  const hasCapturedGroups = groups > 0 && !!match[groups];
  if (p.nationalPrefixTransformRule && hasCapturedGroups) return number.replace(prefix, p.nationalPrefixTransformRule);
  return number.slice(match[0].length);
}

/** es6/helpers/extractNationalNumber.js */
function extractNationalNumber(number: string, p: Plan): string {
  const nationalNumber = stripNationalPrefix(number, p);
  if (nationalNumber !== number) {
    // shouldHaveExtractedNationalPrefix
    if (p.nnp.test(number) && !p.nnp.test(nationalNumber)) return number;
    if (p.possibleLengths) {
      const country = countryByCallingCode(p.callingCode, nationalNumber);
      const check = checkNumberLength(nationalNumber, (country !== undefined ? countryPlan(country) : undefined) ?? p);
      if (check === 'TOO_SHORT' || check === 'INVALID_LENGTH') return number;
    }
  }
  return nationalNumber;
}

/** es6/helpers/stripIddPrefix.js, for digits-only input. */
function stripIddPrefix(number: string, p: Plan): string | undefined {
  const match = atStart(p.idd, number);
  if (!match) return undefined;
  const rest = number.slice(match[0].length);
  // "the first digit after the IDD prefix is not 0"; the input is digits only.
  if (rest !== '' && rest[0] === '0') return undefined;
  return rest;
}

/** es6/helpers/extractCountryCallingCodeFromInternationalNumberWithoutPlusSign.js */
function callingCodeWithoutPlus(number: string, p: Plan): string | undefined {
  const callingCode = p.callingCode;
  if (!number.startsWith(callingCode)) return undefined;
  const shorter = number.slice(callingCode.length);
  const shorterNational = extractNationalNumber(shorter, p);
  const national = extractNationalNumber(number, p);
  if ((!p.nnp.test(national) && p.nnp.test(shorterNational)) || checkNumberLength(national, p) === 'TOO_LONG')
    return callingCode;
  return undefined;
}

/** es6/helpers/extractCountryCallingCode.js: `{}` is returned as undefined. */
function extractCallingCode(
  number: string,
  defaultPlan: Plan | undefined,
): { callingCode?: string; number?: string } | undefined {
  if (!number) return undefined;
  if (number[0] !== '+') {
    const withoutIdd = defaultPlan ? stripIddPrefix(number, defaultPlan) : undefined;
    if (withoutIdd && withoutIdd !== number) {
      number = `+${withoutIdd}`;
    } else {
      if (defaultPlan) {
        const callingCode = callingCodeWithoutPlus(number, defaultPlan);
        if (callingCode !== undefined) return { callingCode, number: number.slice(callingCode.length) };
      }
      return { number };
    }
  }
  if (number[1] === '0') return undefined;
  for (let i = 2; i - 1 <= MAX_LENGTH_COUNTRY_CODE && i <= number.length; i++) {
    const callingCode = number.slice(1, i);
    if (hasCallingCode(callingCode)) return { callingCode, number: number.slice(i) };
  }
  return undefined;
}

const DIGITS = /^\+?[0-9]*$/;

/**
 * parsePhoneNumberFromString(text, { defaultCountry, extract: false }) followed by isValid():
 * `undefined` where the library returns undefined, else the number's validity, E.164 and country.
 * `null` when the fast path cannot answer (input other than digits with an optional leading '+',
 * an unsupported default country, or metadata of another layout): ask the library.
 */
export function fastParse(text: string, defaultCountry?: string): FastNumber | undefined | null {
  if (!supported || !DIGITS.test(text)) return null;
  const defaultPlan = defaultCountry === undefined ? undefined : countryPlan(defaultCountry);
  if (defaultCountry !== undefined && !defaultPlan) return null;
  // parseInput: isViablePhoneNumber (2 bare digits, or at least 3 digits) and the length cap.
  const viable = text[0] === '+' ? text.length - 1 >= 3 : text.length >= MIN_LENGTH_FOR_NSN;
  if (!viable || text.length > MAX_INPUT_STRING_LENGTH) return undefined;

  // es6/parse.js parsePhoneNumber()
  const extracted = extractCallingCode(text, defaultPlan);
  if (!extracted) return undefined;
  let callingCode = extracted.callingCode;
  let country: string | undefined;
  let p: Plan | undefined;
  if (callingCode !== undefined) {
    p = callingCodePlan(callingCode);
  } else if (extracted.number && defaultPlan) {
    country = defaultCountry;
    p = defaultPlan;
    callingCode = p.callingCode;
  }
  // No numbering plan selected: INVALID_COUNTRY. No number after the calling code: TOO_SHORT.
  if (!p || callingCode === undefined || !extracted.number) return undefined;
  const nationalNumber = extractNationalNumber(extracted.number, p);
  const exact = countryByCallingCode(callingCode, nationalNumber);
  if (exact !== undefined) country = exact;
  if (nationalNumber.length < MIN_LENGTH_FOR_NSN || nationalNumber.length > MAX_LENGTH_FOR_NSN) return undefined;

  // PhoneNumber.isValid(): the country's plan when known, else the calling code's main one.
  const validity = country !== undefined ? countryPlan(country) : callingCodePlan(callingCode);
  return {
    valid: validity ? isValid(validity, nationalNumber) : false,
    e164: `+${callingCode}${nationalNumber}`,
    country,
  };
}
