import type { Clock } from '../../shared/clock.js';
import type { Config } from '../../shared/config.js';
import type { Logger } from '../../shared/logger.js';
import type { OutcomeSink, Provider } from './provider.js';
import { SimulatorProvider, answerMix } from './simulator.js';
import { WebhookProvider } from './webhook-provider.js';

/** The configured adapter (TELEPHONY_PROVIDER): the simulator by default, or the signed webhook bridge. */
export function createProvider(config: Config, sink: OutcomeSink, clock: Clock, log: Logger): Provider {
  if (config.telephonyProvider === 'webhook') {
    // loadConfig has already refused a webhook provider without URL or secret.
    return new WebhookProvider({
      url: config.telephonyWebhookUrl!,
      secret: config.telephonyWebhookSecret!,
      clock,
      sink,
      timeoutSec: config.telephonyOutcomeTimeoutSec,
    });
  }
  return new SimulatorProvider({
    sink,
    clock,
    seed: config.simulatorSeed,
    speed: config.simulatorSpeed,
    talkSec: [...config.simulatorTalkSec],
    ringSec: [...config.simulatorRingSec],
    machineRate: config.simulatorMachineRate,
    mix: answerMix(config.simulatorAnswerRate),
    onError: (err, report) => log.error({ err, attemptId: report.attemptId }, 'simulated outcome was not recorded'),
  });
}
