import {
  isSupportedCountry,
  isValidPhoneNumber,
  parseDigits,
  parsePhoneNumberFromString,
  validatePhoneNumberLength,
} from 'libphonenumber-js/max';
import type { CountryCode, PhoneNumber } from 'libphonenumber-js/max';
import { IANAZone } from 'luxon';

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

type Reading = { valid: true; number: PhoneNumber } | { valid: false; reason: string };

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
  const fail = (reason: string): PhoneResult => ({ ok: false, raw, reason });
  if (typeof raw !== 'string') return { ok: false, raw: String(raw), reason: 'not a string' };
  if (raw.length > MAX_PHONE_INPUT_LENGTH) return fail(`too long (more than ${MAX_PHONE_INPUT_LENGTH} characters)`);

  let text = raw.normalize('NFKC').replace(UNICODE_DIGIT, (d) => parseDigits(d) || d).trim();
  if (text === '') return fail('empty');

  let extension: string | undefined;
  const ext = EXTENSION.exec(text);
  if (ext && ext.index > 0) {
    extension = ext[1] as string;
    if (extension.length > MAX_EXTENSION_DIGITS) return fail(`extension longer than ${MAX_EXTENSION_DIGITS} digits`);
    text = text.slice(0, ext.index).trim();
  }

  if (LETTER.test(text)) return fail('contains letters');
  if (!ALLOWED.test(text)) {
    const bad = [...text].find((c) => !ALLOWED.test(c)) ?? '';
    return fail(/\p{Nd}/u.test(bad) ? `contains unsupported digit "${bad}"` : `contains invalid character "${bad}"`);
  }
  const plusAt = text.indexOf('+');
  if (plusAt > 0 || text.lastIndexOf('+') !== plusAt) return fail('"+" is only allowed once, at the start');

  const digits = text.replace(/\D/g, '');
  if (digits === '') return fail('no digits');

  const country = defaultCountry ? toCountryCode(defaultCountry) : undefined;
  const chosen = choose(digits, plusAt === 0, country, defaultCountry);
  if (!chosen.valid) return fail(chosen.reason);
  const n = chosen.number;
  return {
    ok: true,
    e164: n.number,
    raw,
    ...(extension !== undefined ? { extension } : {}),
    ...(n.country !== undefined ? { country: n.country } : {}),
  };
}

function choose(digits: string, hasPlus: boolean, country: CountryCode | undefined, requested: string): Reading {
  if (hasPlus) return read(`+${digits}`);
  const national = (): Reading =>
    country ? read(digits, country) : { valid: false, reason: `no country code and "${requested}" is not a supported default country` };

  if (digits.startsWith('00')) {
    const intl = read(`+${digits.slice(2)}`);
    if (intl.valid) return intl;
    const nat = national();
    return nat.valid ? nat : intl;
  }

  const intl = read(`+${digits}`);
  const nat = national();
  if (intl.valid && nat.valid && intl.number.number !== nat.number.number) {
    // Both readings are real numbers: see the module comment for why this tie-break.
    const domestic = nat.number.formatNational().replace(/\D/g, '');
    return domestic === digits ? nat : intl;
  }
  if (intl.valid) return intl;
  return nat;
}

/** Parses one reading and explains in words why it is not a valid number. */
function read(text: string, country?: CountryCode): Reading {
  const number = parsePhoneNumberFromString(text, { defaultCountry: country, extract: false });
  // The common case (a valid number) costs one parse; the reason is only worked out on failure.
  if (number?.isValid()) return { valid: true, number };
  const place = number?.country ?? country ?? (number ? `+${number.countryCallingCode}` : undefined);
  const forPlace = place ? ` for ${place}` : '';
  switch (validatePhoneNumberLength(text, country)) {
    case undefined:
      return { valid: false, reason: number ? `not a valid number${forPlace}` : 'not a phone number' };
    case 'INVALID_COUNTRY':
      return { valid: false, reason: 'unknown country calling code' };
    case 'TOO_SHORT':
      return { valid: false, reason: `too short${forPlace}` };
    case 'TOO_LONG':
      return { valid: false, reason: `too long${forPlace}` };
    case 'INVALID_LENGTH':
      return { valid: false, reason: `invalid length${forPlace}` };
    default:
      return { valid: false, reason: 'not a phone number' };
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
const zoneCache = new Map<string, boolean>();
const ZONE_CACHE_MAX = 2048;

/**
 * True for names the runtime's time-zone database knows (IANA names such as "Asia/Kolkata", links
 * such as "US/Eastern", and "UTC"), in any letter case. Fixed offsets like "+05:30" are not zones.
 */
export function isValidIanaZone(tz: unknown): tz is string {
  if (typeof tz !== 'string' || tz.length === 0 || tz.length > 64) return false;
  let valid = zoneCache.get(tz);
  if (valid === undefined) {
    valid = IANAZone.isValidZone(tz);
    if (zoneCache.size < ZONE_CACHE_MAX) zoneCache.set(tz, valid);
  }
  return valid;
}
