import { Type, type Static, type TObject, type TSchema } from '@sinclair/typebox';

/**
 * Events of campaignd (docs/events.md): what webhooks deliver and `GET /admin/v1/events` pages.
 * Each type has a versioned schema of its `data`; a change that is not additive gets a new version.
 */

const Nullable = <T extends TSchema>(t: T) => Type.Union([t, Type.Null()]);

export const CampaignStatusChangedData = Type.Object({
  campaignId: Type.String(),
  instanceId: Nullable(Type.String()),
  from: Type.String({ description: 'the status before (Kore vocabulary: Draft, Scheduled, Active, Paused, …)' }),
  to: Type.String({ description: 'the status after' }),
});
export const InstanceStartedData = Type.Object({
  campaignId: Type.String(),
  instanceId: Type.String(),
  totalRecords: Type.Integer(),
  excludedRecords: Type.Integer({ description: 'records excluded at play (DNC); each also has a contact.excluded' }),
});
export const InstanceCompletedData = Type.Object({
  campaignId: Type.String(),
  instanceId: Type.String(),
  status: Type.String({ description: 'Completed, or Stopped when an operator stopped the run' }),
});
export const AttemptStartedData = Type.Object({
  campaignId: Type.String(),
  instanceId: Type.String(),
  attemptId: Type.String({ description: 'also the idempotency key given to the telephony provider' }),
  recordId: Type.String(),
  attemptNo: Type.Integer(),
  channel: Type.Union([Type.Literal('voice'), Type.Literal('sms')]),
  phoneNumber: Type.String({ description: 'E.164' }),
  agentId: Nullable(Type.String()),
});
export const AttemptEndedData = Type.Object({
  campaignId: Type.String(),
  instanceId: Type.String(),
  attemptId: Type.String(),
  recordId: Type.String(),
  attemptNo: Type.Integer(),
  outcome: Type.String({ description: "the engine's outcome (docs/engine.md): completed, no-answer, busy, …" }),
  dialerOutcome: Type.String({ description: "Kore's dialerOutcome for this attempt (completed, no-answer, …)" }),
  providerOutcome: Nullable(Type.String()),
  final: Type.Boolean({ description: 'true when the record will not be dialed again' }),
  ringSec: Nullable(Type.Number()),
  talkSec: Nullable(Type.Number()),
  machineDetected: Nullable(Type.Boolean()),
});
export const ContactExcludedData = Type.Object({
  campaignId: Type.String(),
  instanceId: Type.String(),
  recordId: Type.String(),
  phoneNumber: Type.String(),
  reason: Type.Literal('dnc', {
    description:
      'why: on a DNC list (contact rules never exclude: a record they hold waits for its permitted time, and explain says until when)',
  }),
  detail: Nullable(Type.String()),
});
export const ImportFinishedData = Type.Object({
  importId: Type.String(),
  listId: Type.String(),
  status: Type.Union([Type.Literal('completed'), Type.Literal('failed')]),
  imported: Nullable(Type.Integer()),
  error: Nullable(Type.String()),
});

const AgentStateName = Type.String({
  description: 'Offline, Available, NotReady, Reserved, OnCall or WrapUp (docs/agents.md)',
});
export const AgentStateChangedData = Type.Object({
  agentId: Type.String(),
  agentName: Type.String(),
  state: AgentStateName,
  reason: Nullable(Type.String({ description: "NotReady's reason code; why the agent went Offline" })),
  previousState: AgentStateName,
  previousReason: Nullable(Type.String()),
  secondsInPreviousState: Nullable(
    Type.Number({ description: 'how long the agent was in the previous state; null for a new agent' }),
  ),
  campaignId: Nullable(Type.String({ description: 'the campaign the change was about (an offer, a call), if any' })),
  attemptId: Nullable(Type.String()),
});
export const AgentDispositionSubmittedData = Type.Object({
  agentId: Type.String(),
  campaignId: Type.String(),
  instanceId: Type.String(),
  attemptId: Type.String(),
  recordId: Type.String(),
  codes: Type.Array(Type.String()),
  notes: Nullable(Type.String()),
  callbackAt: Nullable(Type.String({ format: 'date-time' })),
  doNotCall: Type.Boolean(),
  by: Type.Union([Type.Literal('agent'), Type.Literal('system')], {
    description: "`system`: the wrap-up ended without the agent's disposition (Kore's `System Generated`)",
  }),
});

/** Every event type, its current version and the schema of its data. */
export const EVENT_TYPES = {
  'campaign.status_changed': { version: 1, data: CampaignStatusChangedData, summary: 'A campaign changed status' },
  'instance.started': { version: 1, data: InstanceStartedData, summary: 'A campaign run (instance) started' },
  'instance.completed': { version: 1, data: InstanceCompletedData, summary: 'A campaign run ended' },
  'attempt.started': { version: 1, data: AttemptStartedData, summary: 'A contact was claimed for a call or message' },
  'attempt.ended': { version: 1, data: AttemptEndedData, summary: 'An attempt got its outcome' },
  'contact.excluded': { version: 1, data: ContactExcludedData, summary: 'A contact was excluded from a run' },
  'import.completed': { version: 1, data: ImportFinishedData, summary: 'A contact import finished' },
  'import.failed': { version: 1, data: ImportFinishedData, summary: 'A contact import failed' },
  'agent.state_changed': { version: 1, data: AgentStateChangedData, summary: 'An agent changed state' },
  'agent.disposition_submitted': {
    version: 1,
    data: AgentDispositionSubmittedData,
    summary: 'A call of an agent got its disposition',
  },
} as const satisfies Record<string, { version: number; data: TObject; summary: string }>;

export type EventType = keyof typeof EVENT_TYPES;
export type EventData<T extends EventType> = Static<(typeof EVENT_TYPES)[T]['data']>;
export const EVENT_TYPE_NAMES = Object.keys(EVENT_TYPES) as EventType[];

const EventTypeName = Type.Union(
  EVENT_TYPE_NAMES.map((t) => Type.Literal(t)),
  { description: 'the event type' },
);

/** The envelope of one event, as delivered (the request body) and as paged. */
function envelope<T extends TSchema>(type: TSchema, data: T, id?: string) {
  return Type.Object(
    {
      id: Type.String({ description: '`evt_<seq>`: also the `webhook-id` header; the same on every retry' }),
      seq: Type.Integer({ description: 'position in the account’s event stream: the cursor of replay and pull' }),
      type,
      version: Type.Integer({ description: 'version of the data schema' }),
      timestamp: Type.String({ format: 'date-time', description: 'when the change happened' }),
      accountId: Type.String(),
      botId: Nullable(Type.String()),
      data,
    },
    id ? { $id: id } : {},
  );
}

export const Event = envelope(EventTypeName, Type.Record(Type.String(), Type.Unknown()));
export type Event = Static<typeof Event>;

/** OpenAPI 3.1 `webhooks`: one entry per event type, its body the envelope with the type's data. */
export function openApiWebhooks(): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [type, def] of Object.entries(EVENT_TYPES)) {
    out[type] = {
      post: {
        summary: `${def.summary} (v${def.version})`,
        description:
          'Signed as Standard Webhooks specifies: headers webhook-id, webhook-timestamp, webhook-signature (docs/events.md). Answer 2xx within WEBHOOK_TIMEOUT_MS; anything else is retried.',
        requestBody: {
          required: true,
          content: { 'application/json': { schema: envelope(Type.Literal(type), def.data) } },
        },
        responses: { '2XX': { description: 'received' } },
      },
    };
  }
  return out;
}

// ---- the admin API of subscriptions and the pull endpoint ----

export const SubscriptionStatus = Type.Union([Type.Literal('active'), Type.Literal('paused'), Type.Literal('failing')]);

export const CreateSubscriptionBody = Type.Object({
  accountId: Type.String(),
  botId: Type.Optional(
    Type.String({ description: 'only this bot’s events (events of no bot, e.g. imports of the account, included)' }),
  ),
  url: Type.String({ format: 'uri', maxLength: 2048, description: 'http(s) URL the events are POSTed to' }),
  secret: Type.Optional(
    Type.String({
      pattern: '^whsec_[A-Za-z0-9+/=]{32,}$',
      description: '`whsec_` + base64 of 24 to 64 bytes; generated when absent',
    }),
  ),
  eventTypes: Type.Optional(Type.Array(EventTypeName, { minItems: 1, uniqueItems: true, description: 'absent: all' })),
  fromSeq: Type.Optional(
    Type.Integer({
      minimum: 0,
      maximum: Number.MAX_SAFE_INTEGER,
      description: 'deliver events after this seq; default: only events from now on',
    }),
  ),
});
export type CreateSubscriptionBody = Static<typeof CreateSubscriptionBody>;

export const Subscription = Type.Object(
  {
    id: Type.String(),
    accountId: Type.String(),
    botId: Nullable(Type.String()),
    url: Type.String(),
    eventTypes: Nullable(Type.Array(Type.String())),
    status: SubscriptionStatus,
    cursor: Type.Integer({ description: 'every matching event up to this seq has been delivered' }),
    failingSince: Nullable(Type.String()),
    lastError: Nullable(Type.String()),
    createdAt: Type.String(),
  },
  { $id: 'WebhookSubscription' },
);
export type Subscription = Static<typeof Subscription>;

export const CreatedSubscription = Type.Object({
  subscription: Subscription,
  secret: Type.String({ description: 'shown once; stored encrypted' }),
});
export type CreatedSubscription = Static<typeof CreatedSubscription>;

export const SubscriptionList = Type.Object({ subscriptions: Type.Array(Subscription) });
export const AccountQuery = Type.Object({ accountId: Type.String() });
export const SubscriptionParams = Type.Object({ id: Type.String() });
export const ReplayBody = Type.Object({
  fromSeq: Type.Integer({
    minimum: 0,
    maximum: Number.MAX_SAFE_INTEGER,
    description: 'deliver again every matching event with seq > fromSeq',
  }),
});

export const Delivery = Type.Object({
  id: Type.Integer(),
  eventSeq: Type.Integer(),
  at: Type.String(),
  ok: Type.Boolean(),
  status: Nullable(Type.Integer()),
  error: Nullable(Type.String()),
  durationMs: Type.Integer(),
});
export type Delivery = Static<typeof Delivery>;
export const DeliveryList = Type.Object({ deliveries: Type.Array(Delivery) });
// A query string carries text, and schemas do not coerce: numbers are checked as digits.
const Limit = Type.String({ pattern: '^([1-9]\\d{0,2}|1000)$', description: '1-1000, default 100' });
export const DeliveriesQuery = Type.Object({
  accountId: Type.String(),
  limit: Type.Optional(Limit),
});

export const EventsQuery = Type.Object({
  accountId: Type.String(),
  after: Type.Optional(
    Type.String({ pattern: '^\\d{1,15}$', description: 'cursor: events with seq > after (default 0)' }),
  ),
  limit: Type.Optional(Limit),
});
export const EventPage = Type.Object({
  events: Type.Array(Event),
  next: Type.Integer({ description: 'the cursor for the next page (the last seq returned, or `after`)' }),
});
export type EventPage = Static<typeof EventPage>;
