import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BoundedCache } from '../../../src/shared/bounded-cache.js';
import { ManualClock } from '../../../src/shared/clock.js';

describe('BoundedCache', () => {
  it('forgets the least recently used entry beyond its size, a hit counting as a use', () => {
    const c = new BoundedCache<string, number>(2);
    c.set('a', 1);
    c.set('b', 2);
    expect(c.get('a')).toBe(1); // b is now the least recently used
    c.set('c', 3);
    expect([c.get('a'), c.get('b'), c.get('c'), c.size]).toEqual([1, undefined, 3, 2]);
    c.set('a', 10); // a replaced value is a use too
    c.set('d', 4);
    expect([c.get('a'), c.get('c'), c.get('d')]).toEqual([10, undefined, 4]);
  });

  it('keeps an entry for its lifetime only, and not when the clock steps back', () => {
    const clock = new ManualClock(1000);
    const c = new BoundedCache<string, string>(10, () => clock.now());
    c.set('token', 'app-1', 500);
    c.set('forever', 'x');
    clock.advance(499);
    expect(c.get('token')).toBe('app-1');
    clock.advance(1);
    expect(c.get('token')).toBeUndefined();
    expect(c.size).toBe(1); // the expired entry was dropped
    c.set('token', 'app-2', 500);
    clock.set(999);
    expect(c.get('token')).toBeUndefined();
    expect(c.get('forever')).toBe('x');
  });

  it('deletes and clears', () => {
    const c = new BoundedCache<number, number>(3);
    c.set(1, 1);
    c.set(2, 2);
    c.delete(1);
    expect([c.get(1), c.get(2), c.size]).toEqual([undefined, 2, 1]);
    c.clear();
    expect(c.size).toBe(0);
  });

  it('refuses a size below one', () => {
    expect(() => new BoundedCache(0)).toThrow(RangeError);
  });

  it('behaves as a reference LRU list under any sequence of gets and sets', () => {
    const op = fc.oneof(
      fc.record({ kind: fc.constant('get' as const), key: fc.integer({ min: 0, max: 7 }) }),
      fc.record({ kind: fc.constant('set' as const), key: fc.integer({ min: 0, max: 7 }), value: fc.integer() }),
    );
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 5 }), fc.array(op, { maxLength: 60 }), (max, ops) => {
        const cache = new BoundedCache<number, number>(max);
        let model: [number, number][] = []; // least recently used first
        for (const o of ops) {
          const i = model.findIndex(([k]) => k === o.key);
          if (o.kind === 'get') {
            const want = i >= 0 ? model[i]![1] : undefined;
            if (i >= 0) model = [...model.filter((_, j) => j !== i), model[i]!];
            expect(cache.get(o.key)).toBe(want);
          } else {
            model = [...model.filter(([k]) => k !== o.key), [o.key, o.value]];
            if (model.length > max) model = model.slice(1);
            cache.set(o.key, o.value);
          }
          expect(cache.size).toBe(model.length);
        }
      }),
    );
  });
});
