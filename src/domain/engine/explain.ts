import type { Clock } from '../../shared/clock.js';
import type { CampaignsRepo } from '../../storage/repos/campaigns-repo.js';
import type { Tenant } from '../../shared/tenant.js';
import type { AttemptsRepo } from '../../storage/repos/attempts-repo.js';
import type { DialRecordsRepo } from '../../storage/repos/dial-records-repo.js';
import type { InstancesRepo } from '../../storage/repos/instances-repo.js';
import type { CampaignConfig } from '../campaigns/campaign-config.js';
import type { DncService } from '../contacts/dnc.js';
import type { ExplainRule, Explanation } from '../../contract/engine.js';
import { errors } from '../../shared/errors.js';
import { describeWindowAt, effectiveZone } from './calling-window.js';
import type { CampaignCaps } from './campaign-caps.js';
import { policyOf, type AgentPolicy } from './campaign-policy.js';
import { presentSince } from '../agents/presence.js';
import type { AgentsRepo } from '../../storage/repos/agents-repo.js';
import { windowedAt } from './outcome-handler.js';

/** A record key that looks like a phone number (`+1 (555) 010-0001`, `15550100001`), as E.164. */
export function phoneOfKey(key: string): string | undefined {
  const digits = key.replace(/[\s().-]/g, '');
  return /^\+?\d{6,15}$/.test(digits) ? `+${digits.replace(/^\+/, '')}` : undefined;
}

const iso = (ms: number | null | undefined) => (ms === null || ms === undefined ? null : new Date(ms).toISOString());

/** Answers, rule by rule, why a record is or is not dialable at the clock's now (docs/engine.md, Invariants). */
export class ExplainService {
  constructor(
    private readonly campaigns: CampaignsRepo,
    private readonly instances: InstancesRepo,
    private readonly records: DialRecordsRepo,
    private readonly dnc: DncService,
    private readonly attempts: AttemptsRepo,
    private readonly clock: Clock,
    private readonly maxConcurrentCalls: number,
    private readonly campaignCaps: CampaignCaps,
    private readonly agents: AgentsRepo,
  ) {}

  async explain(t: Tenant, campaignId: string, key: string): Promise<Explanation> {
    const row = await this.campaigns.find(t, campaignId);
    if (!row) throw errors.campaignNotFound(campaignId);
    if (!row.instance_id)
      throw errors.notFound('Contact', `${key} of campaign ${campaignId} (the campaign has never been started)`);
    const inst = await this.instances.find(row.instance_id);
    const rec = await this.records.findByKey(row.instance_id, key, phoneOfKey(key));
    if (!rec || !inst) throw errors.notFound('Contact', `${key} in campaign ${campaignId}`);

    const now = this.clock.now();
    const policy = policyOf(row);
    const cfg = JSON.parse(row.config) as CampaignConfig;
    const rules: ExplainRule[] = [];
    const running = row.status === 'Active' && inst.status === 'Active';
    rules.push({
      rule: 'campaign',
      ok: running,
      detail: running ? 'campaign is Active' : `campaign is ${row.status}`,
      facts: { campaignStatus: row.status, instanceStatus: inst.status },
    });

    const final = rec.state === 'done';
    const recordDetail = final
      ? `final: ${rec.final_outcome}${rec.excluded_reason ? ` (${rec.excluded_reason})` : ''}`
      : rec.state === 'pending'
        ? 'waiting to be dialed'
        : rec.state === 'offered'
          ? `offered to agent ${rec.agent_id} until ${iso(rec.lease_expires_at)} (skipped ${rec.skips} times)`
          : rec.state === 'accepted'
            ? `accepted by agent ${rec.agent_id}: dialed at the next tick`
            : `attempt ${rec.current_attempt_id} is ${rec.state === 'leased' ? 'being placed' : 'in progress'}`;
    rules.push({
      rule: 'record',
      ok: rec.state === 'pending',
      detail: recordDetail,
      facts: { state: rec.state, lastOutcome: rec.last_outcome, finalOutcome: rec.final_outcome },
    });

    const dncLists = await this.dnc.listsFor(t, cfg.dncList);
    const dncIds = dncLists.map((l) => l.id);
    const hit = (await this.dnc.hits(dncLists, [rec.phone_e164])).get(rec.phone_e164);
    const hitNow = hit?.id;
    const hitUntil = hit?.expiresAt == null ? null : iso(hit.expiresAt);
    const dncOk = rec.final_outcome !== 'dnc' && hitNow === undefined;
    // A record excluded (final `dnc`) stays so for this run even when its entry expired or was removed since.
    const dncDetail = dncOk
      ? 'not on the campaign or global DNC list'
      : rec.final_outcome === 'dnc'
        ? `${rec.excluded_reason ?? 'excluded by a DNC list'}${hitNow === undefined ? '; the entry no longer holds, so the next run dials it, not this one' : ''}`
        : `on DNC list ${hitNow}${hitUntil ? ` until ${hitUntil}` : ''}`;
    rules.push({
      rule: 'dnc',
      ok: dncOk,
      detail: dncDetail,
      facts: {
        excludedAtStart: rec.excluded_reason,
        onListNow: hitNow ?? null,
        entryExpiresAt: hitUntil,
        listsChecked: dncIds,
      },
    });

    // A call-back (callContactAt, an agent's disposition) reopens a record for one more attempt.
    const reopened = rec.state === 'pending' && rec.attempts >= policy.maxAttempts;
    const attemptsLeft = rec.attempts < policy.maxAttempts || reopened;
    rules.push({
      rule: 'attempts',
      ok: attemptsLeft,
      detail: `${rec.attempts} of ${policy.maxAttempts} attempts used${reopened ? '; a call-back allows one more' : ''}`,
      facts: { used: rec.attempts, max: policy.maxAttempts, callback: reopened },
    });

    const last = rec.attempts > 0 && rec.state === 'pending' ? await this.lastEnded(rec.id, rec.attempts) : null;
    const retryAt = last !== null ? last + policy.retryMin * 60_000 : null;
    const waitOk = retryAt === null || retryAt <= now;
    rules.push({
      rule: 'retry-wait',
      ok: waitOk,
      detail:
        retryAt === null
          ? 'no retry wait'
          : waitOk
            ? 'retry period has passed'
            : `retry period of ${policy.retryMin} min runs until ${iso(retryAt)}`,
      facts: { retryPeriodMin: policy.retryMin, lastAttemptEndedAt: iso(last), notBefore: iso(retryAt) },
    });

    const z = effectiveZone(rec.time_zone, policy.hours.timezone);
    const w = describeWindowAt(policy.compiled, z.zone, now);
    rules.push({
      rule: 'calling-window',
      ok: w.inWindow,
      detail: `${w.inWindow ? 'inside' : 'outside'} calling hours in ${z.zone} (${z.source} zone${z.ignoredContactZone ? `; contact zone '${z.ignoredContactZone}' is not a valid IANA zone` : ''}), local ${w.local.weekday} ${w.local.time}`,
      facts: {
        ...w,
        zoneSource: z.source,
        ignoredContactZone: z.ignoredContactZone ?? null,
        frequency: policy.hours.frequency,
      },
    });

    const inFlight = await this.records.inFlightByInstance();
    const mine = inFlight.get(inst.id) ?? 0;
    const total = [...inFlight.values()].reduce((a, b) => a + b, 0);
    if (policy.agents) {
      rules.push(await this.agentsRule(policy.agents, now));
      // An agent campaign is bounded by its agents, not by the bot's per-campaign cap.
      rules.push({
        rule: 'capacity',
        ok: total < this.maxConcurrentCalls,
        detail: `${total} of ${this.maxConcurrentCalls} lines busy (${mine} for this campaign); agents shared by priority ${policy.priority}`,
        facts: {
          campaignInFlight: mine,
          totalInFlight: total,
          maxConcurrentCalls: this.maxConcurrentCalls,
          priority: policy.priority,
        },
      });
    } else {
      const cap = await this.campaignCaps.of(policy.botId, true);
      rules.push({
        rule: 'capacity',
        ok: mine < cap && total < this.maxConcurrentCalls,
        detail: `${mine} of ${cap} campaign lines and ${total} of ${this.maxConcurrentCalls} lines busy; shared by priority ${policy.priority}`,
        facts: {
          campaignInFlight: mine,
          campaignMax: cap,
          totalInFlight: total,
          maxConcurrentCalls: this.maxConcurrentCalls,
          priority: policy.priority,
        },
      });
    }

    let next: number | null = null;
    if (!final && dncOk && attemptsLeft && inst.status !== 'Stopped') {
      next = windowedAt(policy, rec, Math.max(now, rec.state === 'pending' ? rec.next_at : now, retryAt ?? now));
    }
    return {
      campaignId: row.id,
      campaignStatus: row.status,
      campaignInstanceId: inst.id,
      recordId: rec.id,
      phoneNumber: rec.phone_e164.replace(/^\+/, ''),
      at: new Date(now).toISOString(),
      dialableNow: rules.every((r) => r.ok),
      nextDialableAt: running || row.status === 'Paused' ? iso(next) : null,
      rules,
    };
  }

  /** Whether an agent of the campaign's queue is free to take the call now, and what the others do. */
  private async agentsRule(a: AgentPolicy, now: number): Promise<ExplainRule> {
    const q = (await this.agents.queueStates([a.queueId], presentSince(now))).get(a.queueId) ?? { present: 0 };
    const free = q.present;
    const away = (q.Available ?? 0) - free;
    const loggedIn = (q.Available ?? 0) + (q.Reserved ?? 0) + (q.OnCall ?? 0) + (q.WrapUp ?? 0) + (q.NotReady ?? 0);
    const busy = [
      [q.Reserved, 'reserved'],
      [q.OnCall, 'on call'],
      [q.WrapUp, 'in wrap-up'],
      [q.NotReady, 'not ready'],
      [away, 'away (no event stream)'],
    ]
      .filter(([n]) => (n as number | undefined) ?? 0)
      .map(([n, what]) => `${n} ${what}`);
    const counts = `${free} of ${loggedIn} available${busy.length > 0 ? ` (${busy.join(', ')})` : ''}`;
    return {
      rule: 'agents',
      ok: free > 0,
      detail:
        free > 0
          ? `agents on queue ${a.queueName}: ${counts}`
          : `waiting for an agent on queue ${a.queueName}: ${counts}`,
      facts: {
        queue: a.queueName,
        mode: a.mode,
        available: free,
        loggedIn,
        reserved: q.Reserved ?? 0,
        onCall: q.OnCall ?? 0,
        wrapUp: q.WrapUp ?? 0,
        notReady: q.NotReady ?? 0,
        away,
      },
    };
  }

  private async lastEnded(recordId: string, attemptNo: number): Promise<number | null> {
    return this.attempts.endedAt(recordId, attemptNo);
  }
}
