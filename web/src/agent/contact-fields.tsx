import type { JSX } from 'preact';
import type { Contact } from './desk-model.js';

export { whoOf } from './desk-model.js';

/** Kore's contact fields first, in the order an agent reads them; custom columns after. */
const FIRST = ['firstName', 'lastName', 'phoneNumber', 'phoneNumberE164', 'email', 'timeZone', 'uniqueId'];
const LABELS: Record<string, string> = {
  firstName: 'First name',
  lastName: 'Last name',
  phoneNumber: 'Phone number',
  phoneNumberE164: 'Phone number (E.164)',
  timeZone: 'Time zone',
  uniqueId: 'Unique id',
};

/** `accountTier` → "Account tier": a column name as a person reads it. */
export function labelOf(key: string): string {
  if (LABELS[key]) return LABELS[key];
  const words = key
    .replace(/[_-]+/g, ' ')
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .trim()
    .toLowerCase();
  return words.charAt(0).toUpperCase() + words.slice(1);
}

function valueOf(v: unknown): string {
  if (v === null || v === undefined || v === '') return '—';
  if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') return String(v);
  return JSON.stringify(v);
}

export function orderedKeys(c: Contact): string[] {
  const keys = Object.keys(c);
  return [...FIRST.filter((k) => keys.includes(k)), ...keys.filter((k) => !FIRST.includes(k)).sort()];
}

/** A contact's fields as a description list (each value read with its name). */
export function ContactFields(props: { contact: Contact; keys?: string[] }): JSX.Element {
  const keys = props.keys ?? orderedKeys(props.contact);
  if (keys.length === 0) return <p class="hint">No fields.</p>;
  return (
    <dl class="agent-fields">
      {keys.map((k) => (
        <div key={k} class="agent-field">
          <dt>{labelOf(k)}</dt>
          <dd>{valueOf(props.contact[k])}</dd>
        </div>
      ))}
    </dl>
  );
}
