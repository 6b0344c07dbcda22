/*
 * The unit an import writes: rows already validated, as flat values. Kept free of database imports
 * so the CSV worker thread (domain/contacts/csv-worker.ts) can build batches without loading them.
 */

/** A validated contact as the import writes it (domain/contacts Contact adds the number's country). */
export interface ContactValues {
  phoneE164: string;
  /** The phone value as given, for reports and for the contact's own record. */
  phoneRaw: string;
  extension?: string;
  firstName?: string;
  lastName?: string;
  timeZone?: string;
  uniqueId?: string;
  contactPriority?: number;
  extra: Record<string, string>;
}

export interface RejectValues {
  rowNumber: number;
  column: string | null;
  reason: string;
}

/**
 * One contact as the values the import binds: phone_e164, phone_raw, extension, first_name,
 * last_name, time_zone, unique_id, contact_priority, extra (JSON or null). Arrays of primitives
 * cross from the CSV worker thread cheaply and bind without reshaping. (One small array per
 * contact, not one flat array per batch: storing young strings into a big old array costs a
 * write barrier each, which was slower than the allocation.)
 */
export type PackedContact = [
  string,
  string,
  string | null,
  string | null,
  string | null,
  string | null,
  string | null,
  number | null,
  string | null,
];

/** Contacts' packed values as COPY text, each contact's ending in a tab (its line goes on). */
export interface CopyText {
  /** UTF-8 text of the contacts one after the other; its buffer is its own (it can be transferred). */
  bytes: Uint8Array;
  /** ends[i]: the offset just past contact i's text. */
  ends: Uint32Array;
  /** phones[i]: contact i's phone_e164, for duplicate screening. */
  phones: string[];
}

/**
 * What one batch carries: valid contacts in file order, reject reasons (one per bad column), rows
 * read, rows rejected. The contacts are in `contacts`, or, in CSV batches made for PostgreSQL
 * (`copyText`, csv-source.ts), already encoded for its COPY in `copy`, in order.
 */
export interface ImportBatch {
  contacts: PackedContact[];
  copy?: CopyText[];
  rejects: RejectValues[];
  rows: number;
  rejectedRows: number;
}

/** JSON of the extra columns, or null when there are none. */
function extraJson(extra: Record<string, string>): string | null {
  for (const _ in extra) return JSON.stringify(extra);
  return null;
}

export function packContact(c: ContactValues): PackedContact {
  return [
    c.phoneE164,
    c.phoneRaw,
    c.extension ?? null,
    c.firstName ?? null,
    c.lastName ?? null,
    c.timeZone ?? null,
    c.uniqueId ?? null,
    c.contactPriority ?? null,
    extraJson(c.extra),
  ];
}

export const emptyBatch = (): ImportBatch => ({ contacts: [], rejects: [], rows: 0, rejectedRows: 0 });
