import { BoundedCache } from '../../shared/bounded-cache.js';
import type { Clock } from '../../shared/clock.js';
import { errors } from '../../shared/errors.js';

export const WINDOW_MS = 60_000;

/**
 * The per-account limit as auth.ts applies it, whichever keeps the count: this process
 * (RollingLimiter) or the database every server process shares (shared-rate-limit.ts).
 */
export interface AccountLimiter {
  /**
   * Refuses `key` with the Kore 429 when it is over its limit and records the event otherwise.
   * Returns a promise only when the answer needs a round trip, so the per-process limiter keeps
   * the authentication hook synchronous.
   */
  hit(key: string): void | Promise<void>;
}

interface Ring {
  times: Float64Array;
  next: number;
}

/**
 * At most `limit` events per key per rolling 60 s. Each key keeps a ring of its last `limit` event
 * times, so a check is O(1) and exact: an event is allowed when the oldest of the last `limit` is
 * at least 60 s old. Keys are bounded (least recently seen forgotten first), so a flood of new
 * keys cannot grow it. State is per process.
 */
export class RollingLimiter implements AccountLimiter {
  private readonly rings: BoundedCache<string, Ring>;

  constructor(
    private readonly limit: number,
    private readonly clock: Clock,
    maxKeys = 100_000,
  ) {
    this.rings = new BoundedCache(maxKeys);
  }

  /** Seconds until `key` may have another event; 0 when it may now. Records nothing. */
  retryAfter(key: string): number {
    const ring = this.limit > 0 ? this.rings.get(key) : undefined;
    return ring ? this.wait(ring, this.clock.now()) : 0;
  }

  record(key: string): void {
    if (this.limit > 0) this.put(this.ringOf(key), this.clock.now());
  }

  /** Throws the Kore 429 when `key` is over its limit; records the event otherwise. */
  hit(key: string): void {
    if (this.limit <= 0) return;
    const ring = this.ringOf(key);
    const now = this.clock.now();
    const wait = this.wait(ring, now);
    if (wait > 0) throw errors.rateLimited(wait);
    this.put(ring, now);
  }

  private ringOf(key: string): Ring {
    let ring = this.rings.get(key);
    if (!ring) this.rings.set(key, (ring = { times: new Float64Array(this.limit).fill(-Infinity), next: 0 }));
    return ring;
  }

  private wait(ring: Ring, now: number): number {
    const oldest = ring.times[ring.next]!;
    return oldest > now - WINDOW_MS ? Math.max(1, Math.ceil((oldest + WINDOW_MS - now) / 1000)) : 0;
  }

  private put(ring: Ring, now: number): void {
    ring.times[ring.next] = now;
    ring.next = (ring.next + 1) % this.limit;
  }
}
