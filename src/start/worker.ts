import { ConfigError, loadConfig, type Config } from '../shared/config.js';
import { createEngineRuntime } from './engine-runtime.js';
import { onShutdownSignal, openRuntime } from './runtime.js';

/**
 * The engine without HTTP (`campaignd worker`). Several workers may share one PostgreSQL database:
 * claims use FOR UPDATE SKIP LOCKED and leases. On SQLite run a single engine (the server's).
 */
export async function work(config: Config): Promise<void> {
  const services = await openRuntime(config);
  const log = (msg: string) => process.stderr.write(`${JSON.stringify({ level: 'warn', msg, time: Date.now() })}\n`);
  const rt = createEngineRuntime(config, services, true, (err) => log(`engine tick failed: ${String(err)}`));
  // The tick timer is unref'd; this keeps the process alive until a signal.
  const keepAlive = setInterval(() => {}, 1 << 30);
  process.stderr.write(`${JSON.stringify({ level: 'info', msg: 'campaignd worker started', owner: rt.engine.owner, provider: rt.provider.name })}\n`);
  onShutdownSignal(async () => {
    clearInterval(keepAlive);
    await rt.stop();
    await services.db.close();
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
