import { Type } from '@sinclair/typebox';
import { AccountQuery } from '../../../../contract/common.js';
import { withErrors } from '../../../../contract/envelope.js';
import { KoreAgentParams, KoreAgentStatusBody, KoreAgentStatusEnvelope } from '../../../../contract/kore-agents.js';
import { errors } from '../../../../shared/errors.js';
import { KORE_TAG, koreSecurity, type KoreRouteContext } from '../kore-router.js';
import { koreAgentStatus } from './kore-agent-view.js';

/**
 * Kore's unofficial `…/campaign/agents/:agentId/status` (reference §10). Without `status` it
 * answers the agent's state; with `{ status: Available | NotReady | Offline, reason? }` it sets it
 * as a supervisor would, refusing (409) what the agent API refuses: a change during a call, or
 * Available / NotReady for an agent who is logged out (only the agent logs in, from their desktop).
 */
export function agentStatusRoute({ app, services, hide }: KoreRouteContext): void {
  app.post(
    '/campaign/agents/:agentId/status',
    {
      schema: {
        hide,
        tags: [KORE_TAG],
        summary: "An agent's state; with a status, set it as a supervisor (Kore unofficial route)",
        security: koreSecurity,
        params: KoreAgentParams,
        querystring: Type.Object(AccountQuery),
        body: Type.Optional(KoreAgentStatusBody),
        response: withErrors({ 200: KoreAgentStatusEnvelope }),
      },
      // A read posts no body at all; Fastify would validate `undefined` against the object schema.
      preValidation: async (req) => {
        req.body ??= {};
      },
    },
    async (req) => {
      const { status, reason } = req.body ?? {};
      if (status === undefined) {
        // A reason alone would be silently dropped: say what is missing instead.
        if (reason !== undefined) throw errors.validation('status', 'status: required when a reason is given');
        const a = await services.agentAdmin.ofTenant(req.tenant, req.params.agentId);
        return {
          status: 'success' as const,
          message: `Agent ${a.name} status retrieved successfully`,
          data: koreAgentStatus(a),
        };
      }
      const a = await services.agentDesk.supervise(req.tenant, req.params.agentId, status, reason);
      return {
        status: 'success' as const,
        message: `Agent ${a.name} status updated successfully`,
        data: koreAgentStatus(a),
      };
    },
  );
}
