import type { FastifyInstance } from 'fastify';
import { errors } from '../../shared/errors.js';

/**
 * JSON bodies, tolerant of what the Kore samples make clients send:
 * - an empty body with `Content-Type: application/json` (start/stop/status samples) is "no body";
 * - `curl --data '{...}'` without a Content-Type arrives as form-urlencoded or text/plain: if it
 *   looks like JSON it is read as JSON, otherwise it is a 415.
 * Prototype-poisoning keys (`__proto__`, `constructor.prototype`) are rejected by Fastify's parser.
 */
export function registerBodyParsers(app: FastifyInstance): void {
  const defaultJson = app.getDefaultJsonParser('error', 'error');
  const parse = (
    req: Parameters<typeof defaultJson>[0],
    body: string,
    done: (err: Error | null, body?: unknown) => void,
  ) => {
    if (body.trim() === '') return done(null, undefined);
    defaultJson(req, body, (err, value) => (err ? done(errors.malformedJson(err.message)) : done(null, value)));
  };
  app.removeContentTypeParser(['application/json', 'text/plain']);
  app.addContentTypeParser('application/json', { parseAs: 'string' }, parse);
  app.addContentTypeParser(/^application\/[\w.+-]+\+json$/, { parseAs: 'string' }, parse);
  app.addContentTypeParser(
    ['application/x-www-form-urlencoded', 'text/plain'],
    { parseAs: 'string' },
    (req, body, done) => {
      const s = (body as string).trim();
      if (s === '') return done(null, undefined);
      if (s.startsWith('{') || s.startsWith('[')) return parse(req, s, done);
      done(errors.unsupportedMediaType(req.headers['content-type']));
    },
  );
}
