import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

/**
 * A request refused before its body was read (401, 413, 429, …) keeps its connection while Node
 * reads and drops the rest of the body, so that a client still sending gets to read the answer
 * instead of a broken pipe. That must not become a way to hold connections: a body still not
 * complete `lingerMs` after the answer has its connection closed.
 */
export function registerLingerLimit(app: FastifyInstance, lingerMs: number): void {
  app.addHook('onResponse', (req: FastifyRequest, reply: FastifyReply, done: () => void) => {
    const raw = req.raw;
    if (reply.statusCode >= 400 && !raw.complete) {
      const timer = setTimeout(() => {
        // (An injected request's socket is a stand-in without destroy.)
        if (!raw.complete && typeof raw.socket?.destroy === 'function') raw.socket.destroy();
      }, lingerMs);
      timer.unref();
      raw.once('end', () => clearTimeout(timer));
    }
    done();
  });
}
