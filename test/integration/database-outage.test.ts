/**
 * A database that cannot serve — PostgreSQL frozen (SIGSTOP-like: connections open, no answers) or
 * down, SQLite out of disk — gives clients a 503 with Retry-After in the failure envelope, promptly,
 * and the log the real cause; readiness says so within its own short timeout.
 */
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/app.js';
import { createServices } from '../../src/services.js';
import { ManualClock } from '../../src/shared/clock.js';
import { loadConfig } from '../../src/shared/config.js';
import { openDb, type Db } from '../../src/storage/db.js';
import { agentlessSample } from '../fixtures/kore-samples.js';
import { captureLogs } from '../support/captured-logs.js';
import { expectEnvelope } from '../support/failure-envelope.js';
import { T0, useTestApp } from '../support/test-app.js';
import { createTestDb, type TestDb } from '../support/test-db.js';

/**
 * A TCP proxy in front of PostgreSQL that can freeze (hold every byte until it thaws, as a stopped
 * server's kernel would) or go down (drop every connection and refuse new ones).
 */
class FlakyProxy {
  private readonly server: net.Server;
  private readonly pairs = new Set<[net.Socket, net.Socket]>();
  private frozen = false;
  /** Bytes that arrived while frozen, in order, with where they go. */
  private readonly held: [net.Socket, Buffer][] = [];
  private down = false;
  port = 0;

  constructor(target: { host: string; port: number }) {
    this.server = net.createServer((client) => {
      if (this.down) return client.destroy();
      const upstream = net.connect(target.port, target.host);
      const pair: [net.Socket, net.Socket] = [client, upstream];
      this.pairs.add(pair);
      const forward = (from: net.Socket, to: net.Socket) =>
        from.on('data', (d: Buffer) => (this.frozen ? this.held.push([to, d]) : to.write(d)));
      forward(client, upstream);
      forward(upstream, client);
      const end = () => {
        client.destroy();
        upstream.destroy();
        this.pairs.delete(pair);
      };
      client.on('close', end).on('error', end);
      upstream.on('close', end).on('error', end);
    });
  }

  async start(): Promise<void> {
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', r));
    this.port = (this.server.address() as net.AddressInfo).port;
  }

  freeze(on: boolean): void {
    this.frozen = on;
    if (!on) for (const [to, d] of this.held.splice(0)) if (!to.destroyed) to.write(d);
  }

  goDown(): void {
    this.down = true;
    for (const [a, b] of this.pairs) {
      a.destroy();
      b.destroy();
    }
  }

  stop(): Promise<void> {
    this.goDown();
    return new Promise((r) => this.server.close(() => r()));
  }
}

describe('PostgreSQL frozen or down', () => {
  let real: TestDb;
  let proxy: FlakyProxy;
  let db: Db;
  let app: Awaited<ReturnType<typeof buildApp>>;
  const { log, lines } = captureLogs();
  let headers: Record<string, string>;
  let iid = '';

  beforeAll(async () => {
    real = await createTestDb('postgres');
    const url = new URL(real.url!);
    proxy = new FlakyProxy({ host: url.hostname, port: Number(url.port) });
    await proxy.start();
    url.port = String(proxy.port);
    const config = loadConfig({
      DATA_DIR: '/nonexistent',
      LOG_LEVEL: 'silent',
      RATE_LIMIT_PER_MINUTE: '0',
      DB_QUERY_TIMEOUT_MS: '1000',
      DB_CONNECT_TIMEOUT_MS: '1000',
    });
    db = openDb({
      databaseUrl: url.toString(),
      secrets: real.secrets,
      queryTimeoutMs: config.dbQueryTimeoutMs,
      connectTimeoutMs: config.dbConnectTimeoutMs,
      poolSize: 4,
    });
    const clock = new ManualClock(T0);
    const services = createServices(db, clock, config);
    app = await buildApp({ config, db, clock, services, logger: log });
    const created = await services.admin.createApp({ accountId: 'acct-outage', iid: 'st-outage' });
    const { token } = await services.admin.issueToken({ clientId: created.clientId });
    iid = created.iid;
    headers = { auth: token, accountId: 'acct-outage' };
  });
  afterAll(async () => {
    await app?.close();
    await db?.close().catch(() => {});
    await proxy?.stop();
    await real?.dispose();
  });

  const list = () =>
    app.inject({
      method: 'POST',
      url: `/agentassist/api/v1/public/${iid}/campaign/getAllCampaignDetails`,
      headers,
      payload: {},
    });

  it('answers 503 with Retry-After while the server is frozen, logs why, and serves again once it thaws', async () => {
    expect((await list()).statusCode).toBe(200);
    proxy.freeze(true);
    try {
      const ready = await app.inject({ method: 'GET', url: '/readyz' });
      expect(expectEnvelope(ready, 503).errors[0]!.code).toBe('UNAVAILABLE');
      expect(ready.headers['retry-after']).toBe('5');
      const res = await list();
      expect(expectEnvelope(res, 503).message).toMatch(/not answering/);
      expect(res.headers['retry-after']).toBe('5');
    } finally {
      proxy.freeze(false);
    }
    expect(lines().some((l) => l.msg === 'database unavailable' && /timeout/i.test(JSON.stringify(l.err)))).toBe(true);
    // The connections that timed out are replaced; the next request goes through.
    let back = await list();
    for (let i = 0; i < 5 && back.statusCode !== 200; i++) back = await list();
    expect(back.statusCode, back.body).toBe(200);
  });

  it('answers 503 with Retry-After when the server is down', async () => {
    proxy.goDown();
    const res = await list();
    expect(expectEnvelope(res, 503).errors[0]!.code).toBe('UNAVAILABLE');
    expect(res.headers['retry-after']).toBe('5');
    expect(expectEnvelope(await app.inject({ method: 'GET', url: '/readyz' }), 503).message).toBe(
      'Database is not reachable',
    );
  });
});

describe('SQLite out of disk', () => {
  const t = useTestApp('sqlite');

  it('answers 503 naming the full disk, stores nothing, and logs SQLITE_FULL rather than a failed rollback', async () => {
    const { log, lines } = captureLogs();
    const app = await buildApp({
      config: t().config,
      db: t().db,
      clock: t().clock,
      services: t().services,
      logger: log,
    });
    const sqlite = t().db.sqlite!;
    const pages = Number(sqlite.pragma('page_count', { simple: true }));
    sqlite.pragma(`max_page_count = ${pages}`);
    try {
      const { iid } = t().tenant;
      // Campaigns are written in a transaction (the campaign and its lists): a failed one must roll back cleanly.
      let res;
      for (let i = 0; i < 3000; i++) {
        const body = { ...agentlessSample, name: `Full ${i} ${'x'.repeat(40)}`, description: 'y'.repeat(256) };
        res = await app.inject({
          method: 'POST',
          url: `/agentassist/api/v1/public/${iid}/campaign?campaignType=voice`,
          headers: { ...t().headers(), 'content-type': 'application/json' },
          payload: body,
        });
        if (res.statusCode !== 200) break;
      }
      expect(expectEnvelope(res!, 503).message).toMatch(/out of disk space/);
      expect(res!.headers['retry-after']).toBe('60');
      const logged = lines().filter((l) => l.msg === 'database unavailable');
      expect(logged.length).toBeGreaterThan(0);
      expect(JSON.stringify(logged)).toContain('SQLITE_FULL');
      expect(JSON.stringify(lines())).not.toMatch(/cannot rollback/);
    } finally {
      sqlite.pragma('max_page_count = 4294967294');
      await app.close();
    }
  });
});
