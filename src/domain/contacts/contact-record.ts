import type { ContactValues, PackedContact } from '../../storage/repos/import-batch.js';
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

export const KNOWN_FIELDS = [
  'phoneNumber',
  'firstName',
  'lastName',
  'timeZone',
  'uniqueId',
  'contactPriority',
] as const;
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

/** A validated contact: what an import writes (ContactValues), plus the country the number belongs to. */
export interface Contact extends ContactValues {
  /** ISO2 country the number belongs to, when libphonenumber can tell (time-zone fallback). */
  phoneCountry?: string;
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
      errors.push({
        column: source,
        reason: `mapping target "${String(rawTarget)}" is not a known field (${KNOWN_FIELDS.join(', ')}) or extra:<name>`,
      });
      continue;
    }
    if (target.kind === 'field') {
      if (claimed.has(target.field))
        errors.push({ column: source, reason: `more than one column is mapped to ${target.field}` });
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
      if (other !== undefined)
        errors.push({ column, reason: `duplicates column "${other}": both give ${target.field}` });
      fieldSource.set(target.field, column);
    } else if (target.kind === 'extra') {
      extras += 1;
      const other = extraSource.get(target.name);
      if (other !== undefined)
        errors.push({ column, reason: `duplicates column "${other}": both give extra "${target.name}"` });
      extraSource.set(target.name, column);
      if (target.name.length > CONTACT_LIMITS.maxKeyLength) {
        errors.push({
          column: column.slice(0, 40) + '…',
          reason: `column name longer than ${CONTACT_LIMITS.maxKeyLength} characters`,
        });
      }
    }
  });
  if (extras > CONTACT_LIMITS.maxExtraColumns) {
    errors.push({
      column: '(row)',
      reason: `${extras} extra columns; at most ${CONTACT_LIMITS.maxExtraColumns} are allowed`,
    });
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
const ABSENT: Scalar = { ok: true, value: undefined };

// null/undefined are "absent"; objects and arrays have no faithful string form.
const REPLACEMENT = '\uFFFD';
const LOST_TEXT = 'is not valid UTF-8 text (holds U+FFFD, a character that stands for lost bytes)';

function scalar(v: unknown, allowBoolean: boolean): Scalar {
  if (v === undefined || v === null) return ABSENT;
  switch (typeof v) {
    case 'string':
      // U+FFFD stands for text already lost: bytes of a CSV file that were not UTF-8 decode to it.
      // Stored, it would read back as something other than what the file said.
      return v.includes(REPLACEMENT) ? { ok: false, reason: LOST_TEXT } : { ok: true, value: v };
    case 'number':
      return Number.isFinite(v) ? { ok: true, value: String(v) } : { ok: false, reason: 'must be a finite number' };
    case 'bigint':
      return { ok: true, value: String(v) };
    case 'boolean':
      return allowBoolean
        ? { ok: true, value: String(v) }
        : { ok: false, reason: 'must be text or a number, not a boolean' };
    default:
      return {
        ok: false,
        reason: `must be text or a number, not ${Array.isArray(v) ? 'an array' : `a${typeof v === 'object' ? 'n object' : ` ${typeof v}`}`}`,
      };
  }
}

const preview = (s: string): string => JSON.stringify(s.length > 40 ? `${s.slice(0, 40)}…` : s);

const FIELD_INDEX = new Map<ContactField, number>(KNOWN_FIELDS.map((f, i) => [f, i]));
const PHONE = FIELD_INDEX.get('phoneNumber')!;
const FIRST = FIELD_INDEX.get('firstName')!;
const LAST = FIELD_INDEX.get('lastName')!;
const ZONE = FIELD_INDEX.get('timeZone')!;
const UNIQUE = FIELD_INDEX.get('uniqueId')!;
const PRIORITY = FIELD_INDEX.get('contactPriority')!;

/** Per column of a plan: the known field it feeds (index into KNOWN_FIELDS), or -1. Built once per plan. */
const fieldOfColumn = new WeakMap<ColumnPlan, Int8Array>();
function fieldsOf(plan: ColumnPlan): Int8Array {
  let fields = fieldOfColumn.get(plan);
  if (!fields) {
    fields = Int8Array.from(plan.targets, (t) => (t.kind === 'field' ? FIELD_INDEX.get(t.field)! : -1));
    fieldOfColumn.set(plan, fields);
  }
  return fields;
}

/** One row's values once checked: every property always present (one object shape for all rows). */
class CheckedRow {
  phoneE164 = '';
  phoneRaw = '';
  phoneCountry: string | undefined = undefined;
  extension: string | undefined = undefined;
  firstName: string | undefined = undefined;
  lastName: string | undefined = undefined;
  timeZone: string | undefined = undefined;
  uniqueId: string | undefined = undefined;
  contactPriority: number | undefined = undefined;
  constructor(readonly extra: Record<string, string>) {}
}

/** A known field's text: trimmed, "" and whitespace meaning absent; problems go to `errors`. */
function fieldText(
  plan: ColumnPlan,
  column: number,
  values: readonly unknown[],
  errors: ColumnError[],
): string | undefined {
  if (column < 0) return undefined;
  const s = scalar(values[column], false);
  if (!s.ok) {
    errors.push({ column: plan.columns[column] as string, reason: s.reason });
    return undefined;
  }
  const v = s.value?.trim();
  if (v === undefined || v === '') return undefined;
  if (v.length > CONTACT_LIMITS.maxValueLength) {
    errors.push({
      column: plan.columns[column] as string,
      reason: `value longer than ${CONTACT_LIMITS.maxValueLength} characters`,
    });
    return undefined;
  }
  // PostgreSQL text cannot hold one (the whole batch would fail); extra columns can: their JSON escapes it.
  if (v.includes('\0')) {
    errors.push({ column: plan.columns[column] as string, reason: 'contains a NUL character' });
    return undefined;
  }
  return v;
}

/** Checks the values of one row, laid out as `plan.columns`: the row, or every problem in it. */
function checkRow(
  plan: ColumnPlan,
  values: readonly unknown[],
  defaultCountry: string,
): { ok: true; row: CheckedRow } | { ok: false; errors: ColumnError[] } {
  const errors: ColumnError[] = [];
  const row = new CheckedRow(Object.create(null) as Record<string, string>);
  const fields = fieldsOf(plan);
  // The column that feeds each known field (the last one, should a plan ever name two), or -1.
  const source = [-1, -1, -1, -1, -1, -1];
  const { targets, columns } = plan;
  for (let i = 0; i < targets.length; i++) {
    const field = fields[i]!;
    if (field >= 0) {
      source[field] = i;
      continue;
    }
    const target = targets[i]!;
    const column = columns[i] as string;
    const s = scalar(values[i], true);
    if (!s.ok) {
      errors.push({ column, reason: s.reason });
      continue;
    }
    if (s.value === undefined) continue;
    if (target.kind === 'unnamed') {
      if (s.value.trim() !== '') errors.push({ column, reason: 'value in a column that has no name' });
      continue;
    }
    if (s.value.length > CONTACT_LIMITS.maxValueLength) {
      errors.push({ column, reason: `value longer than ${CONTACT_LIMITS.maxValueLength} characters` });
      continue;
    }
    row.extra[(target as { name: string }).name] = s.value;
  }

  const phoneAt = source[PHONE]!;
  const phoneColumn = phoneAt >= 0 ? (columns[phoneAt] as string) : 'phoneNumber';
  const phoneValue = phoneAt >= 0 ? values[phoneAt] : undefined;
  if (typeof phoneValue === 'number' && !(Number.isSafeInteger(phoneValue) && phoneValue > 0)) {
    errors.push({
      column: phoneColumn,
      reason: 'a phone number given as a JSON number must be a positive whole number',
    });
  } else {
    const phone = fieldText(plan, phoneAt, values, errors);
    if (phone !== undefined) {
      const n = normalisePhone(phone, defaultCountry);
      if (n.ok) {
        row.phoneE164 = n.e164;
        row.phoneRaw = phone;
        row.phoneCountry = n.country;
        row.extension = n.extension;
      } else {
        errors.push({ column: phoneColumn, reason: `invalid phone number ${preview(phone)}: ${n.reason}` });
      }
    } else if (!errors.some((e) => e.column === phoneColumn)) {
      errors.push({ column: phoneColumn, reason: 'phone number is required' });
    }
  }

  row.firstName = fieldText(plan, source[FIRST]!, values, errors);
  row.lastName = fieldText(plan, source[LAST]!, values, errors);
  row.uniqueId = fieldText(plan, source[UNIQUE]!, values, errors);
  const tz = fieldText(plan, source[ZONE]!, values, errors);
  if (tz !== undefined) {
    if (isValidIanaZone(tz)) row.timeZone = tz;
    else
      errors.push({
        column: source[ZONE]! >= 0 ? (columns[source[ZONE]!] as string) : 'timeZone',
        reason: `unknown time zone ${preview(tz)}`,
      });
  }
  const priority = fieldText(plan, source[PRIORITY]!, values, errors);
  if (priority !== undefined) {
    const { minPriority: lo, maxPriority: hi } = CONTACT_LIMITS;
    const n = /^[+]?\d{1,3}$/.test(priority) ? Number(priority) : NaN;
    if (n >= lo && n <= hi) row.contactPriority = n;
    else
      errors.push({
        column: source[PRIORITY]! >= 0 ? (columns[source[PRIORITY]!] as string) : 'contactPriority',
        reason: `must be a whole number from ${lo} to ${hi}`,
      });
  }

  if (errors.length > 0) {
    // Report in column order, whatever order the fields were checked in.
    const position = new Map(columns.map((c, i) => [c, i]));
    errors.sort((a, b) => (position.get(a.column) ?? -1) - (position.get(b.column) ?? -1));
    return { ok: false, errors };
  }
  return { ok: true, row };
}

/** Builds a contact from the values of one row, laid out as `plan.columns`. */
export function contactFromValues(plan: ColumnPlan, values: readonly unknown[], defaultCountry: string): ContactResult {
  const checked = checkRow(plan, values, defaultCountry);
  if (!checked.ok) return checked;
  const r = checked.row;
  const contact: Partial<Contact> = { phoneE164: r.phoneE164, phoneRaw: r.phoneRaw };
  if (r.phoneCountry !== undefined) contact.phoneCountry = r.phoneCountry;
  if (r.extension !== undefined) contact.extension = r.extension;
  if (r.firstName !== undefined) contact.firstName = r.firstName;
  if (r.lastName !== undefined) contact.lastName = r.lastName;
  if (r.uniqueId !== undefined) contact.uniqueId = r.uniqueId;
  if (r.timeZone !== undefined) contact.timeZone = r.timeZone;
  if (r.contactPriority !== undefined) contact.contactPriority = r.contactPriority;
  contact.extra = r.extra;
  return { ok: true, contact: contact as Contact };
}

/** contactFromValues straight to the values an import binds (import-batch.ts). */
export function packedFromValues(plan: ColumnPlan, values: readonly unknown[], defaultCountry: string): PackedResult {
  const checked = checkRow(plan, values, defaultCountry);
  if (!checked.ok) return checked;
  const r = checked.row;
  let extra: string | null = null;
  for (const _ in r.extra) {
    extra = JSON.stringify(r.extra);
    break;
  }
  return {
    ok: true,
    contact: [
      r.phoneE164,
      r.phoneRaw,
      r.extension ?? null,
      r.firstName ?? null,
      r.lastName ?? null,
      r.timeZone ?? null,
      r.uniqueId ?? null,
      r.contactPriority ?? null,
      extra,
    ],
  };
}

export type PackedResult = { ok: true; contact: PackedContact } | { ok: false; errors: ColumnError[] };

/**
 * packedFromValues for the CSV rows of one header, compiled once per plan: the CSV import's hot
 * path. A valid row of text cells is packed without the intermediate row and extras objects, its
 * extras' JSON written from keys quoted once; at the first sign of a problem the row goes to
 * packedFromValues, which finds and words every problem. So the result is packedFromValues's
 * for every row (test/unit/contacts/csv-row-packer.test.ts checks it over generated rows).
 */
export function csvRowPacker(plan: ColumnPlan, defaultCountry: string): (cells: readonly string[]) => PackedResult {
  const fields = fieldsOf(plan);
  const source = [-1, -1, -1, -1, -1, -1];
  const named: { index: number; name: string }[] = [];
  const unnamed: number[] = [];
  plan.targets.forEach((t, i) => {
    if (t.kind === 'field') source[fields[i]!] = i;
    else if (t.kind === 'extra') named.push({ index: i, name: t.name });
    else unnamed.push(i);
  });
  // JSON.stringify of the extras object lists its keys in the object's own order, which puts
  // integer-like names ("2") first: the same object built once gives that order.
  const order = Object.keys(Object.fromEntries(named.map((e) => [e.name, ''])));
  const extras = order.map((name, k) => {
    const e = named.find((x) => x.name === name)!;
    return { index: e.index, prefix: `${k === 0 ? '{' : ','}${JSON.stringify(name)}:` };
  });
  const [phoneAt, firstAt, lastAt, zoneAt, uniqueAt, priorityAt] = [PHONE, FIRST, LAST, ZONE, UNIQUE, PRIORITY].map(
    (f) => source[f]!,
  ) as [number, number, number, number, number, number];
  const max = CONTACT_LIMITS.maxValueLength;
  const SLOW = undefined;
  /** A known field's trimmed text, null when absent, SLOW when too long or holding a NUL. */
  const text = (cells: readonly string[], at: number): string | null | undefined => {
    if (at < 0) return null;
    const v = cells[at]!.trim();
    return v === '' ? null : v.length > max || v.includes('\0') || v.includes(REPLACEMENT) ? SLOW : v;
  };

  const slow = (cells: readonly string[]) => packedFromValues(plan, cells, defaultCountry);

  return (cells) => {
    for (let u = 0; u < unnamed.length; u++) if (cells[unnamed[u]!]!.trim() !== '') return slow(cells);
    let extra: string | null = null;
    if (extras.length > 0) {
      extra = '';
      for (let k = 0; k < extras.length; k++) {
        const e = extras[k]!;
        const v = cells[e.index]!;
        if (v.length > max || v.includes(REPLACEMENT)) return slow(cells);
        extra += e.prefix + JSON.stringify(v);
      }
      extra += '}';
    }
    const phone = text(cells, phoneAt);
    if (!phone) return slow(cells); // absent, too long, or holding a NUL
    const n = normalisePhone(phone, defaultCountry);
    if (!n.ok) return slow(cells);
    const first = text(cells, firstAt);
    const last = text(cells, lastAt);
    const unique = text(cells, uniqueAt);
    const zone = text(cells, zoneAt);
    const prio = text(cells, priorityAt);
    if (first === SLOW || last === SLOW || unique === SLOW || zone === SLOW || prio === SLOW) return slow(cells);
    if (zone !== null && !isValidIanaZone(zone)) return slow(cells);
    let priority: number | null = null;
    if (prio !== null) {
      priority = /^[+]?\d{1,3}$/.test(prio) ? Number(prio) : NaN;
      if (!(priority >= CONTACT_LIMITS.minPriority && priority <= CONTACT_LIMITS.maxPriority)) return slow(cells);
    }
    return { ok: true, contact: [n.e164, phone, n.extension ?? null, first, last, zone, unique, priority, extra] };
  };
}

/** Turns one addContacts `data[]` item (or any column->value object) into a contact. */
export function toContact(row: Record<string, unknown>, opts: ContactOptions): ContactResult {
  if (typeof row !== 'object' || row === null || Array.isArray(row)) {
    return { ok: false, errors: [{ column: '(row)', reason: 'a contact must be an object' }] };
  }
  const columns = Object.keys(row);
  const planned = planColumns(columns, opts.mapping);
  if (!planned.ok) return planned;
  return contactFromValues(
    planned.plan,
    columns.map((c) => row[c]),
    opts.defaultCountry,
  );
}
