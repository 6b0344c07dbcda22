import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  OUTCOMES,
  isFinal,
  isOutcome,
  isRetryable,
  nextAttemptAt,
  outcomeForMachine,
  toKoreDialerOutcome,
} from '../../../src/domain/engine/retry-policy.js';
import type { KoreDialerOutcome, Outcome } from '../../../src/domain/engine/retry-policy.js';

/** The decision table from retry-policy.ts, restated so a change to either shows up here. */
const TABLE: Record<Outcome, { final: boolean; kore: KoreDialerOutcome }> = {
  completed: { final: true, kore: 'completed' },
  'machine-completed': { final: true, kore: 'machine_detected' },
  machine: { final: false, kore: 'machine_detected' },
  'no-answer': { final: false, kore: 'no-answer' },
  busy: { final: false, kore: 'busy' },
  failed: { final: false, kore: 'failed' },
  invalid: { final: true, kore: 'invalid' },
  declined: { final: true, kore: 'failed' },
  unknown: { final: true, kore: 'failed' },
  'skipped-precall': { final: true, kore: 'filter_skipped' },
  dnc: { final: true, kore: 'dnc_excluded' },
  'timezone-skip': { final: true, kore: 'timezone_skip' },
  'sms-sent': { final: true, kore: 'completed' },
  'sms-failed': { final: true, kore: 'failed' },
  cancelled: { final: true, kore: 'retry-cancelled' },
  'agent-skipped': { final: true, kore: 'filter_skipped' },
  abandoned: { final: false, kore: 'abandoned' },
};
const RETRYABLE = OUTCOMES.filter((o) => !TABLE[o].final);
const T0 = Date.parse('2025-06-30T10:00:00Z');
const base = { attemptsSoFar: 1, maxAttemptsPerRecord: 3, defaultRetryPeriodMin: 10, finishedAtMs: T0 };

describe('outcome taxonomy', () => {
  it('lists every outcome exactly once', () => {
    expect([...OUTCOMES].sort()).toEqual(Object.keys(TABLE).sort());
    expect(new Set(OUTCOMES).size).toBe(OUTCOMES.length);
  });

  it.each(OUTCOMES.map((o) => [o, TABLE[o].final, TABLE[o].kore] as const))(
    '%s: final=%s, Kore %j',
    (o, final, kore) => {
      expect(isOutcome(o)).toBe(true);
      expect(isFinal(o)).toBe(final);
      expect(isRetryable(o)).toBe(!final);
      expect(toKoreDialerOutcome(o, true)).toBe(kore);
      // Kore shows '' while a record is still in progress, including while it waits for a retry.
      expect(toKoreDialerOutcome(o, false)).toBe('');
    },
  );

  it('retries only the outcomes where nobody was spoken to', () => {
    expect(RETRYABLE.sort()).toEqual(['abandoned', 'busy', 'failed', 'machine', 'no-answer']);
  });

  it('rejects strings that are not outcomes', () => {
    expect(isOutcome('answered')).toBe(false);
    expect(isOutcome('COMPLETED')).toBe(false);
    expect(() => nextAttemptAt({ ...base, outcome: 'answered' as Outcome })).toThrow(RangeError);
  });

  it('records a machine by what happened to the call', () => {
    expect(outcomeForMachine('disconnect')).toBe('machine');
    expect(outcomeForMachine('detect')).toBe('machine-completed');
    expect(outcomeForMachine('no')).toBe('machine-completed');
    expect(isRetryable(outcomeForMachine('disconnect'))).toBe(true);
    expect(isRetryable(outcomeForMachine('detect'))).toBe(false);
  });
});

describe('nextAttemptAt', () => {
  it.each(OUTCOMES.filter((o) => TABLE[o].final))('%s ends the record even with budget left', (outcome) => {
    expect(nextAttemptAt({ ...base, outcome, maxAttemptsPerRecord: 100 })).toEqual({
      final: true,
      reason: 'final-outcome',
    });
  });

  it.each(RETRYABLE)('%s waits defaultRetryPeriod after the attempt ended', (outcome) => {
    expect(nextAttemptAt({ ...base, outcome })).toEqual({ final: false, notBefore: T0 + 10 * 60_000 });
    expect(nextAttemptAt({ ...base, outcome, defaultRetryPeriodMin: 1440 })).toEqual({
      final: false,
      notBefore: T0 + 86_400_000,
    });
  });

  it('maxAttemptsPerRecord 1 means no retry at all', () => {
    for (const outcome of RETRYABLE) {
      expect(nextAttemptAt({ ...base, outcome, maxAttemptsPerRecord: 1 })).toEqual({
        final: true,
        reason: 'max-attempts',
      });
    }
  });

  it('stops exactly at the budget', () => {
    expect(nextAttemptAt({ ...base, outcome: 'busy', attemptsSoFar: 2 })).toMatchObject({ final: false });
    expect(nextAttemptAt({ ...base, outcome: 'busy', attemptsSoFar: 3 })).toEqual({
      final: true,
      reason: 'max-attempts',
    });
    expect(nextAttemptAt({ ...base, outcome: 'busy', attemptsSoFar: 7 })).toEqual({
      final: true,
      reason: 'max-attempts',
    });
  });

  it('prefers final-outcome over max-attempts when both hold', () => {
    expect(nextAttemptAt({ ...base, outcome: 'invalid', attemptsSoFar: 3 })).toEqual({
      final: true,
      reason: 'final-outcome',
    });
  });

  it.each([
    { attemptsSoFar: 0 },
    { attemptsSoFar: 1.5 },
    { maxAttemptsPerRecord: 0 },
    { maxAttemptsPerRecord: 2.5 },
    { defaultRetryPeriodMin: 0 },
    { defaultRetryPeriodMin: Number.NaN },
    { finishedAtMs: Number.POSITIVE_INFINITY },
  ])('rejects nonsense input %j', (bad) => {
    expect(() => nextAttemptAt({ ...base, outcome: 'busy', ...bad })).toThrow(RangeError);
  });

  it('one budget covers every outcome: mixed retryable outcomes never exceed maxAttemptsPerRecord dials', () => {
    // whispey#494: per-rule budgets stacked and "maxRetries 1" produced three retries.
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 100 }),
        fc.infiniteStream(fc.constantFrom(...OUTCOMES)),
        fc.integer({ min: 1, max: 1440 }),
        (max, stream, period) => {
          let dials = 0;
          let now = T0;
          let allRetryable = true;
          for (const outcome of stream) {
            dials += 1;
            allRetryable &&= isRetryable(outcome);
            const next = nextAttemptAt({
              outcome,
              attemptsSoFar: dials,
              maxAttemptsPerRecord: max,
              defaultRetryPeriodMin: period,
              finishedAtMs: now,
            });
            if (next.final) {
              expect(next.reason).toBe(isFinal(outcome) ? 'final-outcome' : 'max-attempts');
              break;
            }
            expect(next.notBefore).toBe(now + period * 60_000);
            now = next.notBefore + 30_000;
            expect(dials).toBeLessThan(max);
          }
          expect(dials).toBeLessThanOrEqual(max);
          if (allRetryable) expect(dials).toBe(max);
        },
      ),
      { numRuns: 300 },
    );
  });
});
