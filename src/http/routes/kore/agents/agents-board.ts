import { Type } from '@sinclair/typebox';
import { AgentBoardEnvelope, AgentBoardQuery, QueuesSummaryEnvelope } from '../../../../contract/agent-board.js';
import { AccountQuery, IidParams } from '../../../../contract/common.js';
import { withErrors } from '../../../../contract/envelope.js';
import { KORE_TAG, koreSecurity, type KoreRouteContext } from '../kore-router.js';

/**
 * campaignd extensions for a supervisor's agents board (docs/agents.md, "The agents board"): the
 * bot's agents with state, time in state, queues and work, and a summary per queue.
 */
export function agentsBoardRoutes({ app, services, hide }: KoreRouteContext): void {
  app.get(
    '/campaign/agents',
    {
      schema: {
        hide,
        tags: [KORE_TAG],
        summary: "The bot's agents: state, time in state, queues, current work (campaignd extension)",
        description:
          'Every agent of the bot by name, paginated like getAllContacts: `skip` (wins when > 0) or 1-based `page`, `limit` 1–500 (default 50). `secondsInState` counts to `asOf`; `work` is the Preview offer or the call the agent holds (null when none).',
        security: koreSecurity,
        params: IidParams,
        querystring: AgentBoardQuery,
        response: withErrors({ 200: AgentBoardEnvelope }),
      },
    },
    async (req) => ({
      status: 'success' as const,
      message: 'Agents retrieved successfully',
      data: await services.agentBoard.agents(req.tenant, req.query),
    }),
  );
  app.get(
    '/campaign/queues/summary',
    {
      schema: {
        hide,
        tags: [KORE_TAG],
        summary:
          'Per queue of the bot: agents by state, and the running campaigns’ calls and offers (campaignd extension)',
        description:
          'Every queue of the bot by name: its members, how many have an open event stream, how many are in each state, and per running (Active or Paused) Progressive or Preview campaign on the queue its calls in flight (agents Reserved for or OnCall with one of its calls), agents in wrap-up of its calls, and open Preview offers.',
        security: koreSecurity,
        params: IidParams,
        querystring: Type.Object(AccountQuery),
        response: withErrors({ 200: QueuesSummaryEnvelope }),
      },
    },
    async (req) => ({
      status: 'success' as const,
      message: 'Queues retrieved successfully',
      data: await services.agentBoard.queues(req.tenant),
    }),
  );
}
