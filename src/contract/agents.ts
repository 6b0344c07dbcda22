import { Type, type Static } from '@sinclair/typebox';

/**
 * Agents and the agent API: a campaignd extension (docs/agents.md). The agent API is used by a
 * person at an agent desktop (or `campaignd simulate agents`), authenticated by the agent's own
 * credential; the admin API creates agents and hands out that credential once.
 */

export const AGENT_STATE_NAMES = ['Offline', 'Available', 'Reserved', 'OnCall', 'WrapUp', 'NotReady'] as const;

export const AgentWork = Type.Object({
  kind: Type.String({ description: 'offer (Preview, not dialed yet) | call' }),
  campaignId: Type.String(),
  campaignInstanceId: Type.String(),
  offerId: Type.Optional(Type.String({ description: 'the record offered or being called (dr-…)' })),
  attemptId: Type.Optional(Type.String({ description: 'the call (att-…), once dialed' })),
  until: Type.Optional(Type.String({ description: 'offer: its deadline; WrapUp: when it ends by itself' })),
});

export const Agent = Type.Object(
  {
    id: Type.String({ description: 'ag-…' }),
    accountId: Type.String(),
    iid: Type.String(),
    name: Type.String(),
    externalId: Type.Union([Type.String(), Type.Null()]),
    extension: Type.Union([Type.String(), Type.Null()]),
    queues: Type.Array(Type.String(), { description: 'queue names' }),
    state: Type.String({ description: AGENT_STATE_NAMES.join(' | ') }),
    reason: Type.Union([Type.String(), Type.Null()], { description: 'NotReady reason code; why Offline' }),
    since: Type.String({ description: 'when the agent entered this state' }),
    present: Type.Boolean({ description: 'an event stream of the agent is open' }),
    work: Type.Union([AgentWork, Type.Null()]),
    createdAt: Type.String(),
  },
  { $id: 'Agent' },
);
export type Agent = Static<typeof Agent>;

const Credential = Type.String({ description: 'Authorization: Bearer <credential> on the agent API; shown once' });

/** Created: the only time the credential is shown. */
export const AgentWithCredential = Type.Object({ ...Agent.properties, credential: Credential });
export type AgentWithCredential = Agent & { credential: string };

/** Changed: with the new credential when it was reset. */
export const UpdatedAgent = Type.Object({ ...Agent.properties, credential: Type.Optional(Credential) });

const Name = Type.String({ minLength: 1, maxLength: 100 });
const ExternalId = Type.String({ minLength: 1, maxLength: 100, description: 'the agent in another system' });
const Extension = Type.String({ minLength: 1, maxLength: 40, description: 'phone extension or SIP address' });
const QueueNames = Type.Array(Type.String({ minLength: 1, maxLength: 100 }), {
  minItems: 1,
  maxItems: 50,
  description: 'names of queues of the bot (POST /admin/v1/queues)',
});

export const CreateAgentBody = Type.Object({
  accountId: Type.String(),
  iid: Type.String({ description: 'Bot id st-…' }),
  name: Name,
  queues: QueueNames,
  externalId: Type.Optional(ExternalId),
  extension: Type.Optional(Extension),
});
export type CreateAgentBody = Static<typeof CreateAgentBody>;

export const UpdateAgentBody = Type.Object({
  accountId: Type.String(),
  iid: Type.String(),
  name: Type.Optional(Name),
  queues: Type.Optional(QueueNames),
  externalId: Type.Optional(Type.Union([ExternalId, Type.Null()])),
  extension: Type.Optional(Type.Union([Extension, Type.Null()])),
  resetCredential: Type.Optional(Type.Boolean({ description: 'issue a new credential; the old one stops working' })),
});
export type UpdateAgentBody = Static<typeof UpdateAgentBody>;

export const AgentTenantQuery = Type.Object({ accountId: Type.String(), iid: Type.String() });
export const AgentParams = Type.Object({ agentId: Type.String() });

export const AgentList = Type.Object({ results: Type.Array(Type.Ref('Agent')) });

export const AgentHistoryQuery = Type.Object({
  accountId: Type.String(),
  iid: Type.String(),
  from: Type.Optional(Type.String({ description: 'ISO 8601; default 24 hours before `to`' })),
  to: Type.Optional(Type.String({ description: 'ISO 8601; default now' })),
});
export const AgentHistory = Type.Object({
  agentId: Type.String(),
  results: Type.Array(
    Type.Object({
      state: Type.String(),
      reason: Type.Union([Type.String(), Type.Null()]),
      at: Type.String(),
      campaignId: Type.Union([Type.String(), Type.Null()]),
      attemptId: Type.Union([Type.String(), Type.Null()]),
    }),
  ),
});
export type AgentHistory = Static<typeof AgentHistory>;

const Reason = Type.String({ minLength: 1, maxLength: 64, description: 'NotReady reason code, e.g. Break, Lunch' });

export const LoginBody = Type.Object({
  state: Type.Optional(Type.String({ description: 'Available (default) | NotReady' })),
  reason: Type.Optional(Reason),
});
export type LoginBody = Static<typeof LoginBody>;

export const StateBody = Type.Object({
  state: Type.String({ description: 'Available | NotReady' }),
  reason: Type.Optional(Reason),
});
export type StateBody = Static<typeof StateBody>;

export const OfferParams = Type.Object({ offerId: Type.String() });
export const OfferAnswer = Type.Object({
  offerId: Type.String(),
  status: Type.String({ description: 'accepted | skipped | final (skipped maxSkips times: not offered again)' }),
});
export type OfferAnswer = Static<typeof OfferAnswer>;

export const CallParams = Type.Object({ attemptId: Type.String() });
export const EndCallAnswer = Type.Object({
  attemptId: Type.String(),
  status: Type.String({ description: 'ending: the engine that placed the call hangs it up' }),
});

export const DispositionBody = Type.Object({
  codes: Type.Array(Type.String({ minLength: 1, maxLength: 64 }), {
    minItems: 1,
    maxItems: 10,
    description: "from the campaign's agentSettings.dispositionCodes or the bot's list (any code when neither has one)",
  }),
  notes: Type.Optional(Type.String({ maxLength: 2000 })),
  callbackAt: Type.Optional(
    Type.String({ description: 'ISO 8601: call the contact again then (callContactAt rules)' }),
  ),
  doNotCall: Type.Optional(Type.Boolean({ description: "add the number to the campaign's DNC list" })),
});
export type DispositionBody = Static<typeof DispositionBody>;

export const DispositionAnswer = Type.Object({
  attemptId: Type.String(),
  codes: Type.Array(Type.String()),
  callback: Type.Union([
    Type.Object({ at: Type.String(), result: Type.String({ description: 'scheduled | failed | time_in_past …' }) }),
    Type.Null(),
  ]),
  doNotCall: Type.Union([Type.Object({ listId: Type.String(), listName: Type.String() }), Type.Null()]),
});
export type DispositionAnswer = Static<typeof DispositionAnswer>;

/** What a disposition stores on its attempt (attempts.disposition). */
export interface AttemptDisposition {
  codes: string[];
  notes: string | null;
  at: string;
  /** The agent who gave it, or `system` (wrap-up ran out). */
  by: string;
  callbackAt: string | null;
  doNotCall: boolean;
}
