import type {
  Agent,
  AgentHistory,
  AgentWithCredential,
  CreateAgentBody,
  UpdateAgentBody,
} from '../../contract/agents.js';
import type { Clock } from '../../shared/clock.js';
import { errors } from '../../shared/errors.js';
import { newId, nowIso } from '../../shared/ids.js';
import { parseIsoTime } from '../../shared/iso-time.js';
import type { Tenant } from '../../shared/tenant.js';
import { nameProblem } from '../../shared/text.js';
import { isUniqueViolation } from '../../storage/db-errors.js';
import { NO_WORK } from '../../storage/repos/agent-moves.js';
import type { AgentsRepo } from '../../storage/repos/agents-repo.js';
import type { CampaignsRepo } from '../../storage/repos/campaigns-repo.js';
import type { TenancyRepo } from '../../storage/repos/tenancy-repo.js';
import type { AgentRow } from '../../storage/schema.js';
import type { CampaignConfig } from '../campaigns/campaign-config.js';
import { checkedName, requireBot } from '../tenancy/admin-service.js';
import { newCredential } from './credentials.js';
import { toAgent } from './agent-view.js';
import type { DispositionCodes } from './disposition-codes.js';
import { presentSince } from './presence.js';

const DAY_MS = 86_400_000;
/** The longest history one request reads. */
const HISTORY_MAX_ROWS = 10_000;

/**
 * Agents as an operator manages them (admin API and `campaignd agents`): created with their queues
 * and a credential shown once, listed, changed, removed, and their state history read.
 */
export class AgentAdminService {
  constructor(
    private readonly agents: AgentsRepo,
    private readonly tenancy: TenancyRepo,
    private readonly clock: Clock,
    private readonly campaigns: CampaignsRepo,
    private readonly codes: DispositionCodes,
  ) {}

  async create(body: CreateAgentBody): Promise<AgentWithCredential> {
    const t = await this.tenant(body);
    const name = checkedName(body.name);
    const queueIds = await this.queueIds(t, body.queues);
    const now = this.clock.now();
    const id = newId('ag');
    const { credential, hash } = newCredential(id);
    const row: AgentRow = {
      id,
      account_id: t.accountId,
      bot_id: t.botId,
      name,
      external_id: checkedText('externalId', body.externalId),
      extension: checkedText('extension', body.extension),
      credential_hash: hash,
      state: 'Offline',
      state_reason: null,
      state_since: now,
      stream_seen_at: null,
      ...NO_WORK,
      created_at: nowIso(now),
      updated_at: nowIso(now),
    };
    await this.unique(() => this.agents.create(row, queueIds), row.external_id);
    return { ...(await this.get(t, id)), credential };
  }

  async list(q: { accountId: string; iid: string }): Promise<Agent[]> {
    const t = await this.tenant(q);
    const since = presentSince(this.clock.now());
    return (await this.agents.list(t)).map((a) => toAgent(a, since));
  }

  async find(q: { accountId: string; iid: string }, agentId: string): Promise<Agent> {
    return this.get(await this.tenant(q), agentId);
  }

  /** An agent of the tenant a Kore API request was admitted for; another tenant's agent is a 404 like a missing one. */
  async ofTenant(t: Tenant, agentId: string): Promise<Agent> {
    return this.get(t, agentId);
  }

  /**
   * The disposition codes agents may give on a campaign's calls and where the list comes from: the
   * campaign's own `agentSettings.dispositionCodes`, else the bot's, else none (`any`: any code).
   */
  async campaignDispositions(
    t: Tenant,
    campaignId: string,
  ): Promise<{ campaign: { id: string; name: string }; codes: string[]; source: 'campaign' | 'bot' | 'any' }> {
    const row = await this.campaigns.find(t, campaignId);
    if (!row) throw errors.campaignNotFound(campaignId);
    const own = (JSON.parse(row.config) as CampaignConfig).agentSettings?.dispositionCodes ?? [];
    return {
      campaign: { id: row.id, name: row.name },
      ...(await this.codes.applying({ dispositionCodes: own }, t.botId)),
    };
  }

  /** Changes what the body names; `resetCredential` answers the new credential (the old one stops working). */
  async update(agentId: string, body: UpdateAgentBody): Promise<Agent | AgentWithCredential> {
    const t = await this.tenant(body);
    await this.get(t, agentId);
    const patch: Parameters<AgentsRepo['update']>[1] = { updated_at: nowIso(this.clock.now()) };
    if (body.name !== undefined) patch.name = checkedName(body.name);
    if (body.externalId !== undefined) patch.external_id = checkedText('externalId', body.externalId ?? undefined);
    if (body.extension !== undefined) patch.extension = checkedText('extension', body.extension ?? undefined);
    const queueIds = body.queues ? await this.queueIds(t, body.queues) : undefined;
    const reset = body.resetCredential === true ? newCredential(agentId) : undefined;
    if (reset) patch.credential_hash = reset.hash;
    const updated = await this.unique(() => this.agents.update(agentId, patch, queueIds), patch.external_id ?? null);
    if (!updated) throw errors.notFound('Agent', agentId);
    const agent = await this.get(t, agentId);
    return reset ? { ...agent, credential: reset.credential } : agent;
  }

  /** Removes an agent who is not on a call or holding an offer (409 then: log them out first). */
  async remove(q: { accountId: string; iid: string }, agentId: string): Promise<Agent> {
    const t = await this.tenant(q);
    const agent = await this.get(t, agentId);
    const res = await this.agents.remove(agentId);
    if (res === 'missing') throw errors.notFound('Agent', agentId);
    if (res === 'working')
      throw errors.illegalState(
        `Agent ${agent.name} is on a call, wrapping one up or holding an offer; remove them once it is over`,
      );
    return agent;
  }

  /** State changes between `from` and `to` (ISO; default the last 24 hours), oldest first. */
  async history(
    q: { accountId: string; iid: string; from?: string; to?: string },
    agentId: string,
  ): Promise<AgentHistory> {
    const t = await this.tenant(q);
    await this.get(t, agentId);
    const to = q.to === undefined ? this.clock.now() + 1 : parseIsoTime(q.to);
    if (to === undefined) throw errors.validation('to', `to: '${q.to}' is not an ISO 8601 date`);
    const from = q.from === undefined ? to - DAY_MS : parseIsoTime(q.from);
    if (from === undefined) throw errors.validation('from', `from: '${q.from}' is not an ISO 8601 date`);
    if (from > to) throw errors.validation('from', 'from: must not be after to');
    const rows = await this.agents.history(agentId, from, to, HISTORY_MAX_ROWS);
    return {
      agentId,
      results: rows.map((r) => ({
        state: r.state,
        reason: r.reason,
        at: new Date(r.at).toISOString(),
        campaignId: r.campaign_id,
        attemptId: r.attempt_id,
      })),
    };
  }

  private async get(t: Tenant, agentId: string): Promise<Agent> {
    const row = await this.agents.findWithQueues(t, agentId);
    if (!row) throw errors.notFound('Agent', agentId);
    return toAgent(row, presentSince(this.clock.now()));
  }

  private async tenant(q: { accountId: string; iid: string }): Promise<Tenant> {
    await requireBot(this.tenancy, q);
    return { accountId: q.accountId, botId: q.iid };
  }

  /** The ids of the bot's queues named, or a 400 naming each one that does not exist. */
  private async queueIds(t: Tenant, names: readonly string[]): Promise<string[]> {
    const ids: string[] = [];
    const missing: string[] = [];
    for (const raw of names) {
      const q = await this.tenancy.findQueueByName(t.botId, raw.trim());
      if (q) ids.push(q.id);
      else missing.push(raw.trim());
    }
    if (missing.length > 0)
      throw errors.validation(
        'queues',
        `queues: no queue named ${missing.map((n) => `'${n}'`).join(', ')} (POST /admin/v1/queues creates one)`,
      );
    return [...new Set(ids)];
  }

  private async unique<T>(write: () => Promise<T>, externalId: string | null | undefined): Promise<T> {
    try {
      return await write();
    } catch (err) {
      if (isUniqueViolation(err))
        throw errors.conflict(`Another agent of the bot has externalId '${externalId}'`, 'externalId');
      throw err;
    }
  }
}

/** Optional text that people read: trimmed, and refused with a 400 naming it when it holds controls. */
function checkedText(field: string, raw: string | undefined): string | null {
  if (raw === undefined) return null;
  const v = raw.trim();
  if (v === '') return null;
  const problem = nameProblem(v);
  if (problem) throw errors.validation(field, `${field}: ${problem}`);
  return v;
}
