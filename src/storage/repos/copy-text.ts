import type { CopyText, PackedContact } from './import-batch.js';

/*
 * Contacts as PostgreSQL's COPY text format, for its import writer (pg-import-writer.ts). The values
 * of a contact are encoded where the batch is built, on the CSV worker thread when there is one,
 * and cross to the main thread as one transferred buffer. The main thread only adds what it
 * decides itself (the contact's place in the list, its creation time), by copying bytes: building
 * the lines there, and deserialising a million small arrays of strings for it, was most of a
 * PostgreSQL import's CPU time, on a machine whose other core runs the database server.
 * Kept free of database imports so the worker can load it.
 */

/** Columns of a COPY line: the packed values (PackedContact's order), then what the writer adds. */
export const COPY_COLUMNS =
  'phone_e164, phone_raw, extension, first_name, last_name, time_zone, unique_id, contact_priority, extra, created_at, list_no, seq';

const SPECIAL = /[\\\t\n\r]/;
const SPECIALS = /[\\\t\n\r]/g;
const ESCAPES: Record<string, string> = { '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r' };

/** A value in COPY's text format: NULL is \N; a backslash, tab, line feed or carriage return is escaped. */
function copyValue(v: string | number | null | undefined): string {
  if (v === null || v === undefined) return '\\N';
  if (typeof v === 'number') return String(v);
  return SPECIAL.test(v) ? v.replace(SPECIALS, (ch) => ESCAPES[ch]!) : v;
}

const encoder = new TextEncoder();

export function toCopyText(contacts: readonly PackedContact[]): CopyText {
  const lines = new Array<string>(contacts.length);
  const phones = new Array<string>(contacts.length);
  const ends = new Uint32Array(contacts.length);
  let chars = 0;
  for (let i = 0; i < contacts.length; i++) {
    const c = contacts[i]!;
    let line = '';
    for (let f = 0; f < 9; f++) line += `${copyValue(c[f])}\t`;
    lines[i] = line;
    phones[i] = c[0];
    ends[i] = chars += line.length;
  }
  const bytes = encoder.encode(lines.join(''));
  // Offsets were counted in UTF-16 units; they are bytes unless some text was not ASCII.
  if (bytes.length !== chars) {
    let at = 0;
    for (let i = 0; i < lines.length; i++) ends[i] = at += Buffer.byteLength(lines[i]!);
  }
  return { bytes, ends, phones };
}

/**
 * One COPY's data, built from contacts' text: each kept contact's bytes, then its creation time,
 * list number and seq, copied into one buffer sized for the batch up front: nothing per contact is
 * allocated.
 */
export class CopyLines {
  private buf: Buffer;
  private length = 0;
  /** "<created_at>\t<list_no>\t", the same on every line of the batch. */
  private readonly fixed: Buffer;

  /** Lines for the contacts of `parts` (sized for all of them, so the buffer never grows). */
  constructor(createdAtMs: number, listNo: number, parts: readonly CopyText[]) {
    this.fixed = Buffer.from(`${createdAtMs}\t${listNo}\t`);
    let bytes = 0;
    for (const p of parts) bytes += p.bytes.length + p.phones.length * (this.fixed.length + 17);
    this.buf = Buffer.allocUnsafe(Math.max(bytes, 64));
  }

  /** Adds contact `i` of `text` at place `seq`. */
  add(text: CopyText, i: number, seq: number): void {
    const start = i === 0 ? 0 : text.ends[i - 1]!;
    const end = text.ends[i]!;
    this.reserve(end - start + this.fixed.length + 17); // 16 digits and a line feed
    const src = text.bytes;
    const buf = this.buf;
    let at = this.length;
    for (let k = start; k < end; k++) buf[at++] = src[k]!;
    const fixed = this.fixed;
    for (let k = 0; k < fixed.length; k++) buf[at++] = fixed[k]!;
    // seq's digits, lowest first, then put in order.
    const first = at;
    let n = seq;
    do {
      buf[at++] = 0x30 + (n % 10);
      n = Math.floor(n / 10);
    } while (n > 0);
    for (let a = first, b = at - 1; a < b; a++, b--) {
      const digit = buf[a]!;
      buf[a] = buf[b]!;
      buf[b] = digit;
    }
    buf[at++] = 0x0a;
    this.length = at;
  }

  get empty(): boolean {
    return this.length === 0;
  }

  bytes(): Buffer {
    return this.buf.subarray(0, this.length);
  }

  private reserve(bytes: number): void {
    if (this.length + bytes <= this.buf.length) return;
    const bigger = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.length + bytes));
    this.buf.copy(bigger, 0, 0, this.length);
    this.buf = bigger;
  }
}
