import type { AttemptsRepo } from '../../storage/repos/attempts-repo.js';
import type { InstancesRepo } from '../../storage/repos/instances-repo.js';
import type { DialRecordRow } from '../../storage/schema.js';
import type { OutcomeReport, OutcomeSink, ProviderOutcome } from '../telephony/provider.js';
import { effectiveZone, nextWindowStart } from './calling-window.js';
import type { CampaignPolicies } from './campaign-policies.js';
import type { CampaignPolicy } from './campaign-policy.js';
import { NO_WINDOW_RECHECK_MS } from './dial-plan.js';
import type { InstanceCompletion } from './instance-completion.js';
import { isFinal, nextAttemptAt, outcomeForMachine, type Outcome } from './retry-policy.js';

/** Provider vocabulary → engine taxonomy (retry-policy.ts); `rejected` is a 603 decline. */
export function toOutcome(p: ProviderOutcome, machine: CampaignPolicy['machine']): Outcome {
  if (p === 'machine') return outcomeForMachine(machine);
  if (p === 'rejected') return 'declined';
  return p;
}

/** The first instant >= t inside the record's calling window (never earlier than t). */
export function windowedAt(policy: CampaignPolicy, r: Pick<DialRecordRow, 'time_zone'>, t: number): number {
  const zone = effectiveZone(r.time_zone, policy.hours.timezone).zone;
  return nextWindowStart(policy.compiled, zone, t) ?? t + NO_WINDOW_RECHECK_MS;
}

/**
 * The engine's OutcomeSink: records an outcome on its attempt and decides the record's future
 * (retry at a windowed instant, or final). Idempotent on attemptId: a repeat is a no-op, and a real
 * outcome after `unknown` is stored as `late_outcome` without making the record dialable again.
 */
export class OutcomeHandler implements OutcomeSink {
  constructor(
    private readonly attempts: AttemptsRepo,
    private readonly instances: InstancesRepo,
    private readonly policies: CampaignPolicies,
    private readonly completion: InstanceCompletion,
  ) {}

  /**
   * `engineOutcome` is for outcomes the engine decides itself (pre-call SKIP, lease expiry), which
   * have no provider vocabulary; `r.outcome` is then only stored as the provider outcome.
   */
  async report(r: OutcomeReport, engineOutcome?: Outcome): Promise<void> {
    const att = await this.attempts.find(r.attemptId);
    if (!att) return; // released before it left, or not ours: nothing to record against
    if (att.outcome !== null) {
      if (att.outcome === 'unknown' && r.outcome !== 'unknown') await this.attempts.storeLate(att.id, r.outcome);
      return;
    }
    const rec = await this.attempts.record(att.record_id);
    const inst = rec ? await this.instances.find(rec.instance_id) : undefined;
    if (!rec || !inst) return;
    const policy = await this.policies.of(rec.campaign_id, inst.id);
    if (!policy) return;
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
        ...(r.agentDispositionCodes !== undefined
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
        patch = next.final
          ? { ...common, state: 'done', final_outcome: outcome }
          : { ...common, state: 'pending', current_attempt_id: null, next_at: windowedAt(policy, rec, next.notBefore) };
      }
    }
    const applied = await this.attempts.apply(
      att.id,
      {
        outcome,
        provider_outcome: engineOutcome ? null : r.outcome,
        ended_at: at,
        detail: r.detail ?? null,
        ring_sec: r.ringSec ?? null,
        talk_sec: r.talkSec ?? null,
        machine_detected: r.machineDetected === undefined ? null : r.machineDetected ? 1 : 0,
      },
      rec.id,
      patch,
    );
    if (applied && patch?.state === 'done') await this.completion.completeIfDone(inst.id, rec.campaign_id);
  }
}
