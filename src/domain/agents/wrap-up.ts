import type { AttemptDisposition } from '../../contract/agents.js';
import { nowIso } from '../../shared/ids.js';
import { NO_WORK } from '../../storage/repos/agent-moves.js';
import type { AgentWorkRepo } from '../../storage/repos/agent-work-repo.js';
import type { AgentRow } from '../../storage/schema.js';
import { wrapUpEndedEvent } from './agent-events.js';
import { SYSTEM_DISPOSITION } from './disposition-codes.js';
import { dispositionSubmittedEvent } from './disposition-event.js';
import { observeWrapUp, type WrapUpObserver } from './wrap-up-observer.js';

/**
 * Ends an agent's wrap-up without their disposition (it ran out, or they moved on without one):
 * the system's disposition (Kore's `System Generated`) is stored where none was given, and the
 * agent goes to `to`. False when the agent was no longer in that wrap-up.
 */
export async function endWrapUp(
  work: AgentWorkRepo,
  a: AgentRow,
  now: number,
  to: 'Available' | 'NotReady' | 'Offline',
  reason: string | null,
  by: 'timeout' | 'agent',
  wrapUps?: WrapUpObserver,
): Promise<boolean> {
  const system: AttemptDisposition = {
    codes: [SYSTEM_DISPOSITION],
    notes: null,
    at: nowIso(now),
    by: 'system',
    callbackAt: null,
    doNotCall: false,
  };
  const ended = await work.endWrapUp(
    a.work_attempt_id!,
    a.work_record_id!,
    JSON.stringify(system),
    JSON.stringify(system.codes),
    {
      agentId: a.id,
      from: ['WrapUp'],
      workAttemptId: a.work_attempt_id!,
      to,
      reason,
      work: NO_WORK,
      at: now,
      nowIso: nowIso(now),
      campaignId: a.work_campaign_id,
      attemptId: a.work_attempt_id,
      events: [wrapUpEndedEvent(a.work_attempt_id!, by)],
    },
    dispositionSubmittedEvent(
      a,
      {
        campaignId: a.work_campaign_id!,
        instanceId: a.work_instance_id!,
        attemptId: a.work_attempt_id!,
        recordId: a.work_record_id!,
      },
      system,
      now,
    ),
  );
  if (ended) await observeWrapUp(wrapUps, a.work_campaign_id, a.state_since, now);
  return ended;
}
