import { sql, type Kysely } from 'kysely';
import type { Database } from '../schema.js';

/** Digits of one epoch-ms time in `rate_limits.recent`: enough until the year 2286. */
const STAMP = 13;

/**
 * The rolling-window rate limit of every server process sharing one PostgreSQL database
 * (migration 020). A key's row holds the times of its last `limit` admitted requests; a request is
 * admitted when fewer than `limit` are recorded or the oldest of the last `limit` has left the
 * window, and then its time replaces that oldest one. That is the same exact rule as the
 * per-process RollingLimiter, kept in the database instead of in memory.
 *
 * The check and the record are one statement: the upsert locks the key's row, and the conflict's
 * WHERE sees the latest committed row, so concurrent requests of one key (from any process) are
 * counted one after the other and never admitted past the limit. The row grows with the limit
 * (13 bytes a request: under 1 KB at the default 60).
 */
export class PgRateLimitsRepo {
  constructor(private readonly db: Kysely<Database>) {}

  /**
   * Admits and records a request of `key` at `now` when fewer than `limit` were admitted in the
   * `windowMs` before it. Returns 0 when admitted, else the ms until the oldest counted request
   * leaves the window (the request is not recorded).
   */
  async admit(key: string, now: number, limit: number, windowMs: number): Promise<number> {
    const full = limit * STAMP;
    // A refused request reads the oldest time from the statement's snapshot, never written by this
    // statement; when a concurrent request created the row after that snapshot it is not there, and
    // a retry in a second learns the real wait.
    const { rows } = await sql<{ admitted: boolean; oldest: number | null }>`
      with admitted as (
        insert into rate_limits as r (key, recent) values (${key}, ${stampOf(now)})
        on conflict (key) do update set recent = right(r.recent, ${full - STAMP}) || excluded.recent
        where length(r.recent) < ${full} or left(right(r.recent, ${full}), ${STAMP})::bigint <= ${now - windowMs}
        returning 1
      )
      select exists (select 1 from admitted) as admitted,
        (select left(right(recent, ${full}), ${STAMP})::bigint from rate_limits
          where key = ${key} and not exists (select 1 from admitted)) as oldest
    `.execute(this.db);
    const row = rows[0]!;
    if (row.admitted) return 0;
    return row.oldest === null ? 1000 : Math.max(1, row.oldest + windowMs - now);
  }
}

/** `now` as a fixed-width stamp, so that the row's times can be cut by position. */
function stampOf(now: number): string {
  const ms = Math.floor(now);
  if (ms < 0 || ms >= 10 ** STAMP) throw new RangeError(`cannot rate-limit at time ${now}`);
  return String(ms).padStart(STAMP, '0');
}
