/**
 * Attempt outcomes and the retry rules that follow from them.
 *
 * | Outcome             | Meaning                                                        | Final? | Kore dialerOutcome |
 * |---------------------|----------------------------------------------------------------|--------|--------------------|
 * | `completed`         | a human answered and the flow/agent conversation ran           | yes    | `completed`        |
 * | `machine-completed` | AMD said machine in `detect` mode (or AMD off); the flow ran   | yes    | `machine_detected` |
 * | `machine`           | AMD said machine in `disconnect` mode; we hung up              | no     | `machine_detected` |
 * | `no-answer`         | rang until maxRingTime, nobody answered                        | no     | `no-answer`        |
 * | `busy`              | 486/600 busy                                                   | no     | `busy`             |
 * | `failed`            | network or carrier failure (5xx, timeouts, provider error)     | no     | `failed`           |
 * | `invalid`           | number invalid or unreachable (404/484/SIT)                    | yes    | `invalid`          |
 * | `declined`          | 603 Decline: the callee rejected the call                      | yes    | `failed`           |
 * | `unknown`           | provider never reported; the call may have connected           | yes    | `failed`           |
 * | `skipped-precall`   | pre-call fetch answered SKIP or failed                         | yes    | `filter_skipped`   |
 * | `dnc`               | number on a DNC list at dial time                              | yes    | `dnc_excluded`     |
 * | `timezone-skip`     | campaign ended before the contact's window ever opened         | yes    | `timezone_skip`    |
 * | `sms-sent`          | provider accepted the SMS                                      | yes    | `completed`        |
 * | `sms-failed`        | provider rejected or failed the SMS                            | yes    | `failed`           |
 * | `cancelled`         | campaign stopped while the record was queued or waiting retry  | yes    | `retry-cancelled`  |
 * | `agent-skipped`     | Preview: agents skipped the record `maxSkips` times; not dialed | yes    | `filter_skipped`   |
 * | `abandoned`         | Predictive: a person answered, no agent within the deadline    | no     | `abandoned`        |
 *
 * Why these choices:
 * - There is no separate `answered`: an answered call whose flow ran is `completed`; reporting
 *   one value for "reached a human" avoids the Issabel-style answered/abandoned mislabelling.
 * - AMD is split by what happened, not by configuration: in `disconnect` mode nobody was spoken to,
 *   so a retry may reach the human; in `detect` mode the flow continued (e.g. left a voicemail),
 *   and redialing would leave the same message again. `outcomeForMachine(mode)` picks the value.
 * - `declined` is final because the person actively refused the call (jambonz users asked for no
 *   retry after 603). Kore has no such value, so it reports as `failed`.
 * - `unknown` is final for the engine: an ambiguous call is never redialed automatically
 *   (docs/engine.md, Invariants); an operator can requeue it by hand.
 * - SMS is one message per contact and a failed delivery receipt does not prove the message was
 *   not delivered, so neither SMS outcome is retried.
 * - A record every agent skipped was filtered out by people rather than by the pre-call fetch, but
 *   Kore has one label for "passed over without a call": `filter_skipped`.
 * - `abandoned` is retried (nobody spoke to the person; they heard the abandon message), but not
 *   with an agent before the campaign's lockout ends (72 h by default, Ofcom). Kore has no
 *   predictive mode and so no label for it: `abandoned` is campaignd's, documented in
 *   docs/kore-compatibility.md, and like every value it shows only once the record is final.
 * - `filter_skipped` and `dnc_excluded` are inferred from the Kore dashboard labels "Filter
 *   Skipped" and "DNC Excluded"; the other values are Kore's dialer outcome names.
 */

export const OUTCOMES = [
  'completed',
  'machine-completed',
  'machine',
  'no-answer',
  'busy',
  'failed',
  'invalid',
  'declined',
  'unknown',
  'skipped-precall',
  'dnc',
  'timezone-skip',
  'sms-sent',
  'sms-failed',
  'cancelled',
  'agent-skipped',
  'abandoned',
] as const;
export type Outcome = (typeof OUTCOMES)[number];

/** Kore v2 `enableMachineDetect`; v1's boolean maps true -> `detect`, false -> `no`. */
export type MachineDetectMode = 'no' | 'detect' | 'disconnect';

export type KoreDialerOutcome =
  | ''
  | 'completed'
  | 'machine_detected'
  | 'no-answer'
  | 'busy'
  | 'failed'
  | 'invalid'
  | 'filter_skipped'
  | 'dnc_excluded'
  | 'timezone_skip'
  | 'retry-cancelled'
  | 'abandoned';

/** The only outcomes the engine dials again, budget permitting. */
const RETRYABLE: ReadonlySet<Outcome> = new Set<Outcome>(['machine', 'no-answer', 'busy', 'failed', 'abandoned']);

const KORE: Readonly<Record<Outcome, KoreDialerOutcome>> = {
  completed: 'completed',
  'machine-completed': 'machine_detected',
  machine: 'machine_detected',
  'no-answer': 'no-answer',
  busy: 'busy',
  failed: 'failed',
  invalid: 'invalid',
  declined: 'failed',
  unknown: 'failed',
  'skipped-precall': 'filter_skipped',
  dnc: 'dnc_excluded',
  'timezone-skip': 'timezone_skip',
  'sms-sent': 'completed',
  'sms-failed': 'failed',
  cancelled: 'retry-cancelled',
  'agent-skipped': 'filter_skipped',
  abandoned: 'abandoned',
};

export function isOutcome(s: string): s is Outcome {
  return (OUTCOMES as readonly string[]).includes(s);
}

/** Final outcomes end the record whatever budget is left. */
export function isFinal(outcome: Outcome): boolean {
  return !RETRYABLE.has(outcome);
}

/** Whether the outcome, on its own, allows another attempt (the budget is checked by nextAttemptAt). */
export function isRetryable(outcome: Outcome): boolean {
  return RETRYABLE.has(outcome);
}

/** The outcome to record when the provider reports an answering machine under `mode`. */
export function outcomeForMachine(mode: MachineDetectMode): Outcome {
  // With AMD off the provider should not report a machine; if it does, the flow still ran.
  return mode === 'disconnect' ? 'machine' : 'machine-completed';
}

export interface NextAttemptInput {
  outcome: Outcome;
  /** Attempts made for this record including the one that just finished (>= 1). */
  attemptsSoFar: number;
  /** Kore `maxAttemptsPerRecord`, 1–100: the single budget shared by every outcome. */
  maxAttemptsPerRecord: number;
  /** Kore `defaultRetryPeriod` in minutes, 1–1440. */
  defaultRetryPeriodMin: number;
  /** When the finished attempt ended (clock ms). */
  finishedAtMs: number;
}

export type NextAttempt =
  | { final: true; reason: 'final-outcome' | 'max-attempts' }
  /** `notBefore` is a floor; the engine still waits for the contact's calling window after it. */
  | { final: false; notBefore: number };

/**
 * Decides whether a record gets another attempt and not before when.
 *
 * One budget per record counts every attempt whatever its outcome, so mixing busy, no-answer and
 * failed can never add up to more than `maxAttemptsPerRecord` dials (the whispey bug, where each
 * rule carried its own budget and "1 retry" became 3, cannot happen here).
 */
export function nextAttemptAt(input: NextAttemptInput): NextAttempt {
  const { outcome, attemptsSoFar, maxAttemptsPerRecord, defaultRetryPeriodMin, finishedAtMs } = input;
  if (!isOutcome(outcome)) throw new RangeError(`Unknown outcome "${String(outcome)}"`);
  if (!Number.isInteger(attemptsSoFar) || attemptsSoFar < 1) {
    throw new RangeError(`attemptsSoFar must be an integer >= 1, got ${attemptsSoFar}`);
  }
  if (!Number.isInteger(maxAttemptsPerRecord) || maxAttemptsPerRecord < 1) {
    throw new RangeError(`maxAttemptsPerRecord must be an integer >= 1, got ${maxAttemptsPerRecord}`);
  }
  if (!Number.isFinite(defaultRetryPeriodMin) || defaultRetryPeriodMin <= 0) {
    throw new RangeError(`defaultRetryPeriodMin must be > 0, got ${defaultRetryPeriodMin}`);
  }
  if (!Number.isFinite(finishedAtMs)) throw new RangeError('finishedAtMs must be a finite number');
  if (isFinal(outcome)) return { final: true, reason: 'final-outcome' };
  if (attemptsSoFar >= maxAttemptsPerRecord) return { final: true, reason: 'max-attempts' };
  return { final: false, notBefore: finishedAtMs + defaultRetryPeriodMin * 60_000 };
}

/**
 * Kore's `dialerOutcome` for a record whose latest attempt ended with `outcome`. Kore shows ''
 * while a record is still in progress, which includes waiting for a retry.
 */
export function toKoreDialerOutcome(outcome: Outcome, final: boolean): KoreDialerOutcome {
  return final ? KORE[outcome] : '';
}
