/**
 * A time-decayed histogram on fixed, equal-width bins: the compact sufficient statistic pacing keeps
 * for each duration it measures (ring, talk, wrap-up). Plain data, so the engine can persist it as
 * JSON; updates mutate the object passed in and read no clock (time comes with each observation).
 */
export interface DecayedHistogram {
  /** Width of a bin, in seconds. */
  binSec: number;
  /** Weights of bins [i·binSec, (i+1)·binSec); the last bin also holds everything above. */
  weights: number[];
  /** Time (ms) the weights were last decayed to. */
  at: number;
}

export function createHistogram(binSec: number, bins: number, at = 0): DecayedHistogram {
  return { binSec, weights: new Array<number>(bins).fill(0), at };
}

/** Multiplies every weight by 2^(−Δt / halfLife) so the histogram describes time `at`. */
export function decayHistogram(h: DecayedHistogram, at: number, halfLifeMs: number): void {
  if (at <= h.at) return;
  const f = Math.pow(2, -(at - h.at) / halfLifeMs);
  for (let i = 0; i < h.weights.length; i++) h.weights[i]! *= f;
  h.at = at;
}

export function addToHistogram(h: DecayedHistogram, valueSec: number, weight = 1): void {
  const i = Math.min(h.weights.length - 1, Math.max(0, Math.floor(valueSec / h.binSec)));
  h.weights[i]! += weight;
}

/** Adds `weight` spread over the bins as the given distribution function says (priors). */
export function addDistribution(h: DecayedHistogram, cdf: (sec: number) => number, weight: number): void {
  let prev = 0;
  for (let i = 0; i < h.weights.length; i++) {
    const upper = i === h.weights.length - 1 ? 1 : cdf((i + 1) * h.binSec);
    h.weights[i]! += weight * Math.max(0, upper - prev);
    prev = Math.max(prev, upper);
  }
}

export function histogramTotal(h: DecayedHistogram): number {
  let s = 0;
  for (const w of h.weights) s += w;
  return s;
}

/**
 * A read-only view of a histogram as a distribution: the CDF interpolates linearly within a bin
 * (values are taken as uniform inside their bin), the mean uses bin midpoints.
 */
export interface Distribution {
  cdf(sec: number): number;
  mean: number;
  /** Total (decayed) weight: the effective number of observations behind it. */
  weight: number;
}

export function toDistribution(h: DecayedHistogram): Distribution {
  const n = h.weights.length;
  const cum = new Float64Array(n + 1);
  let mean = 0;
  for (let i = 0; i < n; i++) {
    cum[i + 1] = cum[i]! + h.weights[i]!;
    mean += h.weights[i]! * (i + 0.5) * h.binSec;
  }
  const total = cum[n]!;
  const binSec = h.binSec;
  return {
    weight: total,
    mean: total > 0 ? mean / total : 0,
    cdf(sec: number): number {
      if (total <= 0) return 0;
      if (sec <= 0) return 0;
      const x = sec / binSec;
      const i = Math.floor(x);
      if (i >= n) return 1;
      return (cum[i]! + (x - i) * h.weights[i]!) / total;
    },
  };
}
