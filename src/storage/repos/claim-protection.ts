import type { Kysely } from 'kysely';
import type { Database, DialRecordRow } from '../schema.js';

/**
 * Contact protection's side of a claim (docs/contact-protection.md): what the claim knows of its
 * numbers across every campaign of the account, read set-wise, and the numbers a claim transaction
 * has taken but not yet written.
 */

/** What the claim knows of a number before it is dialed, across every campaign of the account. */
export interface NumberFacts {
  /** Another record of the account holds the number: offered, accepted, being placed or on a call. */
  busy: boolean;
  /** Start times of the account's attempts on the number in this channel within `historyMs`, ascending. */
  starts: readonly number[];
  /** Agent campaigns: the number's call was abandoned and it may not be dialed for an agent before this. */
  lockedUntil?: number;
}

/**
 * Contact protection (docs/contact-protection.md): the claim reads the facts of its batch's numbers
 * set-wise (factsAhead) and asks `holdUntil` which records must wait. Claims are serialised
 * (beginClaim), so what it reads cannot change before the claim commits.
 */
export interface Protection {
  /** How far back attempts count: the longest frequency cap's window; 0 reads no history. */
  historyMs: number;
  /** Null: the record may be dialed now; else the instant it waits for. */
  holdUntil: (r: DialRecordRow, facts: NumberFacts) => number | null;
  /** An agent campaign: numbers barred from agent calls after an abandoned call (migration 021) wait too. */
  agentCalls?: boolean;
}

/**
 * Numbers a claim transaction has taken but not written yet (claimMany leases every campaign of a
 * tick at the end, in one go): per account, each number with the instant it was claimed. Protection
 * counts them as a later campaign of the transaction would count the written rows: the number busy,
 * and an attempt on it started then.
 */
export type TakenNumbers = Map<string, Map<string, number>>;

/** Notes that a claim of `accountId` took `phones` at `at` (TakenNumbers). */
export function takeNumbers(taken: TakenNumbers, accountId: string, phones: readonly string[], at: number): void {
  const mine = taken.get(accountId) ?? new Map<string, number>();
  for (const p of phones) mine.set(p, at);
  taken.set(accountId, mine);
}

/** What protection needs to know of a claim (a ClaimRequest, claim-steps.ts, has all of it). */
export interface ProtectedClaim {
  instanceId: string;
  accountId: string;
  channel: 'voice' | 'sms';
  now: number;
  protect?: Protection;
}

/** What a claim asks of its numbers (numberFacts): attempts started after `since` (none: null), and agent-call lockouts. */
interface FactsAsk {
  accountId: string;
  channel: 'voice' | 'sms';
  since: number | null;
  lockouts: boolean;
}

function askOf(req: Omit<ProtectedClaim, 'instanceId' | 'protect'>, protect: Protection): FactsAsk {
  return {
    accountId: req.accountId,
    channel: req.channel,
    since: protect.historyMs > 0 ? req.now - protect.historyMs : null,
    lockouts: protect.agentCalls === true,
  };
}

/** A claim's own view of facts that may have been read for several (a longer history, lockouts it does not heed). */
export function ownView(now: number, protect: Protection, f: NumberFacts | undefined): NumberFacts {
  const since = now - protect.historyMs;
  return {
    busy: f?.busy ?? false,
    starts: protect.historyMs > 0 ? (f?.starts ?? []).filter((at) => at > since) : [],
    ...(protect.agentCalls && f?.lockedUntil !== undefined ? { lockedUntil: f.lockedUntil } : {}),
  };
}

/**
 * The protection facts of a tick's claims read ahead, for the numbers of every record readDue
 * returned: one read per account and channel (its longest history, lockouts if any claim heeds
 * them) instead of one per campaign. Nothing a claim transaction writes before its leases changes
 * them (leases come last: leaseMany); the numbers taken in between are TakenNumbers. By instance.
 */
export async function factsAhead(
  trx: Kysely<Database>,
  reqs: readonly ProtectedClaim[],
  due: ReadonlyMap<string, readonly DialRecordRow[]>,
): Promise<Map<string, ReadonlyMap<string, NumberFacts>>> {
  const groups = new Map<string, { ask: FactsAsk; phones: Set<string>; instances: string[] }>();
  for (const req of reqs) {
    const rows = due.get(req.instanceId) ?? [];
    if (!req.protect || rows.length === 0) continue;
    const own = askOf(req, req.protect);
    const key = JSON.stringify([req.accountId, req.channel]);
    const g = groups.get(key) ?? { ask: own, phones: new Set<string>(), instances: [] };
    g.ask = {
      ...g.ask,
      since: g.ask.since === null ? own.since : own.since === null ? g.ask.since : Math.min(g.ask.since, own.since),
      lockouts: g.ask.lockouts || own.lockouts,
    };
    for (const r of rows) g.phones.add(r.phone_e164);
    g.instances.push(req.instanceId);
    groups.set(key, g);
  }
  const out = new Map<string, ReadonlyMap<string, NumberFacts>>();
  for (const g of groups.values()) {
    const facts = await numberFacts(trx, g.ask, [...g.phones]);
    for (const id of g.instances) out.set(id, facts);
  }
  return out;
}

/** Numbers per IN list: well under both dialects' bound-parameter limits. */
const NUMBERS_PER_QUERY = 500;

/** The protection facts of `phones` (distinct): up to three index lookups per 500 numbers. */
async function numberFacts(
  trx: Kysely<Database>,
  ask: FactsAsk,
  phones: readonly string[],
): Promise<Map<string, NumberFacts>> {
  const facts = new Map<string, { busy: boolean; starts: number[]; lockedUntil?: number }>();
  for (const p of phones) facts.set(p, { busy: false, starts: [] });
  const distinct = [...facts.keys()];
  for (let i = 0; i < distinct.length; i += NUMBERS_PER_QUERY) {
    const chunk = distinct.slice(i, i + NUMBERS_PER_QUERY);
    // The partial index dial_records_busy_idx holds only records out now (migration 016).
    const busy = await trx
      .selectFrom('dial_records as r')
      .innerJoin('campaign_instances as i', 'i.id', 'r.instance_id')
      .select('r.phone_e164')
      .where('r.phone_e164', 'in', chunk)
      .where('r.state', 'in', ['offered', 'accepted', 'leased', 'in_flight'])
      .where('i.account_id', '=', ask.accountId)
      .execute();
    for (const b of busy) facts.get(b.phone_e164)!.busy = true;
    if (ask.lockouts) {
      const locked = await trx
        .selectFrom('agent_call_lockouts')
        .select(['phone_e164', 'until'])
        .where('account_id', '=', ask.accountId)
        .where('phone_e164', 'in', chunk)
        .execute();
      for (const l of locked) facts.get(l.phone_e164)!.lockedUntil = Number(l.until);
    }
    if (ask.since === null) continue;
    const starts = await trx
      .selectFrom('attempts')
      .select(['phone_e164', 'started_at'])
      .where('account_id', '=', ask.accountId)
      .where('phone_e164', 'in', chunk)
      .where('started_at', '>', ask.since)
      .where('channel', '=', ask.channel)
      .orderBy('started_at', 'asc')
      .execute();
    for (const a of starts) facts.get(a.phone_e164!)?.starts.push(Number(a.started_at));
  }
  return facts;
}
