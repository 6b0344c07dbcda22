import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { decidePacing, type PacingInput } from '../../../src/domain/pacing/controller.js';
import { createMeasurements, estimate } from '../../../src/domain/pacing/measurement.js';
import { exponential, trustedEstimate } from './support.js';

/** A window far from its target: 20 000 answers, 1 % abandoned. */
const calmWindow = { abandoned: 200, answered: 20_000 };

function input(over: Partial<PacingInput> = {}): PacingInput {
  return {
    estimate: trustedEstimate(),
    freeAgents: 5,
    onCallSec: [10, 50, 100, 200],
    wrapUpSec: [3, 8],
    ringingSec: [1, 4, 9],
    window: calmWindow,
    ...over,
  };
}

const situation = fc.record({
  humanRate: fc.double({ min: 0.01, max: 0.8, noNaN: true }),
  machineRate: fc.double({ min: 0, max: 0.19, noNaN: true }),
  ringMean: fc.double({ min: 2, max: 20, noNaN: true }),
  talkMean: fc.double({ min: 20, max: 400, noNaN: true }),
  wrapMean: fc.double({ min: 1, max: 90, noNaN: true }),
  free: fc.integer({ min: 0, max: 40 }),
  onCall: fc.array(fc.double({ min: 0, max: 900, noNaN: true }), { maxLength: 60 }),
  wrap: fc.array(fc.double({ min: 0, max: 90, noNaN: true }), { maxLength: 20 }),
  ringing: fc.array(fc.double({ min: 0, max: 30, noNaN: true }), { maxLength: 80 }),
  waiting: fc.integer({ min: 0, max: 3 }),
  answered: fc.integer({ min: 0, max: 50_000 }),
  abandonShare: fc.double({ min: 0, max: 0.06, noNaN: true }),
  maxDialRatio: fc.option(fc.double({ min: 1, max: 6, noNaN: true }), { nil: undefined }),
});
type Situation = typeof situation extends fc.Arbitrary<infer T> ? T : never;

function toInput(s: Situation): PacingInput {
  return {
    estimate: trustedEstimate({
      humanRate: s.humanRate,
      machineRate: s.machineRate,
      ring: exponential(s.ringMean),
      talk: exponential(s.talkMean),
      wrap: exponential(s.wrapMean),
    }),
    freeAgents: s.free,
    onCallSec: s.onCall,
    wrapUpSec: s.wrap,
    ringingSec: s.ringing,
    waitingHumans: s.waiting,
    window: { abandoned: Math.floor(s.answered * s.abandonShare), answered: s.answered },
    ...(s.maxDialRatio !== undefined ? { settings: { maxDialRatio: s.maxDialRatio } } : {}),
  };
}

describe('decidePacing', () => {
  it('dials more than progressive when the model allows, and says why', () => {
    const d = decidePacing(input());
    expect(d.mode).toBe('predictive');
    expect(d.guard.state).toBe('open');
    expect(d.dials).toBeGreaterThan(d.progressiveDials);
    expect(d.model?.expectedAbandons).toBeLessThanOrEqual(
      (d.model?.aimedRate ?? 0) * (d.model?.humansAllowed ?? 0) + 1e-9,
    );
    expect(d.reasons.join('\n')).toMatch(/abandon rate so far 1\.00 %/);
    expect(d.reasons.join('\n')).toMatch(/placing \d+ call\(s\)/);
  });

  it('is progressive from a cold start', () => {
    const d = decidePacing(input({ estimate: estimate(createMeasurements(0), 0) }));
    expect(d.guard.state).toBe('cold');
    expect(d.mode).toBe('progressive');
    expect(d.dials).toBe(2); // 5 free − 3 ringing
    expect(d.reasons.join('\n')).toMatch(/cold start: 0\.0 of 100 dials measured/);
  });

  it('trips when one more abandon would put the window above the target', () => {
    // 3 of 100: a fourth abandon among 101 answers is 3.96 %.
    const d = decidePacing(input({ window: { abandoned: 3, answered: 100 } }));
    expect(d.guard.state).toBe('tripped');
    expect(d.dials).toBe(2);
    expect(d.reasons[1]).toMatch(/one more abandon would make 3\.96 %/);
  });

  it('keeps a young window progressive (the reserve)', () => {
    // 0 of 200: fine by itself, but a budget of 5 abandons is within the reserve of 8.
    const d = decidePacing(input({ window: { abandoned: 0, answered: 200 } }));
    expect(d.guard.state).toBe('tripped');
    expect(d.reasons[1]).toMatch(/within the reserve of 8/);
    expect(decidePacing(input({ window: { abandoned: 0, answered: 400 } })).guard.state).toBe('open');
  });

  it('never places a call for an agent already promised to one', () => {
    const d = decidePacing(input({ window: { abandoned: 3, answered: 100 }, ringingSec: [1, 2, 3, 4, 5, 6, 7] }));
    expect(d.dials).toBe(0);
  });

  it('respects the maximum dial ratio', () => {
    const free = decidePacing(input({ estimate: trustedEstimate({ humanRate: 0.05 }) }));
    const capped = decidePacing(
      input({ estimate: trustedEstimate({ humanRate: 0.05 }), settings: { maxDialRatio: 1.5 } }),
    );
    expect(capped.dials).toBeLessThan(free.dials);
    expect(capped.limitedBy).toBe('max-ratio');
    expect(capped.ratio).toBeLessThanOrEqual(1.5 + 1e-9);
  });

  describe('properties', () => {
    it('never negative, an integer, never fewer than progressive', () => {
      fc.assert(
        fc.property(situation, (s) => {
          const d = decidePacing(toInput(s));
          expect(Number.isInteger(d.dials)).toBe(true);
          expect(d.dials).toBeGreaterThanOrEqual(0);
          expect(d.progressiveDials).toBe(Math.max(0, s.free - s.ringing.length - s.waiting));
          expect(d.dials).toBeGreaterThanOrEqual(d.progressiveDials);
        }),
      );
    });

    it('more free agents never mean fewer dials', () => {
      fc.assert(
        fc.property(situation, fc.integer({ min: 1, max: 10 }), (s, more) => {
          const a = decidePacing(toInput(s));
          const b = decidePacing(toInput({ ...s, free: s.free + more }));
          expect(b.dials).toBeGreaterThanOrEqual(a.dials);
        }),
      );
    });

    it('a higher human answer rate never means more dials', () => {
      fc.assert(
        fc.property(situation, fc.double({ min: 0.001, max: 0.2, noNaN: true }), (s, more) => {
          const a = decidePacing(toInput(s));
          const b = decidePacing(toInput({ ...s, humanRate: Math.min(0.8, s.humanRate + more) }));
          expect(b.dials).toBeLessThanOrEqual(a.dials);
        }),
      );
    });

    it('a higher abandon rate so far never means more dials', () => {
      fc.assert(
        fc.property(situation, fc.integer({ min: 1, max: 50 }), (s, extra) => {
          const base = toInput(s);
          const worse = { ...base, window: { ...base.window, abandoned: base.window.abandoned + extra } };
          expect(decidePacing(worse).dials).toBeLessThanOrEqual(decidePacing(base).dials);
        }),
      );
    });

    it('calls out stay within the maximum ratio × agents free or busy (or the free agents)', () => {
      fc.assert(
        fc.property(situation, fc.double({ min: 1, max: 6, noNaN: true }), (s, ratio) => {
          const d = decidePacing(toInput({ ...s, maxDialRatio: ratio }));
          const agents = s.free + s.onCall.length + s.wrap.length;
          expect(s.ringing.length + d.dials).toBeLessThanOrEqual(
            Math.max(ratio * agents, s.ringing.length + s.free) + 1e-9,
          );
        }),
      );
    });

    it('equals progressive whenever the guard is not open', () => {
      fc.assert(
        fc.property(situation, (s) => {
          const d = decidePacing(toInput(s));
          if (d.guard.state !== 'open') {
            expect(d.mode).toBe('progressive');
            expect(d.dials).toBe(d.progressiveDials);
          }
          const A = Math.floor(s.answered * s.abandonShare);
          if (A + 1 > 0.03 * (s.answered + 1)) expect(d.guard.state).toBe('tripped');
        }),
      );
    });

    it('cold start is never above progressive', () => {
      fc.assert(
        fc.property(situation, (s) => {
          const i = toInput(s);
          const d = decidePacing({ ...i, estimate: { ...i.estimate, trusted: false } });
          expect(d.dials).toBe(d.progressiveDials);
          expect(d.dials).toBeLessThanOrEqual(s.free);
        }),
      );
    });
  });
});
