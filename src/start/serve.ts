import { buildApp } from '../app.js';
import { demoBanner } from '../domain/tenancy/demo-tenant.js';
import { createRuntime } from '../runtime/create-runtime.js';
import { systemClock } from '../shared/clock.js';
import type { Config } from '../shared/config.js';
import { createLogger } from '../shared/logger.js';
import { onShutdownSignal, openServices } from './boot.js';

/** Starts the HTTP server and the runtime (dialing too, unless ENGINE=false) on the configured database. */
export async function serve(config: Config): Promise<void> {
  const log = createLogger({ level: config.logLevel });
  const { db, services } = await openServices(config, log);
  const { runtime, provider } = createRuntime(config, services, systemClock, log, { dialing: config.engineEnabled });
  const app = await buildApp({ config, db, clock: systemClock, services, provider, logger: log });
  await runtime.start();
  const address = await app.listen({ port: config.port, host: config.host });
  const shown = address.replace('0.0.0.0', 'localhost').replace('[::]', 'localhost');
  if (config.demo) {
    const { demo, created } = await services.demo.ensure();
    const token = created
      ? (await services.admin.issueToken({ clientId: demo.clientId, ttlSec: 24 * 3600 })).token
      : undefined;
    process.stdout.write(`${demoBanner(shown, demo, token)}\n`);
  } else {
    log.info({ address: shown }, 'campaignd listening');
  }
  onShutdownSignal(async () => {
    await app.close(); // stops accepting and waits for the requests in flight
    await runtime.stop(); // no more claims; outcomes awaited, undialed claims handed back
    await db.close();
  }, log);
}
