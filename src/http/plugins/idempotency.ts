import { Type, type TSchema } from '@sinclair/typebox';
import type { FastifyInstance, FastifyReply, FastifyRequest, RouteOptions } from 'fastify';
import type { IdempotencyClaim, IdempotencyService } from '../../domain/idempotency/idempotency-service.js';
import { errors } from '../../shared/errors.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The route honours `Idempotency-Key` (registerIdempotency). */
    idempotent?: boolean;
  }
}

/** A route's `config` that turns `Idempotency-Key` on for it. */
export const IDEMPOTENT = { idempotent: true } as const;

/** Marks an answer replayed from the first request with the key. */
export const REPLAYED_HEADER = 'idempotency-replayed';

const MAX_KEY_LENGTH = 255;

/**
 * The key of an `Idempotency-Key` header: a Structured Fields string (`"…"`, printable ASCII, `\"` and
 * `\\` escaped) as draft-ietf-httpapi-idempotency-key-header defines it, or the same characters unquoted
 * (visible ASCII other than `"`, `\`, `,` and `;`), which most clients send. Throws a 400 otherwise.
 */
export function parseIdempotencyKey(raw: string | string[]): string {
  // Node joins repeated headers with ", ", which neither form below admits.
  if (Array.isArray(raw)) throw errors.idempotencyKeyInvalid('send one key, not several headers');
  const value = raw.trim();
  let key: string;
  if (value.startsWith('"')) {
    const m = /^"((?:[\x20\x21\x23-\x5b\x5d-\x7e]|\\["\\])*)"$/.exec(value);
    if (!m) throw errors.idempotencyKeyInvalid('a quoted key holds printable ASCII only, with \\" and \\\\ escaped');
    key = m[1]!.replace(/\\(["\\])/g, '$1');
  } else {
    if (!/^[\x21\x23-\x2b\x2d-\x3a\x3c-\x5b\x5d-\x7e]*$/.test(value))
      throw errors.idempotencyKeyInvalid('a key is printable ASCII without spaces (or a quoted string)');
    key = value;
  }
  if (key.length === 0) throw errors.idempotencyKeyInvalid('the key is empty');
  if (key.length > MAX_KEY_LENGTH) throw errors.idempotencyKeyInvalid(`the key is longer than ${MAX_KEY_LENGTH}`);
  return key;
}

/** Query parameters that say whose request it is, not what it asks: the key is already the account's. */
function withoutAccount(query: unknown): unknown {
  if (!query || typeof query !== 'object') return query;
  const { accountId: _a, accountid: _b, ...rest } = query as Record<string, unknown>;
  return rest;
}

const asArray = <T>(v: T | T[] | undefined): T[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

const KEY_DESCRIPTION =
  'campaignd extension (docs/kore-compatibility.md): a retry with the same key and the same request replays the first answer, marked `Idempotency-Replayed: true`, for 24 h; the same key with another request is 422, while the first still runs 409. 1-255 printable ASCII characters, quoted or not.';

/** The route's OpenAPI: the header, and the 422 it may answer. */
function documented(schema: RouteOptions['schema']): RouteOptions['schema'] {
  const s = (schema ?? {}) as Record<string, unknown>;
  const headers = (s.headers as { properties?: Record<string, TSchema> } | undefined)?.properties ?? {};
  return {
    ...s,
    headers: Type.Object({
      ...headers,
      'idempotency-key': Type.Optional(Type.String({ description: KEY_DESCRIPTION })),
    }),
    response: { ...(s.response as object | undefined), 422: Type.Ref('ErrorEnvelope') },
  };
}

/**
 * `Idempotency-Key` on the routes whose config says `idempotent` (docs/kore-compatibility.md, "Idempotent
 * requests"). After authentication (the key is the account's), the preHandler claims the key or replays
 * the stored answer; onSend stores a final answer (2xx-4xx) or releases the key on a 5xx, so a retry runs
 * again. A request without the header pays one property read.
 */
export function registerIdempotency(app: FastifyInstance, service: IdempotencyService): void {
  const claims = new WeakMap<FastifyRequest, IdempotencyClaim>();

  const preHandler = async (req: FastifyRequest, reply: FastifyReply): Promise<FastifyReply | undefined> => {
    const raw = req.headers['idempotency-key'];
    if (raw === undefined) return undefined;
    const key = parseIdempotencyKey(raw);
    const begun = await service.begin(req.tenant.accountId, key, {
      method: req.method,
      route: req.routeOptions.url ?? req.url,
      params: req.params,
      query: withoutAccount(req.query),
      body: req.body,
    });
    if (begun.run) {
      claims.set(req, begun.run);
      return undefined;
    }
    const { status, contentType, body } = begun.replay;
    void reply.code(status).header(REPLAYED_HEADER, 'true');
    if (contentType) void reply.type(contentType);
    return reply.send(body);
  };

  const onSend = async (req: FastifyRequest, reply: FastifyReply, payload: unknown): Promise<unknown> => {
    const claim = claims.get(req);
    if (!claim) return payload;
    claims.delete(req);
    const status = reply.statusCode;
    try {
      if (status >= 500 || (typeof payload !== 'string' && !Buffer.isBuffer(payload))) await service.release(claim);
      else {
        const type = reply.getHeader('content-type');
        await service.complete(claim, {
          status,
          contentType: typeof type === 'string' ? type : null,
          body: String(payload),
        });
      }
    } catch (err) {
      // The change is made and its answer is on its way: failing it now would invite the retry that
      // the key is there to make harmless. A key left running is taken over once stale.
      req.log.error({ err }, 'idempotency key not recorded');
    }
    return payload;
  };

  // A request that never reached onSend (no answer at all) must not hold its key until it goes stale.
  const onResponse = async (req: FastifyRequest): Promise<void> => {
    const claim = claims.get(req);
    if (!claim) return;
    claims.delete(req);
    await service.release(claim).catch((err: unknown) => req.log.error({ err }, 'idempotency key not released'));
  };

  app.addHook('onRoute', (route) => {
    if (!route.config?.idempotent) return;
    route.preHandler = [...asArray(route.preHandler), preHandler];
    route.onSend = [...asArray(route.onSend), onSend];
    route.onResponse = [...asArray(route.onResponse), onResponse];
    route.schema = documented(route.schema);
  });
}
