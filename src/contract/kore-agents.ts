import { Type, type Static } from '@sinclair/typebox';
import { Agent } from './agents.js';
import { Success } from './envelope.js';

/**
 * Kore's unofficial agent and disposition routes (docs/kore-compatibility.md; reference §10:
 * `POST …/campaign/agents/:agentId/info|status`, `POST …/campaign/:campId/dispositions`). Kore
 * documents no bodies for them, so they answer the agent API's data under Kore's habits: the
 * `{ status, message, data }` envelope, both `_id` and `id`, and `status` for a state.
 */

export const KoreAgentParams = Type.Object({
  iid: Type.String({ description: 'Bot (stream / app) id, st-…' }),
  agentId: Type.String({ description: 'Agent id, ag-…' }),
});

const AgentStatusName = Type.String({ description: 'Offline | Available | Reserved | OnCall | WrapUp | NotReady' });

/** An agent as the Kore routes show it: the agent API's `Agent`, its state named `status`. */
export const KoreAgent = Type.Object({
  _id: Type.String(),
  id: Type.String({ description: 'ag-…' }),
  name: Type.String(),
  externalId: Agent.properties.externalId,
  extension: Agent.properties.extension,
  queues: Agent.properties.queues,
  status: AgentStatusName,
  reason: Agent.properties.reason,
  since: Agent.properties.since,
  present: Agent.properties.present,
  work: Agent.properties.work,
  createdAt: Type.String(),
});
export type KoreAgent = Static<typeof KoreAgent>;
export const KoreAgentEnvelope = Success(KoreAgent);

/** Without `status`: read the agent's state. With it: set it, as a supervisor would. */
export const KoreAgentStatusBody = Type.Object({
  status: Type.Optional(
    Type.String({ description: 'Available | NotReady | Offline (any case); absent: answer the state' }),
  ),
  reason: Type.Optional(
    Type.String({
      minLength: 1,
      maxLength: 64,
      description: 'NotReady: the reason code (default NotReady); Offline: why (default supervisor)',
    }),
  ),
});
export type KoreAgentStatusBody = Static<typeof KoreAgentStatusBody>;

export const KoreAgentStatus = Type.Object({
  agentId: Type.String(),
  status: AgentStatusName,
  reason: Agent.properties.reason,
  since: Agent.properties.since,
  present: Agent.properties.present,
});
export type KoreAgentStatus = Static<typeof KoreAgentStatus>;
export const KoreAgentStatusEnvelope = Success(KoreAgentStatus);

export const CampaignDispositions = Type.Object({
  campaignId: Type.String(),
  dispositionCodes: Type.Array(Type.String(), { description: 'empty: any code' }),
  source: Type.String({
    description: "campaign (its agentSettings.dispositionCodes) | bot (the bot's list) | any (neither has one)",
  }),
});
export type CampaignDispositions = Static<typeof CampaignDispositions>;
export const CampaignDispositionsEnvelope = Success(CampaignDispositions);
