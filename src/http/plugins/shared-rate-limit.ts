import type { Clock } from '../../shared/clock.js';
import { errors } from '../../shared/errors.js';
import { WINDOW_MS, type AccountLimiter } from './rate-limit.js';

/** Where the shared count is kept (storage/repos/pg-rate-limits-repo.ts). */
export interface SharedCount {
  /** Admits and records an event of `key` at `now`: 0, or the ms to wait when `limit` are already in the window. */
  admit(key: string, now: number, limit: number, windowMs: number): Promise<number>;
}

/**
 * The rolling 60 s limit of RollingLimiter, counted in the database every server process shares,
 * so that several processes behind one load balancer enforce one limit between them. Each check
 * is one statement; a limit of 0 costs nothing. A database that cannot answer fails the request
 * like any other database failure (503): the limit is never waived.
 */
export class SharedRollingLimiter implements AccountLimiter {
  constructor(
    private readonly limit: number,
    private readonly clock: Clock,
    private readonly count: SharedCount,
  ) {}

  hit(key: string): void | Promise<void> {
    if (this.limit <= 0) return;
    return this.count.admit(key, this.clock.now(), this.limit, WINDOW_MS).then((waitMs) => {
      if (waitMs > 0) throw errors.rateLimited(Math.ceil(waitMs / 1000));
    });
  }
}
