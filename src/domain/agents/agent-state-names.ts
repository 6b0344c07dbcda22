import { errors } from '../../shared/errors.js';
import { nameProblem } from '../../shared/text.js';

/**
 * The states and reasons a person may ask for (the agent API's `/login` and `/state`, a supervisor
 * through Kore's `…/agents/:agentId/status`): names matched case-insensitively, a 400 naming the
 * field for anything else. The other states (Reserved, OnCall, WrapUp) are the engine's to give.
 */

/** A state a person may ask for, named case-insensitively; undefined for any other name. */
function askedState(raw: string): 'Available' | 'NotReady' | 'Offline' | undefined {
  const v = raw.trim().toLowerCase();
  if (v === 'available') return 'Available';
  if (v === 'notready' || v === 'not ready' || v === 'not_ready') return 'NotReady';
  if (v === 'offline') return 'Offline';
  return undefined;
}

export function readyState(raw: string, field: string): 'Available' | 'NotReady' {
  const to = askedState(raw);
  if (to === 'Available' || to === 'NotReady') return to;
  throw errors.validation(field, `${field}: '${raw}' must be Available or NotReady`);
}

export function supervisedState(raw: string): 'Available' | 'NotReady' | 'Offline' {
  const to = askedState(raw);
  if (to) return to;
  throw errors.validation('status', `status: '${raw}' must be Available, NotReady or Offline`);
}

export function reasonOf(raw: string | undefined): string {
  const reason = raw?.trim() || 'NotReady';
  const problem = nameProblem(reason);
  if (problem) throw errors.validation('reason', `reason: ${problem}`);
  return reason;
}
