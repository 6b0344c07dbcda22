import type { Clock } from '../../shared/clock.js';
import type { CampaignsRepo } from '../../storage/repos/campaigns-repo.js';
import type { Tenant } from '../../shared/tenant.js';
import type { DialRecordsRepo } from '../../storage/repos/dial-records-repo.js';
import type { InstancesRepo } from '../../storage/repos/instances-repo.js';
import type { CallbackRequest, CallbackResult } from '../../contract/engine.js';
import { errors } from '../../shared/errors.js';
import { parseIsoTime } from '../../shared/iso-time.js';
import { phoneOfKey } from './explain.js';

/** How far ahead a call-back may be asked for: a year (a time in 9999 is a mistake, not a plan). */
const CALLBACK_HORIZON_MS = 366 * 86_400_000;

/**
 * Call-back scheduling (Kore's `callContactAt`): an external tool asks that contacts of a running
 * instance be dialed at given times. Each item answers on its own. A record waiting for its turn
 * or a retry is moved; a final one (completed, no answer…) is reopened for one more attempt;
 * a number excluded by DNC or out on a call is refused. The calling hours still apply: a time
 * outside them is dialed when the window next opens.
 */
export class CallbackService {
  constructor(
    private readonly campaigns: CampaignsRepo,
    private readonly instances: InstancesRepo,
    private readonly records: DialRecordsRepo,
    private readonly clock: Clock,
  ) {}

  async schedule(t: Tenant, instanceId: string, items: CallbackRequest[]): Promise<CallbackResult[]> {
    const inst = await this.instances.find(instanceId);
    const campaign = inst ? await this.campaigns.find(t, inst.campaign_id) : undefined;
    if (!inst || !campaign) throw errors.notFound('Campaign instance', instanceId);
    if (campaign.instance_id !== inst.id || (inst.status !== 'Active' && inst.status !== 'Paused')) {
      throw errors.illegalState(
        `Campaign instance ${instanceId} is not running (campaign ${campaign.name} is ${campaign.status}); call-backs need an Active or Paused instance`,
      );
    }
    const now = this.clock.now();
    const out: CallbackResult[] = [];
    for (const item of items) {
      const base = { campaignDialingListId: item.campaignDialingListId };
      // With a zone: a call-back time without one would be a guess.
      const at = parseIsoTime(item.timeToContact, { requireZone: true });
      if (at === undefined) {
        out.push({ ...base, status: 'failed', reason: 'invalid_time' });
        continue;
      }
      if (at <= now) {
        out.push({ ...base, status: 'failed', reason: 'time_in_past' });
        continue;
      }
      if (at > now + CALLBACK_HORIZON_MS) {
        out.push({ ...base, status: 'failed', reason: 'time_too_far' });
        continue;
      }
      const rec = await this.records.findByKey(
        inst.id,
        item.campaignDialingListId,
        phoneOfKey(item.campaignDialingListId),
      );
      if (!rec) {
        out.push({ ...base, status: 'failed', reason: 'contact_not_found' });
        continue;
      }
      const moved = await this.records.scheduleCallback(inst.id, rec.id, at, now);
      if (moved === 'moved') out.push({ ...base, status: 'success', timeToContact: new Date(at).toISOString() });
      // The instance ended (its last record went final, or a stop) while this request ran.
      else if (moved === 'not_running') out.push({ ...base, status: 'failed', reason: 'campaign_not_running' });
      else
        out.push({
          ...base,
          status: 'failed',
          reason: rec.final_outcome === 'dnc' ? 'dnc_excluded' : 'call_in_progress',
        });
    }
    return out;
  }
}
