/** Seeded randomness for the pacing simulator: small, fast and the same on every machine. */
import { uniform } from '../../shared/random.js';

/** A generator for item `i` of stream `seed`: item i draws the same numbers whatever else happened. */
export function streamFor(seed: number, i: number): () => number {
  let h = Math.imul(seed ^ 0x9e3779b9, 0x85ebca6b) ^ Math.imul(i + 1, 0xc2b2ae35);
  h ^= h >>> 16;
  h = Math.imul(h, 0x7feb352d);
  h ^= h >>> 15;
  return uniform(h);
}

/** Standard normal by Box–Muller. */
export function normal(rand: () => number): number {
  const u = Math.max(rand(), 1e-12);
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rand());
}

/** A log-normal draw with the given mean and standard deviation (of the value, not its log). */
export function logNormal(rand: () => number, mean: number, sd: number): number {
  const s2 = Math.log(1 + (sd * sd) / (mean * mean));
  return Math.exp(Math.log(mean) - s2 / 2 + Math.sqrt(s2) * normal(rand));
}
