import { createRuntime } from '../runtime/create-runtime.js';
import { systemClock } from '../shared/clock.js';
import { ConfigError, loadConfig, type Config } from '../shared/config.js';
import { createLogger } from '../shared/logger.js';
import { onShutdownSignal, openServices } from './boot.js';
import { listenForMetrics } from './metrics-server.js';

/**
 * The runtime without HTTP (`campaignd worker`). Several workers may share one PostgreSQL database:
 * claims use FOR UPDATE SKIP LOCKED and leases. On SQLite run a single engine (the server's).
 * Logs go to stderr.
 */
export async function work(config: Config): Promise<void> {
  const log = createLogger({ level: config.logLevel, fd: 2 });
  const { db, services } = await openServices(config, log);
  const { runtime } = createRuntime(config, services, systemClock, log, { dialing: true });
  // The runtime's loops keep the process alive until a signal stops them.
  await runtime.start();
  const metrics = await listenForMetrics(config, services, log);
  onShutdownSignal(async () => {
    await metrics?.close();
    await runtime.stop();
    await db.close();
  }, log);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  try {
    await work(loadConfig());
  } catch (err) {
    process.stderr.write(`${err instanceof ConfigError ? err.message : String((err as Error)?.stack ?? err)}\n`);
    process.exit(1);
  }
}
