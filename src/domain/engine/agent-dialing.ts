import { BoundedSet } from '../telephony/provider.js';
import type { AgentLeg, Provider } from '../telephony/provider.js';
import { nowIso } from '../../shared/ids.js';
import type { Clock } from '../../shared/clock.js';
import { NO_WORK } from '../../storage/repos/agent-moves.js';
import type { AgentWorkRepo } from '../../storage/repos/agent-work-repo.js';
import type { AgentsRepo } from '../../storage/repos/agents-repo.js';
import type { AttemptsRepo } from '../../storage/repos/attempts-repo.js';
import type { DialRecordsRepo } from '../../storage/repos/dial-records-repo.js';
import type { AgentRow } from '../../storage/schema.js';
import { offerClosedEvent } from '../agents/agent-events.js';
import { endWrapUp } from '../agents/wrap-up.js';
import type { WrapUpObserver } from '../agents/wrap-up-observer.js';
import { OFFER_RECONNECT_MS, presentSince } from '../agents/presence.js';
import type { CampaignPolicies } from './campaign-policies.js';
import type { CampaignPolicy } from './campaign-policy.js';
import { FairShareAllocator, type CampaignDemand } from './capacity.js';

/** Where an agent takes calls, as the provider is told. */
export const agentLeg = (a: AgentRow): AgentLeg => ({
  id: a.id,
  name: a.name,
  ...(a.extension ? { extension: a.extension } : {}),
  ...(a.external_id ? { externalId: a.external_id } : {}),
});

export interface AgentDialingOptions {
  clock: Clock;
  agents: AgentsRepo;
  work: AgentWorkRepo;
  attempts: AttemptsRepo;
  records: DialRecordsRepo;
  policies: CampaignPolicies;
  provider: Provider;
  /** This engine (Engine.owner): it hangs up only the calls it placed. */
  owner: string;
  /** AGENT_PRESENCE_GRACE_MS: how long an agent may be gone before being logged out. */
  graceMs: number;
  /** Told when a wrap-up runs out (Predictive pacing measures wrap-ups). */
  wrapUps?: WrapUpObserver;
}

export interface AgentInstance {
  id: string;
  policy: CampaignPolicy;
}

export interface AgentSweepReport {
  offersTimedOut: number;
  offersWithdrawn: number;
  wrapUpsEnded: number;
  loggedOut: number;
  hangups: number;
}

const BATCH = 500;

/**
 * The engine's work with agents each tick: the sweeps (offers past their deadline, wrap-ups that
 * ran out, agents whose stream is gone, calls an agent asked to end) and how many agents each
 * Progressive / Preview instance may take now. Agents of one queue are shared by the campaigns on
 * it by priority (p / Σp, as lines are), counting the agents each already keeps busy.
 */
export class AgentDialing {
  private readonly allocators = new Map<string, FairShareAllocator>();
  private readonly hungUp = new BoundedSet(10_000);

  constructor(private readonly o: AgentDialingOptions) {}

  /** An Available agent counts as there when their stream was seen since this instant. */
  presentSince(now: number): number {
    return presentSince(now);
  }

  async sweep(now: number): Promise<AgentSweepReport> {
    const rep: AgentSweepReport = { offersTimedOut: 0, offersWithdrawn: 0, wrapUpsEnded: 0, loggedOut: 0, hangups: 0 };
    await this.timeOutOffers(now, rep);
    await this.endWrapUps(now, rep);
    await this.handleGone(now, rep);
    for (const attemptId of await this.o.attempts.hangupsRequested(this.o.owner, BATCH)) {
      if (this.hungUp.has(attemptId) || !this.o.provider.hangup) continue;
      this.hungUp.add(attemptId);
      await this.o.provider.hangup(attemptId);
      rep.hangups++;
    }
    return rep;
  }

  /**
   * How many agents each instance may take now: per queue, the Available agents with a live
   * stream, shared by priority among the instances with due records (`due`, counted up to the
   * queue's free agents).
   */
  async slots(
    instances: readonly AgentInstance[],
    now: number,
    due: (asks: readonly { instanceId: string; max: number }[]) => Promise<Map<string, number>>,
  ): Promise<Map<string, number>> {
    const out = new Map<string, number>();
    if (instances.length === 0) return out;
    const byQueue = new Map<string, AgentInstance[]>();
    for (const i of instances)
      byQueue.set(i.policy.agents!.queueId, [...(byQueue.get(i.policy.agents!.queueId) ?? []), i]);
    const states = await this.o.agents.queueStates([...byQueue.keys()], this.presentSince(now));
    const freeIn = (queueId: string) => states.get(queueId)?.present ?? 0;
    // Each campaign's due records, counted up to its queue's free agents: one statement for all.
    // (dueCounts skips those whose queue has nobody free.)
    const dueNow = await due(instances.map((i) => ({ instanceId: i.id, max: freeIn(i.policy.agents!.queueId) })));
    const busy = await this.o.agents.busyByInstance(instances.map((i) => i.id));
    for (const [queueId, members] of byQueue) {
      const free = freeIn(queueId);
      if (free === 0) continue;
      const demands: CampaignDemand[] = [];
      for (const i of members) {
        const wanted = dueNow.get(i.id) ?? 0;
        const inFlight = busy.get(i.id) ?? 0;
        demands.push({ id: i.id, priority: i.policy.priority, wanted, inFlight, maxConcurrent: inFlight + wanted });
      }
      let allocator = this.allocators.get(queueId);
      if (!allocator) this.allocators.set(queueId, (allocator = new FairShareAllocator()));
      const total = free + demands.reduce((a, d) => a + d.inFlight, 0);
      for (const [id, n] of allocator.allocate(total, demands)) out.set(id, n);
    }
    return out;
  }

  /** Where each of these agents takes calls, for the provider's agent leg. */
  async legs(agentIds: readonly string[]): Promise<Map<string, AgentLeg>> {
    const out = new Map<string, AgentLeg>();
    for (const id of new Set(agentIds)) {
      const a = await this.o.agents.find(id);
      if (a) out.set(id, agentLeg(a));
    }
    return out;
  }

  /** Offers past their deadline: dialed on the agent's behalf, or handed back with the agent NotReady. */
  private async timeOutOffers(now: number, rep: AgentSweepReport): Promise<void> {
    for (const r of await this.o.work.expiredOffers(now, BATCH)) {
      const policy = await this.o.policies.of(r.campaign_id, r.instance_id);
      const agentId = r.agent_id!;
      const done =
        policy?.agents?.previewTimeoutAction === 'requeue'
          ? await this.o.work.returnOffer(r.id, agentId, now, {
              skip: false,
              maxSkips: policy.agents.maxSkips,
              agentTo: 'NotReady',
              reason: 'missed-offer',
              events: [offerClosedEvent(r.id, 'timed-out', 'the offer was not answered in time: requeued')],
            })
          : await this.o.work.acceptOffer(
              r.id,
              agentId,
              now,
              [offerClosedEvent(r.id, 'timed-out', 'the offer was not answered in time: dialing')],
              false,
            );
      if (done) rep.offersTimedOut++;
    }
  }

  private async endWrapUps(now: number, rep: AgentSweepReport): Promise<void> {
    for (const a of await this.o.agents.wrapUpsEnded(now, BATCH)) {
      if (await endWrapUp(this.o.work, a, now, 'Available', null, 'timeout', this.o.wrapUps)) rep.wrapUpsEnded++;
    }
  }

  /**
   * Agents whose stream is gone: an offer (or an accepted record not yet dialed) goes back once the
   * agent has been gone OFFER_RECONNECT_MS (a reload keeps it); past the grace period the agent is
   * logged out. A call in progress is never touched: the agent
   * is logged out once it and its wrap-up are over. The wrap-up is not cut short either: the agent
   * may still give the call's disposition (it needs no stream), and it ends by itself at its time.
   */
  private async handleGone(now: number, rep: AgentSweepReport): Promise<void> {
    for (const a of await this.o.agents.goneSince(this.presentSince(now) - OFFER_RECONNECT_MS, ['Reserved'], BATCH)) {
      if (a.work_attempt_id !== null || !a.work_record_id) continue;
      const back = await this.o.work.returnOffer(a.work_record_id, a.id, now, {
        skip: false,
        maxSkips: 0,
        agentTo: 'Available',
        reason: null,
        events: [offerClosedEvent(a.work_record_id, 'withdrawn', 'your event stream was lost')],
      });
      if (back) rep.offersWithdrawn++;
    }
    const since = this.presentSince(now) - this.o.graceMs;
    for (const a of await this.o.agents.goneSince(since, ['Available', 'NotReady'], BATCH)) {
      const out = await this.o.agents.move({
        agentId: a.id,
        from: [a.state],
        to: 'Offline',
        reason: 'disconnected',
        work: NO_WORK,
        at: now,
        nowIso: nowIso(now),
      });
      if (out) rep.loggedOut++;
    }
  }
}
