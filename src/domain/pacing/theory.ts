/**
 * Reference occupancies for the `pacing` bench, computed from the simulator's own distributions
 * (docs/pacing.md, "How good can it get").
 */

/**
 * The fluid bound: an agent's cycle is at least talk + wrap-up, so no dialer — however clairvoyant —
 * keeps agents talking more than E[talk] / (E[talk] + E[wrap]) of their time. Exact as an upper bound.
 */
export function fluidOccupancyBound(talkMeanSec: number, wrapMeanSec: number): number {
  return talkMeanSec / (talkMeanSec + wrapMeanSec);
}

/** Erlang C: P(an arrival waits) in M/M/N with offered load `a` Erlangs, a < N. */
export function erlangC(agents: number, a: number): number {
  if (a >= agents) return 1;
  // Σ_{k<N} a^k/k! and a^N/N!, by the usual recurrence, scaled to avoid overflow.
  let term = 1;
  let sum = 0;
  for (let k = 0; k < agents; k++) {
    sum += term;
    term = (term * a) / (k + 1);
  }
  const top = (term * agents) / (agents - a);
  return top / (sum + top);
}

/**
 * The best occupancy for *random* (Poisson) answers: the largest load whose Erlang-C probability of
 * waiting longer than the connect deadline, C·e^{−(N−a)·t/E[S]}, stays within the abandon target; the
 * agents then talk a·(1 − target)/N × E[talk]/E[S] of their time. Exponential service with the measured
 * mean stands in for the real distribution. A dialer that watches its agents beats it (it does not
 * dial at random), so it is a floor for what pacing should reach, not a ceiling.
 */
export function erlangOccupancy(
  agents: number,
  talkMeanSec: number,
  wrapMeanSec: number,
  deadlineSec: number,
  target: number,
): number {
  const service = talkMeanSec + wrapMeanSec;
  const late = (a: number) => erlangC(agents, a) * Math.exp((-(agents - a) * deadlineSec) / service);
  let lo = 0;
  let hi = agents;
  for (let i = 0; i < 60; i++) {
    const mid = (lo + hi) / 2;
    if (late(mid) <= target) lo = mid;
    else hi = mid;
  }
  return ((lo * (1 - target)) / agents) * (talkMeanSec / service);
}
