import type { AgentEventDraft } from '../../storage/repos/agent-moves.js';
import type { DialRecordRow } from '../../storage/schema.js';
import type { CampaignPolicy } from '../engine/campaign-policy.js';

/**
 * What an agent's event stream says, one builder per event type (docs/agents.md lists them with
 * samples). Every event also carries, as SSE `id`, its row id in agent_events.
 */

const iso = (ms: number) => new Date(ms).toISOString();

/** The contact's fields as the campaign's record holds them (Kore names, custom columns included). */
export function contactOf(r: Pick<DialRecordRow, 'contact_data' | 'phone_e164'>): Record<string, unknown> {
  const data = r.contact_data ? (JSON.parse(r.contact_data) as Record<string, unknown>) : {};
  return { phoneNumberE164: r.phone_e164, ...data };
}

const campaignOf = (p: CampaignPolicy) => ({ id: p.campaignId, name: p.name });

/** Preview: a record for the agent to accept or skip before `until`. */
export function offerEvent(
  p: CampaignPolicy,
  r: DialRecordRow,
  now: number,
  until: number,
  dispositionCodes: readonly string[],
): AgentEventDraft {
  const a = p.agents!;
  return {
    type: 'offer',
    data: {
      offerId: r.id,
      campaign: campaignOf(p),
      campaignInstanceId: r.instance_id,
      contact: contactOf(r),
      attemptsSoFar: r.attempts,
      expiresAt: iso(until),
      timeLeftSec: Math.round((until - now) / 1000),
      onTimeout: a.previewTimeoutAction,
      skipsLeft: Math.max(0, a.maxSkips - r.skips),
      dispositionCodes,
    },
  };
}

/** A call is being placed for the agent (Progressive, or an accepted Preview offer). */
export function connectingEvent(
  p: CampaignPolicy,
  r: DialRecordRow,
  attemptId: string,
  dispositionCodes: readonly string[],
): AgentEventDraft {
  return {
    type: 'call.connecting',
    data: {
      attemptId,
      offerId: r.id,
      campaign: campaignOf(p),
      campaignInstanceId: r.instance_id,
      contact: contactOf(r),
      attemptNo: r.attempts,
      dispositionCodes,
    },
  };
}

/** The person answered and is connected: what the agent needs on screen, pre-call data included. */
export function connectedEvent(
  attemptId: string,
  campaign: { id: string; name: string },
  callData: unknown,
): AgentEventDraft {
  return { type: 'call.connected', data: { attemptId, campaign, contact: callData ?? null } };
}

export function endedEvent(
  attemptId: string,
  outcome: string,
  connected: boolean,
  talkSec: number | null,
): AgentEventDraft {
  return { type: 'call.ended', data: { attemptId, outcome, connected, talkSec } };
}

export function wrapUpEvent(attemptId: string, until: number, codes: readonly string[]): AgentEventDraft {
  return { type: 'wrapup.started', data: { attemptId, until: iso(until), dispositionCodes: codes } };
}

export function wrapUpEndedEvent(attemptId: string, by: 'disposition' | 'timeout' | 'agent'): AgentEventDraft {
  return { type: 'wrapup.ended', data: { attemptId, by } };
}

export function offerClosedEvent(
  offerId: string,
  how: 'accepted' | 'skipped' | 'withdrawn' | 'timed-out',
  reason: string | null = null,
): AgentEventDraft {
  return { type: `offer.${how}`, data: { offerId, reason } };
}
