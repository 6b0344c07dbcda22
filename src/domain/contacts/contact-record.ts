import { isValidIanaZone, normalisePhone } from './phone.js';

/*
 * One input row (an addContacts `data[]` item or a CSV record) -> one contact, or the reasons why not.
 *
 * Decisions:
 * - Known fields are matched to columns by name case-insensitively ("PhoneNumber", "timezone"), but
 *   spelling variants are not guessed: "first name", "tz" or "Mobile" stay extra columns unless
 *   mapped (Kore's own samples send "first name" as an extra column). `mapping` adds to the default;
 *   a field that is mapped explicitly no longer takes its same-named column, which then stays extra.
 * - A mapping target is a known field (any case) or `extra:<name>` to rename a column into extras.
 * - Empty or whitespace-only values of optional known fields mean "absent"; known fields are trimmed.
 *   Extra values are kept exactly as given, empty strings included.
 * - contactPriority is an integer 1–10 (Talkdesk's range; wide enough for Genesys-style flags); its
 *   order of precedence belongs to dial selection, not here.
 * - timeZone must be a zone the runtime knows (see isValidIanaZone) and is kept as written.
 * - Scalars are stringified (numbers, and booleans in extras); objects and arrays are rejected,
 *   because storing "[object Object]" would silently lose data.
 * - Every problem in a row is reported, not just the first, so an import report is useful.
 * - Extras live in an object without a prototype: "__proto__" or "constructor" columns are plain
 *   data there. Copy it with spread or Object.entries, never Object.assign onto a normal object.
 */

export const KNOWN_FIELDS = ['phoneNumber', 'firstName', 'lastName', 'timeZone', 'uniqueId', 'contactPriority'] as const;
export type ContactField = (typeof KNOWN_FIELDS)[number];

/** The `mapping` object Kore returns on contact lists (identity for every known field). */
export const DEFAULT_LIST_MAPPING: Readonly<Record<ContactField, ContactField>> = Object.freeze({
  firstName: 'firstName',
  lastName: 'lastName',
  phoneNumber: 'phoneNumber',
  timeZone: 'timeZone',
  uniqueId: 'uniqueId',
  contactPriority: 'contactPriority',
});

export const CONTACT_LIMITS = Object.freeze({
  maxKeyLength: 128,
  maxValueLength: 1024,
  /** Kore's limit on additional columns of a contact list. */
  maxExtraColumns: 150,
  minPriority: 1,
  maxPriority: 10,
});

export interface Contact {
  phoneE164: string;
  /** The phone value as given, for reports and for the contact's own record. */
  phoneRaw: string;
  /** ISO2 country the number belongs to, when libphonenumber can tell (time-zone fallback). */
  phoneCountry?: string;
  extension?: string;
  firstName?: string;
  lastName?: string;
  timeZone?: string;
  uniqueId?: string;
  contactPriority?: number;
  extra: Record<string, string>;
}

export interface ColumnError {
  /** Source column name; "(row)" for problems with the row as a whole. */
  column: string;
  reason: string;
}
export type ContactResult = { ok: true; contact: Contact } | { ok: false; errors: ColumnError[] };

export interface ContactOptions {
  /** ISO2 country for numbers written in national format. */
  defaultCountry: string;
  /** Source column -> known field or `extra:<name>`; added to the case-insensitive default. */
  mapping?: Record<string, string>;
}

/** What a `mapping` entry may point at. */
export type MappingTarget = { kind: 'field'; field: ContactField } | { kind: 'extra'; name: string };
/** What a column feeds; 'unnamed' is a header cell left empty (e.g. a trailing comma). */
export type ColumnTarget = MappingTarget | { kind: 'unnamed' };

/** How each column of a header (or of a JSON row's keys) is used. Build once per CSV header. */
export interface ColumnPlan {
  columns: readonly string[];
  /** Parallel to `columns`. */
  targets: readonly ColumnTarget[];
  /** Mapping sources that matched no column (fatal for a CSV header, normal for a JSON row). */
  unmatchedSources: string[];
}

const FIELD_BY_LOWER = new Map<string, ContactField>(KNOWN_FIELDS.map((f) => [f.toLowerCase(), f]));
const EXTRA_PREFIX = 'extra:';

/** Parses a mapping target: a known field name (any case) or `extra:<name>`. */
export function parseTarget(target: string): MappingTarget | undefined {
  const t = target.trim();
  if (t.slice(0, EXTRA_PREFIX.length).toLowerCase() === EXTRA_PREFIX) {
    const name = t.slice(EXTRA_PREFIX.length).trim();
    return name !== '' && name.length <= CONTACT_LIMITS.maxKeyLength ? { kind: 'extra', name } : undefined;
  }
  const field = FIELD_BY_LOWER.get(t.toLowerCase());
  return field ? { kind: 'field', field } : undefined;
}

/** Works out which column feeds which field, reporting conflicts as errors. */
export function planColumns(
  columns: readonly string[],
  mapping: Record<string, string> = {},
): { ok: true; plan: ColumnPlan } | { ok: false; errors: ColumnError[] } {
  const errors: ColumnError[] = [];
  const targets: (ColumnTarget | undefined)[] = columns.map(() => undefined);
  const claimed = new Set<ContactField>();
  const unmatchedSources: string[] = [];

  for (const [source, rawTarget] of Object.entries(mapping)) {
    const target = typeof rawTarget === 'string' ? parseTarget(rawTarget) : undefined;
    if (!target) {
      errors.push({ column: source, reason: `mapping target "${String(rawTarget)}" is not a known field (${KNOWN_FIELDS.join(', ')}) or extra:<name>` });
      continue;
    }
    if (target.kind === 'field') {
      if (claimed.has(target.field)) errors.push({ column: source, reason: `more than one column is mapped to ${target.field}` });
      claimed.add(target.field);
    }
    const index = findColumn(columns, source);
    if (index === undefined) unmatchedSources.push(source);
    else if (targets[index]) errors.push({ column: source, reason: 'column is mapped more than once' });
    else targets[index] = target;
  }

  const fieldSource = new Map<ContactField, string>();
  const extraSource = new Map<string, string>();
  let extras = 0;
  columns.forEach((column, i) => {
    let target = targets[i];
    if (!target) {
      const field = FIELD_BY_LOWER.get(column.toLowerCase());
      if (column === '') target = { kind: 'unnamed' };
      else if (field && !claimed.has(field)) target = { kind: 'field', field };
      else target = { kind: 'extra', name: column };
      targets[i] = target;
    }
    if (target.kind === 'field') {
      const other = fieldSource.get(target.field);
      if (other !== undefined) errors.push({ column, reason: `duplicates column "${other}": both give ${target.field}` });
      fieldSource.set(target.field, column);
    } else if (target.kind === 'extra') {
      extras += 1;
      const other = extraSource.get(target.name);
      if (other !== undefined) errors.push({ column, reason: `duplicates column "${other}": both give extra "${target.name}"` });
      extraSource.set(target.name, column);
      if (target.name.length > CONTACT_LIMITS.maxKeyLength) {
        errors.push({ column: column.slice(0, 40) + '…', reason: `column name longer than ${CONTACT_LIMITS.maxKeyLength} characters` });
      }
    }
  });
  if (extras > CONTACT_LIMITS.maxExtraColumns) {
    errors.push({ column: '(row)', reason: `${extras} extra columns; at most ${CONTACT_LIMITS.maxExtraColumns} are allowed` });
  }
  if (errors.length > 0) return { ok: false, errors };
  return { ok: true, plan: { columns, targets: targets as ColumnTarget[], unmatchedSources } };
}

// An exact match wins; otherwise a unique case-insensitive one (CLI users rarely get case right).
function findColumn(columns: readonly string[], source: string): number | undefined {
  const exact = columns.indexOf(source);
  if (exact >= 0) return exact;
  const lower = source.toLowerCase();
  const matches = columns.flatMap((c, i) => (c.toLowerCase() === lower ? [i] : []));
  return matches.length === 1 ? matches[0] : undefined;
}

type Scalar = { ok: true; value: string | undefined } | { ok: false; reason: string };

// null/undefined are "absent"; objects and arrays have no faithful string form.
function scalar(v: unknown, allowBoolean: boolean): Scalar {
  if (v === undefined || v === null) return { ok: true, value: undefined };
  switch (typeof v) {
    case 'string':
      return { ok: true, value: v };
    case 'number':
      return Number.isFinite(v) ? { ok: true, value: String(v) } : { ok: false, reason: 'must be a finite number' };
    case 'bigint':
      return { ok: true, value: String(v) };
    case 'boolean':
      return allowBoolean ? { ok: true, value: String(v) } : { ok: false, reason: 'must be text or a number, not a boolean' };
    default:
      return { ok: false, reason: `must be text or a number, not ${Array.isArray(v) ? 'an array' : `a${typeof v === 'object' ? 'n object' : ` ${typeof v}`}`}` };
  }
}

const preview = (s: string): string => JSON.stringify(s.length > 40 ? `${s.slice(0, 40)}…` : s);

/** Builds a contact from the values of one row, laid out as `plan.columns`. */
export function contactFromValues(plan: ColumnPlan, values: readonly unknown[], defaultCountry: string): ContactResult {
  const errors: ColumnError[] = [];
  const extra = Object.create(null) as Record<string, string>;
  const fields: Partial<Record<ContactField, { column: string; value: unknown }>> = {};

  plan.targets.forEach((target, i) => {
    const column = plan.columns[i] as string;
    const value = values[i];
    if (target.kind === 'field') {
      fields[target.field] = { column, value };
      return;
    }
    const s = scalar(value, true);
    if (!s.ok) return errors.push({ column, reason: s.reason });
    if (s.value === undefined) return;
    if (target.kind === 'unnamed') {
      if (s.value.trim() !== '') errors.push({ column, reason: 'value in a column that has no name' });
      return;
    }
    if (s.value.length > CONTACT_LIMITS.maxValueLength) {
      return errors.push({ column, reason: `value longer than ${CONTACT_LIMITS.maxValueLength} characters` });
    }
    extra[target.name] = s.value;
  });

  const text = (field: ContactField): string | undefined => {
    const given = fields[field];
    if (!given) return undefined;
    const s = scalar(given.value, false);
    if (!s.ok) return void errors.push({ column: given.column, reason: s.reason });
    const v = s.value?.trim();
    if (v === undefined || v === '') return undefined;
    if (v.length > CONTACT_LIMITS.maxValueLength) {
      return void errors.push({ column: given.column, reason: `value longer than ${CONTACT_LIMITS.maxValueLength} characters` });
    }
    return v;
  };

  const contact: Partial<Contact> = {};
  const phoneColumn = fields.phoneNumber?.column ?? 'phoneNumber';
  const phoneValue = fields.phoneNumber?.value;
  if (typeof phoneValue === 'number' && !(Number.isSafeInteger(phoneValue) && phoneValue > 0)) {
    errors.push({ column: phoneColumn, reason: 'a phone number given as a JSON number must be a positive whole number' });
  } else {
    const phone = text('phoneNumber');
    if (phone !== undefined) {
      const n = normalisePhone(phone, defaultCountry);
      if (n.ok) {
        Object.assign(contact, { phoneE164: n.e164, phoneRaw: phone });
        if (n.country !== undefined) contact.phoneCountry = n.country;
        if (n.extension !== undefined) contact.extension = n.extension;
      } else {
        errors.push({ column: phoneColumn, reason: `invalid phone number ${preview(phone)}: ${n.reason}` });
      }
    } else if (!errors.some((e) => e.column === phoneColumn)) {
      errors.push({ column: phoneColumn, reason: 'phone number is required' });
    }
  }

  for (const field of ['firstName', 'lastName', 'uniqueId'] as const) {
    const v = text(field);
    if (v !== undefined) contact[field] = v;
  }
  const tz = text('timeZone');
  if (tz !== undefined) {
    if (isValidIanaZone(tz)) contact.timeZone = tz;
    else errors.push({ column: fields.timeZone?.column ?? 'timeZone', reason: `unknown time zone ${preview(tz)}` });
  }
  const priority = text('contactPriority');
  if (priority !== undefined) {
    const { minPriority: lo, maxPriority: hi } = CONTACT_LIMITS;
    const n = /^[+]?\d{1,3}$/.test(priority) ? Number(priority) : NaN;
    if (n >= lo && n <= hi) contact.contactPriority = n;
    else errors.push({ column: fields.contactPriority?.column ?? 'contactPriority', reason: `must be a whole number from ${lo} to ${hi}` });
  }

  if (errors.length > 0) {
    // Report in column order, whatever order the fields were checked in.
    const position = new Map(plan.columns.map((c, i) => [c, i]));
    errors.sort((a, b) => (position.get(a.column) ?? -1) - (position.get(b.column) ?? -1));
    return { ok: false, errors };
  }
  return { ok: true, contact: { ...contact, extra } as Contact };
}

/** Turns one addContacts `data[]` item (or any column->value object) into a contact. */
export function toContact(row: Record<string, unknown>, opts: ContactOptions): ContactResult {
  if (typeof row !== 'object' || row === null || Array.isArray(row)) {
    return { ok: false, errors: [{ column: '(row)', reason: 'a contact must be an object' }] };
  }
  const columns = Object.keys(row);
  const planned = planColumns(columns, opts.mapping);
  if (!planned.ok) return planned;
  return contactFromValues(planned.plan, columns.map((c) => row[c]), opts.defaultCountry);
}
