import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import {
  Agent,
  CallParams,
  DispositionAnswer,
  DispositionBody,
  EndCallAnswer,
  LoginBody,
  OfferAnswer,
  OfferParams,
  StateBody,
} from '../../../contract/agents.js';
import { withErrors } from '../../../contract/envelope.js';
import type { Services } from '../../../services.js';
import type { SignedInAgent } from '../../../domain/agents/agent-access.js';
import { countFailure, refusedAddress } from '../../plugins/auth.js';
import type { RollingLimiter } from '../../plugins/rate-limit.js';
import type { TypedApp } from '../kore/kore-router.js';
import { agentEventsRoute } from './agent-events.js';

declare module 'fastify' {
  interface FastifyRequest {
    agent: SignedInAgent;
  }
}

export const AGENT_TAG = 'Agent API (campaignd extension)';
const security = [{ agentCredential: [] }];

/** `Authorization: Bearer <credential>`; failures count against the address like the other APIs'. */
function agentGuard(services: Services, failures: RollingLimiter) {
  return async (req: FastifyRequest): Promise<void> => {
    const refused = refusedAddress(failures, req);
    if (refused) throw refused;
    const header = req.headers.authorization ?? '';
    const credential = /^bearer\s+/i.test(header) ? header.replace(/^bearer\s+/i, '').trim() : undefined;
    try {
      req.agent = await services.agentAccess.authenticate(credential);
    } catch (err) {
      throw countFailure(failures, req, err);
    }
  };
}

/**
 * `/agent/v1`: what an agent does at their desktop (docs/agents.md). Authenticated by the agent's
 * own credential, which also says whose account and bot: nothing of another tenant is reachable.
 */
export function agentRoutes(services: Services, failures: RollingLimiter): FastifyPluginAsync {
  return async (root) => {
    root.decorateRequest('agent', null as never);
    const app = root as unknown as TypedApp;
    app.addHook('onRequest', agentGuard(services, failures));
    const desk = services.agentDesk;
    const doc = (summary: string) => ({ tags: [AGENT_TAG], security, summary });

    app.get(
      '/me',
      { schema: { ...doc('The agent: state, queues, current work'), response: withErrors({ 200: Agent }) } },
      async (req) => desk.me(req.agent.id),
    );
    app.post(
      '/login',
      {
        schema: {
          ...doc('Log in: Offline to Available (default) or NotReady'),
          body: Type.Optional(LoginBody),
          response: withErrors({ 200: Agent }),
        },
        // No body at all is a plain login (the schema alone would refuse a missing object).
        preValidation: async (req) => {
          req.body ??= {};
        },
      },
      async (req) => desk.login(req.agent.id, req.body ?? {}),
    );
    app.post(
      '/logout',
      {
        schema: {
          ...doc('Log out (an open offer goes back; not during a call)'),
          response: withErrors({ 200: Agent }),
        },
      },
      async (req) => desk.logout(req.agent.id),
    );
    app.post(
      '/state',
      {
        schema: {
          ...doc('Go Available, or NotReady with a reason code'),
          body: StateBody,
          response: withErrors({ 200: Agent }),
        },
      },
      async (req) => desk.setState(req.agent.id, req.body),
    );
    app.post(
      '/offers/:offerId/accept',
      {
        schema: {
          ...doc('Accept a Preview offer: the number is dialed for you'),
          params: OfferParams,
          response: withErrors({ 200: OfferAnswer }),
        },
      },
      async (req) => desk.accept(req.agent.id, req.params.offerId),
    );
    app.post(
      '/offers/:offerId/skip',
      {
        schema: {
          ...doc('Skip a Preview offer: it goes to another agent'),
          params: OfferParams,
          response: withErrors({ 200: OfferAnswer }),
        },
      },
      async (req) => desk.skip(req.agent.id, req.params.offerId),
    );
    app.post(
      '/calls/:attemptId/end',
      { schema: { ...doc('End your call'), params: CallParams, response: withErrors({ 202: EndCallAnswer }) } },
      async (req, reply) => {
        reply.code(202);
        return desk.endCall(req.agent.id, req.params.attemptId);
      },
    );
    app.post(
      '/calls/:attemptId/disposition',
      {
        schema: {
          ...doc('Give the disposition of your call (during it or in wrap-up)'),
          params: CallParams,
          body: DispositionBody,
          response: withErrors({ 200: DispositionAnswer }),
        },
      },
      async (req) => services.agentDispositions.dispose(req.agent.id, req.params.attemptId, req.body),
    );
    agentEventsRoute(app, services, security);
  };
}
