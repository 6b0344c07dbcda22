/**
 * The "never twice, never lost" checks (docs/engine.md, Invariants) over the rows an engine run leaves behind,
 * as a pure function returning every problem found, so a test can print them all and a self-test
 * can prove the checks catch a duplicate, a lost record and a blind redial.
 */
import type { Kysely } from 'kysely';
import { toOutcome } from '../../src/domain/engine/outcome-handler.js';
import { isFinal, type Outcome } from '../../src/domain/engine/retry-policy.js';
import type { MachineDetectMode } from '../../src/domain/campaigns/campaign-config.js';
import { createSimulatedOutcome } from '../../src/domain/telephony/simulator.js';
import type { Database } from '../../src/storage/schema.js';

export interface RecordFacts {
  id: string;
  state: string;
  attempts: number;
  final_outcome: string | null;
  current_attempt_id: string | null;
}

export interface AttemptFacts {
  id: string;
  record_id: string;
  attempt_no: number;
  outcome: string | null;
  worker: string;
  started_at: number;
  ended_at: number | null;
}

export interface NeverTwiceOptions {
  /** Kore maxAttemptsPerRecord of the campaign. */
  maxAttempts: number;
  /**
   * The outcome the provider must have given this attempt (the simulator is a pure function of
   * seed and attempt id), or undefined when the engine decided it (e.g. reconciled `unknown`).
   */
  expectedOutcome?: (a: AttemptFacts) => string | undefined;
}

/**
 * Every violation, one line each (empty when the run was clean):
 * - lost: a record not final, or final without a final outcome;
 * - twice: two attempts of one record with the same number, numbers not 1..n, a record's counter
 *   not matching its attempt rows, an attempt without a record, two attempts of a record overlapping;
 * - blind redial: any attempt after an `unknown` or another final outcome, or beyond maxAttempts;
 * - too few: a record stopped after a retryable outcome with budget left;
 * - wrong books: the record's final outcome is not its last attempt's, an attempt never ended.
 */
export function neverTwiceProblems(
  records: readonly RecordFacts[],
  attempts: readonly AttemptFacts[],
  o: NeverTwiceOptions,
): string[] {
  const problems: string[] = [];
  const byRecord = new Map<string, AttemptFacts[]>();
  const recordIds = new Set(records.map((r) => r.id));
  for (const a of attempts) {
    if (!recordIds.has(a.record_id))
      problems.push(`attempt ${a.id} belongs to no record of the instance (${a.record_id})`);
    const list = byRecord.get(a.record_id) ?? [];
    list.push(a);
    byRecord.set(a.record_id, list);
  }
  for (const r of records) {
    const list = (byRecord.get(r.id) ?? []).sort((x, y) => x.attempt_no - y.attempt_no || x.started_at - y.started_at);
    const where = `record ${r.id}`;
    if (r.state !== 'done' || r.final_outcome === null)
      problems.push(`${where} lost: state ${r.state}, final outcome ${r.final_outcome}`);
    if (list.length !== r.attempts)
      problems.push(`${where} counts ${r.attempts} attempts but has ${list.length} attempt rows`);
    if (list.length === 0) {
      problems.push(`${where} was never attempted`);
      continue;
    }
    if (list.length > o.maxAttempts)
      problems.push(`${where} has ${list.length} attempts, more than maxAttempts ${o.maxAttempts}`);
    const numbers = list.map((a) => a.attempt_no);
    if (new Set(numbers).size !== numbers.length)
      problems.push(`${where} has duplicate attempt numbers ${numbers.join(',')}`);
    if (numbers.some((n, i) => n !== i + 1))
      problems.push(`${where} has attempt numbers ${numbers.join(',')}, not 1..${list.length}`);
    list.forEach((a, i) => {
      if (a.outcome === null || a.ended_at === null)
        problems.push(`${where}: attempt ${a.id} (#${a.attempt_no}) never ended`);
      const next = list[i + 1];
      if (!next) return;
      if (a.ended_at === null || next.started_at < a.ended_at)
        problems.push(`${where}: attempt #${next.attempt_no} started while #${a.attempt_no} was still out`);
      if (a.outcome !== null && isFinal(a.outcome as Outcome))
        problems.push(`${where}: redialed (#${next.attempt_no}) after final outcome ${a.outcome} of #${a.attempt_no}`);
    });
    const last = list[list.length - 1]!;
    if (r.final_outcome !== null && r.final_outcome !== last.outcome)
      problems.push(`${where}: final outcome ${r.final_outcome} but last attempt ended ${last.outcome}`);
    if (last.outcome !== null && !isFinal(last.outcome as Outcome) && list.length < o.maxAttempts) {
      problems.push(
        `${where}: stopped after retryable ${last.outcome} with ${o.maxAttempts - list.length} attempts left`,
      );
    }
    if (o.expectedOutcome) {
      for (const a of list) {
        const want = o.expectedOutcome(a);
        if (want !== undefined && a.outcome !== want)
          problems.push(`${where}: attempt ${a.id} ended ${a.outcome}, the provider said ${want}`);
      }
    }
  }
  return problems;
}

/** The engine outcome the simulator gives an attempt of a voice campaign (machine detection and ring time as configured). */
export function simulatedVoiceOutcome(
  seed: number,
  attemptId: string,
  ringTimeoutSec: number,
  machine: MachineDetectMode,
): string {
  const sim = createSimulatedOutcome(seed, {
    attemptId,
    campaignId: '',
    instanceId: '',
    channel: 'voice',
    to: '+15550000000',
    from: '+15550000001',
    ringTimeoutSec,
    machineDetection: machine,
    context: {},
  });
  return toOutcome(sim.outcome, machine);
}

/** Records and attempts of one instance, as the checks want them. */
export async function loadFacts(
  db: Kysely<Database>,
  instanceId: string,
): Promise<{ records: RecordFacts[]; attempts: AttemptFacts[] }> {
  const [records, attempts] = await Promise.all([
    db
      .selectFrom('dial_records')
      .select(['id', 'state', 'attempts', 'final_outcome', 'current_attempt_id'])
      .where('instance_id', '=', instanceId)
      .execute(),
    db
      .selectFrom('attempts')
      .select(['id', 'record_id', 'attempt_no', 'outcome', 'worker', 'started_at', 'ended_at'])
      .where('instance_id', '=', instanceId)
      .execute(),
  ]);
  return { records, attempts };
}
