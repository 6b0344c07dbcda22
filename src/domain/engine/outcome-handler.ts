import { nowIso } from '../../shared/ids.js';
import { NO_WORK, type AgentMove } from '../../storage/repos/agent-moves.js';
import type { AttemptsRepo, OutcomeAttempt, OutcomeRecord } from '../../storage/repos/attempts-repo.js';
import { newEvent, type NewEvent } from '../../storage/repos/outbox.js';
import type { InstancesRepo } from '../../storage/repos/instances-repo.js';
import type { AttemptRow, CampaignInstanceRow, DialRecordRow } from '../../storage/schema.js';
import { Batch } from '../../shared/batch.js';
import type { AttemptDisposition } from '../../contract/agents.js';
import { connectedEvent, endedEvent, wrapUpEvent } from '../agents/agent-events.js';
import { SYSTEM_DISPOSITION, type DispositionCodes } from '../agents/disposition-codes.js';
import type { WorkSignal } from '../agents/work-signal.js';
import { MAX_CONVERSATION_MS } from '../telephony/provider.js';
import type {
  AgentLeg,
  AnsweredReport,
  ConnectedReport,
  OutcomeReport,
  OutcomeSink,
  ProviderOutcome,
} from '../telephony/provider.js';
import { countAnswer } from '../../storage/repos/pacing-repo.js';
import type { PacingBook } from './pacing-book.js';
import type { PredictiveCalls } from './predictive-calls.js';
import type { CampaignPolicies } from './campaign-policies.js';
import type { CampaignPolicy } from './campaign-policy.js';
import type { InstanceCompletion } from './instance-completion.js';
import { permittedFrom } from '../rules/contact-placement.js';
import type { ContactRulesSource } from '../rules/contact-rules.js';
import { isFinal, nextAttemptAt, outcomeForMachine, toKoreDialerOutcome, type Outcome } from './retry-policy.js';

/** Provider vocabulary → engine taxonomy (retry-policy.ts); `rejected` is a 603 decline. */
export function toOutcome(p: ProviderOutcome, machine: CampaignPolicy['machine']): Outcome {
  if (p === 'machine') return outcomeForMachine(machine);
  if (p === 'rejected') return 'declined';
  return p;
}

/** An attempt whose outcome was just recorded (once per attempt; a repeat or a late outcome is not one). */
export interface AttemptEnded {
  outcome: Outcome;
  detail: string | undefined;
  attemptId: string;
  instanceId: string;
  policy: Pick<CampaignPolicy, 'accountId' | 'botId' | 'campaignId'>;
}

/**
 * The engine's OutcomeSink: records an outcome on its attempt and decides the record's future
 * (retry at a windowed instant, or final). Idempotent on attemptId: a repeat is a no-op, and a real
 * outcome after `unknown` is stored as `late_outcome` without making the record dialable again.
 * A call for an agent frees the agent in the same transaction: into WrapUp when the person reached
 * them, back to Available when nobody did.
 */
export class OutcomeHandler implements OutcomeSink {
  private readonly endedListeners: ((e: AttemptEnded) => void)[] = [];
  /**
   * Outcomes reported in one turn of the event loop, stored together (reportMany), 500 at most per
   * read and transaction: a burst of call endings costs a few statements instead of several per call.
   */
  private readonly batch = new Batch<OutcomeReport, void>(
    async (reports) => {
      await this.reportMany(reports);
      return () => undefined;
    },
    setImmediate,
    500,
  );

  constructor(
    private readonly attempts: AttemptsRepo,
    private readonly instances: InstancesRepo,
    private readonly policies: CampaignPolicies,
    private readonly completion: InstanceCompletion,
    private readonly codes: DispositionCodes,
    /** A retry waits for the contact's next permitted instant (calling hours, rule packs, blackouts). */
    private readonly contactRules: ContactRulesSource,
    /** Told when an agent is free again, so the engine dials for them at once. */
    private readonly signal: WorkSignal,
    /** A call-back an agent asked for during the call (call-dispositions.ts), made once it has ended. */
    private readonly scheduleCallback: (
      instanceId: string,
      recordId: string,
      at: number,
      now: number,
    ) => Promise<unknown>,
    /** Predictive calls: answers connected to agents, and what pacing measures of each call. */
    private readonly predictive: { calls: PredictiveCalls; book: PacingBook },
  ) {}

  /** A person answered a Predictive call: the agent to connect now, or null (the call waits). */
  answered(r: AnsweredReport): Promise<AgentLeg | null> {
    return this.predictive.calls.answered(r);
  }

  /** Told once per attempt that ended here (metrics, the failed-dial log line: outcome-observers.ts). */
  onEnded(listener: (e: AttemptEnded) => void): void {
    this.endedListeners.push(listener);
  }

  private announce(e: AttemptEnded): void {
    for (const l of this.endedListeners) l(e);
  }

  /** The person answered and reached the agent: the agent goes OnCall and is shown the call. */
  async connected(r: ConnectedReport): Promise<void> {
    const att = await this.attempts.find(r.attemptId);
    if (!att?.agent_id || att.outcome !== null || att.connected_at !== null) return;
    const rec = await this.attempts.record(att.record_id);
    const policy = rec ? await this.policies.of(rec.campaign_id, att.instance_id) : undefined;
    const campaign = { id: rec?.campaign_id ?? '', name: policy?.name ?? '' };
    await this.attempts.markConnected(att.id, r.at, r.holdUntil, {
      agentId: att.agent_id,
      from: ['Reserved'],
      workAttemptId: att.id,
      to: 'OnCall',
      at: r.at,
      nowIso: nowIso(r.at),
      campaignId: campaign.id,
      attemptId: att.id,
      events: [connectedEvent(att.id, campaign, att.call_data ? JSON.parse(att.call_data) : null)],
    });
  }

  /**
   * `engineOutcome` is for outcomes the engine decides itself (pre-call SKIP, lease expiry), which
   * have no provider vocabulary; `r.outcome` is then only stored as the provider outcome. A
   * provider's outcomes are gathered for a moment and stored together (`batch`); the promise
   * resolves once this one is stored, or rejects if its batch could not be.
   */
  report(r: OutcomeReport, engineOutcome?: Outcome): Promise<void> {
    if (engineOutcome !== undefined || r.overdue) return this.reportOne(r, engineOutcome);
    return this.batch.add(r);
  }

  /** One outcome on its own: reads, decides, stores in one transaction, then what follows it. */
  private async reportOne(r: OutcomeReport, engineOutcome?: Outcome): Promise<void> {
    const att = await this.attempts.find(r.attemptId);
    if (!att) return; // released before it left, or not ours: nothing to record against
    // An adapter's timeout knows nothing of a conversation under way: its lease covers it.
    if (r.overdue && att.outcome === null && att.connected_at !== null && r.at - att.connected_at < MAX_CONVERSATION_MS)
      return;
    if (att.outcome !== null) {
      if (att.outcome === 'unknown' && r.outcome !== 'unknown') await this.attempts.storeLate(att.id, r.outcome);
      return;
    }
    const rec = await this.attempts.record(att.record_id);
    const inst = rec ? await this.instances.find(rec.instance_id) : undefined;
    if (!rec || !inst) return;
    const policy = await this.policies.of(rec.campaign_id, inst.id);
    if (!policy) return;
    const plan = await this.plan({ r, engineOutcome, att, rec, inst, policy });
    const applied = await this.attempts.apply(
      att.id,
      plan.ended,
      rec.id,
      plan.patch,
      plan.agent,
      plan.undisposed,
      plan.events,
      plan.also,
    );
    // The agent gave their disposition between our read and this write: decide again with it.
    if (!applied && plan.undisposed) return this.reportOne(r, engineOutcome);
    if (!applied) return;
    await this.after(plan);
    if (plan.patch?.state === 'done') await this.completion.completeIfDone(inst.id, rec.campaign_id);
  }

  /**
   * Outcomes of calls without an agent, read in one statement and stored in one transaction
   * (`batch`); anything else (an agent's call, a repeat, a late outcome, one reported
   * twice in the batch) goes the way of a single outcome.
   */
  private async reportMany(reports: readonly OutcomeReport[]): Promise<void> {
    const loaded = await this.attempts.loadForOutcomes(reports.map((r) => r.attemptId));
    const single: OutcomeReport[] = [];
    const plans: OutcomePlan[] = [];
    const seen = new Set<string>();
    for (const r of reports) {
      const x = loaded.get(r.attemptId);
      if (!x) continue; // released before it left, or not ours: nothing to record against
      if (seen.has(r.attemptId) || x.att.agent_id !== null || x.att.outcome !== null) {
        single.push(r);
        continue;
      }
      seen.add(r.attemptId);
      const policy = await this.policies.of(x.rec.campaign_id, x.inst.id);
      if (policy) plans.push(await this.plan({ r, att: x.att, rec: x.rec, inst: x.inst, policy }));
    }
    const applied = await this.attempts.applyMany(
      plans.map((p) => ({
        attemptId: p.att.id,
        attempt: p.ended,
        recordId: p.rec.id,
        record: p.patch,
        events: p.events,
        ...(p.also ? { also: p.also } : {}),
      })),
    );
    const finished = new Map<string, string>();
    for (const p of plans) {
      if (!applied.has(p.att.id)) continue;
      await this.after(p);
      if (p.patch?.state === 'done') finished.set(p.inst.id, p.rec.campaign_id);
    }
    await this.completion.completeDone([...finished].map(([instanceId, campaignId]) => ({ instanceId, campaignId })));
    for (const r of single) await this.reportOne(r);
  }

  /** What storing the outcome writes: the attempt, the record's future, the agent's move, the events. */
  private async plan(c: {
    r: OutcomeReport;
    engineOutcome?: Outcome | undefined;
    att: OutcomeAttempt;
    rec: OutcomeRecord;
    inst: CampaignInstanceRow;
    policy: CampaignPolicy;
  }): Promise<OutcomePlan> {
    const { r, engineOutcome, att, rec, inst, policy } = c;
    const outcome = engineOutcome ?? toOutcome(r.outcome, policy.machine);
    const at = r.at;

    let patch: Partial<DialRecordRow> | null = null;
    if (rec.current_attempt_id === att.id && (rec.state === 'leased' || rec.state === 'in_flight')) {
      const common = {
        last_outcome: outcome,
        lease_owner: null,
        lease_expires_at: null,
        updated_at: at,
        ...(r.botSessionId !== undefined ? { bot_session_id: r.botSessionId } : {}),
        ...(r.botOutboundStatus !== undefined ? { bot_outbound_status: r.botOutboundStatus } : {}),
        ...(r.botOutboundStatusDetail !== undefined ? { bot_outbound_status_detail: r.botOutboundStatusDetail } : {}),
        // An agent's call gets its codes from the agent (or the system, when wrap-up runs out).
        ...(r.agentDispositionCodes !== undefined && !att.agent_id
          ? { agent_disposition_codes: JSON.stringify(r.agentDispositionCodes) }
          : {}),
      };
      if (inst.status === 'Stopped' || inst.status === 'Completed') {
        patch = { ...common, state: 'done', final_outcome: isFinal(outcome) ? outcome : 'cancelled' };
      } else {
        const next = nextAttemptAt({
          outcome,
          attemptsSoFar: rec.attempts,
          maxAttemptsPerRecord: policy.maxAttempts,
          defaultRetryPeriodMin: policy.retryMin,
          finishedAtMs: at,
        });
        if (next.final) patch = { ...common, state: 'done', final_outcome: outcome };
        else {
          const rules = await this.contactRules.of(policy.accountId, policy.botId);
          // An abandoned person is not called for an agent again before the lockout ends.
          const notBefore = outcome === 'abandoned' ? Math.max(next.notBefore, lockoutEnd(policy, at)) : next.notBefore;
          const nextAt = permittedFrom(policy, rules, rec, notBefore);
          patch = { ...common, state: 'pending', current_attempt_id: null, next_at: nextAt };
        }
      }
    }
    const ended: Partial<AttemptRow> = {
      outcome,
      provider_outcome: engineOutcome ? null : r.outcome,
      ended_at: at,
      detail: r.detail ?? null,
      ring_sec: r.ringSec ?? null,
      talk_sec: r.talkSec ?? null,
      machine_detected: r.machineDetected === undefined ? null : r.machineDetected ? 1 : 0,
    };
    const agent = att.agent_id ? await this.freeAgent(att, policy, outcome, r, ended, patch) : undefined;
    const liveAnswer = policy.predictive !== undefined && (att.answered_at !== null || outcome === 'abandoned');
    return {
      r,
      engineOutcome,
      att,
      rec,
      inst,
      policy,
      outcome,
      ended,
      patch,
      agent,
      undisposed: att.agent_id !== null && att.disposition === null,
      events: endedEvents(policy, att, rec, ended, patch, outcome, at),
      liveAnswer,
      ...(liveAnswer
        ? {
            also: (trx: Parameters<typeof countAnswer>[0]) =>
              countAnswer(trx, {
                campaignId: policy.campaignId,
                at: att.answered_at ?? at,
                abandoned: outcome === 'abandoned',
                ...(outcome === 'abandoned'
                  ? { lock: { accountId: policy.accountId, phone: rec.phone_e164, until: lockoutEnd(policy, at) } }
                  : {}),
              }),
          }
        : {}),
    };
  }

  /** What follows a stored outcome: an agent's call-back, the listeners, pacing's measurements, the agent signal. */
  private async after(p: OutcomePlan): Promise<void> {
    const { r, att, inst, policy, outcome, agent } = p;
    const asked = att.disposition ? (JSON.parse(att.disposition) as AttemptDisposition).callbackAt : null;
    if (asked) await this.scheduleCallback(inst.id, p.rec.id, Date.parse(asked), r.at);
    this.announce({ outcome, detail: r.detail, attemptId: att.id, instanceId: inst.id, policy });
    if (policy.predictive && !p.engineOutcome) await this.measure(policy, att, outcome, r, p.liveAnswer, agent);
    if (agent?.to === 'Available') this.signal.notify();
  }

  /**
   * What pacing learns from a Predictive call's end (pacing-book.ts). Statistics, written after the
   * outcome is stored: a failure here loses a sample, never the outcome, so it is not the provider's
   * to retry.
   */
  private async measure(
    policy: CampaignPolicy,
    att: OutcomeAttempt,
    outcome: Outcome,
    r: OutcomeReport,
    liveAnswer: boolean,
    agent: AgentMove | undefined,
  ): Promise<void> {
    const connected = att.connected_at !== null;
    const dial = liveAnswer
      ? 'human'
      : outcome === 'machine' || outcome === 'machine-completed'
        ? 'machine'
        : NOT_ANSWERED.has(outcome)
          ? 'no-answer'
          : undefined;
    await this.predictive.book
      .callEnded(policy.campaignId, r.at, {
        ...(dial ? { dial } : {}),
        ringSec: att.answered_at !== null ? (att.answered_at - att.started_at) / 1000 : (r.ringSec ?? 0),
        ...(connected && r.talkSec !== undefined ? { talkSec: r.talkSec } : {}),
        noWrapUp: connected && agent?.to === 'Available',
      })
      .catch(() => undefined);
  }

  /**
   * Where the call's agent goes when it ends: Available at once when nobody reached them; after a
   * conversation, WrapUp for the campaign's wrap-up time, or straight to Available when they gave
   * their disposition during the call or the campaign has no wrap-up (the disposition is then the
   * system's, as in Kore's samples). Adds the disposition fields to `ended` and `patch`.
   */
  private async freeAgent(
    att: OutcomeAttempt,
    policy: CampaignPolicy,
    outcome: string,
    r: OutcomeReport,
    ended: Partial<AttemptRow>,
    patch: Partial<DialRecordRow> | null,
  ): Promise<AgentMove> {
    const at = r.at;
    const connected = att.connected_at !== null;
    const base = {
      agentId: att.agent_id!,
      from: ['Reserved', 'OnCall'] as const,
      workAttemptId: att.id,
      at,
      nowIso: nowIso(at),
      campaignId: policy.campaignId,
      attemptId: att.id,
    };
    const callEnded = endedEvent(att.id, outcome, connected, r.talkSec ?? null);
    const wrapUpMs = (policy.agents?.wrapUpSec ?? 0) * 1000;
    if (connected && att.disposition === null && wrapUpMs > 0) {
      const codes = policy.agents ? await this.codes.allowed(policy.agents, policy.botId) : [];
      return {
        ...base,
        to: 'WrapUp',
        work: { work_until: at + wrapUpMs },
        events: [callEnded, wrapUpEvent(att.id, at + wrapUpMs, codes)],
      };
    }
    if (connected && att.disposition === null) {
      const system: AttemptDisposition = {
        codes: [SYSTEM_DISPOSITION],
        notes: null,
        at: nowIso(at),
        by: 'system',
        callbackAt: null,
        doNotCall: false,
      };
      ended.disposition = JSON.stringify(system);
      if (patch) patch.agent_disposition_codes = JSON.stringify(system.codes);
    }
    return { ...base, to: 'Available', work: NO_WORK, events: [callEnded] };
  }
}

/** An outcome decided and ready to store (`OutcomeHandler.plan`), with what it was decided from. */
interface OutcomePlan {
  r: OutcomeReport;
  engineOutcome: Outcome | undefined;
  att: OutcomeAttempt;
  rec: OutcomeRecord;
  inst: CampaignInstanceRow;
  policy: CampaignPolicy;
  outcome: Outcome;
  ended: Partial<AttemptRow>;
  patch: Partial<DialRecordRow> | null;
  agent: AgentMove | undefined;
  /** An agent's call stored only while it has no disposition (see AttemptsRepo.apply). */
  undisposed: boolean;
  events: NewEvent[];
  /** A Predictive call a person answered: counted in the abandon window. */
  liveAnswer: boolean;
  also?: (trx: Parameters<typeof countAnswer>[0]) => Promise<void>;
}

/** Outcomes of a dial nobody answered; the others (unknown, DNC, pre-call skips) say nothing of the traffic. */
const NOT_ANSWERED: ReadonlySet<Outcome> = new Set<Outcome>(['no-answer', 'busy', 'failed', 'declined', 'invalid']);

/** When an abandoned number may be dialed for an agent again. */
const lockoutEnd = (policy: CampaignPolicy, at: number): number =>
  at + (policy.predictive?.lockoutHours ?? 72) * 3_600_000;

/** The events of an outcome (docs/events.md): attempt.ended, and contact.excluded for a DNC hit at dial time. */
function endedEvents(
  policy: CampaignPolicy,
  att: OutcomeAttempt,
  rec: OutcomeRecord,
  ended: Partial<AttemptRow>,
  patch: Partial<DialRecordRow> | null,
  outcome: Outcome,
  at: number,
): NewEvent[] {
  const scope = {
    accountId: policy.accountId,
    botId: policy.botId,
    campaignId: rec.campaign_id,
    instanceId: att.instance_id,
  };
  const events = [
    newEvent('attempt.ended', scope, at, {
      campaignId: rec.campaign_id,
      instanceId: att.instance_id,
      attemptId: att.id,
      recordId: rec.id,
      attemptNo: att.attempt_no,
      outcome,
      dialerOutcome: toKoreDialerOutcome(outcome, true),
      providerOutcome: ended.provider_outcome ?? null,
      final: patch ? patch.state === 'done' : isFinal(outcome),
      ringSec: ended.ring_sec ?? null,
      talkSec: ended.talk_sec ?? null,
      machineDetected:
        ended.machine_detected === null || ended.machine_detected === undefined ? null : ended.machine_detected === 1,
    }),
  ];
  if (outcome === 'dnc')
    events.push(
      newEvent('contact.excluded', scope, at, {
        campaignId: rec.campaign_id,
        instanceId: att.instance_id,
        recordId: rec.id,
        phoneNumber: rec.phone_e164,
        reason: 'dnc',
        detail: ended.detail ?? null,
      }),
    );
  return events;
}
