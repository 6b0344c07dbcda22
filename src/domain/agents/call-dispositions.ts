import type { AttemptDisposition, DispositionAnswer, DispositionBody } from '../../contract/agents.js';
import type { Clock } from '../../shared/clock.js';
import { AppError, errors } from '../../shared/errors.js';
import { nowIso } from '../../shared/ids.js';
import { parseIsoTime } from '../../shared/iso-time.js';
import type { Tenant } from '../../shared/tenant.js';
import { nameProblem } from '../../shared/text.js';
import { NO_WORK } from '../../storage/repos/agent-moves.js';
import type { AgentWorkRepo } from '../../storage/repos/agent-work-repo.js';
import type { AgentsRepo } from '../../storage/repos/agents-repo.js';
import type { AttemptsRepo } from '../../storage/repos/attempts-repo.js';
import type { AttemptRow } from '../../storage/schema.js';
import type { CallbackService } from '../engine/callbacks.js';
import type { CampaignPolicies } from '../engine/campaign-policies.js';
import { wrapUpEndedEvent } from './agent-events.js';
import { dispositionSubmittedEvent } from './disposition-event.js';
import { signedInAgent, workPolicy } from './agent-work.js';
import type { DispositionCodes } from './disposition-codes.js';
import type { WorkSignal } from './work-signal.js';
import { observeWrapUp, type WrapUpObserver } from './wrap-up-observer.js';

/** Adds a number to a campaign's DNC list (or the account's global one); answers which list. */
export type AddToDnc = (
  t: Tenant,
  campaignDncList: { id: string; name: string } | undefined,
  e164: string,
) => Promise<{ listId: string; listName: string }>;

export interface CallDispositionsDeps {
  agents: AgentsRepo;
  work: AgentWorkRepo;
  attempts: AttemptsRepo;
  policies: CampaignPolicies;
  codes: DispositionCodes;
  callbacks: CallbackService;
  addToDnc: AddToDnc;
  signal: WorkSignal;
  /** Told when a disposition ends an agent's wrap-up (Predictive pacing measures it). */
  wrapUps?: WrapUpObserver;
  clock: Clock;
}

/**
 * An agent's disposition of their call (`POST /agent/v1/calls/:attemptId/disposition`), given on the
 * call or in its wrap-up: codes, notes, a call-back, do-not-call. Stored once per call, on the
 * attempt and (its codes) on the record for the Kore views.
 */
export class CallDispositions {
  constructor(private readonly d: CallDispositionsDeps) {}

  /**
   * The agent's disposition of their call, on the call or in wrap-up (which it ends): codes (checked
   * against the campaign's or the bot's list), notes, a call-back time, do-not-call. Once per call.
   */
  async dispose(agentId: string, attemptId: string, body: DispositionBody): Promise<DispositionAnswer> {
    // A call that ends while its disposition is being stored has started its wrap-up without it:
    // the second try finds the agent in that wrap-up and ends it (with the call-back, if asked).
    return (await this.tryDispose(agentId, attemptId, body)) ?? (await this.tryDispose(agentId, attemptId, body))!;
  }

  /** Undefined when the call ended between reading the agent and storing the disposition. */
  private async tryDispose(
    agentId: string,
    attemptId: string,
    body: DispositionBody,
  ): Promise<DispositionAnswer | undefined> {
    const a = await signedInAgent(this.d.agents, agentId);
    const att = await this.d.attempts.find(attemptId);
    if (!att || att.agent_id !== agentId) throw errors.notFound('Call', attemptId);
    if (att.disposition !== null) throw errors.illegalState(`Call ${attemptId} already has its disposition`);
    const current = a.work_attempt_id === attemptId && (a.state === 'OnCall' || a.state === 'WrapUp');
    if (!current) throw errors.illegalState(`Call ${attemptId} is over and its wrap-up has ended`);
    const policy = await workPolicy(this.d.policies, a);
    const codes = await this.d.codes.check(policy.agents!, policy.botId, body.codes);
    const notes = body.notes?.trim() || null;
    if (notes) {
      const problem = nameProblem(notes.replace(/[\r\n\t]/g, ' '));
      if (problem) throw errors.validation('notes', `notes: ${problem}`);
    }
    let callbackAt: number | null = null;
    if (body.callbackAt !== undefined) {
      callbackAt = parseIsoTime(body.callbackAt, { requireZone: true }) ?? null;
      if (callbackAt === null)
        throw errors.validation('callbackAt', `callbackAt: '${body.callbackAt}' is not an ISO 8601 time with a zone`);
    }
    const now = this.d.clock.now();
    const disposition: AttemptDisposition = {
      codes,
      notes,
      at: nowIso(now),
      by: agentId,
      callbackAt: callbackAt === null ? null : nowIso(callbackAt),
      doNotCall: body.doNotCall === true,
    };
    const inWrapUp = a.state === 'WrapUp';
    const stored = await this.d.work.dispose(
      attemptId,
      agentId,
      att.record_id,
      JSON.stringify(disposition),
      JSON.stringify(codes),
      inWrapUp
        ? {
            agentId,
            from: ['WrapUp'],
            workAttemptId: attemptId,
            to: 'Available',
            work: NO_WORK,
            at: now,
            nowIso: nowIso(now),
            campaignId: policy.campaignId,
            attemptId,
            events: [wrapUpEndedEvent(attemptId, 'disposition')],
          }
        : undefined,
      dispositionSubmittedEvent(
        a,
        { campaignId: policy.campaignId, instanceId: att.instance_id, attemptId, recordId: att.record_id },
        disposition,
        now,
      ),
    );
    if (!stored) {
      if (!inWrapUp && (await this.d.attempts.find(attemptId))?.disposition === null) return undefined;
      throw errors.illegalState(`Call ${attemptId} already has its disposition`);
    }
    if (inWrapUp) {
      this.d.signal.notify();
      await observeWrapUp(this.d.wrapUps, policy.campaignId, a.state_since, now);
    }

    const t: Tenant = { accountId: a.account_id, botId: a.bot_id };
    const record = await this.d.attempts.record(att.record_id);
    const doNotCall =
      body.doNotCall === true && record ? await this.d.addToDnc(t, policy.dncList, record.phone_e164) : null;
    let callback: DispositionAnswer['callback'] = null;
    if (callbackAt !== null) {
      if (!inWrapUp) {
        // The call still runs: the outcome handler schedules it once the call has ended.
        callback = { at: nowIso(callbackAt), result: 'after-call' };
      } else {
        callback = { at: nowIso(callbackAt), result: await this.scheduleCallback(t, att, callbackAt) };
      }
    }
    return { attemptId, codes, callback, doNotCall };
  }

  /**
   * The call-back a disposition asks for, as `callContactAt` would schedule it. The disposition is
   * already stored, so a run that is no longer Active or Paused (stopped during the wrap-up) is an
   * answer, not an error.
   */
  private async scheduleCallback(t: Tenant, att: AttemptRow, at: number): Promise<string> {
    try {
      const [r] = await this.d.callbacks.schedule(t, att.instance_id, [
        { campaignDialingListId: att.record_id, timeToContact: nowIso(at) },
      ]);
      return r?.status === 'success' ? 'scheduled' : (r?.reason ?? 'failed');
    } catch (err) {
      if (err instanceof AppError && (err.status === 409 || err.status === 404)) return 'campaign_not_running';
      throw err;
    }
  }
}
