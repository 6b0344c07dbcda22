import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** Every metric name starts with this (docs/metrics.md). */
export const METRIC_PREFIX = 'campaignd_';

/**
 * Where the gauges read at scrape time come from (domain/operations-gauges.ts, wired in services.ts).
 * Each is asked once per scrape, from the database, so every process reports the same numbers.
 */
export interface GaugeSource {
  /** Calls out (leased or in flight) across every engine sharing the database. */
  callsInFlight(): Promise<number>;
  /** Records due now in running campaigns (capped; docs/metrics.md). */
  dueBacklog(): Promise<number>;
  /** Agents per state, every known state present (0 included). */
  agentsByState(): Promise<ReadonlyMap<string, number>>;
  /** Events that active or failing webhook subscriptions have yet to deliver (capped; docs/metrics.md). */
  webhookPending(): Promise<number>;
}

/** Latency buckets (seconds) for HTTP requests and engine ticks: 1 ms to 10 s. */
const SECONDS_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/**
 * The metrics of one process, on a registry of its own (never prom-client's global one: tests build
 * many apps in one process). Made once per process by createServices and shared by the HTTP app
 * (which serves `/metrics`), the runtime and the domain's observers. Names and meanings:
 * docs/metrics.md.
 */
export class Metrics {
  readonly registry = new Registry();
  private processMetrics = false;
  private source: GaugeSource | undefined;

  readonly http = {
    /** Requests answered, by method, route pattern (never the raw URL) and status. */
    requests: this.counter('http_requests_total', 'HTTP requests answered', ['method', 'route', 'status']),
    duration: new Histogram({
      name: `${METRIC_PREFIX}http_request_duration_seconds`,
      help: 'Time to answer an HTTP request',
      labelNames: ['method', 'route', 'status'] as const,
      buckets: SECONDS_BUCKETS,
      registers: [this.registry],
    }),
  };

  readonly engine = {
    tickDuration: new Histogram({
      name: `${METRIC_PREFIX}engine_tick_duration_seconds`,
      help: 'Duration of a run of the dialing loop (provider sweep, schedules, engine tick)',
      buckets: SECONDS_BUCKETS,
      registers: [this.registry],
    }),
    ticks: this.counter('engine_ticks_total', 'Runs of the dialing loop, by result', ['result']),
    claimed: this.counter('engine_claimed_total', 'Records claimed for a dial'),
    /** What became of the claims: accepted, refused, skipped, released, lost; offered (preview). */
    dials: this.counter('engine_dials_total', 'Claimed records by what the dial did', ['result']),
    outcomes: this.counter('engine_outcomes_total', 'Attempts ended, by engine outcome', ['outcome']),
    leasesReconciled: this.counter('engine_leases_reconciled_total', 'Expired leases reconciled (attempt unknown)'),
    scheduled: this.counter('engine_scheduled_runs_total', 'Campaign runs started by their schedule'),
    callsInFlight: this.gauge('engine_calls_in_flight', 'Calls out (leased or in flight) across all engines', () =>
      this.read((s) => s.callsInFlight()),
    ),
    dueBacklog: this.gauge('engine_due_backlog', 'Records due now in running campaigns (capped)', () =>
      this.read((s) => s.dueBacklog()),
    ),
  };

  readonly imports = {
    /** Rows read by finished imports, by result: imported, duplicate, rejected. */
    rows: this.counter('import_rows_total', 'Rows of completed imports, by result', ['result']),
    rejects: this.counter('import_rejects_total', 'Rows refused by completed imports'),
    jobs: this.counter('imports_total', 'Import jobs finished, by status', ['status']),
  };

  readonly agents = {
    byState: ((): Gauge<'state'> => {
      const read = () => this.read((s) => s.agentsByState());
      return new Gauge({
        name: `${METRIC_PREFIX}agents`,
        help: 'Agents by state',
        labelNames: ['state'] as const,
        registers: [this.registry],
        async collect() {
          const states = await read();
          if (!states) return;
          this.reset();
          for (const [state, n] of states) this.set({ state }, n);
        },
      });
    })(),
  };

  /**
   * The event outbox's webhook deliveries (domain/events/webhook-delivery.ts). `event` is the event
   * type, `result` delivered | failed | gave_up.
   */
  readonly webhooks = {
    deliveries: this.counter('webhook_deliveries_total', 'Webhook delivery attempts, by event type and result', [
      'event',
      'result',
    ]),
    failures: this.counter('webhook_failures_total', 'Webhook deliveries that failed, by reason', ['reason']),
    lag: new Histogram({
      name: `${METRIC_PREFIX}webhook_delivery_lag_seconds`,
      help: 'From the event being written to its successful delivery',
      buckets: [0.01, 0.05, 0.1, 0.5, 1, 5, 15, 60, 300, 1800, 3600, 21600, 86400],
      registers: [this.registry],
    }),
    pending: this.gauge('webhook_pending_events', 'Events subscriptions have yet to deliver (capped)', () =>
      this.read((s) => s.webhookPending()),
    ),
  };

  /** Failures of a gauge read at scrape time (the gauge then keeps its last value). */
  readonly scrapeErrors = this.counter('metrics_scrape_errors_total', 'Gauge reads that failed during a scrape');

  /** The database reads behind the scrape-time gauges (set once, by createServices). */
  setGaugeSource(source: GaugeSource): void {
    this.source = source;
  }

  /** Node's process metrics (memory, CPU, event loop, GC), prefixed; once per registry, by the process that serves them. */
  collectProcessMetrics(): void {
    if (this.processMetrics) return;
    this.processMetrics = true;
    collectDefaultMetrics({ register: this.registry, prefix: METRIC_PREFIX });
  }

  /** The Prometheus text exposition of every metric of this process. */
  scrape(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  private async read<T>(get: (s: GaugeSource) => Promise<T>): Promise<T | undefined> {
    if (!this.source) return undefined;
    try {
      return await get(this.source);
    } catch {
      this.scrapeErrors.inc();
      return undefined;
    }
  }

  private counter<L extends string = never>(name: string, help: string, labelNames: readonly L[] = []): Counter<L> {
    return new Counter({ name: `${METRIC_PREFIX}${name}`, help, labelNames, registers: [this.registry] });
  }

  private gauge(name: string, help: string, value: () => Promise<number | undefined>): Gauge {
    return new Gauge({
      name: `${METRIC_PREFIX}${name}`,
      help,
      registers: [this.registry],
      async collect() {
        const v = await value();
        if (v !== undefined) this.set(v);
      },
    });
  }
}
