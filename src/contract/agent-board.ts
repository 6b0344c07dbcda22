import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { Success } from './envelope.js';

/**
 * campaignd extensions of the Kore API for a supervisor's agents board (docs/agents.md, "The
 * agents board"): `GET …/{iid}/campaign/agents` (every agent of the bot, paged) and
 * `GET …/{iid}/campaign/queues/summary` (per queue: agents by state, running campaigns' work).
 */

const Nullable = <T extends TSchema>(t: T) => Type.Union([t, Type.Null()]);
const PageParam = Type.Union([Type.Integer({ minimum: 0 }), Type.String({ pattern: '^\\d*$' })]);
const StateName = Type.String({ description: 'Offline | Available | Reserved | OnCall | WrapUp | NotReady' });

export const AgentBoardQuery = Type.Object({
  accountId: Type.Optional(Type.String({ description: 'Account id; may be sent as the accountId header instead' })),
  skip: Type.Optional(PageParam),
  page: Type.Optional(PageParam),
  limit: Type.Optional(PageParam),
});
export type AgentBoardQuery = Static<typeof AgentBoardQuery>;

export const BoardWork = Type.Object({
  kind: Type.Union([Type.Literal('offer'), Type.Literal('call')], {
    description: 'a Preview offer waiting for the agent, or a call (being placed, connected, in wrap-up)',
  }),
  campaignId: Type.String(),
  campaignName: Nullable(Type.String()),
  campaignInstanceId: Type.String(),
  attemptId: Nullable(Type.String({ description: 'the call; null for an offer not yet accepted' })),
  offerId: Nullable(Type.String()),
});

export const BoardAgent = Type.Object({
  id: Type.String({ description: 'ag-…' }),
  name: Type.String(),
  externalId: Nullable(Type.String()),
  state: StateName,
  reason: Nullable(Type.String({ description: "NotReady's reason code; why the agent went Offline" })),
  since: Type.String({ description: 'ISO time the agent entered the state' }),
  secondsInState: Type.Integer({ minimum: 0 }),
  present: Type.Boolean({ description: 'an event stream of the agent is open' }),
  queues: Type.Array(Type.String(), { description: 'queue names' }),
  work: Nullable(BoardWork),
});
export type BoardAgent = Static<typeof BoardAgent>;

export const AgentBoardPage = Type.Object({
  results: Type.Array(BoardAgent),
  skip: Type.Integer(),
  limit: Type.Integer(),
  hasMore: Type.Boolean(),
  totalPages: Type.Integer(),
  totalResults: Type.Integer(),
  asOf: Type.String({ description: 'ISO time the board was read (secondsInState counts to it)' }),
});
export type AgentBoardPage = Static<typeof AgentBoardPage>;
export const AgentBoardEnvelope = Success(AgentBoardPage);

const StateCounts = Type.Object(
  {
    Offline: Type.Integer(),
    Available: Type.Integer(),
    Reserved: Type.Integer(),
    OnCall: Type.Integer(),
    WrapUp: Type.Integer(),
    NotReady: Type.Integer(),
  },
  { description: 'agents of the queue in each state' },
);

export const QueueCampaign = Type.Object({
  campaignId: Type.String(),
  campaignName: Type.String(),
  campaignInstanceId: Type.String(),
  status: Type.String({ description: 'Active or Paused' }),
  dialingMode: Type.String({ description: 'Progressive | Preview' }),
  callsInFlight: Type.Integer({ description: 'agents with a call of the run being placed or connected' }),
  inWrapUp: Type.Integer({ description: "agents in the wrap-up of one of the run's calls" }),
  offered: Type.Integer({ description: 'Preview offers of the run waiting for an answer' }),
});

export const QueueSummary = Type.Object({
  id: Type.String(),
  name: Type.String(),
  agents: Type.Integer({ description: 'members of the queue' }),
  present: Type.Integer({ description: 'members with an open event stream' }),
  states: StateCounts,
  campaigns: Type.Array(QueueCampaign, { description: 'running (Active or Paused) agent campaigns on the queue' }),
});
export type QueueSummary = Static<typeof QueueSummary>;

export const QueuesSummary = Type.Object({
  queues: Type.Array(QueueSummary),
  asOf: Type.String(),
});
export type QueuesSummary = Static<typeof QueuesSummary>;
export const QueuesSummaryEnvelope = Success(QueuesSummary);
