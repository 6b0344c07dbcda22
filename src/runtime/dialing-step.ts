import { performance } from 'node:perf_hooks';
import type { Engine, TickReport } from '../domain/engine/engine.js';
import type { ScheduleRunner } from '../domain/engine/schedule-runner.js';
import type { Provider } from '../domain/telephony/provider.js';
import type { Clock } from '../shared/clock.js';
import type { Metrics } from '../shared/metrics.js';

/** One run of the dialing loop: what the engine's tick did, and how many scheduled runs started first. */
export interface DialingReport extends TickReport {
  scheduled: number;
}

/** What became of the records a tick claimed: the `result` label of campaignd_engine_dials_total. */
const DIAL_RESULTS = ['accepted', 'refused', 'skipped', 'released', 'lost', 'offered'] as const;

/**
 * What the runtime's dialing loop does each ENGINE_TICK_MS, in this order: the provider's sweep of
 * overdue outcomes (webhook adapter), scheduled campaigns whose occurrence has come, then the
 * engine's tick, so a campaign played by its schedule is dialed in the same run. Each run is
 * recorded in the process's metrics when given (docs/metrics.md).
 */
export class DialingStep {
  constructor(
    private readonly parts: {
      provider: Provider;
      schedules: ScheduleRunner;
      engine: Engine;
      clock: Clock;
      metrics?: Metrics;
    },
  ) {}

  async run(): Promise<DialingReport> {
    const { provider, schedules, engine, clock, metrics } = this.parts;
    // Wall time, not the clock: a duration measured, never a decision taken.
    const started = performance.now();
    try {
      await provider.sweep?.(clock.now());
      const scheduled = await schedules.run();
      const report: DialingReport = { scheduled, ...(await engine.tick()) };
      if (metrics) record(metrics, report, (performance.now() - started) / 1000);
      return report;
    } catch (err) {
      metrics?.engine.ticks.inc({ result: 'failed' });
      throw err;
    }
  }
}

function record(metrics: Metrics, r: DialingReport, seconds: number): void {
  const e = metrics.engine;
  e.tickDuration.observe(seconds);
  e.ticks.inc({ result: 'ok' });
  e.claimed.inc(r.claimed);
  for (const result of DIAL_RESULTS) if (r[result] > 0) e.dials.inc({ result }, r[result]);
  e.leasesReconciled.inc(r.reconciled);
  e.scheduled.inc(r.scheduled);
}
