import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../src/shared/clock.js';
import {
  DEFAULT_MAX_CONCURRENT,
  FairShareAllocator,
  TokenBucket,
  shareCapacity,
} from '../../../src/domain/engine/capacity.js';
import type { CampaignDemand } from '../../../src/domain/engine/capacity.js';

const c = (id: string, priority: number, wanted: number, inFlight = 0, maxConcurrent?: number): CampaignDemand => ({
  id,
  priority,
  wanted,
  inFlight,
  ...(maxConcurrent === undefined ? {} : { maxConcurrent }),
});
const obj = (m: Map<string, number>): Record<string, number> => Object.fromEntries(m);

describe('shareCapacity', () => {
  it('splits by p / Σp (Kore FAQ: 5 vs 3 -> 62.5% / 37.5%)', () => {
    expect(obj(shareCapacity(8, [c('a', 5, 100), c('b', 3, 100)]))).toEqual({ a: 5, b: 3 });
    expect(obj(shareCapacity(16, [c('a', 5, 100, 0, 50), c('b', 3, 100, 0, 50)]))).toEqual({ a: 10, b: 6 });
    expect(obj(shareCapacity(40, [c('a', 5, 100, 0, 100), c('b', 3, 100, 0, 100)]))).toEqual({ a: 25, b: 15 });
  });

  it('caps each campaign at its maximum, defaulting to Kore’s 10', () => {
    expect(DEFAULT_MAX_CONCURRENT).toBe(10);
    expect(obj(shareCapacity(30, [c('a', 5, 100), c('b', 3, 100)]))).toEqual({ a: 10, b: 10 });
    expect(obj(shareCapacity(30, [c('a', 5, 100, 0, 4), c('b', 3, 100, 0, 25)]))).toEqual({ a: 4, b: 25 });
  });

  it('redistributes what a campaign does not want, in proportion', () => {
    expect(obj(shareCapacity(20, [c('a', 5, 2), c('b', 3, 50, 0, 50)]))).toEqual({ a: 2, b: 18 });
    // c wants 1; the remaining 11 go 5:3... floored 6.875/4.125 -> 7/4
    expect(obj(shareCapacity(12, [c('a', 5, 50), c('b', 3, 50), c('c', 5, 1)]))).toEqual({ a: 7, b: 4, c: 1 });
  });

  it('counts in-flight calls against the total and against the campaign cap', () => {
    // a already holds 8 of 10: only 2 free, and b (target 3.75) takes both.
    expect(obj(shareCapacity(10, [c('a', 5, 50, 8), c('b', 3, 50, 0)]))).toEqual({ a: 0, b: 2 });
    // Targets 5 / 3 of 8 total; a holds 2 already.
    expect(obj(shareCapacity(8, [c('a', 5, 50, 2), c('b', 3, 50, 0)]))).toEqual({ a: 3, b: 3 });
    // Above its (lowered) cap: no new calls, and the overflow is not taken from others.
    expect(obj(shareCapacity(30, [c('a', 5, 50, 12, 10), c('b', 3, 50, 0)]))).toEqual({ a: 0, b: 10 });
    // More in flight than total capacity (capacity lowered): nobody starts anything.
    expect(obj(shareCapacity(5, [c('a', 5, 50, 6), c('b', 3, 50, 0)]))).toEqual({ a: 0, b: 0 });
  });

  it('breaks ties by id, whatever the input order', () => {
    const xs = [c('b', 3, 5), c('a', 3, 5), c('c', 3, 5)];
    expect(obj(shareCapacity(1, xs))).toEqual({ a: 1, b: 0, c: 0 });
    expect(obj(shareCapacity(2, [...xs].reverse()))).toEqual({ a: 1, b: 1, c: 0 });
  });

  it('handles empty and degenerate input', () => {
    expect(shareCapacity(10, []).size).toBe(0);
    expect(obj(shareCapacity(0, [c('a', 5, 5)]))).toEqual({ a: 0 });
    expect(obj(shareCapacity(-3, [c('a', 5, 5)]))).toEqual({ a: 0 });
    expect(obj(shareCapacity(10, [c('a', 5, 0), c('b', 1, -4)]))).toEqual({ a: 0, b: 0 });
  });

  it('rejects bad priorities and duplicate ids', () => {
    expect(() => shareCapacity(10, [c('a', 0, 5)])).toThrow(RangeError);
    expect(() => shareCapacity(10, [c('a', Number.NaN, 5)])).toThrow(RangeError);
    expect(() => shareCapacity(10, [c('a', 1, 5), c('a', 2, 5)])).toThrow(RangeError);
  });

  const demandArb = fc.uniqueArray(
    fc.record({
      id: fc.string({ minLength: 1, maxLength: 4 }),
      priority: fc.integer({ min: 1, max: 5 }),
      wanted: fc.integer({ min: 0, max: 40 }),
      inFlight: fc.integer({ min: 0, max: 15 }),
      maxConcurrent: fc.option(fc.integer({ min: 1, max: 30 }), { nil: undefined }),
    }),
    { minLength: 1, maxLength: 7, selector: (d) => d.id },
  );

  it('never exceeds free slots, caps or wants, and leaves no usable slot idle (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 80 }), demandArb, (total, demands) => {
        const out = shareCapacity(total, demands);
        const free = Math.max(0, total - demands.reduce((s, d) => s + d.inFlight, 0));
        const need = (d: (typeof demands)[number]): number =>
          Math.max(0, Math.min(d.wanted, (d.maxConcurrent ?? DEFAULT_MAX_CONCURRENT) - d.inFlight));
        let sum = 0;
        for (const d of demands) {
          const got = out.get(d.id)!;
          expect(Number.isInteger(got) && got >= 0).toBe(true);
          expect(got).toBeLessThanOrEqual(need(d));
          sum += got;
        }
        expect(sum).toBeLessThanOrEqual(free);
        // Work-conserving: either every free slot is used or every campaign got all it can use.
        expect(sum).toBe(
          Math.min(
            free,
            demands.reduce((s, d) => s + need(d), 0),
          ),
        );
      }),
      { numRuns: 500 },
    );
  });

  it('is deterministic under reordering and within one slot of p / Σp when nothing binds (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 60 }), demandArb, fc.nat(), (total, demands, rot) => {
        const rotated = demands.map((_, i) => demands[(i + rot) % demands.length]!);
        expect(obj(shareCapacity(total, rotated))).toEqual(obj(shareCapacity(total, demands)));
        const free = demands.map((d) => ({ ...d, inFlight: 0, wanted: 1000, maxConcurrent: 1000 }));
        const out = shareCapacity(total, free);
        const sumP = free.reduce((s, d) => s + d.priority, 0);
        for (const d of free) expect(Math.abs(out.get(d.id)! - (total * d.priority) / sumP)).toBeLessThan(1);
      }),
      { numRuns: 300 },
    );
  });

  it('over many ticks gives priority 5 vs 3 about 62.5% / 37.5% of the calls in progress', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 0x7fffffff }), fc.integer({ min: 4, max: 30 }), (seed, total) => {
        let s = seed;
        const rand = (n: number): number => ((s = (s * 48271) % 0x7fffffff), s % n);
        const alloc = new FairShareAllocator();
        const calls: Record<string, number[]> = { hi: [], lo: [] }; // remaining ticks per call
        const busy: Record<string, number> = { hi: 0, lo: 0 };
        for (let tick = 0; tick < 1500; tick++) {
          for (const id of ['hi', 'lo']) calls[id] = calls[id]!.map((r) => r - 1).filter((r) => r > 0);
          const grant = alloc.allocate(total, [
            { id: 'hi', priority: 5, wanted: 1000, maxConcurrent: 1000, inFlight: calls.hi!.length },
            { id: 'lo', priority: 3, wanted: 1000, maxConcurrent: 1000, inFlight: calls.lo!.length },
          ]);
          for (const id of ['hi', 'lo']) {
            for (let k = 0; k < grant.get(id)!; k++) calls[id]!.push(1 + rand(6));
            busy[id]! += calls[id]!.length;
          }
        }
        const share = busy.hi! / (busy.hi! + busy.lo!);
        expect(Math.abs(share - 0.625)).toBeLessThan(0.005);
      }),
      { numRuns: 20 },
    );
  });

  it('FairShareAllocator evens out rounding that plain largest remainder repeats every tick', () => {
    const demands = [c('hi', 5, 100), c('lo', 3, 100)];
    // Stateless: 6.25 / 3.75 rounds to 6 / 4 on every tick.
    expect(obj(shareCapacity(10, demands))).toEqual({ hi: 6, lo: 4 });
    const alloc = new FairShareAllocator();
    let hi = 0;
    for (let i = 0; i < 8; i++) hi += alloc.allocate(10, demands).get('hi')!;
    expect(hi).toBe(50); // 6.25 × 8
    expect(Math.abs(alloc.creditOf('hi'))).toBeLessThan(1);
    alloc.allocate(10, [c('lo', 3, 100)]);
    expect(alloc.creditOf('hi')).toBe(0); // forgotten once the campaign is gone
  });
});

describe('TokenBucket', () => {
  it('starts full, grants at most what it holds, and refills with clock time', () => {
    const clock = new ManualClock(1_000_000);
    const b = new TokenBucket({ ratePerSec: 5 }, clock);
    expect(b.burst).toBe(5);
    expect(b.take(10)).toBe(5);
    expect(b.take()).toBe(0);
    clock.advance(199);
    expect(b.take()).toBe(0);
    clock.advance(1);
    expect(b.take()).toBe(1);
    clock.advance(60_000);
    expect(b.available()).toBe(5); // capped at burst
  });

  it('handles fractional rates and honours initialTokens and burst', () => {
    const clock = new ManualClock(0);
    const b = new TokenBucket({ ratePerSec: 0.5, burst: 2, initialTokens: 0 }, clock);
    expect(b.take()).toBe(0);
    expect(b.msUntil()).toBe(2000);
    clock.advance(1999);
    expect(b.take()).toBe(0);
    clock.advance(1);
    expect(b.take()).toBe(1);
    expect(b.msUntil(5)).toBe(4000); // at most burst tokens are ever waited for
  });

  it('does not lose tokens to floating-point drift over many small steps', () => {
    const clock = new ManualClock(0);
    const b = new TokenBucket({ ratePerSec: 3, burst: 10, initialTokens: 0 }, clock);
    for (let i = 0; i < 1000; i++) {
      clock.advance(1);
      b.available();
    }
    expect(b.take(10)).toBe(3);
  });

  it('ignores a clock stepping backwards and odd take() arguments', () => {
    const clock = new ManualClock(10_000);
    const b = new TokenBucket({ ratePerSec: 1, burst: 1 }, clock);
    expect(b.take(2.7)).toBe(1);
    clock.set(5_000);
    expect(b.take()).toBe(0);
    clock.set(10_999);
    expect(b.take()).toBe(0);
    clock.set(11_000);
    expect(b.take(0)).toBe(0);
    expect(b.take(-1)).toBe(0);
    expect(b.take()).toBe(1);
  });

  it('rejects a non-positive rate or a burst below one', () => {
    const clock = new ManualClock(0);
    expect(() => new TokenBucket({ ratePerSec: 0 }, clock)).toThrow(RangeError);
    expect(() => new TokenBucket({ ratePerSec: Number.NaN }, clock)).toThrow(RangeError);
    expect(() => new TokenBucket({ ratePerSec: 1, burst: 0.5 }, clock)).toThrow(RangeError);
  });

  it('never grants more than burst + rate × elapsed (property)', () => {
    fc.assert(
      fc.property(
        fc.double({ min: 0.1, max: 50, noNaN: true }),
        fc.integer({ min: 1, max: 20 }),
        fc.array(fc.record({ dt: fc.integer({ min: 0, max: 3000 }), n: fc.integer({ min: 0, max: 30 }) }), {
          maxLength: 60,
        }),
        (rate, burst, steps) => {
          const clock = new ManualClock(0);
          const b = new TokenBucket({ ratePerSec: rate, burst }, clock);
          let granted = 0;
          for (const { dt, n } of steps) {
            clock.advance(dt);
            const g = b.take(n);
            expect(g).toBeGreaterThanOrEqual(0);
            expect(g).toBeLessThanOrEqual(n);
            granted += g;
            expect(granted).toBeLessThanOrEqual(burst + (rate * clock.now()) / 1000 + 1e-6);
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});
