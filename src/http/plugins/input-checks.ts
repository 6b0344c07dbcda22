import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { errors } from '../../shared/errors.js';
import { textProblem } from '../../shared/text.js';

/** No endpoint takes JSON nested deeper than a few levels; much deeper is an attack on whoever walks it. */
const MAX_DEPTH = 32;

/** `parent.key` / `parent[3]`, as validation messages name fields. */
const child = (parent: string, key: string | number) =>
  typeof key === 'number' ? `${parent}[${key}]` : parent ? `${parent}.${key}` : key;

/** A stream (a CSV upload) or raw bytes: read elsewhere, not walked. */
const isOpaque = (v: object): boolean => ArrayBuffer.isView(v) || typeof (v as { pipe?: unknown }).pipe === 'function';

/**
 * The first string in `value` — keys of objects included, depth first — that shared/text.ts
 * refuses, as a 400 naming its field; too deep a nesting is refused the same way. Streams (a CSV
 * upload) and raw bytes are not walked. (Fastify's params object is not a plain object: any other
 * object is walked by its own enumerable keys.)
 */
export function checkStrings(value: unknown, at: string, depth = 0): void {
  const field = at || 'body';
  if (typeof value === 'string') {
    const problem = textProblem(value);
    if (problem) throw errors.validation(field, `${field}: ${problem}`);
    return;
  }
  if (value === null || typeof value !== 'object') return;
  if (depth >= MAX_DEPTH) throw errors.validation(field, `${field}: is nested more than ${MAX_DEPTH} levels deep`);
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) checkStrings(value[i], child(at, i), depth + 1);
    return;
  }
  if (isOpaque(value)) return;
  for (const [key, v] of Object.entries(value)) {
    const problem = textProblem(key);
    if (problem) throw errors.validation(field, `${field}: a field name ${problem}`);
    checkStrings(v, child(at, key), depth + 1);
  }
}

/**
 * The query string's percent-encoding must decode: Fastify's query parser keeps a component it
 * cannot decode (`%ED%A0%80`, a lone surrogate's bytes; a bare `%`) as the raw text, which would
 * then pass for what the client never meant. The path's is checked by routing (400 BAD_URL).
 */
function checkQueryEncoding(url: string): void {
  const q = url.indexOf('?');
  if (q < 0 || url.indexOf('%', q) < 0) return;
  try {
    decodeURIComponent(url.slice(q + 1));
  } catch {
    throw errors.badUrl();
  }
}

/**
 * Refuses text no endpoint can store or compare (a NUL, a lone surrogate) wherever a request carries
 * it, before anything reads it: path and query before authentication (which looks them up), the
 * body once parsed, before schema validation. Every endpoint gets the same rule and the same 400.
 */
export function registerInputChecks(app: FastifyInstance): void {
  // Callback hooks, not async ones: this runs on every request, and a promise each costs.
  app.addHook('onRequest', (req: FastifyRequest, _reply: FastifyReply, done: (err?: Error) => void) => {
    try {
      checkQueryEncoding(req.raw.url ?? '');
      checkStrings(req.params, '');
      checkStrings(req.query, '');
    } catch (err) {
      return done(err as Error);
    }
    done();
  });
  app.addHook('preValidation', (req: FastifyRequest, _reply: FastifyReply, done: (err?: Error) => void) => {
    try {
      checkStrings(req.body, '');
    } catch (err) {
      return done(err as Error);
    }
    done();
  });
}
