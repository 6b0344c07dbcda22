import type { Clock } from '../../shared/clock.js';
import { silentLogger, type Logger } from '../../shared/logger.js';
import { newId, nowIso } from '../../shared/ids.js';
import type { CampaignsRepo } from '../../storage/repos/campaigns-repo.js';
import type { Tenant } from '../../shared/tenant.js';
import type { ContactsRepo } from '../../storage/repos/contacts-repo.js';
import type { DncService } from '../contacts/dnc.js';
import type { DialRecordsRepo } from '../../storage/repos/dial-records-repo.js';
import type { InstancesRepo, StatusChange } from '../../storage/repos/instances-repo.js';
import type { CampaignInstanceRow, CampaignRow, DialRecordRow } from '../../storage/schema.js';
import type { CampaignConfig } from '../campaigns/campaign-config.js';
import { transition, type ClientTrigger } from '../campaigns/lifecycle.js';
import type { CampaignStatusView, ContactResult, ContactResultsPage, TriggerResponse } from '../../contract/engine.js';
import { errors } from '../../shared/errors.js';
import { dncHitsOf, planRecords } from './dial-plan.js';
import { isOutcome, toKoreDialerOutcome } from './retry-policy.js';
import { parseContactsFilters } from './contacts-filter.js';

const MESSAGES: Record<ClientTrigger, string> = {
  play: 'Campaign Started',
  stop: 'Campaign Stopped',
  pause: 'Campaign Paused',
  resume: 'Campaign Resumed',
};

/** Kore-facing lifecycle (play / stop / pause / resume) and the two status views. */
export class InstanceService {
  constructor(
    private readonly campaigns: CampaignsRepo,
    private readonly instances: InstancesRepo,
    private readonly records: DialRecordsRepo,
    private readonly contactsRepo: ContactsRepo,
    private readonly dnc: DncService,
    private readonly clock: Clock,
    /** One line per transition, with the tenant, campaign and instance (docs/architecture.md, Logs). */
    private readonly log: Logger = silentLogger,
  ) {}

  async trigger(t: Tenant, campaignId: string, trigger: ClientTrigger): Promise<TriggerResponse> {
    const row = await this.campaigns.find(t, campaignId);
    if (!row) throw errors.campaignNotFound(campaignId);
    const check = transition(trigger, row.status, row.name);
    if (!check.ok) throw errors.illegalState(check.message);
    const now = this.clock.now();
    const change = { campaignId, from: check.from, to: check.to, nowIso: nowIso(now) };
    let instanceId = row.instance_id;
    if (trigger === 'play') {
      instanceId = await this.play(t, row, change, now);
    } else if (!(await this.instances.changeStatus(t, change, instanceId, now))) {
      throw errors.illegalState(`Campaign ${row.name} changed state meanwhile; try again`);
    }
    this.log.info(
      {
        accountId: t.accountId,
        botId: t.botId,
        campaignId,
        instanceId,
        transition: trigger,
        from: row.status,
        to: check.to,
      },
      `campaign ${trigger}`,
    );
    const out: TriggerResponse = { status: check.to, message: MESSAGES[trigger], updatedAt: change.nowIso };
    if (row.type === 'sms') {
      if (trigger === 'stop') out.campaignExecutionType = 'NORMAL';
      return out;
    }
    if (trigger === 'play') out.totalCallsCompleted = 0;
    if (instanceId) out.campaignInstanceId = instanceId;
    return out;
  }

  /** A new instance from the full lists: de-duplicated, DNC-scrubbed, ordered (dial-plan.ts). */
  private async play(
    t: Tenant,
    row: CampaignRow,
    change: { campaignId: string; from: readonly string[]; to: string; nowIso: string },
    now: number,
  ): Promise<string> {
    const cfg = JSON.parse(row.config) as CampaignConfig;
    const listIds = cfg.contactLists.map((l) => l.id);
    // Read before the contacts: contacts that become visible after it are the engine's to take in (live lists).
    const marks = await this.contactsRepo.listMarks(listIds);
    const contacts = await this.contactsRepo.playContacts(listIds);
    const hits = await this.dnc.hits(await this.dnc.listsFor(t, cfg.dncList), [
      ...new Set(contacts.map((c) => c.phone_e164)),
    ]);
    // An entry with an expiry says so: the record stays excluded for this run even after it expires (docs/engine.md).
    const dnc = dncHitsOf(hits);
    const instance: CampaignInstanceRow = {
      id: newId('cid'),
      campaign_id: row.id,
      account_id: row.account_id,
      bot_id: row.bot_id,
      type: row.type,
      status: 'Active',
      total_records: 0,
      excluded_records: 0,
      messages_sent: 0,
      started_at: now,
      ended_at: null,
    };
    const plan = planRecords({
      instance,
      contacts,
      order: cfg.dialingStrategy.dialingOrder ?? 'FIFO',
      dnc,
      hours: cfg.dialingStrategy.callingHours,
      now,
      newId: () => newId('dr'),
    });
    instance.total_records = plan.records.length;
    instance.excluded_records = plan.excluded;
    const read = new Map<string, number>();
    for (const c of contacts) read.set(c.list_id, Math.max(read.get(c.list_id) ?? 0, Number(c.seq)));
    const lists = listIds.flatMap((id, position) => {
      const m = marks.get(id);
      if (!m || listIds.indexOf(id) !== position) return [];
      return [{ list_no: m.listNo, position, absorbed_seq: Math.max(m.visibleSeq, read.get(id) ?? 0) }];
    });
    if (!(await this.instances.start(t, change, instance, plan.records, lists))) {
      throw errors.illegalState(`Campaign ${row.name} changed state meanwhile; try again`);
    }
    return instance.id;
  }

  /** A status change of the campaign alone (no instance involved: a schedule expiring); false when its status moved meanwhile. */
  async changeCampaignStatus(t: Tenant, change: StatusChange): Promise<boolean> {
    return this.instances.changeStatus(t, change, null, this.clock.now());
  }

  async status(t: Tenant, campaignId: string): Promise<CampaignStatusView> {
    const row = await this.campaigns.find(t, campaignId);
    if (!row) throw errors.campaignNotFound(campaignId);
    return { id: row.id, status: row.status, name: row.name };
  }

  /**
   * The current instance's records in dial order (empty before the first play); `filters` is
   * campaignd's extension (raw, as the body gave it: parseContactsFilters checks it), and the
   * totals then count the matching records.
   */
  async contacts(
    t: Tenant,
    campaignId: string,
    page: number,
    limit: number,
    filters?: unknown,
  ): Promise<ContactResultsPage> {
    const selection = filters === undefined || filters === null ? undefined : parseContactsFilters(filters);
    const row = await this.campaigns.find(t, campaignId);
    if (!row) throw errors.campaignNotFound(campaignId);
    const { rows, total } =
      row.instance_id && !selection?.empty
        ? await this.records.page(row.instance_id, (page - 1) * limit, limit, selection?.filter)
        : { rows: [], total: 0 };
    return {
      results: rows.map(toContactResult),
      page,
      limit,
      totalPages: Math.ceil(total / limit),
      totalResults: total,
    };
  }
}

/** Kore's contact result; numbers are shown as digits without `+`, like Kore's samples. */
export function toContactResult(r: DialRecordRow): ContactResult {
  const final = r.state === 'done' && r.final_outcome !== null && isOutcome(r.final_outcome);
  return {
    phoneNumber: r.phone_e164.replace(/^\+/, ''),
    uniqueId: r.unique_id ?? '',
    dialerOutcome: final ? toKoreDialerOutcome(r.final_outcome as never, true) : '',
    numberOfAttemptsSoFar: r.attempts,
    botSessionId: r.bot_session_id ?? '',
    agentDispositionCodes: r.agent_disposition_codes ? (JSON.parse(r.agent_disposition_codes) as string[]) : [],
    botOutboundStatus: r.bot_outbound_status ?? '',
    botOutboundStatusDetail: r.bot_outbound_status_detail ?? '',
  };
}
