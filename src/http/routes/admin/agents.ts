import {
  Agent,
  AgentHistory,
  AgentHistoryQuery,
  AgentList,
  AgentParams,
  AgentTenantQuery,
  AgentWithCredential,
  CreateAgentBody,
  UpdateAgentBody,
  UpdatedAgent,
} from '../../../contract/agents.js';
import { withErrors } from '../../../contract/envelope.js';
import type { Services } from '../../../services.js';
import type { TypedApp } from '../kore/kore-router.js';

const TAG = 'Admin: agents';
const security = [{ adminToken: [] }];

/** Agents of Progressive and Preview campaigns, as `campaignd agents` manages them. */
export function agentAdminRoutes(services: Services): (app: TypedApp) => void {
  return (app) => {
    const agents = services.agentAdmin;
    app.post(
      '/agents',
      {
        schema: {
          tags: [TAG],
          security,
          summary: 'Create an agent in one or more queues; the answer holds their credential, shown this once',
          body: CreateAgentBody,
          response: withErrors({ 201: AgentWithCredential }),
        },
      },
      async (req, reply) => {
        reply.code(201);
        return agents.create(req.body);
      },
    );
    app.get(
      '/agents',
      {
        schema: {
          tags: [TAG],
          security,
          summary: "The bot's agents with their state",
          querystring: AgentTenantQuery,
          response: withErrors({ 200: AgentList }),
        },
      },
      async (req) => ({ results: await agents.list(req.query) }),
    );
    app.get(
      '/agents/:agentId',
      {
        schema: {
          tags: [TAG],
          security,
          summary: 'An agent',
          params: AgentParams,
          querystring: AgentTenantQuery,
          response: withErrors({ 200: Agent }),
        },
      },
      async (req) => agents.find(req.query, req.params.agentId),
    );
    app.patch(
      '/agents/:agentId',
      {
        schema: {
          tags: [TAG],
          security,
          summary: 'Change name, queues, external id or extension; resetCredential issues a new credential',
          params: AgentParams,
          body: UpdateAgentBody,
          response: withErrors({ 200: UpdatedAgent }),
        },
      },
      async (req) => agents.update(req.params.agentId, req.body),
    );
    app.delete(
      '/agents/:agentId',
      {
        schema: {
          tags: [TAG],
          security,
          summary: 'Remove an agent (not while on a call or holding an offer); their history stays',
          params: AgentParams,
          querystring: AgentTenantQuery,
          response: withErrors({ 200: Agent }),
        },
      },
      async (req) => agents.remove(req.query, req.params.agentId),
    );
    app.get(
      '/agents/:agentId/history',
      {
        schema: {
          tags: [TAG],
          security,
          summary: "An agent's state changes between from and to (default the last 24 hours)",
          params: AgentParams,
          querystring: AgentHistoryQuery,
          response: withErrors({ 200: AgentHistory }),
        },
      },
      async (req) => agents.history(req.query, req.params.agentId),
    );
  };
}
