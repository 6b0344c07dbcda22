import { buildApp } from '../app.js';
import type { Config } from '../shared/config.js';
import { demoBanner, ensureDemoTenant } from '../domain/tenancy/demo-tenant.js';
import { KvRepo } from '../storage/repos/kv-repo.js';
import { onShutdownSignal, openRuntime } from './runtime.js';
import { createEngineRuntime } from './engine-runtime.js';

/** Starts the HTTP server (and, unless ENGINE=false, the campaign engine) on the configured database. */
export async function serve(config: Config): Promise<void> {
  const services = await openRuntime(config);
  // Imports whose process died (no heartbeat for a minute) are failed and their pending rows
  // deleted, now and every minute: a killed import must never look half done or stay "running".
  await services.imports.recoverAbandoned();
  setInterval(() => void services.imports.recoverAbandoned().catch(() => {}), 60_000).unref();
  const engine = createEngineRuntime(config, services, config.engineEnabled);
  const app = await buildApp({ config, db: services.db, clock: services.clock, services, provider: engine.provider });
  const address = await app.listen({ port: config.port, host: config.host });
  const shown = address.replace('0.0.0.0', 'localhost').replace('[::]', 'localhost');
  if (config.demo) {
    const { demo, created } = await ensureDemoTenant(services, new KvRepo(services.db.kysely));
    const { token } = await services.admin.issueToken({ clientId: demo.clientId, ttlSec: 24 * 3600 });
    process.stdout.write(`${demoBanner(shown, demo, token, created)}\n`);
  } else {
    app.log.info({ address: shown }, 'campaignd listening');
  }
  onShutdownSignal(
    async () => {
      await app.close(); // stops accepting and waits for in-flight requests
      await engine.stop(); // stops claiming before the database closes
      await services.db.close();
    },
    (msg) => app.log.warn(msg),
  );
}
