import { createServices, type Services } from '../services.js';
import { systemClock, type Clock } from '../shared/clock.js';
import type { Config } from '../shared/config.js';
import type { Logger } from '../shared/logger.js';
import { openDb, type Db } from '../storage/db.js';
import { migrate } from '../storage/migrations/index.js';
import { resealSecrets } from '../storage/secrets-at-rest.js';
import { secretBoxOf } from './secret-key.js';

/**
 * Migrates the configured database, then opens it for service and wires the services: shared by
 * server, worker and CLI. Migrations get a connection of their own, free of DB_QUERY_TIMEOUT_MS:
 * rebuilding an index of a big table may rightly take longer than any request should.
 */
export async function openServices(
  config: Config,
  log: Logger,
  clock: Clock = systemClock,
): Promise<{ db: Db; services: Services }> {
  const where = { databaseUrl: config.databaseUrl, dataDir: config.dataDir, secrets: secretBoxOf(config) };
  const migrating = openDb(where);
  try {
    await migrate(migrating);
    // Values stored before encryption, or under a key now among SECRETS_KEYS_OLD, are sealed anew.
    await resealSecrets(migrating);
  } finally {
    await migrating.close();
  }
  const db = openDb({ ...where, queryTimeoutMs: config.dbQueryTimeoutMs, connectTimeoutMs: config.dbConnectTimeoutMs });
  return { db, services: createServices(db, clock, config, log) };
}

/**
 * Phased shutdown on SIGTERM / SIGINT: run `stop` once (stop accepting, stop claiming, drain,
 * close the database); a second signal, or `stop` taking longer than `graceMs`, forces exit.
 */
export function onShutdownSignal(stop: () => Promise<void>, log: Logger, graceMs = 30_000): void {
  let stopping = false;
  const handler = (signal: NodeJS.Signals) => {
    if (stopping) {
      log.warn({ signal }, 'second signal: forcing exit');
      process.exit(1);
    }
    stopping = true;
    log.info({ signal }, 'shutting down');
    setTimeout(() => {
      log.error('shutdown took too long: forcing exit');
      process.exit(1);
    }, graceMs).unref();
    stop().then(
      () => process.exit(0),
      (err: unknown) => {
        log.error({ err }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', handler);
  process.on('SIGINT', handler);
}
