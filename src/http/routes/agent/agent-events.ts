import { Type } from '@sinclair/typebox';
import type { StreamEvent } from '../../../domain/agents/agent-event-hub.js';
import type { Services } from '../../../services.js';
import { errors } from '../../../shared/errors.js';
import type { TypedApp } from '../kore/kore-router.js';

/** An SSE comment this often keeps proxies from closing an idle stream. */
const KEEPALIVE_MS = 15_000;

const frame = (e: StreamEvent) => `id: ${e.id}\nevent: ${e.type}\ndata: ${JSON.stringify(e.data)}\n\n`;

/**
 * `GET /agent/v1/events`: the agent's event stream (Server-Sent Events). Each event has its
 * agent_events id as SSE `id`; a reconnect with `Last-Event-ID` (or `?lastEventId=`) gets every
 * event after it, on any server. A new stream starts with a `snapshot` event (no id): the agent as
 * they are, current offer or call included. While the stream is open the agent is present.
 */
export function agentEventsRoute(app: TypedApp, services: Services, security: { agentCredential: never[] }[]): void {
  app.get(
    '/events',
    {
      schema: {
        tags: ['Agent API (campaignd extension)'],
        security,
        summary: 'Your event stream (text/event-stream): offers, calls, wrap-up, state changes',
        querystring: Type.Object({ lastEventId: Type.Optional(Type.String({ pattern: '^\\d{1,15}$' })) }),
      },
    },
    async (req, reply) => {
      const header = req.headers['last-event-id'];
      const raw = (Array.isArray(header) ? header[0] : header) ?? req.query.lastEventId;
      if (raw !== undefined && !/^\d{1,15}$/.test(raw))
        throw errors.validation('Last-Event-ID', 'Last-Event-ID: must be an event id');
      const agentId = req.agent.id;
      const snapshot = await services.agentDesk.me(agentId);

      reply.hijack();
      const res = reply.raw;
      res.writeHead(200, {
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-cache, no-transform',
        connection: 'keep-alive',
        'x-accel-buffering': 'no',
      });
      // Read before the hub marks the stream seen, so `present` would be stale; on this open stream it is true.
      res.write(`retry: 2000\nevent: snapshot\ndata: ${JSON.stringify({ ...snapshot, present: true })}\n\n`);
      const keepalive = setInterval(() => res.write(': keepalive\n\n'), KEEPALIVE_MS);
      keepalive.unref();
      const stream: { unsubscribe?: () => Promise<void> } = {};
      let closed = false;
      // The response's close: the client went away (the request's fires once its empty body is read).
      res.on('close', () => {
        closed = true;
        clearInterval(keepalive);
        void stream.unsubscribe?.();
      });
      stream.unsubscribe = await services.agentEvents.subscribe(
        agentId,
        raw === undefined ? undefined : Number(raw),
        (events) => res.write(events.map(frame).join('')),
        () => res.end(),
      );
      if (closed) await stream.unsubscribe();
    },
  );
}
