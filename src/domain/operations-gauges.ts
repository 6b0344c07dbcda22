import type { Clock } from '../shared/clock.js';
import type { GaugeSource } from '../shared/metrics.js';
import type { AgentCountsRepo } from '../storage/repos/agent-counts-repo.js';
import type { DialRecordsRepo } from '../storage/repos/dial-records-repo.js';
import type { InstancesRepo } from '../storage/repos/instances-repo.js';
import type { WebhooksRepo } from '../storage/repos/webhooks-repo.js';
import { AGENT_STATES } from '../storage/schema.js';

/**
 * Past this many due records a running campaign's backlog is not counted further: a scrape must
 * stay cheap however large a campaign is, and "over 100 000 due" is all an alert needs to know.
 */
export const BACKLOG_CAP_PER_RUN = 100_000;
/** The same for a webhook subscription's undelivered events. */
export const PENDING_CAP_PER_SUBSCRIPTION = 100_000;

/**
 * The gauges `/metrics` reads at scrape time, from the database, so every process sharing it reports
 * the same numbers: calls out, records due now, agents by state, webhook events not yet delivered.
 */
export class OperationsGauges implements GaugeSource {
  constructor(
    private readonly records: DialRecordsRepo,
    private readonly instances: InstancesRepo,
    private readonly agents: AgentCountsRepo,
    private readonly webhooks: WebhooksRepo,
    private readonly clock: Clock,
  ) {}

  async callsInFlight(): Promise<number> {
    let n = 0;
    for (const c of (await this.records.inFlightByInstance()).values()) n += c;
    return n;
  }

  async dueBacklog(): Promise<number> {
    const now = this.clock.now();
    const runs = await this.instances.active();
    const due = await this.records.dueCounts(
      runs.map((run) => ({ instanceId: run.id, max: BACKLOG_CAP_PER_RUN })),
      now,
    );
    let n = 0;
    for (const c of due.values()) n += c;
    return n;
  }

  async agentsByState(): Promise<ReadonlyMap<string, number>> {
    const counted = await this.agents.byState();
    return new Map(AGENT_STATES.map((s) => [s, counted.get(s) ?? 0]));
  }

  async webhookPending(): Promise<number> {
    let n = 0;
    for (const sub of await this.webhooks.delivering())
      n += await this.webhooks.pendingCount(sub, PENDING_CAP_PER_SUBSCRIPTION);
    return n;
  }
}
