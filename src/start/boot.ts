import { createServices, type Services } from '../services.js';
import { systemClock, type Clock } from '../shared/clock.js';
import type { Config } from '../shared/config.js';
import type { Logger } from '../shared/logger.js';
import { openDb, type Db } from '../storage/db.js';
import { migrate } from '../storage/migrations/index.js';

/** Opens and migrates the configured database and wires the services: shared by server, worker and CLI. */
export async function openServices(
  config: Config,
  log: Logger,
  clock: Clock = systemClock,
): Promise<{ db: Db; services: Services }> {
  const db = openDb({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
  try {
    await migrate(db);
  } catch (err) {
    await db.close();
    throw err;
  }
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
