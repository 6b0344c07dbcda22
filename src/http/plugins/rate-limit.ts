import type { Clock } from '../../shared/clock.js';
import { errors } from '../../shared/errors.js';

const WINDOW_MS = 60_000;

/**
 * Per-account rolling-window limiter (Kore: 60 requests per rolling 60 s per account).
 * Each account keeps a ring of its last `limit` request times, so a check is O(1) and exact:
 * a request is allowed when the oldest of the last `limit` requests is at least 60 s old.
 * State is per process; several server processes each enforce the limit on their own.
 */
export class AccountRateLimiter {
  private readonly rings = new Map<string, { times: Float64Array; next: number }>();

  constructor(
    private readonly limit: number,
    private readonly clock: Clock,
  ) {}

  /** Throws the Kore 429 when the account is over its limit; records the request otherwise. */
  hit(accountId: string): void {
    if (this.limit <= 0) return;
    const now = this.clock.now();
    let ring = this.rings.get(accountId);
    if (!ring) {
      ring = { times: new Float64Array(this.limit).fill(-Infinity), next: 0 };
      this.rings.set(accountId, ring);
    }
    const oldest = ring.times[ring.next]!;
    if (oldest > now - WINDOW_MS) {
      throw errors.rateLimited(Math.max(1, Math.ceil((oldest + WINDOW_MS - now) / 1000)));
    }
    ring.times[ring.next] = now;
    ring.next = (ring.next + 1) % this.limit;
  }
}
