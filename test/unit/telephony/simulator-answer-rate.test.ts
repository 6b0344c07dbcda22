/**
 * SIMULATOR_ANSWER_RATE: the simulator answers that share of voice calls, the rest shared as in its
 * default table; 0.7 is the default table itself.
 */
import { describe, expect, it } from 'vitest';
import { answerMix, createSimulatedOutcome } from '../../../src/domain/telephony/simulator.js';
import type { DialRequest } from '../../../src/domain/telephony/provider.js';

const req = (i: number): DialRequest => ({
  attemptId: `att-${i}`,
  campaignId: 'c',
  instanceId: 'i',
  channel: 'voice',
  to: '+14155550100',
  from: '+14155550199',
  ringTimeoutSec: 60,
  context: {},
});

describe('answerMix', () => {
  it('answers the given share of calls, seeded', () => {
    for (const rate of [0.15, 0.3, 0.6]) {
      const n = 20_000;
      let answered = 0;
      for (let i = 0; i < n; i++) {
        const o = createSimulatedOutcome(3, req(i), { mix: answerMix(rate), machineRate: 0 });
        if (o.outcome === 'completed') answered++;
      }
      // Binomial: four standard deviations.
      expect(Math.abs(answered / n - rate)).toBeLessThan(4 * Math.sqrt((rate * (1 - rate)) / n));
    }
  });

  it('is the default table at 0.7', () => {
    for (let i = 0; i < 2000; i++)
      expect(createSimulatedOutcome(5, req(i), { mix: answerMix(0.7) })).toEqual(createSimulatedOutcome(5, req(i)));
  });
});
