/**
 * The per-account rate limit counted in PostgreSQL (http/plugins/shared-rate-limit.ts over
 * storage/repos/pg-rate-limits-repo.ts): the same rolling 60 s window as the per-process limiter,
 * exact under concurrency from several connection pools (as from several server processes), free
 * when off, and never waived when the database cannot answer. SQLite keeps the per-process limiter.
 */
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/app.js';
import { SharedRollingLimiter } from '../../src/http/plugins/shared-rate-limit.js';
import { ManualClock } from '../../src/shared/clock.js';
import { AppError } from '../../src/shared/errors.js';
import { openDb, type Db } from '../../src/storage/db.js';
import { databaseUnavailable } from '../../src/storage/db-errors.js';
import { PgRateLimitsRepo } from '../../src/storage/repos/pg-rate-limits-repo.js';
import { koreCaller, T0, useTestApp } from '../support/test-app.js';
import { DIALECTS, useTestDb } from '../support/test-db.js';

/** The Retry-After of the 429 `hit` refuses with; fails when it admits instead. */
async function refusal(hit: void | Promise<void>): Promise<string> {
  const err = await Promise.resolve(hit).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err, 'the request was admitted').toBeInstanceOf(AppError);
  expect((err as AppError).status).toBe(429);
  expect((err as AppError).code).toBe('RATE_LIMITED');
  return (err as AppError).headers!['retry-after']!;
}

describe('SharedRollingLimiter on PostgreSQL', () => {
  const db = useTestDb('postgres');
  /** A second pool on the same database: another server process, as far as the database can tell. */
  let other: Db;
  beforeAll(() => {
    other = openDb({ databaseUrl: db().url!, secrets: db().secrets });
  });
  afterAll(async () => {
    await other.close();
  });
  let n = 0;
  const newKey = () => `account-${++n}`;
  const limiterOn = (d: Db, limit: number, clock: ManualClock) =>
    new SharedRollingLimiter(limit, clock, new PgRateLimitsRepo(d.kysely));

  it('admits the limit in a rolling 60 s window, counted across pools, and answers Retry-After to the second', async () => {
    const clock = new ManualClock(T0);
    const [a, b] = [limiterOn(db(), 3, clock), limiterOn(other, 3, clock)];
    const key = newKey();
    await a.hit(key); // t
    clock.advance(20_000);
    await b.hit(key); // t+20
    await a.hit(key); // t+20
    expect(await refusal(b.hit(key))).toBe('40');
    clock.advance(39_999);
    expect(await refusal(a.hit(key))).toBe('1'); // t+59.999: the first is still in the window
    clock.advance(1);
    await b.hit(key); // t+60: it has left
    expect(await refusal(a.hit(key))).toBe('20');
    // Refused requests were not counted: the two of t+20 leave at t+80, and two more are admitted then.
    clock.advance(20_000);
    await a.hit(key);
    await b.hit(key);
    expect(await refusal(a.hit(key))).toBe('40');
    // Another key has its own budget.
    const fresh = newKey();
    for (let i = 0; i < 3; i++) await b.hit(fresh);
  });

  it('admits exactly the limit out of many concurrent requests from two pools', async () => {
    const clock = new ManualClock(T0);
    const [a, b] = [limiterOn(db(), 20, clock), limiterOn(other, 20, clock)];
    const key = newKey();
    const results = await Promise.allSettled(Array.from({ length: 50 }, (_, i) => (i % 2 ? a : b).hit(key)));
    const refused = results.filter((r) => r.status === 'rejected');
    expect(results.length - refused.length).toBe(20);
    for (const r of refused) expect((r.reason as AppError).status).toBe(429);
    const row = await db()
      .kysely.selectFrom('rate_limits')
      .selectAll()
      .where('key', '=', key)
      .executeTakeFirstOrThrow();
    expect(row.recent).toBe(String(T0).padStart(13, '0').repeat(20));
  });

  it('follows a changed limit on the times already recorded', async () => {
    const clock = new ManualClock(T0);
    const key = newKey();
    for (let i = 0; i < 5; i++) {
      await limiterOn(db(), 5, clock).hit(key);
      clock.advance(10_000);
    }
    // t+50: five in the window. With a limit of 3 the oldest of the last three (t+20) leaves at t+80.
    expect(await refusal(limiterOn(db(), 3, clock).hit(key))).toBe('30');
    // With a limit of 6, one more fits.
    await limiterOn(db(), 6, clock).hit(key);
    expect(await refusal(limiterOn(db(), 6, clock).hit(key))).toBe('10');
  });

  it('costs nothing when off', async () => {
    const key = newKey();
    expect(limiterOn(db(), 0, new ManualClock(T0)).hit(key)).toBeUndefined();
    expect(await db().kysely.selectFrom('rate_limits').selectAll().where('key', '=', key).execute()).toEqual([]);
  });

  it('fails the request as a database outage (503) when the database cannot answer, never admitting it', async () => {
    // Nothing listens on port 1: the connection is refused.
    const down = openDb({ databaseUrl: 'postgres://nobody@127.0.0.1:1/none', secrets: db().secrets });
    try {
      const err = await Promise.resolve(limiterOn(down, 3, new ManualClock(T0)).hit(newKey())).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err).toBeDefined();
      expect(databaseUnavailable(err)?.status).toBe(503);
    } finally {
      await down.close();
    }
  });
});

describe.each(DIALECTS)('two apps on one %s database', (dialect) => {
  const t = useTestApp(dialect, { env: { RATE_LIMIT_PER_MINUTE: '2' } });
  let second: FastifyInstance;
  beforeAll(async () => {
    second = await buildApp({ config: t().config, db: t().db, clock: t().clock });
  });
  afterAll(async () => {
    await second.close();
  });

  it(dialect === 'postgres' ? 'share one count per account' : 'count per process', async () => {
    const call = (app: FastifyInstance) =>
      koreCaller(app, t().headers, t().tenant)('POST', '/campaign/getAllCampaignDetails', { type: 'voice' });
    const statuses = [];
    for (const app of [t().app, t().app, second, second]) statuses.push((await call(app)).statusCode);
    expect(statuses).toEqual(dialect === 'postgres' ? [200, 200, 429, 429] : [200, 200, 200, 200]);
  });
});
