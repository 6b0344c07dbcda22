import { describe, expect, it } from 'vitest';
import {
  createMeasurements,
  DEFAULT_PRIORS,
  estimate,
  recordDialOutcome,
  recordTalk,
  recordWrapUp,
} from '../../../src/domain/pacing/measurement.js';
import { uniform } from '../../../src/shared/random.js';

function feed(rate: number, n: number, startMs = 0, seed = 1) {
  const m = createMeasurements(startMs);
  const r = uniform(seed);
  let at = startMs;
  for (let i = 0; i < n; i++) {
    at += 300;
    const u = r();
    recordDialOutcome(m, at, u < rate ? 'human' : u < rate + 0.05 ? 'machine' : 'no-answer', 4 + 8 * r());
    if (u < rate) {
      recordTalk(m, at, 60 + 120 * r());
      recordWrapUp(m, at, 10);
    }
  }
  return { m, at };
}

describe('pacing measurements', () => {
  it('are not trusted from a cold start, and say why', () => {
    const m = createMeasurements(0);
    const e = estimate(m, 0);
    expect(e.trusted).toBe(false);
    expect(e.untrustedBecause).toContain('0.0 of 100 dials');
    // With nothing measured the estimate is the priors, which lean towards dialing less.
    expect(e.humanRate).toBeCloseTo(DEFAULT_PRIORS.humanRate, 9);
    expect(e.talk.mean).toBeCloseTo(DEFAULT_PRIORS.talkMeanSec, 9);
    expect(e.wrap.mean).toBeCloseTo(DEFAULT_PRIORS.wrapMeanSec, 9);
  });

  it('converge on the measured rates and durations', () => {
    const { m, at } = feed(0.2, 4000);
    const e = estimate(m, at);
    expect(e.trusted).toBe(true);
    expect(e.humanRate).toBeGreaterThan(0.17);
    expect(e.humanRate).toBeLessThan(0.23);
    expect(e.machineRate).toBeGreaterThan(0.035);
    expect(e.machineRate).toBeLessThan(0.065);
    expect(e.ring.mean).toBeGreaterThan(7);
    expect(e.ring.mean).toBeLessThan(9);
    expect(e.talk.mean).toBeGreaterThan(110);
    expect(e.talk.mean).toBeLessThan(135);
    expect(e.wrap.cdf(9)).toBeLessThan(0.1);
    expect(e.wrap.cdf(12.1)).toBeGreaterThan(0.95);
  });

  it('forget: an hour of silence makes them untrusted again', () => {
    const { m, at } = feed(0.2, 4000);
    expect(estimate(m, at + 3_600_000).trusted).toBe(false);
  });

  it('follow a change of the answer rate, quickly when it rises', () => {
    const { m, at } = feed(0.2, 4000);
    const m2 = structuredClone(m);
    const r = uniform(7);
    let t = at;
    // Two minutes of dials answered twice as often.
    for (let i = 0; i < 400; i++) {
      t += 300;
      recordDialOutcome(m2, t, r() < 0.4 ? 'human' : 'no-answer', 5);
    }
    const e = estimate(m2, t);
    expect(e.rateShift).toBe(true);
    expect(e.humanRate).toBeGreaterThan(0.3);
    expect(e.humanRate).toBe(e.humanRateFast);
    expect(estimate(m, at).rateShift).toBe(false);
  });

  it('are plain data that survive JSON', () => {
    const { m, at } = feed(0.2, 500);
    const copy = JSON.parse(JSON.stringify(m)) as typeof m;
    expect(JSON.stringify(estimate(copy, at))).toEqual(JSON.stringify(estimate(m, at)));
    expect(estimate(copy, at).ring.cdf(8)).toBeCloseTo(estimate(m, at).ring.cdf(8), 12);
  });
});
