import type { Agent, LoginBody, OfferAnswer, StateBody } from '../../contract/agents.js';
import type { Clock } from '../../shared/clock.js';
import { errors, type AppError } from '../../shared/errors.js';
import { nowIso } from '../../shared/ids.js';
import type { Tenant } from '../../shared/tenant.js';
import { NO_WORK } from '../../storage/repos/agent-moves.js';
import type { AgentWorkRepo } from '../../storage/repos/agent-work-repo.js';
import type { AgentsRepo } from '../../storage/repos/agents-repo.js';
import type { AttemptsRepo } from '../../storage/repos/attempts-repo.js';
import type { AgentRow } from '../../storage/schema.js';
import type { CampaignPolicies } from '../engine/campaign-policies.js';
import type { AgentPolicy, CampaignPolicy } from '../engine/campaign-policy.js';
import { offerClosedEvent } from './agent-events.js';
import { reasonOf, readyState, supervisedState } from './agent-state-names.js';
import { toAgent } from './agent-view.js';
import { signedInAgent, workPolicy } from './agent-work.js';
import { PRESENCE_STALE_MS, presentSince } from './presence.js';
import type { WorkSignal } from './work-signal.js';
import { endWrapUp } from './wrap-up.js';
import type { WrapUpObserver } from './wrap-up-observer.js';

export interface AgentDeskDeps {
  agents: AgentsRepo;
  work: AgentWorkRepo;
  attempts: AttemptsRepo;
  policies: CampaignPolicies;
  signal: WorkSignal;
  /** Told when an agent ends their wrap-up (Predictive pacing measures it). */
  wrapUps?: WrapUpObserver;
  clock: Clock;
}

const tenantOf = (a: AgentRow): Tenant => ({ accountId: a.account_id, botId: a.bot_id });

/** Why an agent a supervisor logged out is Offline, unless the supervisor says. */
const SUPERVISOR_REASON = 'supervisor';

/**
 * What an agent does through the agent API: log in and out, go Available or NotReady, accept or
 * skip a Preview offer, end a call (their disposition: call-dispositions.ts); and the presence their
 * event stream keeps.
 * Every change is a guarded move of the agent's row (agent-moves.ts): a request that finds the
 * agent elsewhere than it expects is a 409 saying where they are.
 */
export class AgentDeskService {
  constructor(private readonly d: AgentDeskDeps) {}

  async me(agentId: string): Promise<Agent> {
    const a = await this.fresh(agentId);
    const row = await this.d.agents.findWithQueues(tenantOf(a), a.id);
    if (!row) throw errors.notFound('Agent', agentId);
    return toAgent(row, presentSince(this.d.clock.now()));
  }

  /** From Offline to Available (default) or NotReady; a repeat while logged in changes nothing. */
  async login(agentId: string, body: LoginBody): Promise<Agent> {
    const a = await this.fresh(agentId);
    const to = readyState(body.state ?? 'Available', 'state');
    if (a.state === 'Offline') {
      const now = this.d.clock.now();
      await this.d.agents.move({
        agentId,
        from: ['Offline'],
        to,
        reason: to === 'NotReady' ? reasonOf(body.reason) : null,
        at: now,
        nowIso: nowIso(now),
      });
      if (to === 'Available') this.d.signal.notify();
    }
    return this.me(agentId);
  }

  /**
   * To Offline; an open offer goes back first. Not while a call is being placed or in progress (409).
   * `reason` is kept with the state and its history (default `logged-out`: the agent did it).
   */
  async logout(agentId: string, reason = 'logged-out'): Promise<Agent> {
    const a = await this.leaveWork(agentId, 'Offline', reason);
    if (a.state !== 'Offline') {
      const now = this.d.clock.now();
      await this.d.agents.move({
        agentId,
        from: [a.state],
        to: 'Offline',
        reason,
        work: NO_WORK,
        at: now,
        nowIso: nowIso(now),
      });
    }
    return this.me(agentId);
  }

  /** Available or NotReady (with a reason); ends a wrap-up or hands back an offer on the way. */
  async setState(agentId: string, body: StateBody): Promise<Agent> {
    const to = readyState(body.state, 'state');
    const reason = to === 'NotReady' ? reasonOf(body.reason) : null;
    const a = await this.leaveWork(agentId, to, reason);
    if (a.state === 'Offline') throw errors.illegalState(`Agent ${a.name} is logged out: log in first`);
    if (a.state === 'Reserved') return this.me(agentId); // an open offer is where an Available agent is
    if (a.state !== to || a.state_reason !== reason) {
      const now = this.d.clock.now();
      await this.d.agents.move({
        agentId,
        from: [a.state === 'Available' ? 'Available' : 'NotReady'],
        to,
        reason,
        // Same state: only the reason differs, which history and the stream must show too.
        reasonChanges: a.state === to,
        at: now,
        nowIso: nowIso(now),
      });
    }
    if (to === 'Available') this.d.signal.notify();
    return this.me(agentId);
  }

  /**
   * A supervisor sets an agent's state (Kore's `…/campaign/agents/:agentId/status`): Offline logs
   * them out, Available or NotReady is what the agent's own `/state` does. Only what the agent
   * could do themselves: not while on a call, and no log-in on their behalf (an agent without an
   * open event stream would be reserved for calls nobody takes), both 409.
   */
  async supervise(t: Tenant, agentId: string, status: string, reason: string | undefined): Promise<Agent> {
    const a = await this.d.agents.find(agentId);
    if (!a || a.account_id !== t.accountId || a.bot_id !== t.botId) throw errors.notFound('Agent', agentId);
    const to = supervisedState(status);
    if (to === 'Offline') return this.logout(agentId, reasonOf(reason?.trim() || SUPERVISOR_REASON));
    return this.setState(agentId, { state: to, ...(reason !== undefined ? { reason } : {}) });
  }

  async accept(agentId: string, offerId: string): Promise<OfferAnswer> {
    const a = await this.fresh(agentId);
    const now = this.d.clock.now();
    if (!(await this.d.work.acceptOffer(offerId, agentId, now, [offerClosedEvent(offerId, 'accepted')], true)))
      throw await this.offerRefused(a, offerId);
    this.d.signal.notify();
    return { offerId, status: 'accepted' };
  }

  /** Puts the record back for another agent; the skip that reaches the campaign's maxSkips makes it final. */
  async skip(agentId: string, offerId: string): Promise<OfferAnswer> {
    const a = await this.fresh(agentId);
    if (a.state !== 'Reserved' || a.work_kind !== 'offer' || a.work_record_id !== offerId)
      throw await this.offerRefused(a, offerId);
    const agents = (await this.policyOf(a)).agents!;
    if (agents.maxSkips === 0)
      throw errors.illegalState('This campaign allows no skips (maxSkips is 0): accept the offer');
    const now = this.d.clock.now();
    const res = await this.d.work.returnOffer(offerId, agentId, now, {
      skip: true,
      maxSkips: agents.maxSkips,
      agentTo: 'Available',
      reason: null,
      events: [offerClosedEvent(offerId, 'skipped')],
    });
    if (!res) throw await this.offerRefused(a, offerId);
    this.d.signal.notify();
    return { offerId, status: res === 'final' ? 'final' : 'skipped' };
  }

  /**
   * Why an Accept or Skip of `offerId` was refused. 404 when it is not the agent's to answer: no
   * such record in their tenant, or one another agent holds (docs/agents.md: another agent's offer
   * looks exactly like a missing one). Otherwise 409: it was theirs, or is nobody's any more
   * (answered, timed out, withdrawn, final).
   */
  private async offerRefused(a: AgentRow, offerId: string): Promise<AppError> {
    const r = await this.d.attempts.record(offerId);
    const p = r ? await this.d.policies.of(r.campaign_id, r.instance_id) : undefined;
    const visible = r && p && p.accountId === a.account_id && p.botId === a.bot_id;
    if (!visible || (r.agent_id !== null && r.agent_id !== a.id)) return errors.notFound('Offer', offerId);
    return errors.illegalState(`Offer ${offerId} is not open for you (answered, timed out or withdrawn)`);
  }

  /** Asks the engine that placed the call to hang it up; the outcome follows as usual. */
  async endCall(agentId: string, attemptId: string): Promise<{ attemptId: string; status: string }> {
    const a = await this.fresh(agentId);
    if (a.work_attempt_id !== attemptId || (a.state !== 'OnCall' && a.state !== 'Reserved'))
      throw errors.illegalState(`Call ${attemptId} is not in progress for you`);
    if (!(await this.d.attempts.requestHangup(attemptId, this.d.clock.now())))
      throw errors.illegalState(`Call ${attemptId} has already ended, or its end was already asked for`);
    this.d.signal.notify();
    return { attemptId, status: 'ending' };
  }

  /** An event stream of the agent opened, or is still open (every PRESENCE_TOUCH_MS). */
  async streamSeen(agentId: string): Promise<void> {
    await this.d.agents.touchStream(agentId, this.d.clock.now());
  }

  /**
   * The agent's last stream in this process closed: gone from now on (never reserved for new work;
   * an open offer goes back OFFER_RECONNECT_MS later unless a stream opens again — a page reload
   * keeps it; logged out after AGENT_PRESENCE_GRACE_MS).
   */
  async streamClosed(agentId: string): Promise<void> {
    await this.d.agents.touchStream(agentId, this.d.clock.now() - PRESENCE_STALE_MS - 1);
  }

  /**
   * Takes the agent out of an offer or a wrap-up on the way to `to`; a call being placed or in
   * progress is a 409. Answers the agent as they are afterwards.
   */
  private async leaveWork(
    agentId: string,
    to: 'Available' | 'NotReady' | 'Offline',
    reason: string | null,
  ): Promise<AgentRow> {
    const a = await this.fresh(agentId);
    const now = this.d.clock.now();
    if (a.state === 'OnCall' || (a.state === 'Reserved' && a.work_kind === 'call'))
      throw errors.illegalState(`Agent ${a.name} is on a call (${a.work_attempt_id ?? 'being placed'}): end it first`);
    if (a.state === 'WrapUp') {
      await endWrapUp(this.d.work, a, now, to, reason, 'agent', this.d.wrapUps);
    } else if (a.state === 'Reserved' && a.work_record_id) {
      if (to === 'Available') return a; // an open offer is where an Available agent is
      await this.d.work.returnOffer(a.work_record_id, agentId, now, {
        skip: false,
        maxSkips: 0,
        agentTo: to === 'Offline' ? 'Available' : to,
        reason: to === 'Offline' ? null : reason,
        events: [offerClosedEvent(a.work_record_id, 'withdrawn', `you went ${to}`)],
      });
    }
    return this.fresh(agentId);
  }

  private fresh(agentId: string): Promise<AgentRow> {
    return signedInAgent(this.d.agents, agentId);
  }

  private policyOf(a: AgentRow): Promise<CampaignPolicy & { agents: AgentPolicy }> {
    return workPolicy(this.d.policies, a);
  }
}
