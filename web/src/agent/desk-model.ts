import type { components } from '../../../src/client/index.js';

/**
 * What the agent's desk knows: the agent as the API last described them (`GET /agent/v1/me`, the
 * stream's `snapshot` and `state` events) and the details the stream's other events carried about
 * their current offer, call and wrap-up. The agent's `work` says what is open now; the details are
 * looked up by its ids, so a detail of a closed piece of work is simply never shown.
 *
 * The event payloads are described in docs/agents.md, not in openapi.json (an SSE stream has no
 * response schema there): the types below read them, they are never sent.
 */
export type Agent = components['schemas']['Agent'];
export type Work = NonNullable<Agent['work']>;

/** A contact as the events carry it: Kore's field names plus the list's custom columns. */
export type Contact = Record<string, unknown>;
export interface CampaignRef {
  id: string;
  name?: string;
}

/** `offer` event: a Preview contact waiting for Accept or Skip. */
export interface OfferDetails {
  offerId: string;
  campaign: CampaignRef;
  contact: Contact;
  attemptsSoFar?: number;
  expiresAt: string;
  onTimeout?: string;
  skipsLeft?: number;
  /** Accepted: the engine dials it at its next tick. */
  accepted?: boolean;
}

/** `call.connecting` / `call.connected` / `call.ended`, merged. */
export interface CallDetails {
  attemptId: string;
  offerId?: string;
  campaign?: CampaignRef;
  /** The contact as dialed (call.connecting). */
  contact?: Contact;
  /** The contact with pre-call data merged (call.connected). */
  connectedContact?: Contact;
  connected: boolean;
  ended?: { outcome: string; connected: boolean; talkSec: number | null };
}

/** `wrapup.started`. */
export interface WrapUpDetails {
  attemptId: string;
  until: string;
  dispositionCodes: string[];
}

/** What survives a reload (sessionStorage, per agent): where the stream was, and the details. */
export interface Remembered {
  /** The last event id seen: the stream resumes after it. */
  cursor?: string;
  offer?: OfferDetails;
  call?: CallDetails;
  wrapUp?: WrapUpDetails;
  /** Disposition codes per campaign id, as the offer, call and wrap-up events give them (empty: any code). */
  codes: Record<string, string[]>;
  /** The last offer the agent lost without answering it (withdrawn, timed out): said on the desk. */
  offerLost?: { offerId: string; how: 'withdrawn' | 'timed-out'; reason: string | null; who: string | undefined };
  /** The call whose disposition was given from this desk. */
  disposed?: { attemptId: string; codes: string[] };
}

export interface DeskState extends Remembered {
  agent?: Agent;
}

export const emptyRemembered = (): Remembered => ({ codes: {} });

const obj = (x: unknown): Record<string, unknown> =>
  x && typeof x === 'object' && !Array.isArray(x) ? (x as Record<string, unknown>) : {};
const str = (x: unknown): string | undefined => (typeof x === 'string' ? x : undefined);
const campaignOf = (x: unknown): CampaignRef | undefined => {
  const c = obj(x);
  const id = str(c.id);
  return id ? { id, ...(str(c.name) ? { name: str(c.name) } : {}) } : undefined;
};

/** One event of the stream applied to the desk (unknown types and malformed data change nothing). */
export function applyEvent(s: DeskState, type: string, raw: unknown, id: string | undefined): DeskState {
  const d = obj(raw);
  const next: DeskState = id !== undefined ? { ...s, cursor: id } : { ...s };
  switch (type) {
    case 'snapshot':
      return typeof d.id === 'string' ? { ...next, agent: d as unknown as Agent } : next;
    case 'state': {
      if (!next.agent || typeof d.state !== 'string') return next;
      // docs/agents.md lists `work` in this event, but the server sends { state, reason, since }: the
      // work is then what the other events said, and none once the agent is free.
      const free = d.state === 'Available' || d.state === 'NotReady' || d.state === 'Offline';
      const work = 'work' in d ? ((d.work as Work | null) ?? null) : free ? null : next.agent.work;
      return {
        ...next,
        agent: {
          ...next.agent,
          state: d.state,
          reason: str(d.reason) ?? null,
          since: str(d.since) ?? next.agent.since,
          work,
        },
      };
    }
    case 'offer': {
      const offerId = str(d.offerId);
      const campaign = campaignOf(d.campaign);
      const expiresAt = str(d.expiresAt);
      if (!offerId || !campaign || !expiresAt) return next;
      const instance = str(d.campaignInstanceId) ?? '';
      return {
        ...withWork(withCodes(next, campaign.id, d.dispositionCodes), {
          kind: 'offer',
          campaignId: campaign.id,
          campaignInstanceId: instance,
          offerId,
          until: expiresAt,
        }),
        offer: {
          offerId,
          campaign,
          contact: obj(d.contact),
          expiresAt,
          ...(typeof d.attemptsSoFar === 'number' ? { attemptsSoFar: d.attemptsSoFar } : {}),
          ...(str(d.onTimeout) ? { onTimeout: str(d.onTimeout) } : {}),
          ...(typeof d.skipsLeft === 'number' ? { skipsLeft: d.skipsLeft } : {}),
        },
      };
    }
    case 'call.connecting': {
      const attemptId = str(d.attemptId);
      if (!attemptId) return next;
      const campaign = campaignOf(d.campaign);
      const work: Work = {
        kind: 'call',
        campaignId: campaign?.id ?? next.agent?.work?.campaignId ?? '',
        campaignInstanceId: str(d.campaignInstanceId) ?? next.agent?.work?.campaignInstanceId ?? '',
        attemptId,
        ...(str(d.offerId) ? { offerId: str(d.offerId) } : {}),
      };
      // A new call: what the desk said about earlier work is old news.
      return {
        ...withCodes(withWork(next, work), work.campaignId, d.dispositionCodes),
        offerLost: undefined,
        disposed: undefined,
        call: {
          attemptId,
          ...(str(d.offerId) ? { offerId: str(d.offerId) } : {}),
          ...(campaign ? { campaign } : {}),
          contact: obj(d.contact),
          connected: false,
        },
      };
    }
    case 'call.connected': {
      const attemptId = str(d.attemptId);
      if (!attemptId) return next;
      const same = next.call?.attemptId === attemptId ? next.call : undefined;
      const campaign = campaignOf(d.campaign) ?? same?.campaign;
      return {
        ...next,
        call: {
          ...same,
          attemptId,
          ...(campaign ? { campaign } : {}),
          ...(d.contact && typeof d.contact === 'object' ? { connectedContact: obj(d.contact) } : {}),
          connected: true,
        },
      };
    }
    case 'call.ended': {
      const attemptId = str(d.attemptId);
      if (!attemptId) return next;
      const same = next.call?.attemptId === attemptId ? next.call : { attemptId, connected: false };
      const ended = {
        outcome: str(d.outcome) ?? 'unknown',
        connected: d.connected === true,
        talkSec: typeof d.talkSec === 'number' ? d.talkSec : null,
      };
      return { ...next, call: { ...same, ended } };
    }
    case 'wrapup.started': {
      const attemptId = str(d.attemptId);
      const until = str(d.until);
      if (!attemptId || !until) return next;
      const dispositionCodes = codesOf(d.dispositionCodes) ?? [];
      const campaignId = next.call?.attemptId === attemptId ? next.call.campaign?.id : undefined;
      const w = next.agent?.work;
      const moved = w && w.kind === 'call' && w.attemptId === attemptId ? withWork(next, { ...w, until }) : next;
      return {
        ...(campaignId ? withCodes(moved, campaignId, dispositionCodes) : moved),
        wrapUp: { attemptId, until, dispositionCodes },
      };
    }
    case 'offer.accepted':
      return next.offer && next.offer.offerId === d.offerId
        ? { ...next, offer: { ...next.offer, accepted: true } }
        : next;
    case 'offer.skipped':
    case 'offer.withdrawn':
    case 'offer.timed-out': {
      const offerId = str(d.offerId);
      const lost =
        offerId && type !== 'offer.skipped'
          ? {
              offerLost: {
                offerId,
                how: type === 'offer.withdrawn' ? ('withdrawn' as const) : ('timed-out' as const),
                reason: str(d.reason) ?? null,
                who: next.offer?.offerId === offerId ? whoOf(next.offer.contact) : undefined,
              },
            }
          : {};
      // Timed out with `dial`, the call.connecting that follows gives the work anew.
      const w = next.agent?.work;
      return { ...(w && w.kind === 'offer' && w.offerId === offerId ? withWork(next, null) : next), ...lost };
    }
    case 'wrapup.ended': {
      const w = next.agent?.work;
      return w && w.kind === 'call' && w.attemptId === d.attemptId ? withWork(next, null) : next;
    }
    default:
      return next;
  }
}

function withWork(s: DeskState, work: Work | null): DeskState {
  return s.agent ? { ...s, agent: { ...s.agent, work } } : s;
}

/** What the desk shows, from the agent's state and work and the details known for that work. */
export type View =
  | { kind: 'loading' }
  | { kind: 'idle'; agent: Agent }
  | { kind: 'offer'; agent: Agent; work: Work; offer: OfferDetails | undefined }
  | { kind: 'call'; agent: Agent; work: Work; call: CallDetails | undefined; codes: string[] | undefined }
  | { kind: 'wrap-up'; agent: Agent; work: Work; call: CallDetails | undefined; codes: string[] | undefined };

export function viewOf(s: DeskState): View {
  const agent = s.agent;
  if (!agent) return { kind: 'loading' };
  const work = agent.work;
  if (!work) return { kind: 'idle', agent };
  if (work.kind === 'offer') {
    const offer = s.offer && s.offer.offerId === work.offerId ? s.offer : undefined;
    return { kind: 'offer', agent, work, offer };
  }
  const call = s.call && s.call.attemptId === work.attemptId ? s.call : undefined;
  const wrapUp = s.wrapUp && s.wrapUp.attemptId === work.attemptId ? s.wrapUp : undefined;
  const codes = wrapUp && wrapUp.dispositionCodes.length > 0 ? wrapUp.dispositionCodes : s.codes[work.campaignId];
  if (agent.state === 'WrapUp') return { kind: 'wrap-up', agent, work, call, codes };
  return { kind: 'call', agent, work, call, codes };
}

/** Whether the details for the agent's current work are missing (a fresh tab, mid-offer or mid-call). */
export function lacksDetails(s: DeskState, agent: Agent): boolean {
  const w = agent.work;
  if (!w) return false;
  if (w.kind === 'offer') return s.offer?.offerId !== w.offerId;
  return s.call?.attemptId !== w.attemptId;
}

/** Whom a contact is, in a few words: name, else phone number. */
export function whoOf(c: Contact | undefined): string {
  if (!c) return 'a contact';
  const name = [c.firstName, c.lastName].filter((x) => typeof x === 'string' && x !== '').join(' ');
  const phone = typeof c.phoneNumber === 'string' ? c.phoneNumber : c.phoneNumberE164;
  return name || (typeof phone === 'string' ? phone : 'a contact');
}

const keyOf = (agentId: string) => `campaignd.agent-desk.${agentId}`;

export function loadRemembered(agentId: string): Remembered {
  try {
    const raw = sessionStorage.getItem(keyOf(agentId));
    if (!raw) return emptyRemembered();
    const r = JSON.parse(raw) as Partial<Remembered>;
    return { ...r, codes: r.codes ?? {} };
  } catch {
    return emptyRemembered();
  }
}

export function saveRemembered(agentId: string, s: DeskState): void {
  const { agent: _agent, ...remembered } = s;
  try {
    sessionStorage.setItem(keyOf(agentId), JSON.stringify(remembered));
  } catch {
    // A full or unavailable storage only costs the details after a reload.
  }
}

export function forgetRemembered(agentId: string): void {
  sessionStorage.removeItem(keyOf(agentId));
}

/** The agent id a credential belongs to (`<agentId>.<secret>`, docs/agents.md). */
export const agentIdOf = (credential: string): string => credential.split('.')[0] ?? credential;

/** `datetime-local` value (the browser's zone) as ISO 8601 with that zone's offset, or undefined. */
export function localToIso(value: string): string | undefined {
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/.test(value)) return undefined;
  const d = new Date(value);
  if (Number.isNaN(d.getTime())) return undefined;
  const pad = (n: number) => String(Math.abs(n)).padStart(2, '0');
  const off = -d.getTimezoneOffset();
  const sign = off >= 0 ? '+' : '-';
  return (
    `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}:` +
    `${pad(d.getSeconds())}${sign}${pad(Math.trunc(off / 60))}:${pad(off % 60)}`
  );
}

/** An event's `dispositionCodes`, when it has them. */
function codesOf(raw: unknown): string[] | undefined {
  return Array.isArray(raw) ? raw.filter((c): c is string => typeof c === 'string') : undefined;
}

/** Remembers a campaign's codes from an event that carries them (offer, call.connecting, wrapup.started). */
function withCodes<S extends Remembered>(s: S, campaignId: string, raw: unknown): S {
  const codes = codesOf(raw);
  return codes && codes.length > 0 ? { ...s, codes: { ...s.codes, [campaignId]: codes } } : s;
}
