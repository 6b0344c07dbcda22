/** Read-back helpers shared by the Kore and admin fuzz tests: what a 2xx stored must equal what was sent. */
import fc from 'fast-check';
import { expect } from 'vitest';
import type { FuzzRequest } from './requests.js';
import { text } from './values.js';

/** Names unlikely to collide with one another: free text plus a random suffix, at most `max` code points. */
export function freshName(max: number): fc.Arbitrary<string> {
  return fc
    .tuple(text(0, Math.min(40, max - 8)), fc.stringMatching(/^[0-9a-f]{6}$/))
    .map(([a, b]) => [...`${a} ${b}`].slice(-max).join(''));
}

/** The JSON body of `req` as the server parsed it: undefined-valued keys gone, -0 as 0, a leading BOM and blanks ignored. */
export function sentBody(req: FuzzRequest): unknown {
  if (req.raw === undefined) return req.body === undefined ? undefined : JSON.parse(JSON.stringify(req.body));
  const s = String(req.raw)
    .replace(/^\ufeff/, '')
    .trim();
  return s === '' ? undefined : JSON.parse(s);
}

/** The query of `req`, decoded. */
export const queryOf = (req: FuzzRequest): URLSearchParams => new URL(req.url, 'http://x').searchParams;

const CONTACT_FIELDS = ['phoneNumber', 'firstName', 'lastName', 'timeZone', 'uniqueId', 'contactPriority'];
/** Fields a contact's view writes itself: an extra column of that name is stored but hidden (contact-list-view.ts). */
const CONTACT_VIEW_FIELDS = new Set([
  ...CONTACT_FIELDS,
  '_id',
  'phoneNumberE164',
  'extension',
  'createdAt',
  'updatedAt',
]);

/**
 * A stored contact (getAllContacts) against the column/value pairs of the addContacts item or CSV
 * row it came from (src/domain/contacts/contact-record.ts): known fields, matched by name
 * case-insensitively, trimmed, and absent when blank; every other column exactly as given, a
 * scalar as its string; nothing else.
 */
export function expectContactAsSent(sent: [string, unknown][], got: Record<string, unknown>, what: string): void {
  // Own properties only: a column named "__proto__" is data, not the prototype.
  const stored = new Map(Object.entries(got));
  const fields = new Map<string, unknown>();
  const extras = new Map<string, string>();
  for (const [k, v] of sent) {
    const field = CONTACT_FIELDS.find((f) => f.toLowerCase() === k.toLowerCase());
    if (field) fields.set(field, v);
    else if (k !== '' && v !== undefined && v !== null) extras.set(k, String(v));
  }
  const trimmed = (v: unknown) => (v === undefined || v === null ? undefined : String(v).trim() || undefined);
  expect(stored.get('phoneNumber'), what).toBe(trimmed(fields.get('phoneNumber')));
  for (const f of ['firstName', 'lastName', 'uniqueId', 'timeZone'])
    expect(stored.get(f), `${what}: ${f}`).toBe(trimmed(fields.get(f)));
  const priority = trimmed(fields.get('contactPriority'));
  expect(stored.get('contactPriority'), what).toBe(priority === undefined ? undefined : Number(priority));
  for (const [k, v] of extras) if (!CONTACT_VIEW_FIELDS.has(k)) expect(stored.get(k), `${what}: column ${k}`).toBe(v);
  for (const k of stored.keys())
    if (!CONTACT_VIEW_FIELDS.has(k)) expect(extras.has(k), `${what}: column ${k}`).toBe(true);
}
