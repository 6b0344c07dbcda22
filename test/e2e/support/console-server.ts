/**
 * A real campaignd for the console's browser tests: the server's own wiring (start/serve.ts without
 * the signal handlers) in this process, listening on 127.0.0.1 on a free port, over a SQLite file in
 * a temporary DATA_DIR, with ADMIN_TOKEN set, the runtime running (engine, simulator, webhooks) on the
 * system clock, and one tenant ready. `restart()` brings it back on the same port and the same file,
 * as a restarted process would.
 *
 *   const server = useConsoleServer();
 *   it('...', async () => { await page.goto(`${server().baseUrl}/console/`); });
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll } from 'vitest';
import { buildApp } from '../../../src/app.js';
import type { Runtime } from '../../../src/runtime/runtime.js';
import { createRuntime } from '../../../src/runtime/create-runtime.js';
import { systemClock } from '../../../src/shared/clock.js';
import { loadConfig, type Config } from '../../../src/shared/config.js';
import { createLogger } from '../../../src/shared/logger.js';
import { openServices } from '../../../src/start/boot.js';
import type { Db } from '../../../src/storage/db.js';
import { ensureConsoleBuilt } from './console-build.js';

export interface ConsoleTenant {
  accountId: string;
  iid: string;
  /** The app's credentials (what the console's supervisor sign-in takes). */
  clientId: string;
  clientSecret: string;
}

export interface ConsoleServer {
  /** `http://127.0.0.1:<port>`, the same across restarts. */
  baseUrl: string;
  port: number;
  adminToken: string;
  tenant: ConsoleTenant;
  dataDir: string;
  config: Config;
  /** Whether it is listening now. */
  readonly running: boolean;
  /** Closes it as SIGTERM would (HTTP, then the runtime, then the database); the data stays. */
  stop(): Promise<void>;
  /** Starts it again on the same port and database. */
  start(): Promise<void>;
  /** stop() then start(). */
  restart(): Promise<void>;
  /** Stops it and removes its DATA_DIR. */
  dispose(): Promise<void>;
}

export interface ConsoleServerOptions {
  /** More environment for loadConfig (e.g. SIMULATOR_SPEED, ENGINE_TICK_MS); LOG_LEVEL defaults to silent. */
  env?: Record<string, string>;
}

interface Running {
  app: FastifyInstance;
  runtime: Runtime;
  db: Db;
}

async function boot(config: Config, port: number): Promise<Running & { port: number }> {
  const log = createLogger({ level: config.logLevel });
  const { db, services } = await openServices(config, log);
  const { runtime, provider } = createRuntime(config, services, systemClock, log, { dialing: config.engineEnabled });
  const app = await buildApp({ config, db, clock: systemClock, services, provider, logger: log });
  await runtime.start();
  await app.listen({ port, host: '127.0.0.1' });
  const address = app.server.address();
  if (!address || typeof address === 'string') throw new Error(`unexpected listening address ${String(address)}`);
  return { app, runtime, db, port: address.port };
}

/** The tenant the tests sign in as, made through the same use cases the admin API calls. */
async function seedTenant(config: Config): Promise<ConsoleTenant> {
  const { db, services } = await openServices(config, createLogger({ level: 'silent' }));
  try {
    const accountId = randomBytes(12).toString('hex');
    const iid = `st-${randomBytes(12).toString('hex')}`;
    const app = await services.admin.createApp({ accountId, iid, name: 'console e2e app' });
    await services.admin.createFlow({ accountId, iid, name: 'Voice Survey Entry Flow', channel: 'voice' });
    await services.admin.createFlow({ accountId, iid, name: 'SMS Support Flow', channel: 'sms' });
    await services.admin.createQueue({ accountId, iid, name: 'Default Queue' });
    return { accountId, iid, clientId: app.clientId, clientSecret: app.clientSecret };
  } finally {
    await db.close();
  }
}

export async function startConsoleServer(opts: ConsoleServerOptions = {}): Promise<ConsoleServer> {
  await ensureConsoleBuilt();
  const dataDir = mkdtempSync(join(tmpdir(), 'campaignd-e2e-'));
  const adminToken = `e2e-admin-${randomBytes(16).toString('hex')}`;
  const config = loadConfig({
    DATA_DIR: dataDir,
    ADMIN_TOKEN: adminToken,
    HOST: '127.0.0.1',
    PORT: '0',
    LOG_LEVEL: 'silent',
    RATE_LIMIT_PER_MINUTE: '0',
    AUTH_FAILURES_PER_MINUTE: '0',
    ...opts.env,
  });
  const tenant = await seedTenant(config);
  let current: Running | undefined;
  const first = await boot(config, 0);
  current = first;
  const port = first.port;

  const stop = async () => {
    const r = current;
    if (!r) return;
    current = undefined;
    await r.app.close();
    await r.runtime.stop();
    await r.db.close();
  };
  const start = async () => {
    if (current) return;
    current = await boot(config, port);
  };
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    port,
    adminToken,
    tenant,
    dataDir,
    config,
    get running() {
      return current !== undefined;
    },
    stop,
    start,
    restart: async () => {
      await stop();
      await start();
    },
    dispose: async () => {
      await stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** One server for the test file (started before its tests, disposed after). */
export function useConsoleServer(opts: ConsoleServerOptions = {}): () => ConsoleServer {
  let server: ConsoleServer | undefined;
  beforeAll(async () => {
    server = await startConsoleServer(opts);
  });
  afterAll(async () => {
    await server?.dispose();
  });
  return () => {
    if (!server) throw new Error('the console server did not start');
    return server;
  };
}
