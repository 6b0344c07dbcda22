import { errors, ValidationErrors, type AppError } from '../../shared/errors.js';
import type { DialRecordState } from '../../storage/schema.js';
import type { ContactsViewFilter } from '../../storage/repos/dial-records-repo.js';
import { OUTCOMES, toKoreDialerOutcome, type Outcome } from './retry-policy.js';

/** The states a supervisor tells apart, and the stored states each stands for. */
export const CONTACT_STATES: Readonly<Record<string, readonly DialRecordState[]>> = {
  /** Not dialed yet, or waiting for its next attempt (retry). */
  pending: ['pending'],
  /** Offered to an agent, accepted, being placed or on a call now. */
  'in-progress': ['offered', 'accepted', 'leased', 'in_flight'],
  /** Finished: it has its final `dialerOutcome`. */
  done: ['done'],
};

/** Kore `dialerOutcome` values the view can show for a finished record. */
export const DIALER_OUTCOMES: readonly string[] = [...new Set(OUTCOMES.map((o) => toKoreDialerOutcome(o, true)))];

const KEYS = ['dialerOutcome', 'phoneNumber', 'state'] as const;

export interface ContactsSelection {
  filter: ContactsViewFilter;
  /** The filters cannot match anything (an outcome asked for with only unfinished states). */
  empty: boolean;
}

/** A list of strings, each trimmed and lower-cased, or a problem naming `field`. */
function stringList(field: string, v: unknown, allowed: readonly string[], problems: AppError[]): string[] | undefined {
  if (!Array.isArray(v) || v.length === 0 || v.some((x) => typeof x !== 'string')) {
    problems.push(
      errors.validation(field, `${field}: must be a non-empty array of strings, each one of ${allowed.join(', ')}`),
    );
    return undefined;
  }
  const given = (v as string[]).map((s) => s.trim().toLowerCase());
  const bad = given.filter((s) => !allowed.includes(s));
  if (bad.length > 0) {
    problems.push(
      errors.validation(field, `${field}: ${bad.map((b) => `'${b}'`).join(', ')} is not one of ${allowed.join(', ')}`),
    );
    return undefined;
  }
  return [...new Set(given)];
}

/**
 * campaignd's `filters` of `view=contacts` (docs/kore-compatibility.md, Extensions): every bad field
 * reported at once, each by its name (`filters.dialerOutcome`, …). Enumerations are matched
 * case-insensitively, as Kore's are.
 *
 * - `dialerOutcome`: Kore values as the view shows them; mapped back to every engine outcome that
 *   shows as that value (`failed` is failed, declined, unknown and sms-failed). Only finished
 *   records have one.
 * - `phoneNumber`: digits (a leading `+` and spaces, dashes, dots and brackets are ignored), matched
 *   as a prefix of the number's E.164 digits, so a whole number finds that number.
 * - `state`: pending (not dialed yet or waiting for a retry), in-progress, done.
 */
export function parseContactsFilters(raw: unknown): ContactsSelection {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw errors.validation('filters', 'filters: must be an object with dialerOutcome, phoneNumber and/or state');
  }
  const f = raw as Record<string, unknown>;
  const problems: AppError[] = [];
  for (const k of Object.keys(f)) {
    if (!(KEYS as readonly string[]).includes(k))
      problems.push(errors.validation(`filters.${k}`, `filters.${k}: unknown filter; use ${KEYS.join(', ')}`));
  }
  const filter: ContactsViewFilter = {};
  let states: Set<DialRecordState> | undefined;
  if (f.state !== undefined) {
    const given = stringList('filters.state', f.state, Object.keys(CONTACT_STATES), problems);
    if (given) states = new Set(given.flatMap((s) => CONTACT_STATES[s]!));
  }
  if (f.dialerOutcome !== undefined) {
    const given = stringList('filters.dialerOutcome', f.dialerOutcome, DIALER_OUTCOMES, problems);
    if (given) {
      filter.finalOutcomes = OUTCOMES.filter((o: Outcome) => given.includes(toKoreDialerOutcome(o, true)));
      // The view shows an outcome on finished records only.
      states = new Set(states ? [...states].filter((s) => s === 'done') : ['done']);
    }
  }
  if (f.phoneNumber !== undefined) {
    const digits =
      typeof f.phoneNumber === 'string' ? f.phoneNumber.replace(/^\s*\+/, '').replace(/[\s().-]/g, '') : '';
    if (!/^\d{1,15}$/.test(digits)) {
      problems.push(
        errors.validation(
          'filters.phoneNumber',
          'filters.phoneNumber: must be 1 to 15 digits (a number or its beginning)',
        ),
      );
    } else {
      filter.phoneFrom = `+${digits}`;
      const next = nextPrefix(digits);
      if (next !== undefined) filter.phoneTo = `+${next}`;
    }
  }
  if (problems.length > 0) throw new ValidationErrors(problems);
  if (states) filter.states = [...states];
  return { filter, empty: states !== undefined && states.size === 0 };
}

/**
 * The smallest digit string greater than every string starting with `digits` ('4429' → '443'),
 * undefined for all nines. Bounds made of '+' and digits only order the same under any collation,
 * so the range stays a range of the (instance_id, phone_e164) index on PostgreSQL whatever the
 * database's locale (a LIKE 'prefix%' would not, outside the C locale).
 */
function nextPrefix(digits: string): string | undefined {
  const trimmed = digits.replace(/9+$/, '');
  if (trimmed === '') return undefined;
  return trimmed.slice(0, -1) + String(Number(trimmed.at(-1)) + 1);
}
