/**
 * Turns a campaign's contacts into the dial records of a new instance (pure; no I/O).
 *
 * Decisions (the Kore documentation is silent on them; see docs/engine.md):
 * - Order: higher `contactPriority` first (like campaign priority, 5 beats 1; no priority dials
 *   after any priority), then list order: FIFO = lists in the campaign's order and each list in
 *   insertion order; LIFO = exactly the reverse.
 * - De-duplication is by normalised E.164 number after ordering, so the occurrence that would be
 *   dialed first wins (with LIFO that is the most recently added contact, i.e. the freshest data).
 * - DNC hits are kept as records that are already final (`dnc`) with the list that excluded them,
 *   so the contacts view and explain can report them; they are never leased.
 */
import type { CampaignInstanceRow, DialRecordRow } from '../../storage/schema.js';
import type { PlayContact } from '../../storage/repos/contacts-repo.js';
import type { DncListHit } from '../contacts/dnc.js';
import { compileCallingHours, effectiveZone, nextWindowStart, type CallingHoursLike } from './calling-window.js';

/** When no window opens within the search horizon, look again this much later instead of spinning. */
export const NO_WINDOW_RECHECK_MS = 24 * 3600_000;

export interface DncHit {
  listId: string;
  reason: string;
}

/** DNC hits as play and live lists record them; an entry with an expiry says so (docs/engine.md). */
export function dncHitsOf(hits: ReadonlyMap<string, DncListHit>): Map<string, DncHit> {
  const dnc = new Map<string, DncHit>();
  for (const [phone, l] of hits) {
    const until = l.expiresAt === null ? '' : ` until ${new Date(l.expiresAt).toISOString()}`;
    dnc.set(phone, { listId: l.id, reason: `on ${l.kind} '${l.name}'${until}` });
  }
  return dnc;
}

export interface PlanInput {
  instance: Pick<CampaignInstanceRow, 'id' | 'campaign_id'>;
  /** In FIFO order: lists in campaign order, each by `seq`. */
  contacts: readonly PlayContact[];
  order: 'FIFO' | 'LIFO';
  dnc: ReadonlyMap<string, DncHit>;
  hours: CallingHoursLike;
  now: number;
  /** The first window opening at or after this is a record's next_at; default `now`. */
  windowFrom?: number;
  newId: () => string;
}

export interface Plan {
  records: DialRecordRow[];
  excluded: number;
}

export function planRecords(input: PlanInput): Plan {
  const { contacts, order, now } = input;
  const idx = contacts.map((_, i) => i);
  const prio = (i: number) => contacts[i]!.contact_priority ?? Number.NEGATIVE_INFINITY;
  idx.sort((a, b) => prio(b) - prio(a) || (order === 'LIFO' ? b - a : a - b));

  const hours = compileCallingHours(input.hours);
  const firstOpen = new Map<string, number>();
  const opensAt = (zone: string): number => {
    let v = firstOpen.get(zone);
    if (v === undefined) {
      const from = input.windowFrom ?? now;
      v = nextWindowStart(hours, zone, from) ?? from + NO_WINDOW_RECHECK_MS;
      firstOpen.set(zone, v);
    }
    return v;
  };

  const seen = new Set<string>();
  const records: DialRecordRow[] = [];
  let excluded = 0;
  for (const i of idx) {
    const c = contacts[i]!;
    if (seen.has(c.phone_e164)) continue;
    seen.add(c.phone_e164);
    const hit = input.dnc.get(c.phone_e164);
    if (hit) excluded++;
    const zone = effectiveZone(c.time_zone, input.hours.timezone).zone;
    records.push({
      id: input.newId(),
      instance_id: input.instance.id,
      campaign_id: input.instance.campaign_id,
      contact_id: c.id,
      phone_e164: c.phone_e164,
      unique_id: c.unique_id,
      time_zone: c.time_zone,
      order_key: records.length,
      state: hit ? 'done' : 'pending',
      attempts: 0,
      next_at: hit ? now : opensAt(zone),
      current_attempt_id: null,
      lease_owner: null,
      lease_expires_at: null,
      last_outcome: null,
      final_outcome: hit ? 'dnc' : null,
      excluded_reason: hit ? hit.reason : null,
      bot_session_id: null,
      bot_outbound_status: null,
      bot_outbound_status_detail: null,
      agent_disposition_codes: null,
      contact_data: JSON.stringify(contactData(c)),
      updated_at: now,
      skips: 0,
      agent_id: null,
    });
  }
  return { records, excluded };
}

/** The contact's fields under their Kore names, for the call context and the pre-call fetch. */
export function contactData(c: PlayContact): Record<string, unknown> {
  const out: Record<string, unknown> = { phoneNumber: c.phone_raw };
  if (c.first_name) out.firstName = c.first_name;
  if (c.last_name) out.lastName = c.last_name;
  if (c.time_zone) out.timeZone = c.time_zone;
  if (c.unique_id) out.uniqueId = c.unique_id;
  if (c.contact_priority !== null) out.contactPriority = c.contact_priority;
  if (c.extra) {
    try {
      const extra = JSON.parse(c.extra) as Record<string, unknown>;
      // Contact-record fields win on name collisions (Kore's pre-call contact fetch page).
      for (const [k, v] of Object.entries(extra)) if (!(k in out)) out[k] = v;
    } catch {
      // A malformed extra blob only loses the custom fields, never the record.
    }
  }
  return out;
}
