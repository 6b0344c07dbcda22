import {
  isSupportedCountry,
  isValidPhoneNumber,
  parseDigits,
  parsePhoneNumberFromString,
  validatePhoneNumberLength,
} from 'libphonenumber-js/max';
import type { CountryCode } from 'libphonenumber-js/max';
import { IANAZone } from 'luxon';
import { BoundedCache } from '../../shared/bounded-cache.js';
import { fastParse } from './phone-fast.js';

/*
 * Phone normalisation for contact imports and caller IDs.
 *
 * The 'max' metadata build is used because it is the only one that checks a number against the
 * real numbering plan (e.g. US exchange codes cannot start with 0 or 1); 'min' only checks lengths.
 * Its metadata ships inside the package, so nothing is fetched at run time.
 *
 * Decisions (each covered by test/unit/contacts/phone.test.ts):
 * - Input longer than MAX_PHONE_INPUT_LENGTH characters is rejected before any parsing, so a
 *   hostile cell cannot make the import spend time on it.
 * - Text is NFKC-normalised (full-width '１' and '＋' become ASCII) and Arabic-Indic / Persian digits
 *   are mapped to ASCII; digits of other scripts are rejected as unsupported.
 * - Extensions (" ext. 89", " x89", ";ext=89", " #89") are split off and returned separately; the
 *   E.164 number is what gets dialed, the extension is for the flow (DTMF) to use.
 * - Letters anywhere in the number are rejected ("contains letters"): vanity numbers such as
 *   1-800-FLOWERS are rare in contact data, while letters usually mean the wrong column was mapped.
 * - Only valid numbers are accepted (possible-but-unassigned ranges such as US 510-123-4567 are not):
 *   dialing them wastes attempts and money.
 * - A leading '+' or '00' marks an international number. For '00' the national reading is tried as
 *   a fallback, because some countries' international prefix starts with 00 (Australia's 0011).
 * - Digits without '+' (Kore's samples look like "919876543210") are read both as international
 *   digits and in the default country's national format. When only one reading is valid it wins.
 *   When both are valid but differ (about 1 in 10 valid US ten-digit numbers also reads as a valid
 *   foreign number, e.g. 415 555 1234 versus +41 55 555 1234), the national reading wins only if
 *   the digits are exactly how that country writes the number domestically (US "4155551234");
 *   otherwise the international reading wins (a German trunk-prefix-less "447911123456" is a UK
 *   mobile, not a Bremen number). See ambiguousInput in the tests.
 */

/** Inputs longer than this are rejected without parsing. */
export const MAX_PHONE_INPUT_LENGTH = 64;
/** Longest extension kept; longer ones are more likely two numbers pasted together. */
export const MAX_EXTENSION_DIGITS = 10;

export type PhoneResult =
  | { ok: true; e164: string; raw: string; extension?: string; country?: string }
  | { ok: false; raw: string; reason: string };

// Extension markers accepted at the end of the input, in the forms libphonenumber and RFC 3966 use.
const EXTENSION = /(?:\s*;\s*ext\s*=\s*|\s*(?:extension|extn|ext)\s*[.:]?\s*|\s*x\s*\.?\s*|\s*#\s*)(\d+)\s*$/i;
const LETTER = /\p{L}/u;
// Punctuation people use to group digits: spaces, dashes of any kind, dots, brackets and slashes.
const ALLOWED = /^[0-9+\s\p{Pd}.()/]*$/u;
const UNICODE_DIGIT = /\p{Nd}/gu;

/** One way of reading the digits; a failure's reason is worked out (reasonOf) only if it is reported. */
type Invalid = { valid: false; text: string; country: CountryCode | undefined; reason: string | undefined };
type Reading = { valid: true; e164: string; country: string | undefined } | Invalid;
/** Reads `text` ('+digits', or national digits when `country` is given) as libphonenumber-js would. */
type Reader = (text: string, country?: CountryCode) => Reading;

/** Resolves an ISO 3166-1 alpha-2 code (any case) to a supported country, or undefined. */
export function toCountryCode(country: string): CountryCode | undefined {
  if (typeof country !== 'string') return undefined;
  const upper = country.trim().toUpperCase();
  return isSupportedCountry(upper) ? upper : undefined;
}

/**
 * Normalises a phone number as typed by a person or exported by a CRM into E.164. Never throws.
 * @param defaultCountry ISO2 country used for numbers written in national format.
 */
export function normalisePhone(raw: string, defaultCountry: string): PhoneResult {
  return normalise(raw, defaultCountry, fastRead, true);
}

/**
 * normalisePhone using nothing but libphonenumber-js's own parse for every reading: the reference
 * the fast path is proven against (test/unit/contacts/phone-fast.test.ts). Same contract.
 */
export function normalisePhoneReference(raw: string, defaultCountry: string): PhoneResult {
  return normalise(raw, defaultCountry, libraryRead, false);
}

// Plain ASCII digits (what most CRM exports hold) need none of the clean-up below: NFKC, digit
// mapping and trimming leave them unchanged and no extension or letter pattern can match them.
const PLAIN = /^\+?[0-9]+$/;

const failed = (raw: string, reason: string): PhoneResult => ({ ok: false, raw, reason });

// No closures are created per call: a million-row import calls this a million times.
function normalise(raw: string, defaultCountry: string, reader: Reader, plainShortcut: boolean): PhoneResult {
  if (typeof raw !== 'string') return { ok: false, raw: String(raw), reason: 'not a string' };
  if (raw.length > MAX_PHONE_INPUT_LENGTH)
    return failed(raw, `too long (more than ${MAX_PHONE_INPUT_LENGTH} characters)`);

  let digits: string;
  let hasPlus: boolean;
  let extension: string | undefined;
  if (plainShortcut && PLAIN.test(raw)) {
    hasPlus = raw.charCodeAt(0) === 43;
    digits = hasPlus ? raw.slice(1) : raw;
  } else {
    let text = raw.normalize('NFKC').replace(UNICODE_DIGIT, asciiDigit).trim();
    if (text === '') return failed(raw, 'empty');

    const ext = EXTENSION.exec(text);
    if (ext && ext.index > 0) {
      extension = ext[1] as string;
      if (extension.length > MAX_EXTENSION_DIGITS)
        return failed(raw, `extension longer than ${MAX_EXTENSION_DIGITS} digits`);
      text = text.slice(0, ext.index).trim();
    }

    if (LETTER.test(text)) return failed(raw, 'contains letters');
    if (!ALLOWED.test(text)) {
      const bad = [...text].find((c) => !ALLOWED.test(c)) ?? '';
      return failed(
        raw,
        /\p{Nd}/u.test(bad) ? `contains unsupported digit "${bad}"` : `contains invalid character "${bad}"`,
      );
    }
    const plusAt = text.indexOf('+');
    if (plusAt > 0 || text.lastIndexOf('+') !== plusAt) return failed(raw, '"+" is only allowed once, at the start');
    hasPlus = plusAt === 0;
    digits = text.replace(/\D/g, '');
    if (digits === '') return failed(raw, 'no digits');
  }

  const country = defaultCountry ? defaultCountryCode(defaultCountry) : undefined;
  const chosen = choose(digits, hasPlus, country, defaultCountry, reader);
  if (!chosen.valid) return failed(raw, reasonOf(chosen));
  return {
    ok: true,
    e164: chosen.e164,
    raw,
    ...(extension !== undefined ? { extension } : {}),
    ...(chosen.country !== undefined ? { country: chosen.country } : {}),
  };
}

// An import asks with the same default country a million times.
let lastCountry: { requested: string; code: CountryCode | undefined } = { requested: '', code: undefined };
function defaultCountryCode(requested: string): CountryCode | undefined {
  if (requested !== lastCountry.requested) lastCountry = { requested, code: toCountryCode(requested) };
  return lastCountry.code;
}

const asciiDigit = (d: string): string => parseDigits(d) || d;

function nationalReading(digits: string, country: CountryCode | undefined, requested: string, read: Reader): Reading {
  if (country) return read(digits, country);
  return {
    valid: false,
    text: digits,
    country: undefined,
    reason: `no country code and "${requested}" is not a supported default country`,
  };
}

function choose(
  digits: string,
  hasPlus: boolean,
  country: CountryCode | undefined,
  requested: string,
  read: Reader,
): Reading {
  if (hasPlus) return read(`+${digits}`);

  if (digits.startsWith('00')) {
    const intl = read(`+${digits.slice(2)}`);
    if (intl.valid) return intl;
    const nat = nationalReading(digits, country, requested, read);
    return nat.valid ? nat : intl;
  }

  const intl = read(`+${digits}`);
  const nat = nationalReading(digits, country, requested, read);
  if (intl.valid && nat.valid && intl.e164 !== nat.e164) {
    // Both readings are real numbers: see the module comment for why this tie-break. Rare enough
    // (about 1 in 10 valid US numbers) that the library's own formatter is used.
    const domestic = parsePhoneNumberFromString(digits, { defaultCountry: country, extract: false })!
      .formatNational()
      .replace(/\D/g, '');
    return domestic === digits ? nat : intl;
  }
  if (intl.valid) return intl;
  return nat;
}

/** The fast path (phone-fast.ts) where it applies, the library otherwise. */
const fastRead: Reader = (text, country) => {
  const fast = fastParse(text, country);
  if (fast === null) return libraryRead(text, country);
  if (fast?.valid) return { valid: true, e164: fast.e164, country: fast.country };
  return { valid: false, text, country, reason: undefined };
};

const libraryRead: Reader = (text, country) => {
  const number = parsePhoneNumberFromString(text, { defaultCountry: country, extract: false });
  if (number?.isValid()) return { valid: true, e164: number.number, country: number.country };
  return { valid: false, text, country, reason: undefined };
};

/** Explains in words why a reading is not a valid number (always from the library). */
function reasonOf(r: Invalid): string {
  if (r.reason !== undefined) return r.reason;
  const { text, country } = r;
  const number = parsePhoneNumberFromString(text, { defaultCountry: country, extract: false });
  const place = number?.country ?? country ?? (number ? `+${number.countryCallingCode}` : undefined);
  const forPlace = place ? ` for ${place}` : '';
  switch (validatePhoneNumberLength(text, country)) {
    case undefined:
      return number ? `not a valid number${forPlace}` : 'not a phone number';
    case 'INVALID_COUNTRY':
      return 'unknown country calling code';
    case 'TOO_SHORT':
      return `too short${forPlace}`;
    case 'TOO_LONG':
      return `too long${forPlace}`;
    case 'INVALID_LENGTH':
      return `invalid length${forPlace}`;
    default:
      return 'not a phone number';
  }
}

/**
 * Strict check for caller IDs and other numbers that must already be E.164: '+', no separators,
 * 7–15 digits (the shortest assigned numbers, e.g. Saint Helena +290 8999, have 7) and valid.
 */
export function isValidE164(s: unknown): s is string {
  return typeof s === 'string' && /^\+[1-9]\d{6,14}$/.test(s) && isValidPhoneNumber(s);
}

// Asking Intl about a zone costs ~100 µs; an import repeats the same few zones a million times.
// Bounded so that a file full of distinct garbage cannot grow it without limit.
const zoneCache = new BoundedCache<string, boolean>(2048);
let lastZone = { name: '', valid: false };

/**
 * True for names the runtime's time-zone database knows (IANA names such as "Asia/Kolkata", links
 * such as "US/Eastern", and "UTC"), in any letter case. Fixed offsets like "+05:30" are not zones.
 */
export function isValidIanaZone(tz: unknown): tz is string {
  if (typeof tz !== 'string' || tz.length === 0 || tz.length > 64) return false;
  // Consecutive rows mostly share a zone; comparing with the last one is cheaper than hashing.
  if (tz === lastZone.name) return lastZone.valid;
  let valid = zoneCache.get(tz);
  if (valid === undefined) {
    valid = IANAZone.isValidZone(tz);
    zoneCache.set(tz, valid);
  }
  lastZone = { name: tz, valid };
  return valid;
}
