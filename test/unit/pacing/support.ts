import type { Distribution } from '../../../src/domain/pacing/histogram.js';
import type { PacingEstimate } from '../../../src/domain/pacing/measurement.js';

export function exponential(mean: number, weight = 1000): Distribution {
  return { mean, weight, cdf: (s) => (s <= 0 ? 0 : 1 - Math.exp(-s / mean)) };
}

/** A trusted estimate with exponential durations, for controller tests. */
export function trustedEstimate(over: Partial<PacingEstimate> = {}): PacingEstimate {
  return {
    humanRate: 0.2,
    machineRate: 0.05,
    rateShift: false,
    ring: exponential(8),
    talk: exponential(120),
    wrap: exponential(15),
    samples: { dials: 5000, humans: 1000, machines: 250, talks: 1000, wraps: 1000 },
    trusted: true,
    ...over,
  };
}
