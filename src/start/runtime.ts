import { systemClock } from '../shared/clock.js';
import type { Config } from '../shared/config.js';
import { createServices, type Services } from '../services.js';
import { openDb } from '../storage/db.js';
import { migrate } from '../storage/migrations/index.js';

/** Opens and migrates the configured database and wires the services: shared by server, worker and CLI. */
export async function openRuntime(config: Config): Promise<Services> {
  const db = openDb({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
  try {
    await migrate(db);
  } catch (err) {
    await db.close();
    throw err;
  }
  return createServices(db, systemClock, config);
}

/**
 * Phased shutdown on SIGTERM / SIGINT: run `stop` once (stop accepting, stop claiming, drain,
 * close the database); a second signal, or `stop` taking longer than `graceMs`, forces exit.
 */
export function onShutdownSignal(stop: () => Promise<void>, log: (msg: string) => void, graceMs = 30_000): void {
  let stopping = false;
  const handler = (signal: NodeJS.Signals) => {
    if (stopping) {
      log(`${signal} again: forcing exit`);
      process.exit(1);
    }
    stopping = true;
    log(`${signal}: shutting down`);
    setTimeout(() => {
      log('shutdown took too long: forcing exit');
      process.exit(1);
    }, graceMs).unref();
    stop().then(
      () => process.exit(0),
      (err: unknown) => {
        log(`shutdown failed: ${String(err)}`);
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', handler);
  process.on('SIGINT', handler);
}
