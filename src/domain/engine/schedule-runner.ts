import type { Clock } from '../../shared/clock.js';
import type { Logger } from '../../shared/logger.js';
import { nowIso } from '../../shared/ids.js';
import type { CampaignsRepo } from '../../storage/repos/campaigns-repo.js';
import type { CampaignConfig } from '../campaigns/campaign-config.js';
import { TRANSITIONS } from '../campaigns/lifecycle.js';
import { latestDueOccurrence, nextOccurrence } from '../campaigns/schedule.js';
import { AppError } from '../../shared/errors.js';
import type { InstanceService } from './instance-service.js';

/**
 * Plays scheduled campaigns at their occurrences (schedule.ts), on every engine tick. A run that
 * completes with occurrences left goes back to Scheduled (OutcomeHandler.completeIfDone); a
 * schedule past its end with nothing running becomes Completed. A Stopped campaign is left alone:
 * an operator stopped it, and only an operator starts it again (play, or enable the schedule).
 * Several engines may run this at once: the play's status guard lets exactly one of them win.
 */
export class ScheduleRunner {
  constructor(
    private readonly campaigns: CampaignsRepo,
    private readonly instances: InstanceService,
    private readonly clock: Clock,
    private readonly log: Logger,
  ) {}

  /** Returns how many campaigns it started. */
  async run(): Promise<number> {
    const now = this.clock.now();
    let started = 0;
    for (const row of await this.campaigns.scheduled()) {
      const { schedule } = JSON.parse(row.config) as CampaignConfig;
      if (!schedule.isSchedulingEnabled) continue;
      // Occurrences up to the last change of the campaign's run state are spent.
      const since = Math.max(
        schedule.enabledAt ?? 0,
        row.instance_updated_at ? Date.parse(row.instance_updated_at) : 0,
      );
      const tenant = { accountId: row.account_id, botId: row.bot_id };
      try {
        if (latestDueOccurrence(schedule, since, now) !== undefined) {
          const run = await this.instances.trigger(tenant, row.id, 'play');
          this.log.info({ ...tenant, campaignId: row.id, instanceId: run.campaignInstanceId }, 'scheduled run started');
          started++;
        } else if (nextOccurrence(schedule, now) === undefined) {
          const { from, to } = TRANSITIONS.expire;
          if (
            await this.instances.changeCampaignStatus(tenant, { campaignId: row.id, from, to, nowIso: nowIso(now) })
          ) {
            this.log.info(
              { ...tenant, campaignId: row.id, transition: 'expire', from: row.status, to },
              'schedule has no run left: campaign completed',
            );
          }
        }
      } catch (err) {
        // Another engine played it first, or an operator changed it meanwhile: nothing to do.
        if (!(err instanceof AppError && err.status === 409)) throw err;
      }
    }
    return started;
  }
}
