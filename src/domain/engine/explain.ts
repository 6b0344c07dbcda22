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
import { describeWindowAt } from './calling-window.js';
import type { CampaignCaps } from './campaign-caps.js';
import { policyOf, type AgentPolicy } from './campaign-policy.js';
import { presentSince } from '../agents/presence.js';
import type { AgentsRepo, QueueStates } from '../../storage/repos/agents-repo.js';
import type { PacingRepo } from '../../storage/repos/pacing-repo.js';
import { lockoutRule, pacingRule } from './explain-predictive.js';
import type { PredictiveCalls } from './predictive-calls.js';
import { permitOf, situationOf, type ContactSituation } from '../rules/contact-placement.js';
import type { ContactRules, ContactRulesSource } from '../rules/contact-rules.js';
import { capHold, historyMs, type FrequencyCap } from '../rules/frequency-caps.js';
import { describePermit, nextPermitted, type PermitExplanation } from '../rules/permitted-time.js';
import { phoneZonesInfo } from '../rules/phone-location.js';

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
    private readonly contactRules: ContactRulesSource,
    /** Predictive campaigns: the pacing decision now, and numbers barred after an abandoned call. */
    private readonly predictive: { calls: PredictiveCalls; lockouts: PacingRepo },
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

    const contactRules = await this.contactRules.of(policy.accountId, policy.botId, true);
    const situation = situationOf(contactRules, policy.hours.timezone, rec);
    const compiledPermit = permitOf(policy, contactRules, situation);
    const permit = describePermit(compiledPermit, now);
    rules.push(this.windowRule(policy, situation, permit, now));
    rules.push(this.jurisdictionRule(situation, permit));
    if (contactRules.blackouts.length > 0) rules.push(blackoutRule(contactRules, permit));
    const busy = await this.records.busyWith(policy.accountId, rec.phone_e164, rec.id);
    rules.push({
      rule: 'number-busy',
      ok: busy.length === 0,
      detail:
        busy.length === 0
          ? 'no other call of this account holds the number'
          : `the number is held by campaign ${busy[0]!.campaign_id} (${busy[0]!.state}); one call per number per account at a time`,
      facts: { heldBy: busy.map((b) => ({ campaignId: b.campaign_id, recordId: b.id, state: b.state })) },
    });
    const caps = situation.caps;
    const starts =
      caps.length > 0
        ? await this.attempts.startsOn(policy.accountId, rec.phone_e164, policy.type, now - historyMs(caps))
        : [];
    const capHeld = capHold(caps, starts, now);
    rules.push(capsRule(caps, starts, capHeld, now));

    const inFlight = await this.records.inFlightByInstance();
    const mine = inFlight.get(inst.id) ?? 0;
    const total = [...inFlight.values()].reduce((a, b) => a + b, 0);
    let lockedUntil: number | undefined;
    if (policy.agents) {
      lockedUntil = (await this.predictive.lockouts.lockouts(policy.accountId, [rec.phone_e164], now)).get(
        rec.phone_e164,
      );
      rules.push(lockoutRule(lockedUntil, now));
      const queue = (await this.agents.queueStates([policy.agents.queueId], presentSince(now))).get(
        policy.agents.queueId,
      ) ?? { present: 0 };
      rules.push(agentsRule(policy.agents, queue));
      if (policy.predictive)
        rules.push(pacingRule(policy, await this.predictive.calls.decide(inst.id, policy, queue.present, now)));
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
      const from = Math.max(
        now,
        rec.state === 'pending' ? rec.next_at : now,
        retryAt ?? now,
        capHeld?.until ?? now,
        lockedUntil ?? now,
      );
      next = nextPermitted(compiledPermit, from);
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

  /** The campaign's calling hours in every zone the contact may be in. */
  private windowRule(
    policy: ReturnType<typeof policyOf>,
    s: ContactSituation,
    permit: PermitExplanation,
    now: number,
  ): ExplainRule {
    const hours = permit.zones.map((z) => ({ zone: z.zone, fact: z.rules.find((r) => r.rule === 'calling-hours')! }));
    const ok = hours.every((h) => h.fact.allowed);
    const first = describeWindowAt(policy.compiled, s.zones[0]!, now);
    const where =
      s.zoneSource === 'number'
        ? s.zones.length > 1
          ? `every zone the number may be in (${s.zones.join(', ')})`
          : `${s.zones[0]} (from the number)`
        : `${s.zones[0]} (${s.zoneSource} zone${s.ignoredContactZone ? `; contact zone '${s.ignoredContactZone}' is not a valid IANA zone` : ''})`;
    return {
      rule: 'calling-window',
      ok,
      detail: `${ok ? 'inside' : 'outside'} calling hours in ${where}, local ${first.local.weekday} ${first.local.time}`,
      facts: {
        ...first,
        inWindow: ok,
        zones: s.zones,
        zoneSource: s.zoneSource,
        ignoredContactZone: s.ignoredContactZone ?? null,
        number: s.location
          ? {
              country: s.location.country,
              region: s.location.region,
              candidates: s.location.zones,
              prefix: s.location.prefix,
              table: phoneZonesInfo(),
            }
          : null,
        perZone: hours.map((h) => ({ zone: h.zone, inWindow: h.fact.allowed, opensAt: h.fact.opensAt })),
        frequency: policy.hours.frequency,
      },
    };
  }

  /** The rule packs that apply to the number, and which of their rules (hours, holidays) blocks now. */
  private jurisdictionRule(s: ContactSituation, permit: PermitExplanation): ExplainRule {
    const blocks = permit.blocks.filter((b) => b.rule === 'pack-hours' || b.rule === 'holiday');
    const packs = permit.packs.map((p) => `${p.id}@${p.version}`);
    return {
      rule: 'jurisdiction',
      ok: blocks.length === 0,
      detail:
        packs.length === 0
          ? 'no rule pack applies to this number'
          : blocks.length === 0
            ? `allowed by ${packs.join(', ')}`
            : blocks
                .map((b) => `${b.detail} (${b.pack!.id}@${b.pack!.version}: ${b.pack!.cite}) in ${b.zone}`)
                .join('; '),
      facts: {
        packs: permit.packs,
        blocks,
        country: s.location?.country ?? null,
        region: s.location?.region ?? null,
        nextPermitted: permit.nextPermitted,
      },
    };
  }

  private async lastEnded(recordId: string, attemptNo: number): Promise<number | null> {
    return this.attempts.endedAt(recordId, attemptNo);
  }
}

function blackoutRule(rules: ContactRules, permit: PermitExplanation): ExplainRule {
  const blocks = permit.blocks.filter((b) => b.rule === 'blackout');
  return {
    rule: 'blackouts',
    ok: blocks.length === 0,
    detail: blocks.length === 0 ? 'no blackout date today' : blocks.map((b) => `${b.detail} in ${b.zone}`).join('; '),
    facts: { blackouts: rules.blackouts, blocks },
  };
}

/** The frequency caps that count this number's attempts across the account's campaigns. */
function capsRule(
  caps: readonly FrequencyCap[],
  starts: readonly number[],
  held: ReturnType<typeof capHold>,
  now: number,
): ExplainRule {
  const counts = caps.map((c) => ({
    ...c,
    used: starts.filter((t) => t > now - c.hours * 3_600_000).length,
  }));
  return {
    rule: 'frequency-caps',
    ok: held === null,
    detail:
      caps.length === 0
        ? 'no frequency cap applies'
        : (held?.detail ?? counts.map((c) => `${c.used} of ${c.attempts} per ${c.hours} h (${c.source})`).join('; ')),
    facts: { caps: counts, until: held ? new Date(held.until).toISOString() : null },
  };
}

/** Whether an agent of the campaign's queue is free to take the call now, and what the others do. */
function agentsRule(a: AgentPolicy, q: QueueStates): ExplainRule {
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
