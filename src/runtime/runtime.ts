import { EventEmitter } from 'node:events';
import type { Engine } from '../domain/engine/engine.js';
import type { DeliveryReport, WebhookDelivery } from '../domain/events/webhook-delivery.js';
import type { Provider } from '../domain/telephony/provider.js';
import type { EngineSettings, Services } from '../services.js';
import type { Clock } from '../shared/clock.js';
import type { Logger } from '../shared/logger.js';
import { DialingStep, type DialingReport } from './dialing-step.js';
import { Loop } from './loop.js';

export type LoopName = 'dialing' | 'leases' | 'import-recovery' | 'webhooks';

/** What a runtime did at shutdown. */
export interface StopSummary {
  /** Calls still out after the wait for their outcomes: their leases run out and reconciliation records them `unknown`. */
  stillOut: number;
  /** Claims never handed to the provider, put back to pending. */
  releasedClaims: number;
}

/** Typed events of a runtime (like graphile-worker's WorkerEvents): for logs, tests and, later, metrics. */
export interface RuntimeEvents {
  started: [{ loops: LoopName[]; owner: string | undefined; provider: string }];
  /** Every run of the dialing loop. */
  dialed: [DialingReport];
  /** Imports whose process died, failed and cleaned up by the recovery loop. */
  'imports-recovered': [importIds: string[]];
  /** A run of a loop threw; the loop goes on at its next interval. */
  'loop-failed': [loop: LoopName, err: unknown];
  stopping: [];
  stopped: [StopSummary];
}

export interface RuntimeOptions {
  services: Services;
  provider: Provider;
  clock: Clock;
  /** The process's logger; the runtime's lines carry `component` runtime, engine or imports. */
  log: Logger;
  /** Dialing (the engine, schedules, provider sweeps), or undefined when this process does not dial (ENGINE=false). */
  dialing?: EngineSettings & { tickMs: number };
  /** Event webhook delivery (docs/events.md), in processes that dial. Default: none. */
  webhooks?: { pollMs: number; timeoutMs: number; retryForMs: number };
  /** How often abandoned imports are looked for. Default 60 s. */
  importRecoveryMs?: number;
  /** At shutdown, how long to wait for the outcomes of calls still out. Default 10 s. */
  drainMs?: number;
}

/**
 * The owner of every background loop of a process, for `campaignd serve` and `campaignd worker`
 * alike: dialing (provider sweep, schedules, engine tick: dialing-step.ts) every ENGINE_TICK_MS,
 * and the recovery of abandoned imports every minute. `stop()` shuts down in phases: no more
 * runs, the run in progress finished, outcomes of calls still out awaited (bounded), claims never
 * dialed handed back, the provider closed. The caller closes the database afterwards.
 */
export class Runtime {
  readonly events = new EventEmitter<RuntimeEvents>();
  /** The engine's id in leases and attempts; undefined when this process does not dial. */
  readonly owner: string | undefined;
  private readonly engine: Engine | undefined;
  private readonly recovery: Loop<string[]>;
  private readonly dialing: Loop<DialingReport> | undefined;
  private readonly leases: Loop<number> | undefined;
  private readonly delivery: WebhookDelivery | undefined;
  private readonly webhooks: Loop<DeliveryReport> | undefined;
  private stopped: Promise<StopSummary> | undefined;
  private unsubscribe: (() => void) | undefined;

  constructor(private readonly o: RuntimeOptions) {
    const { services } = o;
    this.recovery = new Loop(
      'import-recovery',
      o.importRecoveryMs ?? 60_000,
      () => services.imports.recoverAbandoned(),
      {
        done: (ids) => {
          if (ids.length === 0) return;
          services.metrics.imports.jobs.inc({ status: 'abandoned' }, ids.length);
          this.events.emit('imports-recovered', ids);
        },
        failed: (err) => this.events.emit('loop-failed', 'import-recovery', err),
      },
    );
    if (o.dialing) {
      const { tickMs, ...settings } = o.dialing;
      const engine = (this.engine = services.createEngine(settings));
      this.owner = engine.owner;
      const step = new DialingStep({
        provider: o.provider,
        schedules: services.schedules,
        engine,
        clock: o.clock,
        metrics: services.metrics,
      });
      this.dialing = new Loop('dialing', tickMs, () => step.run(), {
        done: (report) => this.events.emit('dialed', report),
        failed: (err) => this.events.emit('loop-failed', 'dialing', err),
      });
      // Three heartbeats per lease: one may be late or fail without the leases running out.
      this.leases = new Loop('leases', Math.max(100, Math.floor(settings.leaseMs / 3)), () => engine.renewLeases(), {
        done: () => {},
        failed: (err) => this.events.emit('loop-failed', 'leases', err),
      });
      if (o.webhooks) {
        const { pollMs, ...w } = o.webhooks;
        const delivery = (this.delivery = services.createWebhookDelivery({ owner: engine.owner, ...w }));
        this.webhooks = new Loop('webhooks', pollMs, () => delivery.run(), {
          done: () => {},
          failed: (err) => this.events.emit('loop-failed', 'webhooks', err),
        });
      }
    }
    logEvents(this.events, o.log);
  }

  /** Recovers abandoned imports once (a restart after a crash cleans up at once), then starts every loop. */
  async start(): Promise<void> {
    await this.recovery.runOnce();
    this.recovery.start();
    this.dialing?.start();
    this.leases?.start();
    this.webhooks?.start();
    // An agent freed up (or accepted an offer) in this process: dial for them now, not at the next tick.
    if (this.dialing) this.unsubscribe = this.o.services.workSignal.onWork(() => this.dialing?.nudge());
    const loops: LoopName[] = this.dialing ? ['import-recovery', 'dialing', 'leases'] : ['import-recovery'];
    if (this.webhooks) loops.push('webhooks');
    this.events.emit('started', { loops, owner: this.owner, provider: this.o.provider.name });
  }

  /** Phased, and only once: a second call waits for the first. */
  stop(): Promise<StopSummary> {
    this.stopped ??= this.shutDown();
    return this.stopped;
  }

  private async shutDown(): Promise<StopSummary> {
    this.events.emit('stopping');
    this.unsubscribe?.();
    // The heartbeat goes on until the calls out have been awaited: their leases must not run out meanwhile.
    await Promise.all([this.recovery.stop(), this.dialing?.stop(), this.webhooks?.stop()]);
    // Deliveries in flight finish (each bounded by WEBHOOK_TIMEOUT_MS); an unfinished one is sent again later.
    await this.delivery?.stop();
    const summary: StopSummary = { stillOut: 0, releasedClaims: 0 };
    if (this.engine) {
      const { provider } = this.o;
      summary.stillOut = (await provider.drain?.(this.o.drainMs ?? 10_000)) ?? 0;
      await this.leases?.stop();
      summary.releasedClaims = await this.engine.releaseClaims();
    }
    await this.o.provider.close();
    this.events.emit('stopped', summary);
    return summary;
  }
}

/** One log line per event that matters to an operator; a dialing run only at debug, and only when it did something. */
function logEvents(events: EventEmitter<RuntimeEvents>, log: Logger): void {
  const runtime = log.child({ component: 'runtime' });
  const engine = log.child({ component: 'engine' });
  const imports = log.child({ component: 'imports' });
  events.on('started', (s) => runtime.info(s, 'runtime started'));
  events.on('dialed', (r) => {
    if (r.claimed + r.reconciled + r.completed + r.scheduled > 0) engine.debug(r, 'dialing run');
  });
  events.on('imports-recovered', (ids) => imports.warn({ importIds: ids }, 'abandoned imports failed and cleaned up'));
  events.on('loop-failed', (loop, err) => runtime.error({ loop, err }, `${loop} run failed`));
  events.on('stopping', () => runtime.info('runtime stopping'));
  events.on('stopped', (s) => runtime.info(s, 'runtime stopped'));
}
