import type { Event } from '../../../../contract/events.js';
import { withErrors } from '../../../../contract/envelope.js';
import { EventStreamBody, EventStreamHeaders, EventStreamQuery } from '../../../../contract/event-stream.js';
import { IidParams } from '../../../../contract/common.js';
import { parseEventTypes, type EventSubscription } from '../../../../domain/events/event-stream-hub.js';
import { errors } from '../../../../shared/errors.js';
import { KORE_TAG, koreSecurity, type KoreRouteContext } from '../kore-router.js';

/** An SSE comment this often keeps proxies from closing an idle stream. */
const KEEPALIVE_MS = 15_000;
/** A stream closed by the server whose client does not take its last bytes is cut after this. */
const LINGER_MS = 10_000;

const frame = (e: Event) => `id: ${e.seq}\nevent: ${e.type}\ndata: ${JSON.stringify(e)}\n\n`;

/**
 * campaignd extension: the bot's events as Server-Sent Events (docs/events.md, "Stream"). Every
 * message is one outbox event (`id` its seq, `event` its type, `data` its envelope); reconnecting
 * with `Last-Event-ID` (or `?after=`) resumes after it on any server process, without loss or repeat.
 */
export function eventStreamRoute({ app, services, hide }: KoreRouteContext): void {
  app.get(
    '/campaign/events/stream',
    {
      schema: {
        hide,
        tags: [KORE_TAG],
        summary: 'Live event stream of the bot (text/event-stream; campaignd extension)',
        description:
          'The events of docs/events.md of this bot, and the account\'s events of no bot (imports), in `seq` order, as Server-Sent Events: `id: <seq>`, `event: <type>`, `data: <the event envelope, as GET /admin/v1/events gives it>`. Resume with the `Last-Event-ID` header (browsers send it when they reconnect) or `after=<seq>`; without either the stream starts from now, and `after=0` from the oldest event held. `types` keeps only those event types. A comment line every 15 s keeps proxies from closing it. Backpressure: a client that does not take what was sent gets nothing more (nothing is held for it; its events wait in the database) until it does; if more than 1,000 of its events go by meanwhile, the server sends `event: overflow` (`data: {"after": <last seq sent>}`) and closes the stream; reconnect with Last-Event-ID.',
        security: koreSecurity,
        params: IidParams,
        querystring: EventStreamQuery,
        headers: EventStreamHeaders,
        produces: ['text/event-stream'],
        response: withErrors({ 200: EventStreamBody }),
      },
    },
    async (req, reply) => {
      const header = req.headers['last-event-id'];
      const fromHeader = Array.isArray(header) ? header[0] : header;
      if (fromHeader !== undefined && !/^\d{1,15}$/.test(fromHeader.trim()))
        throw errors.validation('Last-Event-ID', 'Last-Event-ID: must be an event seq');
      const raw = fromHeader?.trim() ?? req.query.after;
      const types = parseEventTypes(req.query.types);

      reply.hijack();
      const res = reply.raw;
      let ended = false;
      const keepalive = setInterval(() => {
        if (res.headersSent && !ended) res.write(': keepalive\n\n');
      }, KEEPALIVE_MS);
      keepalive.unref();
      const stream: { sub?: EventSubscription } = {};
      const finish = () => {
        ended = true;
        clearInterval(keepalive);
        stream.sub?.close();
      };
      // The response's close: the client went away, or the server cut the stream.
      res.on('close', finish);
      res.on('drain', () => stream.sub?.drained());
      const open = () => {
        if (res.headersSent) return;
        res.writeHead(200, {
          'content-type': 'text/event-stream; charset=utf-8',
          'cache-control': 'no-cache, no-transform',
          connection: 'keep-alive',
          'x-accel-buffering': 'no',
        });
        // The comment tells a client the stream is open and where it starts (events after that seq).
        res.write(`retry: 2000\n: stream open${stream.sub ? ` after ${stream.sub.after}` : ''}\n\n`);
      };
      const end = (reason: 'overflow' | 'shutdown', after: number) => {
        if (!ended) {
          ended = true;
          clearInterval(keepalive);
          open();
          if (reason === 'overflow') res.write(`event: overflow\ndata: ${JSON.stringify({ after })}\n\n`);
          res.end();
        }
        // A client that reads nothing never takes the last bytes: cut it (at once when the server stops).
        if (reason === 'shutdown') {
          if (res.writableLength > 0) res.destroy();
        } else setTimeout(() => res.destroy(), LINGER_MS).unref();
      };
      try {
        stream.sub = await services.eventStreams.subscribe(
          req.tenant,
          { after: raw === undefined ? undefined : Number(raw), types },
          {
            send: (events) => {
              open();
              return res.write(events.map(frame).join(''));
            },
            end,
          },
        );
      } catch (err) {
        req.log.warn({ err }, 'event stream refused');
        if (!res.headersSent) res.writeHead(503, { 'content-type': 'application/json; charset=utf-8' });
        const message = 'The event stream is not available now';
        res.end(JSON.stringify({ status: 'failure', message, errors: [{ msg: message, code: 'UNAVAILABLE' }] }));
        return;
      }
      if (ended || res.destroyed) {
        stream.sub.close();
        return;
      }
      open();
    },
  );
}
