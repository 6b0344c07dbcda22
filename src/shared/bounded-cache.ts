interface Entry<V> {
  value: V;
  /** With a lifetime: the entry is valid in [from, until). */
  from?: number;
  until?: number;
}

/**
 * A map of at most `max` entries that forgets the least recently used one beyond that, each entry
 * with an optional lifetime. Every in-process cache of campaignd is one of these, so none can be
 * grown without bound (a flood of distinct tokens, zone names or bots) and none keeps its own
 * eviction rule. A Map keeps insertion order, so moving a hit to the end (delete, then set) makes
 * its first key the least recently used: no list of its own, no dependency.
 *
 * An entry set at t with a lifetime of L is valid in [t, t + L): a clock that stepped back (or a
 * test's) makes it as stale as one too old.
 *
 *   const tokens = new BoundedCache<string, Verified>(10_000, () => clock.now());
 *   tokens.set(token, verified, 5 * 60_000);
 *   tokens.get(token); // undefined once 5 minutes have passed
 */
export class BoundedCache<K, V> {
  private readonly entries = new Map<K, Entry<V>>();
  /** The most recently used key (the Map's last), whose hit needs no reordering. */
  private newest: K | undefined;

  /** `now` ages entries set with a lifetime; the default is the wall clock. */
  constructor(
    readonly max: number,
    private readonly now: () => number = Date.now,
  ) {
    if (!Number.isInteger(max) || max < 1) throw new RangeError('a bounded cache holds at least one entry');
  }

  get size(): number {
    return this.entries.size;
  }

  /** The value, or undefined when absent or expired (an expired entry is dropped). A hit becomes the most recently used. */
  get(key: K): V | undefined {
    const e = this.entries.get(key);
    if (e === undefined) return undefined;
    if (e.until !== undefined) {
      const t = this.now();
      if (t < e.from! || t >= e.until) {
        this.delete(key);
        return undefined;
      }
    }
    // The hot paths ask for the same key again and again; it is already the most recent then.
    if (key !== this.newest) {
      this.entries.delete(key);
      this.entries.set(key, e);
      this.newest = key;
    }
    return e.value;
  }

  /** Stores `value`, valid for `lifetimeMs` from now when given (forever otherwise), evicting the least recently used entry if full. */
  set(key: K, value: V, lifetimeMs?: number): void {
    this.entries.delete(key);
    if (lifetimeMs === undefined) this.entries.set(key, { value });
    else {
      const from = this.now();
      this.entries.set(key, { value, from, until: from + lifetimeMs });
    }
    this.newest = key;
    if (this.entries.size > this.max) this.entries.delete(this.entries.keys().next().value as K);
  }

  delete(key: K): void {
    this.entries.delete(key);
    if (key === this.newest) this.newest = undefined;
  }

  clear(): void {
    this.entries.clear();
    this.newest = undefined;
  }
}
