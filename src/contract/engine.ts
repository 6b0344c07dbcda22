import { Type, type Static } from '@sinclair/typebox';

/**
 * One object covers every play / stop shape of Kore's start and stop pages (voice and SMS differ in optional
 * fields).
 */
export const TriggerResponse = Type.Object({
  status: Type.String({ description: 'Active | Paused | Stopped' }),
  message: Type.String({ description: 'Campaign Started | Campaign Stopped | Campaign Paused | Campaign Resumed' }),
  totalCallsCompleted: Type.Optional(Type.Integer({ description: 'voice play: the new instance counter (0)' })),
  updatedAt: Type.String(),
  campaignInstanceId: Type.Optional(Type.String({ description: 'voice: the instance, cid-…' })),
  campaignExecutionType: Type.Optional(Type.String({ description: 'sms stop: NORMAL' })),
});
export type TriggerResponse = Static<typeof TriggerResponse>;

export const TriggerQuery = Type.Object({
  trigger: Type.Optional(Type.String({ description: 'play | stop | pause | resume (case-insensitive)' })),
  campaignType: Type.Optional(Type.String({ description: 'voice | sms; the stored type wins' })),
  accountId: Type.Optional(Type.String()),
});

export const StatusQuery = Type.Object({
  view: Type.Optional(Type.String({ description: 'status (default) | contacts' })),
  page: Type.Optional(Type.String()),
  limit: Type.Optional(Type.String()),
  accountId: Type.Optional(Type.String()),
});

/** `{ page, limit }`, both optional; the body itself is optional ("no body needed"), so it is checked in the handler. */
export const ContactsPageBody = Type.Unknown({
  description:
    '{ "page": integer >= 1, "limit": integer 1–100 } (optional). campaignd extension: "filters": { "dialerOutcome": string[], "phoneNumber": "digits (prefix)", "state": ("pending" | "in-progress" | "done")[] }, each optional, all must match; totalResults and totalPages then count the matching contacts. Without filters the answer is Kore\'s.',
});

/** A contact of a campaign's current instance with its attempt results (`view=contacts`). */
export const ContactResult = Type.Object({
  phoneNumber: Type.String(),
  uniqueId: Type.String(),
  dialerOutcome: Type.String({
    description:
      '"" while in progress; completed, no-answer, busy, failed, invalid, machine_detected, dnc_excluded, filter_skipped, retry-cancelled, timezone_skip; campaignd Predictive: abandoned',
  }),
  numberOfAttemptsSoFar: Type.Integer(),
  botSessionId: Type.String(),
  agentDispositionCodes: Type.Array(Type.String()),
  botOutboundStatus: Type.String(),
  botOutboundStatusDetail: Type.String(),
});
export type ContactResult = Static<typeof ContactResult>;

export const CampaignStatusView = Type.Object({ id: Type.String(), status: Type.String(), name: Type.String() });
export type CampaignStatusView = Static<typeof CampaignStatusView>;

export const ContactResultsPage = Type.Object({
  results: Type.Array(ContactResult),
  page: Type.Integer(),
  limit: Type.Integer(),
  totalPages: Type.Integer(),
  totalResults: Type.Integer(),
});
export type ContactResultsPage = Static<typeof ContactResultsPage>;

export const StatusOrContactsEnvelope = Type.Union([
  Type.Object({ status: Type.Literal('success'), data: CampaignStatusView }),
  Type.Object({ status: Type.Literal('success'), data: ContactResultsPage }),
]);

/** One rule of an explanation: campaign, record, dnc, attempts, retry-wait, calling-window or capacity. */
export const ExplainRule = Type.Object({
  rule: Type.String(),
  ok: Type.Boolean(),
  detail: Type.String(),
  facts: Type.Record(Type.String(), Type.Unknown()),
});
export type ExplainRule = Static<typeof ExplainRule>;

export const Explanation = Type.Object({
  campaignId: Type.String(),
  campaignStatus: Type.String(),
  campaignInstanceId: Type.String(),
  recordId: Type.String(),
  phoneNumber: Type.String(),
  at: Type.String(),
  dialableNow: Type.Boolean(),
  /** When every rule but capacity will pass next (capacity cannot be predicted); null when never. */
  nextDialableAt: Type.Union([Type.String(), Type.Null()]),
  rules: Type.Array(ExplainRule),
});
export type Explanation = Static<typeof Explanation>;

export const ExplainEnvelope = Type.Object({ status: Type.Literal('success'), data: Explanation });

/** Kore's call-back API takes a JSON array of call-back requests. */
export const CallbackRequest = Type.Object({
  campaignDialingListId: Type.String({
    minLength: 1,
    maxLength: 256,
    description: 'dial-record id, contact id, uniqueId or phone number of the instance',
  }),
  timeToContact: Type.String({ maxLength: 64, description: 'ISO 8601 with a zone, e.g. 2026-06-18T17:55:00Z' }),
});
export type CallbackRequest = Static<typeof CallbackRequest>;

export const CallContactAtBody = Type.Array(CallbackRequest, { minItems: 1, maxItems: 1000 });

/** Kore documents `time_in_past`; the other reasons are campaignd's. */
export const CallbackResult = Type.Object({
  campaignDialingListId: Type.String(),
  status: Type.String({ description: 'success | failed' }),
  reason: Type.Optional(
    Type.String({
      description:
        'time_in_past | invalid_time | time_too_far (more than a year ahead) | contact_not_found | dnc_excluded | call_in_progress | campaign_not_running',
    }),
  ),
  timeToContact: Type.Optional(Type.String()),
});
export type CallbackResult = Static<typeof CallbackResult>;

export const CallContactAtEnvelope = Type.Object({ status: Type.Literal('success'), data: Type.Array(CallbackResult) });
