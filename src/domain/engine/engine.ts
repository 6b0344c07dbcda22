import { hostname } from 'node:os';
import { randomUUID } from 'node:crypto';
import type { Clock } from '../../shared/clock.js';
import { newId } from '../../shared/ids.js';
import type { DialRecordsRepo } from '../../storage/repos/dial-records-repo.js';
import type { InstancesRepo } from '../../storage/repos/instances-repo.js';
import { MAX_CONVERSATION_MS, type Provider } from '../telephony/provider.js';
import type { CampaignPolicy } from './campaign-policy.js';
import { FairShareAllocator, TokenBucket, type CampaignDemand } from './capacity.js';
import { dispatch, type ClaimedBatch, type DncCheck } from './dialer.js';
import type { CampaignCaps } from './campaign-caps.js';
import type { CampaignPolicies } from './campaign-policies.js';
import type { InstanceCompletion } from './instance-completion.js';
import type { LiveLists } from './live-lists.js';
import type { OutcomeHandler } from './outcome-handler.js';
import { ClaimPlacer } from '../rules/contact-placement.js';
import type { ContactRules, ContactRulesSource } from '../rules/contact-rules.js';
import type { PrecallFetcher } from './precall-fetch.js';
import { AgentDialing, type AgentInstance, type AgentSweepReport } from './agent-dialing.js';
import { connectingEvent, offerClosedEvent, offerEvent } from '../agents/agent-events.js';
import type { DispositionCodes } from '../agents/disposition-codes.js';
import type { WrapUpObserver } from '../agents/wrap-up-observer.js';
import type { PredictiveCalls } from './predictive-calls.js';
import type { AgentsRepo } from '../../storage/repos/agents-repo.js';
import type { AgentWorkRepo } from '../../storage/repos/agent-work-repo.js';
import type { AttemptsRepo } from '../../storage/repos/attempts-repo.js';
import type { ClaimRequest, NumberFacts } from '../../storage/repos/claim-steps.js';
import type { DialRecordRow } from '../../storage/schema.js';

export interface EngineOptions {
  clock: Clock;
  provider: Provider;
  outcomes: OutcomeHandler;
  policies: CampaignPolicies;
  completion: InstanceCompletion;
  records: DialRecordsRepo;
  instances: InstancesRepo;
  /** MAX_CONCURRENT_CALLS: calls out at once, counted across every engine sharing the database. */
  maxConcurrentCalls: number;
  /** Calls out at once per campaign: its bot's setting, else Kore's 10. */
  campaignCaps: CampaignCaps;
  /** Bots' contact-protection rules: zones from numbers, rule packs, blackouts, frequency caps. */
  contactRules: ContactRulesSource;
  /** CALLS_PER_SECOND: starts per second of this engine process. */
  callsPerSecond: number;
  /**
   * LEASE_MS: how long this engine's claims (and, unless the provider's calls outlive the process,
   * its calls out) stay leased after its last heartbeat (renewLeases).
   */
  leaseMs: number;
  /** TELEPHONY_OUTCOME_TIMEOUT_SEC in ms: how long a call out may wait for its outcome. Default 300000. */
  outcomeTimeoutMs?: number;
  precall?: PrecallFetcher;
  /** DNC membership, checked again right before each dial (numbers added to a list after play). */
  dnc?: DncCheck;
  /** Live lists: contacts that became visible on a running campaign's lists join its run (live-lists.ts). */
  live?: LiveLists;
  /** Identifies this process in leases and attempts. Default host:pid:random. */
  owner?: string;
  /** Progressive and Preview campaigns: their agents. */
  agents: {
    repo: AgentsRepo;
    work: AgentWorkRepo;
    attempts: AttemptsRepo;
    /** AGENT_PRESENCE_GRACE_MS. */
    graceMs: number;
    /** The disposition codes an agent may give on a campaign's call: sent with each offer and call. */
    codes: DispositionCodes;
    /** Told when a wrap-up runs out (Predictive pacing measures wrap-ups). */
    wrapUps?: WrapUpObserver;
  };
  /** Predictive campaigns: answered calls connected to agents, and the pacing decision of each tick. */
  predictive: PredictiveCalls;
}

export interface TickReport {
  reconciled: number;
  claimed: number;
  accepted: number;
  refused: number;
  skipped: number;
  released: number;
  /** Claims whose lease ran out before their dial (dialer.ts): not dialed, left to reconciliation. */
  lost: number;
  completed: number;
  /** Preview records offered to agents. */
  offered: number;
  /** Predictive: people who had answered and waited, connected to an agent. */
  connected: number;
  agents: AgentSweepReport;
}

/** A running campaign's policy with what this tick read for it: its line cap and its bot's contact rules. */
type TickPolicy = CampaignPolicy & { cap: number; rules: ContactRules };

/** Kore's longest maxRingTime (120 s). */
const MAX_RING_MS = 120_000;

const emptyReport = (): TickReport => ({
  reconciled: 0,
  claimed: 0,
  accepted: 0,
  refused: 0,
  skipped: 0,
  released: 0,
  lost: 0,
  completed: 0,
  offered: 0,
  connected: 0,
  agents: { offersTimedOut: 0, offersWithdrawn: 0, wrapUpsEnded: 0, loggedOut: 0, hangups: 0 },
});

/**
 * The dialer. One `tick()`: reconcile expired leases, share capacity among Active instances by
 * priority, claim due records inside their windows (one transaction each), hand them to the
 * provider. Time comes only from the injected clock, and nothing here runs by itself: the runtime
 * (src/runtime) ticks it, and tests call `tick()` by hand.
 */
export class Engine {
  readonly owner: string;
  private readonly allocator = new FairShareAllocator();
  private readonly bucket: TokenBucket;
  private readonly agentDialing: AgentDialing;
  private current: Promise<TickReport> | undefined;

  constructor(private readonly o: EngineOptions) {
    this.owner = o.owner ?? `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
    this.bucket = new TokenBucket({ ratePerSec: o.callsPerSecond }, o.clock);
    this.agentDialing = new AgentDialing({
      clock: o.clock,
      agents: o.agents.repo,
      work: o.agents.work,
      attempts: o.agents.attempts,
      records: o.records,
      policies: o.policies,
      provider: o.provider,
      owner: this.owner,
      graceMs: o.agents.graceMs,
      ...(o.agents.wrapUps ? { wrapUps: o.agents.wrapUps } : {}),
    });
  }

  /** Runs one tick; a tick already running is joined rather than overlapped. */
  tick(): Promise<TickReport> {
    this.current ??= this.runTick().finally(() => {
      this.current = undefined;
    });
    return this.current;
  }

  private async runTick(): Promise<TickReport> {
    const o = this.o;
    const rep = emptyReport();
    const now = o.clock.now();

    // A lease that ran out means its engine died or lost the outcome: the call may have happened,
    // so the attempt becomes `unknown` (final), never a blind redial.
    for (const e of await o.records.expiredLeases(now, 1000)) {
      if (!e.current_attempt_id) continue;
      await o.outcomes.report({
        attemptId: e.current_attempt_id,
        outcome: 'unknown',
        detail: 'lease expired before an outcome was recorded',
        at: now,
      });
      rep.reconciled++;
    }

    rep.agents = await this.agentDialing.sweep(now);

    const active = await o.instances.active();
    const inFlight = await o.records.inFlightByInstance();
    const policies = new Map<string, TickPolicy>();
    const agentInstances: AgentInstance[] = [];
    for (const inst of active) {
      const policy = await o.policies.of(inst.campaign_id, inst.id);
      if (!policy) continue;
      policies.set(inst.id, {
        ...policy,
        cap: await o.campaignCaps.of(policy.botId),
        rules: await o.contactRules.of(policy.accountId, policy.botId),
      });
      if (policy.agents) agentInstances.push({ id: inst.id, policy });
    }
    // Contacts that joined a list since the last tick become records before anything is counted,
    // so they are dialed in this tick and their run does not complete without them.
    if (o.live) await o.live.absorb(policies, now);
    // People waiting on a Predictive call come before anyone new is dialed: they take free agents first.
    const predictive = agentInstances.filter((i) => i.policy.predictive);
    rep.connected = await o.predictive.connectWaiting(predictive, this.owner, o.provider, now);
    await o.predictive.prune(now);
    // Agents first: how many each Progressive / Preview instance may take now, and the share of the
    // free agents each Predictive one paces on.
    const agentSlots = await this.agentDialing.slots(agentInstances, now, (asks) => o.records.dueCounts(asks, now));

    // What each campaign without agents could dial now, all in one statement.
    const due = await o.records.dueCounts(
      [...policies]
        .filter(([, p]) => !p.agents)
        .map(([id, p]) => ({ instanceId: id, max: p.cap - (inFlight.get(id) ?? 0) })),
      now,
    );
    // Campaigns with nothing to dial and nothing out may be over; checked together below.
    const idle: { instanceId: string; campaignId: string }[] = [];
    const demands: CampaignDemand[] = [];
    for (const [instanceId, policy] of policies) {
      const f = inFlight.get(instanceId) ?? 0;
      if (policy.agents?.mode === 'Preview') {
        // Offers hold agents, not lines, and accepted ones are dialed at once: no share of lines to ask for.
        rep.offered += await this.offer(instanceId, policy, agentSlots.get(instanceId) ?? 0, now);
        await this.dialAccepted(instanceId, policy, now, rep);
        if (f === 0) idle.push({ instanceId, campaignId: policy.campaignId });
        continue;
      }
      // Progressive: one call per agent this instance may take, whatever the bot's campaign cap.
      // Predictive: what the pacing controller decides on that share of agents (docs/pacing.md).
      const wanted = policy.predictive
        ? (await o.predictive.decide(instanceId, policy, agentSlots.get(instanceId) ?? 0, now)).dials
        : policy.agents
          ? (agentSlots.get(instanceId) ?? 0)
          : (due.get(instanceId) ?? 0);
      const cap = policy.agents ? f + wanted : policy.cap;
      if (wanted === 0 && f === 0) {
        idle.push({ instanceId, campaignId: policy.campaignId });
        continue;
      }
      demands.push({ id: instanceId, priority: policy.priority, wanted, inFlight: f, maxConcurrent: cap });
    }
    rep.completed += await o.completion.completeDone(idle);
    if (demands.length === 0) return rep;

    const totalOut = [...inFlight.values()].reduce((a, b) => a + b, 0);
    const activeOut = demands.reduce((a, d) => a + d.inFlight, 0);
    // Calls of stopped instances still occupy lines; only active ones take part in the sharing.
    const capacity = Math.max(
      0,
      Math.min(o.maxConcurrentCalls - (totalOut - activeOut), activeOut + this.bucket.available()),
    );
    const slots = this.allocator.allocate(capacity, demands);

    // Higher priority claims first: when two campaigns want one number, it gets it (the other waits).
    // Campaigns without an agent to reserve are claimed together in one transaction (claimMany);
    // then the whole tick's claims are handed to the provider in that order.
    const byPriority = [...slots].sort(([a], [b]) => policies.get(b)!.priority - policies.get(a)!.priority);
    const batches: ClaimedBatch[] = [];
    let together: { policy: TickPolicy; req: ClaimRequest }[] = [];
    const claimTogether = async () => {
      const all = await o.records.claimMany(together.map((t) => t.req));
      together.forEach(({ policy }, i) => batches.push({ policy, claimed: all[i]! }));
      together = [];
    };
    for (const [instanceId, n] of byPriority) {
      if (n <= 0) continue;
      const policy = policies.get(instanceId)!;
      const req = this.claimRequest(instanceId, policy, n, now);
      if (!policy.agents || policy.predictive) {
        together.push({ policy, req });
        continue;
      }
      await claimTogether();
      const codes = await this.codesOf(policy);
      const claimed = await o.agents.work.claimWithAgents({
        ...req,
        ...this.supply(policy, now),
        eventsFor: (r, attemptId) => [connectingEvent(policy, r, attemptId!, codes)],
      });
      batches.push({ policy, claimed: claimed.map((c) => c.claimed) });
    }
    await claimTogether();
    await this.dispatch(batches, rep);
    return rep;
  }

  /** The codes the agents of an agent campaign may give (empty: any); none for agentless ones. */
  private codesOf(policy: CampaignPolicy): Promise<string[]> {
    return policy.agents ? this.o.agents.codes.allowed(policy.agents, policy.botId) : Promise.resolve([]);
  }

  private claimRequest(instanceId: string, policy: TickPolicy, limit: number, now: number) {
    const placer = new ClaimPlacer(policy, policy.rules, now);
    return {
      instanceId,
      accountId: policy.accountId,
      botId: policy.botId,
      channel: policy.type,
      limit,
      now,
      owner: this.owner,
      leaseMs: this.o.leaseMs,
      // The sharing above works from counts read before any claim; other engines claim too. An agent
      // campaign has no per-campaign line cap: the agents it reserves bound it.
      caps: { instance: policy.agents ? Number.POSITIVE_INFINITY : policy.cap, total: this.o.maxConcurrentCalls },
      newAttemptId: () => newId('att'),
      startedAt: () => this.o.clock.now(),
      // Calling hours, rule packs and blackouts in the contact's zones; then one call per number
      // per account at a time and the frequency caps (docs/contact-protection.md).
      place: placer.place,
      protect: {
        historyMs: placer.historyMs,
        holdUntil: (r: DialRecordRow, facts: NumberFacts) => placer.hold(r, facts)?.until ?? null,
        // Numbers whose call was abandoned wait out their lockout before any agent call.
        agentCalls: policy.agents !== undefined,
      },
    };
  }

  private supply(policy: CampaignPolicy, now: number) {
    return {
      campaignId: policy.campaignId,
      queueId: policy.agents!.queueId,
      presentSince: this.agentDialing.presentSince(now),
    };
  }

  /** Preview: up to `n` due records offered to Available agents of the campaign's queue. */
  private async offer(instanceId: string, policy: TickPolicy, n: number, now: number): Promise<number> {
    if (n <= 0) return 0;
    const until = now + policy.agents!.previewTimeoutSec * 1000;
    const codes = await this.codesOf(policy);
    const { accountId, botId, channel, place, protect } = this.claimRequest(instanceId, policy, n, now);
    const offered = await this.o.agents.work.offer({
      instanceId,
      accountId,
      botId,
      channel,
      limit: n,
      now,
      owner: this.owner,
      place,
      protect,
      until,
      ...this.supply(policy, now),
      eventsFor: (r) => [offerEvent(policy, r, now, until, codes)],
    });
    return offered.length;
  }

  /**
   * Preview: accepted offers dialed now, within the lines (MAX_CONCURRENT_CALLS) and the tick's
   * calls-per-second budget; those left wait for the next tick.
   */
  private async dialAccepted(instanceId: string, policy: TickPolicy, now: number, rep: TickReport): Promise<void> {
    const limit = this.bucket.available();
    if (limit <= 0) return;
    const codes = await this.codesOf(policy);
    const claimed = await this.o.agents.work.claimAccepted({
      ...this.claimRequest(instanceId, policy, limit, now),
      campaignId: policy.campaignId,
      eventsFor: (r, attemptId) => [connectingEvent(policy, r, attemptId!, codes)],
      closed: (r) => ({
        skip: false,
        maxSkips: policy.agents!.maxSkips,
        agentTo: 'Available',
        reason: null,
        events: [offerClosedEvent(r.id, 'withdrawn', 'the calling window closed before the dial')],
      }),
    });
    await this.dispatch([{ policy, claimed: claimed.map((c) => c.claimed) }], rep);
  }

  private async dispatch(all: ClaimedBatch[], rep: TickReport): Promise<void> {
    const o = this.o;
    const batches = all.filter((b) => b.claimed.length > 0);
    if (batches.length === 0) return;
    const claimed = batches.flatMap((b) => b.claimed);
    this.bucket.take(claimed.length);
    rep.claimed += claimed.length;
    const agentIds = claimed.flatMap((c) => (c.attempt.agent_id ? [c.attempt.agent_id] : []));
    const d = await dispatch(
      {
        clock: o.clock,
        owner: this.owner,
        claimLeaseMs: o.leaseMs,
        provider: o.provider,
        records: o.records,
        outcomes: o.outcomes,
        ...(o.precall ? { precall: o.precall } : {}),
        ...(o.dnc ? { dnc: o.dnc } : {}),
        inFlightLeaseMs: (p) =>
          o.provider.callsOutliveProcess ? o.leaseMs + this.outcomeWaitMs(p.ringSec * 1000) : o.leaseMs,
        ...(agentIds.length > 0 || batches.some((b) => b.policy.predictive)
          ? {
              agents: {
                legs: await this.agentDialing.legs(agentIds),
                keepCallData: (attemptId: string, data: string) => o.agents.attempts.setCallData(attemptId, data),
              },
            }
          : {}),
      },
      batches,
    );
    rep.accepted += d.accepted;
    rep.refused += d.refused;
    rep.skipped += d.skipped;
    rep.released += d.released;
    rep.lost += d.lost;
  }

  /**
   * The heartbeat (the runtime calls it every LEASE_MS / 3): extends this engine's leases, so that
   * they run out within LEASE_MS of its death and no sooner while it lives. Calls out are renewed
   * only until their outcome is overdue (the outcome timeout plus the longest ring), after which
   * reconciliation records them `unknown`; calls that outlive the process keep the fixed lease they
   * were given. Returns how many leases it extended.
   */
  renewLeases(): Promise<number> {
    const now = this.o.clock.now();
    const inFlight = this.o.provider.callsOutliveProcess
      ? undefined
      : { since: now - this.outcomeWaitMs(MAX_RING_MS), connectedSince: now - MAX_CONVERSATION_MS };
    return this.o.records.renewOwned(this.owner, now, now + this.o.leaseMs, inFlight);
  }

  private outcomeWaitMs(ringMs: number): number {
    return (this.o.outcomeTimeoutMs ?? 300_000) + ringMs;
  }

  /**
   * Shutdown, once no tick runs: claims of this engine not yet handed to the provider go back to
   * pending (their attempts deleted, as if never claimed). Returns how many.
   */
  async releaseClaims(): Promise<number> {
    await this.current?.catch(() => undefined);
    return this.o.records.releaseOwned(this.owner, this.o.clock.now());
  }
}
