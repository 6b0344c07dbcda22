/**
 * "An agent is in at most one call or offer" (docs/agents.md, issue 12), checked over the tables
 * as the engines left them. Each check is ONE SQL statement, so it reads one consistent snapshot
 * even while engine processes write: two separate reads could see a call end between them and
 * report a problem that never existed. Used by the multi-process test (sampled while workers run)
 * and by the property test (after every step). Both answer every problem found, one line each.
 */
import type { Kysely } from 'kysely';
import type { Database } from '../../src/storage/schema.js';

/** Record states in which an agent is held for the record: offered, accepted, or a call out. */
const HELD_STATES = ['offered', 'accepted', 'leased', 'in_flight'] as const;

/**
 * Agents against the attempts and records that hold them. Per agent: at most one open attempt
 * and at most one open offer (an offered or accepted record not yet dialed), never both; and the
 * agent's state and `work_*` columns say exactly that:
 * - Reserved: an offer (`work_kind` offer, the record offered to them), an accepted offer not yet
 *   dialed (`work_kind` call, no attempt, the record accepted by them), or a call being placed
 *   (`work_attempt_id` = their open attempt);
 * - OnCall: their open attempt, which was connected;
 * - WrapUp: the attempt they just had, ended, with a wrap-up deadline;
 * - Available, NotReady, Offline: no open attempt, no offer, no work.
 */
export async function agentBookProblems(db: Kysely<Database>, agentIds: readonly string[]): Promise<string[]> {
  if (agentIds.length === 0) return [];
  const rows = await db
    .selectFrom('agents as a')
    .leftJoin('attempts as x', (j) => j.onRef('x.agent_id', '=', 'a.id').on('x.outcome', 'is', null))
    .leftJoin('dial_records as o', (j) =>
      j.onRef('o.agent_id', '=', 'a.id').on('o.state', 'in', ['offered', 'accepted']),
    )
    .leftJoin('attempts as w', 'w.id', 'a.work_attempt_id')
    .select([
      'a.id',
      'a.state',
      'a.work_kind',
      'a.work_record_id',
      'a.work_attempt_id',
      'a.work_instance_id',
      'a.work_until',
      'x.id as open_id',
      'o.id as held_id',
      'o.state as held_state',
      'w.outcome as work_outcome',
      'w.agent_id as work_agent',
      'w.connected_at as work_connected_at',
      'w.record_id as work_attempt_record',
    ])
    .where('a.id', 'in', [...agentIds])
    .execute();
  const byAgent = new Map<string, typeof rows>();
  for (const r of rows) byAgent.set(r.id, [...(byAgent.get(r.id) ?? []), r]);
  const problems: string[] = [];
  for (const [id, list] of byAgent) {
    const a = list[0]!;
    const open = [...new Set(list.flatMap((r) => (r.open_id ? [r.open_id] : [])))];
    const held = [...new Map(list.flatMap((r) => (r.held_id ? [[r.held_id, r.held_state!] as const] : [])))];
    const who = `agent ${id} (${a.state}, work ${a.work_kind ?? '-'} record ${a.work_record_id ?? '-'} attempt ${a.work_attempt_id ?? '-'})`;
    if (open.length + held.length > 1)
      problems.push(`${who} is double-booked: open attempts [${open.join(',')}], offers [${held.join(',')}]`);
    const workNone =
      a.work_kind === null &&
      a.work_record_id === null &&
      a.work_attempt_id === null &&
      a.work_instance_id === null &&
      a.work_until === null;
    switch (a.state) {
      case 'Reserved': {
        const onOffer =
          a.work_kind === 'offer' &&
          a.work_attempt_id === null &&
          held.length === 1 &&
          held[0]![0] === a.work_record_id &&
          held[0]![1] === 'offered';
        const accepted =
          a.work_kind === 'call' &&
          a.work_attempt_id === null &&
          held.length === 1 &&
          held[0]![0] === a.work_record_id &&
          held[0]![1] === 'accepted';
        const placing =
          a.work_kind === 'call' &&
          open.length === 1 &&
          open[0] === a.work_attempt_id &&
          a.work_attempt_record === a.work_record_id;
        if (!onOffer && !accepted && !placing)
          problems.push(`${who} is Reserved for nothing that holds them (open [${open}], offers [${held}])`);
        break;
      }
      case 'OnCall':
        if (!(open.length === 1 && open[0] === a.work_attempt_id && a.work_connected_at !== null))
          problems.push(`${who} is OnCall but not on an open connected attempt of theirs (open [${open}])`);
        break;
      case 'WrapUp':
        if (
          open.length > 0 ||
          held.length > 0 ||
          a.work_outcome === null ||
          a.work_agent !== id ||
          a.work_until === null
        )
          problems.push(`${who} wraps up an attempt that has not ended, or holds other work (open [${open}])`);
        break;
      default:
        if (open.length > 0 || held.length > 0 || !workNone)
          problems.push(`${who} is free but holds work (open [${open}], offers [${held}])`);
    }
  }
  for (const id of agentIds) if (!byAgent.has(id)) problems.push(`agent ${id} is gone`);
  return problems;
}

/** A record of an agent campaign that holds an agent, and that agent as the same statement read them. */
export interface HeldRecord {
  id: string;
  instance_id: string;
  state: string;
  current_attempt_id: string | null;
  lease_owner: string | null;
  agent_id: string | null;
  agent_state: string | null;
  agent_work_record: string | null;
  agent_work_attempt: string | null;
}

/** Every record of these instances that holds an agent (offered, accepted, call out), with its agent: one statement. */
export async function heldRecords(db: Kysely<Database>, instanceIds: readonly string[]): Promise<HeldRecord[]> {
  if (instanceIds.length === 0) return [];
  return db
    .selectFrom('dial_records as r')
    .leftJoin('agents as a', 'a.id', 'r.agent_id')
    .select([
      'r.id',
      'r.instance_id',
      'r.state',
      'r.current_attempt_id',
      'r.lease_owner',
      'r.agent_id',
      'a.state as agent_state',
      'a.work_record_id as agent_work_record',
      'a.work_attempt_id as agent_work_attempt',
    ])
    .where('r.instance_id', 'in', [...instanceIds])
    .where('r.state', 'in', [...HELD_STATES])
    .execute();
}

/**
 * Records against their agents: every call out of an agent campaign (leased or in flight) has its
 * own agent, Reserved or OnCall for exactly that attempt, so the calls out never exceed the agents
 * reserved for them; every offered or accepted record is held by its Reserved agent; and no agent
 * holds two records.
 */
export function heldRecordProblems(held: readonly HeldRecord[]): string[] {
  const problems: string[] = [];
  const agents = new Map<string, string>();
  for (const r of held) {
    const where = `record ${r.id} (${r.state}, attempt ${r.current_attempt_id ?? '-'}, agent ${r.agent_id ?? '-'} ${r.agent_state ?? '-'})`;
    if (!r.agent_id) {
      problems.push(`${where} holds no agent`);
      continue;
    }
    const other = agents.get(r.agent_id);
    if (other) problems.push(`${where}: its agent also holds record ${other}`);
    agents.set(r.agent_id, r.id);
    if (r.agent_work_record !== r.id) problems.push(`${where}: the agent works on record ${r.agent_work_record}`);
    if (r.state === 'leased' || r.state === 'in_flight') {
      if (
        !(r.agent_state === 'Reserved' || r.agent_state === 'OnCall') ||
        r.agent_work_attempt !== r.current_attempt_id
      )
        problems.push(`${where}: a call out whose agent is not Reserved or OnCall for it (${r.agent_work_attempt})`);
    } else if (r.agent_state !== 'Reserved' || r.agent_work_attempt !== null) {
      problems.push(`${where}: an offer whose agent is not Reserved for it`);
    }
  }
  return problems;
}
