import type { Config } from '../shared/config.js';
import { Engine } from '../domain/engine/engine.js';
import { PrecallFetcher } from '../domain/engine/precall-fetch.js';
import { createProvider } from '../domain/telephony/create-provider.js';
import type { Provider } from '../domain/telephony/provider.js';
import type { Services } from '../services.js';

export interface EngineRuntime {
  engine: Engine;
  provider: Provider;
  /** Stops claiming, waits for the tick in progress, closes the provider; call before the database closes. */
  stop(): Promise<void>;
}

/** Wires provider → outcome handler → engine from the configuration; `run` starts the tick loop. */
export function createEngineRuntime(config: Config, services: Services, run: boolean, onError?: (err: unknown) => void): EngineRuntime {
  const provider = createProvider(config, services.outcomes, services.clock);
  const engine = new Engine({
    clock: services.clock,
    provider,
    outcomes: services.outcomes,
    records: services.engineRepos.records,
    instances: services.engineRepos.instances,
    maxConcurrentCalls: config.maxConcurrentCalls,
    campaignCaps: services.campaignCaps,
    callsPerSecond: config.callsPerSecond,
    leaseMs: config.leaseMs,
    outcomeTimeoutMs: config.telephonyOutcomeTimeoutSec * 1000,
    dnc: services.dnc,
    schedules: services.schedules,
    precall: new PrecallFetcher(async (botId) => (await services.tenancy.findBot(botId))?.precall_config, () => services.clock.now()),
    ...(onError ? { onError } : {}),
  });
  if (run) engine.start(config.engineTickMs);
  return {
    engine,
    provider,
    stop: async () => {
      await engine.stop();
      // Calls still out are left to lease reconciliation on the next start (ARCHITECTURE §5).
      await provider.close();
    },
  };
}
