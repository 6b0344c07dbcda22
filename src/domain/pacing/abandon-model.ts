/**
 * The maths of the pacing model, kept apart from the decision so each piece has its own tests.
 *
 * Supply S = free agents + B, where B (agents freeing within the horizon) is Poisson-binomial over the
 * busy agents. Demand D (human answers of the calls ringing plus the new ones) is taken as Poisson(λ):
 * its variance λ bounds the Bernoulli sum's from above, which errs on the side of fewer dials, and makes
 * the whole model depend on the answer rate only through λ (so a higher answer rate can only mean
 * fewer dials). Expected abandons of the cohort are E[(D − S)+].
 */

/** P(B = b), b = 0..n, for independent Bernoulli(p_i): the Poisson-binomial distribution. */
export function poissonBinomial(ps: readonly number[]): Float64Array {
  const dist = new Float64Array(ps.length + 1);
  dist[0] = 1;
  let n = 0;
  for (const p of ps) {
    n++;
    for (let b = n; b >= 1; b--) dist[b] = dist[b]! * (1 - p) + dist[b - 1]! * p;
    dist[0] = dist[0]! * (1 - p);
  }
  return dist;
}

/**
 * E[(D − (free + B))+] for D ~ Poisson(λ) and B with distribution `busyFree` (P(B = b)): the expected
 * human answers that find no agent. Uses E[(D − s)+] = λ − s + Σ_{k<s} (s − k)·P(D = k).
 */
export function expectedShortfall(lambda: number, free: number, busyFree: Float64Array): number {
  if (lambda <= 0) return 0;
  const maxS = free + busyFree.length - 1;
  let result = 0;
  // Running P(D = k), P(D ≤ k − 1) and c(s) = Σ_{k<s} (s − k)·P(D = k) as s grows.
  let logMode = false;
  let pk = Math.exp(-lambda);
  if (pk === 0) logMode = true;
  const logLambda = Math.log(lambda);
  let logPk = -lambda;
  let below = 0; // P(D ≤ s − 1)
  let c = 0;
  for (let s = 0; s <= maxS; s++) {
    if (s > 0) {
      c += below + pk; // c(s) = c(s−1) + P(D ≤ s−1)
      below += pk;
      if (logMode) {
        logPk += logLambda - Math.log(s);
        pk = Math.exp(logPk);
      } else {
        pk = (pk * lambda) / s;
      }
    }
    if (s >= free) {
      const w = busyFree[s - free]!;
      if (w > 0) result += w * Math.max(0, lambda - s + c);
    }
  }
  return result;
}

/**
 * The largest λ ≥ 0 with `ok(λ)`, for a predicate that holds on an interval starting at 0 and fails
 * for λ large enough (true for every use here: the shortfall is convex and increasing in λ). Doubling
 * then bisection to a relative 1e-4; the probe points depend on nothing but `ok`, so a predicate that
 * holds wherever another does gets an answer at least as large (what the monotonicity tests rely on).
 */
export function largestLambda(ok: (lambda: number) => boolean): number {
  if (!ok(0)) return 0;
  let lo = 0;
  let hi = 8;
  while (ok(hi)) {
    lo = hi;
    hi *= 2;
    if (hi > 1 << 24) return lo;
  }
  while (hi - lo > 1e-4 * Math.max(1, hi)) {
    const mid = (lo + hi) / 2;
    if (ok(mid)) lo = mid;
    else hi = mid;
  }
  return lo;
}
