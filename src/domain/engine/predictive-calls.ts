import type { AgentsRepo } from '../../storage/repos/agents-repo.js';
import type { AttemptsRepo } from '../../storage/repos/attempts-repo.js';
import type { PredictiveCallsRepo } from '../../storage/repos/predictive-calls-repo.js';
import type { DialRecordRow } from '../../storage/schema.js';
import { connectingEvent, endedEvent } from '../agents/agent-events.js';
import type { DispositionCodes } from '../agents/disposition-codes.js';
import { presentSince } from '../agents/presence.js';
import { decidePacing, type PacingDecision } from '../pacing/index.js';
import type { AgentLeg, AnsweredReport, Provider } from '../telephony/provider.js';
import { agentLeg } from './agent-dialing.js';
import type { CampaignPolicies } from './campaign-policies.js';
import type { CampaignPolicy } from './campaign-policy.js';
import type { PacingBook } from './pacing-book.js';

export interface PredictiveCallsOptions {
  repo: PredictiveCallsRepo;
  attempts: AttemptsRepo;
  agents: AgentsRepo;
  policies: CampaignPolicies;
  codes: DispositionCodes;
  book: PacingBook;
}

/** A Predictive campaign's running instance. */
export interface PredictiveInstance {
  id: string;
  policy: CampaignPolicy;
}

/**
 * Predictive calls from the answer on (docs/pacing.md, Engine): a person who answers gets the
 * longest-idle free agent of the campaign's queue at once, or waits; each tick, and whenever an
 * agent frees up, waiting people are connected, longest-waiting first. The provider, not
 * campaignd, abandons a call at its deadline: only it can act within 2 s of the greeting.
 * Also how many calls each Predictive instance places now: `decide`, the pacing controller fed
 * from what this campaign measured.
 */
export class PredictiveCalls {
  constructor(private readonly o: PredictiveCallsOptions) {}

  /** The provider's `answered`: the agent to connect now, or null (the call waits). */
  async answered(r: AnsweredReport): Promise<AgentLeg | null> {
    const att = await this.o.attempts.find(r.attemptId);
    if (!att || att.outcome !== null) return null;
    const rec = await this.o.attempts.record(att.record_id);
    const policy = rec ? await this.o.policies.of(rec.campaign_id, att.instance_id) : undefined;
    if (!policy?.predictive || !policy.agents) return null;
    const agentId = await this.o.repo.answer(att.id, r.at, await this.bindFor(policy, r.at));
    if (agentId !== 'gone') return agentId ? this.leg(agentId) : null;
    // A repeat (the provider retried, perhaps at another server): the agent it already has, if any.
    const now = await this.o.attempts.find(att.id);
    return now?.agent_id && now.outcome === null && now.connected_at === null ? this.leg(now.agent_id) : null;
  }

  /**
   * This engine's answered calls still waiting, connected to free agents of their queue, longest
   * waiting first. A call the provider could not connect (its deadline passed meanwhile) gives its
   * agent back at once. Returns how many were connected.
   */
  async connectWaiting(
    instances: readonly PredictiveInstance[],
    owner: string,
    provider: Provider,
    now: number,
  ): Promise<number> {
    if (instances.length === 0 || !provider.bridge) return 0;
    const byId = new Map(instances.map((i) => [i.id, i]));
    const waiting = (await this.o.repo.predictiveCallsOut([...byId.keys()]))
      .filter((c) => c.answered_at !== null && c.worker === owner)
      .sort((a, b) => a.answered_at! - b.answered_at!);
    const exhausted = new Set<string>();
    let connected = 0;
    for (const c of waiting) {
      const policy = byId.get(c.instance_id)!.policy;
      const queueId = policy.agents!.queueId;
      if (exhausted.has(queueId)) continue;
      const agentId = await this.o.repo.bindWaiting(c.id, now, await this.bindFor(policy, now));
      if (!agentId) {
        exhausted.add(queueId);
        continue;
      }
      const leg = await this.leg(agentId);
      if (leg && (await provider.bridge(c.id, leg))) connected++;
      else await this.o.repo.unbind(c.id, agentId, now, [endedEvent(c.id, 'abandoned', false, null)]);
    }
    return connected;
  }

  /** Once an hour: the abandon counts no window reaches and the lockouts that ended (pacing-book.ts). */
  prune(now: number): Promise<void> {
    return this.o.book.prune(now);
  }

  /**
   * How many calls the instance places now, with the reasons (`explain` shows them): the pacing
   * controller on the campaign's measurements, its calls out, its agents, and the abandon window.
   * `freeAgents` is the instance's share of the queue's free agents.
   */
  async decide(instanceId: string, policy: CampaignPolicy, freeAgents: number, now: number): Promise<PacingDecision> {
    const s = policy.predictive!;
    const [estimate, window, out, busy] = await Promise.all([
      this.o.book.estimateOf(policy.campaignId, now),
      this.o.book.window(policy.campaignId, s.abandonWindow, now),
      this.o.repo.predictiveCallsOut([instanceId]),
      this.o.repo.agentsWorkingFor(policy.campaignId),
    ]);
    const sec = (t: number) => Math.max(0, (now - t) / 1000);
    return decidePacing({
      estimate,
      freeAgents,
      onCallSec: busy.filter((a) => a.state !== 'WrapUp').map((a) => sec(a.state_since)),
      wrapUpSec: busy.filter((a) => a.state === 'WrapUp').map((a) => sec(a.state_since)),
      ringingSec: out.filter((c) => c.answered_at === null).map((c) => sec(c.started_at)),
      waitingHumans: out.filter((c) => c.answered_at !== null).length,
      window,
      settings: {
        targetAbandonRate: s.targetAbandonPercent / 100,
        connectDeadlineSec: s.connectDeadlineSec,
        ...(s.maxDialRatio !== undefined ? { maxDialRatio: s.maxDialRatio } : {}),
      },
    });
  }

  private async bindFor(policy: CampaignPolicy, now: number) {
    const codes = await this.o.codes.allowed(policy.agents!, policy.botId);
    return {
      queueId: policy.agents!.queueId,
      presentSince: presentSince(now),
      eventsFor: (r: DialRecordRow, attemptId: string) => [connectingEvent(policy, r, attemptId, codes)],
    };
  }

  private async leg(agentId: string): Promise<AgentLeg | null> {
    const a = await this.o.agents.find(agentId);
    return a ? agentLeg(a) : null;
  }
}
