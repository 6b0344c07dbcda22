import type { Clock } from '../../shared/clock.js';
import { nowIso } from '../../shared/ids.js';
import type { Logger } from '../../shared/logger.js';
import type { DialRecordsRepo } from '../../storage/repos/dial-records-repo.js';
import type { InstancesRepo } from '../../storage/repos/instances-repo.js';
import { TRANSITIONS } from '../campaigns/lifecycle.js';
import { nextOccurrence } from '../campaigns/schedule.js';
import type { CampaignPolicies } from './campaign-policies.js';

/**
 * Ends a campaign run once nothing is left to dial: Active → Completed once every record of the
 * campaign's current instance is final; then, for a scheduled campaign with occurrences left,
 * Completed → Scheduled (schedule-runner.ts plays the next). Asked by the engine for instances with
 * nothing due, and by the outcome handler after an outcome made a record final.
 */
export class InstanceCompletion {
  constructor(
    private readonly records: DialRecordsRepo,
    private readonly instances: InstancesRepo,
    private readonly policies: CampaignPolicies,
    private readonly clock: Clock,
    private readonly log: Logger,
  ) {}

  /**
   * completeIfDone for several runs, e.g. the idle ones of a tick or those an outcome batch made a
   * record of final: one statement finds the runs with a record still open (after an outcome, nearly
   * all), and only the others are checked one by one. Returns how many completed.
   */
  async completeDone(runs: readonly { instanceId: string; campaignId: string }[]): Promise<number> {
    const open = await this.records.withOpenRecords(runs.map((r) => r.instanceId));
    let completed = 0;
    for (const { instanceId, campaignId } of runs)
      if (!open.has(instanceId) && (await this.complete(instanceId, campaignId))) completed++;
    return completed;
  }

  /** True when this call completed the instance. */
  async completeIfDone(instanceId: string, campaignId: string): Promise<boolean> {
    // Without a lock first: nearly every outcome leaves records open, and the locked check would
    // serialise them all. Whoever makes the last record final still finds none open here.
    if (await this.records.hasOpen(instanceId)) return false;
    return this.complete(instanceId, campaignId);
  }

  /** Completes the run if no record is open under its lock (completeIfNoneOpen); true when this call did. */
  private async complete(instanceId: string, campaignId: string): Promise<boolean> {
    const { from, to } = TRANSITIONS.complete;
    const now = this.clock.now();
    if (!(await this.instances.completeIfNoneOpen({ campaignId, from, to, nowIso: nowIso(now) }, instanceId, now)))
      return false;
    const policy = await this.policies.of(campaignId, instanceId);
    const schedule = policy?.schedule;
    const again = schedule?.isSchedulingEnabled && nextOccurrence(schedule, now) !== undefined;
    if (again) {
      await this.instances.changeStatus(
        null,
        { campaignId, from: ['Completed'], to: TRANSITIONS.schedule.to, nowIso: nowIso(now) },
        null,
        now,
      );
    }
    this.log.info(
      {
        accountId: policy?.accountId,
        botId: policy?.botId,
        campaignId,
        instanceId,
        transition: 'complete',
        from: 'Active',
        to: again ? 'Scheduled' : to,
      },
      'campaign run completed',
    );
    return true;
  }
}
