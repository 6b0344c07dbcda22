import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { expectedShortfall, largestLambda, poissonBinomial } from '../../../src/domain/pacing/abandon-model.js';

function poissonPmf(lambda: number, k: number): number {
  let p = Math.exp(-lambda);
  for (let i = 1; i <= k; i++) p = (p * lambda) / i;
  return p;
}

/** E[(D − s)+] by summing the tail directly. */
function bruteShortfall(lambda: number, free: number, busy: Float64Array): number {
  let total = 0;
  for (let b = 0; b < busy.length; b++) {
    const s = free + b;
    let e = 0;
    for (let k = s + 1; k < s + 400; k++) e += (k - s) * poissonPmf(lambda, k);
    total += busy[b]! * e;
  }
  return total;
}

describe('poissonBinomial', () => {
  it('is a distribution with the right mean', () => {
    fc.assert(
      fc.property(fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { maxLength: 60 }), (ps) => {
        const d = poissonBinomial(ps);
        const sum = d.reduce((a, b) => a + b, 0);
        const mean = d.reduce((a, p, i) => a + p * i, 0);
        expect(sum).toBeCloseTo(1, 9);
        expect(mean).toBeCloseTo(
          ps.reduce((a, b) => a + b, 0),
          6,
        );
      }),
    );
  });
});

describe('expectedShortfall', () => {
  it('matches a direct sum of the tail', () => {
    fc.assert(
      fc.property(
        fc.double({ min: 0, max: 60, noNaN: true }),
        fc.integer({ min: 0, max: 30 }),
        fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { maxLength: 20 }),
        (lambda, free, ps) => {
          const busy = poissonBinomial(ps);
          expect(expectedShortfall(lambda, free, busy)).toBeCloseTo(bruteShortfall(lambda, free, busy), 6);
        },
      ),
      { numRuns: 60 },
    );
  });

  it('is zero with no demand, λ − s with no agents at all', () => {
    expect(expectedShortfall(0, 3, poissonBinomial([0.5]))).toBe(0);
    expect(expectedShortfall(7.5, 0, poissonBinomial([]))).toBeCloseTo(7.5, 12);
  });

  it('does not overflow for a large λ', () => {
    const v = expectedShortfall(900, 850, poissonBinomial([]));
    expect(Number.isFinite(v)).toBe(true);
    expect(v).toBeGreaterThan(50);
    expect(v).toBeLessThan(60);
  });
});

describe('largestLambda', () => {
  it('finds the end of the interval where the predicate holds', () => {
    expect(largestLambda((l) => l <= 37.25)).toBeCloseTo(37.25, 2);
    expect(largestLambda((l) => l <= 0.3)).toBeCloseTo(0.3, 3);
    expect(largestLambda(() => false)).toBe(0);
  });
});
