import { createProvider } from '../domain/telephony/create-provider.js';
import type { Provider } from '../domain/telephony/provider.js';
import type { Services } from '../services.js';
import type { Clock } from '../shared/clock.js';
import type { Config } from '../shared/config.js';
import type { Logger } from '../shared/logger.js';
import { Runtime } from './runtime.js';

/**
 * The configured telephony provider and a runtime over `services`, dialing when `dialing` is set
 * (the server with ENGINE=true, every worker). The provider is made even when this process does not
 * dial: a server receives the webhook adapter's callbacks for the workers' calls.
 */
export function createRuntime(
  config: Config,
  services: Services,
  clock: Clock,
  log: Logger,
  opts: { dialing: boolean },
): { runtime: Runtime; provider: Provider } {
  const provider = createProvider(config, services.outcomes, clock, log.child({ component: 'telephony' }));
  const dialing = opts.dialing
    ? {
        tickMs: config.engineTickMs,
        provider,
        maxConcurrentCalls: config.maxConcurrentCalls,
        callsPerSecond: config.callsPerSecond,
        leaseMs: config.leaseMs,
        outcomeTimeoutMs: config.telephonyOutcomeTimeoutSec * 1000,
      }
    : undefined;
  const webhooks = {
    pollMs: config.webhookPollMs,
    timeoutMs: config.webhookTimeoutMs,
    retryForMs: config.webhookRetryMs,
    retentionMs: config.eventsRetentionDays * 86_400_000,
  };
  const runtime = new Runtime({ services, provider, clock, log, ...(dialing ? { dialing, webhooks } : {}) });
  return { runtime, provider };
}
