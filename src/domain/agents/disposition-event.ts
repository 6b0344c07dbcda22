import type { AttemptDisposition } from '../../contract/agents.js';
import { newEvent, type NewEvent } from '../../storage/repos/outbox.js';
import type { AgentRow } from '../../storage/schema.js';

/** The call a disposition is for, as the agent's work fields name it. */
export interface DisposedCall {
  campaignId: string;
  instanceId: string;
  attemptId: string;
  recordId: string;
}

/**
 * The outbox's `agent.disposition_submitted` (docs/events.md): written in the transaction that stores
 * the disposition, so it exists exactly when the disposition does — the agent's own, or the system's
 * when the wrap-up ended without one.
 */
export function dispositionSubmittedEvent(
  agent: Pick<AgentRow, 'id' | 'account_id' | 'bot_id'>,
  call: DisposedCall,
  d: AttemptDisposition,
  at: number,
): NewEvent {
  const scope = { accountId: agent.account_id, botId: agent.bot_id, ...call };
  return newEvent('agent.disposition_submitted', scope, at, {
    agentId: agent.id,
    ...call,
    codes: d.codes,
    notes: d.notes,
    callbackAt: d.callbackAt,
    doNotCall: d.doNotCall,
    by: d.by === 'system' ? 'system' : 'agent',
  });
}
