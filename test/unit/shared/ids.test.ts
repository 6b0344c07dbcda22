import { afterEach, describe, expect, it, vi } from 'vitest';
import { newId, uuidV7 } from '../../../src/shared/ids.js';

const V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('ids', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('are version 7 UUIDs after the type prefix, led by the millisecond they were made', () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(Date.UTC(2026, 11, 7, 12, 0, 0, 5));
    const id = newId('att');
    expect(id).toMatch(/^att-/);
    const uuid = id.slice(4);
    expect(uuid).toMatch(V7);
    expect(parseInt(uuid.slice(0, 8) + uuid.slice(9, 13), 16)).toBe(Date.UTC(2026, 11, 7, 12, 0, 0, 5));
  });

  it('sort in the order they were made, even past 4,096 in one millisecond, and never repeat', () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(Date.UTC(2027, 0, 1));
    const ids = Array.from({ length: 10_000 }, () => uuidV7());
    vi.setSystemTime(Date.UTC(2027, 0, 1, 0, 0, 1));
    ids.push(...Array.from({ length: 100 }, () => uuidV7()));
    expect(ids.every((id) => V7.test(id))).toBe(true);
    expect(new Set(ids).size).toBe(ids.length);
    expect([...ids].sort()).toEqual(ids);
    // The overflow borrowed milliseconds from the future, but no more than it needed.
    expect(parseInt(ids[9_999]!.slice(0, 8) + ids[9_999]!.slice(9, 13), 16) - Date.UTC(2027, 0, 1)).toBeLessThan(4);
  });
});
