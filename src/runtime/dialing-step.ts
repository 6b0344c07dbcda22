import type { Engine, TickReport } from '../domain/engine/engine.js';
import type { ScheduleRunner } from '../domain/engine/schedule-runner.js';
import type { Provider } from '../domain/telephony/provider.js';
import type { Clock } from '../shared/clock.js';

/** One run of the dialing loop: what the engine's tick did, and how many scheduled runs started first. */
export interface DialingReport extends TickReport {
  scheduled: number;
}

/**
 * What the runtime's dialing loop does each ENGINE_TICK_MS, in this order: the provider's sweep of
 * overdue outcomes (webhook adapter), scheduled campaigns whose occurrence has come, then the
 * engine's tick, so a campaign played by its schedule is dialed in the same run.
 */
export class DialingStep {
  constructor(
    private readonly parts: { provider: Provider; schedules: ScheduleRunner; engine: Engine; clock: Clock },
  ) {}

  async run(): Promise<DialingReport> {
    const { provider, schedules, engine, clock } = this.parts;
    await provider.sweep?.(clock.now());
    const scheduled = await schedules.run();
    return { scheduled, ...(await engine.tick()) };
  }
}
