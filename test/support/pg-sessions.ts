/**
 * Two PostgreSQL sessions of a test database, for tests of what one transaction makes another wait
 * for (the integrity triggers' row locks).
 */
import { sql } from 'kysely';
import type pg from 'pg';
import { expect, vi } from 'vitest';
import type { DbAtMigration } from './test-db.js';

/** Runs `fn` with two connections of their own (the second's backend pid too), released after. */
export async function withClients(
  at: DbAtMigration,
  fn: (first: pg.PoolClient, second: pg.PoolClient, secondPid: number) => Promise<void>,
): Promise<void> {
  const [first, second] = [await at.db.pool!.connect(), await at.db.pool!.connect()];
  try {
    const pid = Number((await second.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!.pid);
    await fn(first, second, pid);
  } finally {
    first.release();
    second.release();
  }
}

/** Resolves once backend `pid` waits for a lock (another transaction holds what it needs). */
export async function blocked(at: DbAtMigration, pid: number): Promise<void> {
  await vi.waitFor(
    async () => {
      const r = await sql<{
        waiting: boolean;
      }>`SELECT wait_event_type = 'Lock' AS waiting FROM pg_stat_activity WHERE pid = ${pid}`.execute(at.db.kysely);
      expect(r.rows[0]?.waiting).toBe(true);
    },
    { timeout: 10_000, interval: 10 },
  );
}
