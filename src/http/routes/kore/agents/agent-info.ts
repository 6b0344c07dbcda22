import { Type } from '@sinclair/typebox';
import { AccountQuery } from '../../../../contract/common.js';
import { withErrors } from '../../../../contract/envelope.js';
import { KoreAgentEnvelope, KoreAgentParams } from '../../../../contract/kore-agents.js';
import { KORE_TAG, koreSecurity, type KoreRouteContext } from '../kore-router.js';
import { koreAgent } from './kore-agent-view.js';

/**
 * Kore's unofficial `…/campaign/agents/:agentId/info` (reference §10): the agent, their queues and
 * state. POST as Kore's runtime mounts it; a GET answers the same (it only reads). Any body is ignored.
 */
export function agentInfoRoute({ app, services, hide }: KoreRouteContext): void {
  for (const method of ['post', 'get'] as const) {
    app[method](
      '/campaign/agents/:agentId/info',
      {
        schema: {
          hide: hide || method === 'get',
          tags: [KORE_TAG],
          summary: 'An agent: name, external id, extension, queues and state (Kore unofficial route)',
          security: koreSecurity,
          params: KoreAgentParams,
          querystring: Type.Object(AccountQuery),
          response: withErrors({ 200: KoreAgentEnvelope }),
        },
      },
      async (req) => {
        const a = await services.agentAdmin.ofTenant(req.tenant, req.params.agentId);
        return { status: 'success' as const, message: `Agent ${a.name} retrieved successfully`, data: koreAgent(a) };
      },
    );
  }
}
