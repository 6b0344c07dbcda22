import type { Clock } from '../../shared/clock.js';
import type { Campaign, CampaignInput, CampaignsPage, ListCampaignsBody } from '../../contract/campaign.js';
import { newId, nowIso } from '../../shared/ids.js';
import { duplicateName, mapUnique } from '../../storage/db-errors.js';
import type { CampaignsRepo, ListRef } from '../../storage/repos/campaigns-repo.js';
import type { Tenant } from '../../shared/tenant.js';
import type { ContactListsRepo } from '../../storage/repos/contact-lists-repo.js';
import type { TenancyRepo } from '../../storage/repos/tenancy-repo.js';
import type { CampaignRow } from '../../storage/schema.js';
import { errors, ValidationErrors, type AppError } from '../../shared/errors.js';
import type { CampaignConfig, CampaignType } from './campaign-config.js';
import {
  type ApiVersion,
  normaliseCampaignInput,
  type NormalisedCampaign,
  parseCampaignType,
} from './campaign-rules.js';
import { toKoreCampaign, type ViewExtras } from './campaign-view.js';
import { EDITABLE_STATUSES, transition } from './lifecycle.js';
import { parseScheduleBody } from './schedule.js';
import { parseListQuery } from './list-query.js';

export class CampaignService {
  constructor(
    private readonly campaigns: CampaignsRepo,
    private readonly lists: ContactListsRepo,
    private readonly tenancy: TenancyRepo,
    private readonly clock: Clock,
    /** Messages sent by a campaign instance (SMS views carry `totalMessagesSent`). */
    private readonly messagesSent: (instanceId: string) => Promise<number> = async () => 0,
    /** Db.changeVersion where the database has one (SQLite). */
    private readonly dataVersion: () => number | undefined = () => undefined,
  ) {}

  /**
   * A number that changes whenever stored data may have changed, or undefined when that cannot be
   * known cheaply (PostgreSQL: other servers write the same database). Read before the data it
   * guards: the Get route keeps a serialised answer only while it stays the same.
   */
  changeVersion(): number | undefined {
    return this.dataVersion();
  }

  async get(t: Tenant, id: string): Promise<Campaign> {
    const row = await this.campaigns.find(t, id);
    if (!row) throw errors.campaignNotFound(id);
    return toKoreCampaign(row, await this.extras(row));
  }

  async create(
    t: Tenant,
    body: CampaignInput,
    typeFromQuery: string | undefined,
    apiVersion: ApiVersion,
  ): Promise<Campaign> {
    const type = this.resolveType(body.campaignType, typeFromQuery);
    const { draft, lists } = await this.prepare(t, body, type, apiVersion);
    const now = nowIso(this.clock.now());
    const row: CampaignRow = {
      id: newId('cd'),
      account_id: t.accountId,
      bot_id: t.botId,
      type,
      name: draft.name,
      lname: draft.name.toLowerCase(),
      description: draft.description,
      // Preparation (resolving names, checking lists) is done synchronously above, so the
      // campaign is Ready as soon as it is stored; the voice response still says Preparing, as Kore's samples do.
      status: 'Ready',
      priority: draft.priority,
      dialing_mode: draft.dialingMode,
      config: JSON.stringify(draft.config),
      instance_id: null,
      instance_updated_at: null,
      created_at: now,
      updated_at: now,
    };
    await mapUnique(
      () => this.campaigns.insert(row, lists),
      () => duplicateName('Campaign', draft.name),
    );
    return toKoreCampaign(row);
  }

  async update(
    t: Tenant,
    id: string,
    body: CampaignInput,
    typeFromQuery: string | undefined,
    apiVersion: ApiVersion,
  ): Promise<Campaign> {
    const current = await this.campaigns.find(t, id);
    if (!current) throw errors.campaignNotFound(id);
    // The stored type wins: v2 update-voice docs hard-code campaignType=sms in the query
    // (docs/kore-compatibility.md, inconsistency 9).
    const bodyType = body.campaignType === undefined ? undefined : parseCampaignType(body.campaignType);
    if (body.campaignType !== undefined && !bodyType)
      throw errors.validation('campaignType', 'campaignType: must be voice or sms');
    if (bodyType && bodyType !== current.type) {
      throw errors.validation(
        'campaignType',
        `campaignType: campaign ${id} is a ${current.type} campaign and cannot become ${bodyType}`,
      );
    }
    void typeFromQuery;
    if (!EDITABLE_STATUSES.includes(current.status)) {
      throw errors.illegalState(`Campaign ${current.name} is ${current.status}; stop it before updating`);
    }
    const { draft, lists } = await this.prepare(t, body, current.type, apiVersion);
    // A recurrence set through the schedule API outlives configuration edits (it has its own API).
    const stored = (JSON.parse(current.config) as CampaignConfig).schedule;
    if (stored.recurrenceObject) draft.config.schedule = stored;
    const row: CampaignRow = {
      ...current,
      name: draft.name,
      lname: draft.name.toLowerCase(),
      description: draft.description,
      priority: draft.priority,
      dialing_mode: draft.dialingMode,
      config: JSON.stringify(draft.config),
      updated_at: nowIso(this.clock.now()),
    };
    const ok = await mapUnique(
      () => this.campaigns.replace(t, row, lists, EDITABLE_STATUSES),
      () => duplicateName('Campaign', draft.name),
    );
    if (!ok)
      throw errors.illegalState(`Campaign ${current.name} changed state during the update; stop it before updating`);
    return toKoreCampaign(row);
  }

  async delete(t: Tenant, id: string): Promise<Campaign> {
    const current = await this.campaigns.find(t, id);
    if (!current) throw errors.campaignNotFound(id);
    if (!EDITABLE_STATUSES.includes(current.status)) {
      throw errors.illegalState(`Campaign ${current.name} is ${current.status}; stop it before deleting`);
    }
    if (!(await this.campaigns.delete(t, id, EDITABLE_STATUSES))) {
      throw errors.illegalState(`Campaign ${current.name} changed state during the delete; stop it before deleting`);
    }
    return toKoreCampaign(current);
  }

  async list(t: Tenant, body: ListCampaignsBody | undefined): Promise<CampaignsPage> {
    const q = parseListQuery(body ?? {});
    const { rows, total } = await this.campaigns.list(t, q);
    const totalPages = Math.ceil(total / q.limit);
    return {
      results: await Promise.all(
        rows.map(async (r) => toKoreCampaign(r, { ...(await this.extras(r)), forList: true })),
      ),
      skip: q.offset,
      limit: q.limit,
      hasMore: q.offset + rows.length < total,
      totalPages,
      totalResults: total,
    };
  }

  /** The live counter of an SMS campaign's current instance; voice views carry none. */
  private async extras(row: CampaignRow): Promise<ViewExtras> {
    return row.type === 'sms' && row.instance_id ? { totalMessagesSent: await this.messagesSent(row.instance_id) } : {};
  }

  /**
   * Kore's schedule API: enables (with a validated recurrence) or disables a campaign's schedule; the
   * campaign is named, not identified. Enabling moves it to Scheduled (the engine plays each
   * occurrence); disabling moves a Scheduled campaign back to Ready. Not while a run is going.
   */
  async setSchedule(
    t: Tenant,
    name: string | undefined,
    enable: boolean,
    body: unknown,
  ): Promise<{ name: string; id: string }> {
    if (!name?.trim()) throw errors.validation('campaignName', 'campaignName: is required (query)');
    const row = await this.campaigns.findByName(t, name);
    if (!row) throw errors.notFound('Campaign', `named '${name}'`);
    const cfg = JSON.parse(row.config) as CampaignConfig;
    const trigger = enable
      ? 'schedule'
      : row.status === 'Scheduled' || row.status === 'Rescheduled'
        ? 'unschedule'
        : undefined;
    let schedule: CampaignConfig['schedule'] = { isSchedulingEnabled: false, isRecurrenceEnabled: false };
    if (enable) {
      const parsed = parseScheduleBody(body, cfg.dialingStrategy.callingHours.timezone, this.clock.now());
      if (!parsed.ok) throw new ValidationErrors(parsed.problems);
      schedule = parsed.value;
    }
    const check = trigger
      ? transition(trigger, row.status, row.name)
      : { ok: true as const, to: row.status, from: [row.status] };
    if (!check.ok) throw errors.illegalState(check.message);
    const ok = await this.campaigns.setSchedule(t, row.id, JSON.stringify({ ...cfg, schedule }), {
      to: check.to,
      from: check.from,
      nowIso: nowIso(this.clock.now()),
    });
    if (!ok) throw errors.illegalState(`Campaign ${row.name} changed state meanwhile; try again`);
    return { name: row.name, id: row.id };
  }

  private resolveType(fromBody: unknown, fromQuery: string | undefined): CampaignType {
    // The body's campaignType wins: the docs' query descriptions are wrong in places (inconsistency 9).
    const raw = fromBody ?? fromQuery;
    if (raw === undefined || raw === '')
      throw errors.validation('campaignType', 'campaignType: is required (query or body): voice or sms');
    const type = parseCampaignType(raw);
    if (!type) throw errors.validation('campaignType', `campaignType: '${String(raw)}' must be voice or sms`);
    return type;
  }

  /** Validates the body and resolves every name it references, reporting all problems together. */
  private async prepare(t: Tenant, body: CampaignInput, type: CampaignType, apiVersion: ApiVersion) {
    const res = normaliseCampaignInput(body, { type, apiVersion });
    if (!res.ok) throw new ValidationErrors(res.problems);
    const n = res.value;
    const problems: AppError[] = [];
    const bad = (field: string, msg: string) => problems.push(errors.validation(field, `${field}: ${msg}`));

    const wanted = [...n.contactListNames, ...(n.dncListName ? [n.dncListName] : [])];
    const found = new Map((await this.lists.findByNames(t.accountId, t.botId, wanted)).map((l) => [l.lname, l]));
    const contactLists = n.contactListNames.map((name) => {
      const l = found.get(name.toLowerCase());
      if (!l) bad('contactLists', `contact list '${name}' does not exist`);
      return { id: l?.id ?? '', name: l?.name ?? name };
    });
    const dncRow = n.dncListName ? found.get(n.dncListName.toLowerCase()) : undefined;
    if (n.dncListName && !dncRow) bad('dncLists', `DNC list '${n.dncListName}' does not exist`);

    const config: CampaignConfig = {
      dialingStrategy: n.dialingStrategy,
      schedule: n.schedule,
      contactLists,
      machineDetection: n.machineDetection,
    };
    if (dncRow) config.dncList = { id: dncRow.id, name: dncRow.name };
    await this.resolveFlowQueueTemplate(t, n, config, bad);
    if (problems.length > 0) throw new ValidationErrors(problems);

    const lists: ListRef[] = contactLists.map((l, i) => ({ listId: l.id, role: 'contacts', position: i }));
    if (config.dncList) lists.push({ listId: config.dncList.id, role: 'dnc', position: 0 });
    const draft = {
      type,
      name: n.name,
      description: n.description,
      priority: n.priority,
      dialingMode: n.dialingMode,
      config,
    };
    return { draft, lists };
  }

  private async resolveFlowQueueTemplate(
    t: Tenant,
    n: NormalisedCampaign,
    config: CampaignConfig,
    bad: (f: string, m: string) => void,
  ) {
    if (n.experienceFlowName) {
      const flow = await this.tenancy.findFlowByName(t.botId, n.type, n.experienceFlowName);
      if (!flow) bad('experienceFlowName', `no ${n.type} experience flow named '${n.experienceFlowName}'`);
      else config.experienceFlow = { id: flow.id, name: flow.name };
    }
    if (n.queueName) {
      const queue = await this.tenancy.findQueueByName(t.botId, n.queueName);
      if (!queue) bad('queue_name', `no queue named '${n.queueName}'`);
      else config.queue = { id: queue.id, name: queue.name };
    }
    if (n.maxSkips !== undefined) config.maxSkips = n.maxSkips;
    if (n.agentSettings) config.agentSettings = n.agentSettings;
    if (n.predictiveSettings) config.predictiveSettings = n.predictiveSettings;
    if (n.format) config.format = n.format;
    if (n.message) {
      const m = n.message;
      const template = m.templateName
        ? await this.tenancy.findTemplateByName(t.botId, m.templateName)
        : m.templateId
          ? await this.tenancy.findTemplateById(t.botId, m.templateId)
          : undefined;
      if (m.templateName && !template) bad('message.template_name', `no SMS template named '${m.templateName}'`);
      else if (!m.templateName && m.templateId && !template)
        bad('message.templateId', `no SMS template with id '${m.templateId}'`);
      config.message = template
        ? {
            template_name: template.name,
            message: m.message.trim() === '' ? template.message : m.message,
            templateId: template.id,
          }
        : { message: m.message, templateId: '' };
    }
  }
}
