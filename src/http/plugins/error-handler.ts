import { STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { AppError, errors, ValidationErrors } from '../../shared/errors.js';

type Envelope = { status: 'failure'; message: string; errors: { msg: string; code: string; field?: string }[] };

function envelope(err: AppError): Envelope {
  const list = err instanceof ValidationErrors ? err.problems : [err];
  return {
    status: 'failure',
    message: err.message,
    errors: list.map((e) =>
      e.field ? { msg: e.message, code: e.code, field: e.field } : { msg: e.message, code: e.code },
    ),
  };
}

/** `/dialingStrategy/maxRingTime` → `dialingStrategy.maxRingTime`, `/days/0/day` → `days[0].day`. */
function fieldOf(instancePath: string, missing?: string): string | undefined {
  const parts = instancePath.split('/').filter(Boolean);
  if (missing) parts.push(missing);
  if (parts.length === 0) return undefined;
  return parts.reduce((acc, p) => (/^\d+$/.test(p) ? `${acc}[${p}]` : acc ? `${acc}.${p}` : p), '');
}

/** Recognises a database that cannot serve now (storage/db-errors.ts), as the 503 to answer. */
export type UnavailableCheck = (err: unknown) => AppError | undefined;

/**
 * Maps whatever was thrown to an AppError. A database that cannot serve is a logged 503 with
 * Retry-After; anything else unexpected a logged 500. Neither shows internals to the client.
 */
export function toAppError(
  err: FastifyError | AppError | Error,
  req: FastifyRequest,
  unavailable: UnavailableCheck,
): AppError {
  if (err instanceof AppError) return err;
  const fe = err as FastifyError & {
    validation?: { instancePath: string; message?: string; params?: Record<string, unknown> }[];
    validationContext?: string;
  };
  if (fe.validation && fe.validation.length > 0) {
    const v = fe.validation[0]!;
    const missing = typeof v.params?.missingProperty === 'string' ? v.params.missingProperty : undefined;
    const field = fieldOf(v.instancePath, missing) ?? fe.validationContext ?? 'body';
    const what = missing ? 'is required' : (v.message ?? 'is invalid');
    return errors.validation(field, `${field}: ${what}`);
  }
  switch (fe.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return errors.tooLarge(req.routeOptions.bodyLimit ?? 0);
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return errors.unsupportedMediaType(req.headers['content-type']);
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return errors.badRequest(fe.message);
  }
  if (err instanceof SyntaxError || fe.code === 'FST_ERR_CTP_INVALID_TYPE') return errors.malformedJson(err.message);
  if (typeof fe.statusCode === 'number' && fe.statusCode >= 400 && fe.statusCode < 500) {
    return new AppError(fe.statusCode, fe.code ?? 'BAD_REQUEST', fe.message);
  }
  const down = unavailable(err);
  if (down) {
    req.log.error({ err }, 'database unavailable');
    return down;
  }
  req.log.error({ err }, 'unhandled error');
  return new AppError(500, 'INTERNAL_ERROR', 'Internal server error');
}

function send(reply: FastifyReply, e: AppError): void {
  if (e.headers) void reply.headers(e.headers);
  void reply.code(e.status).type('application/json; charset=utf-8').send(envelope(e));
}

export function registerErrorHandling(app: FastifyInstance, unavailable: UnavailableCheck): void {
  app.setErrorHandler((err: FastifyError, req: FastifyRequest, reply: FastifyReply) => {
    const e = toAppError(err, req, unavailable);
    // The body of a request refused for its size is read and dropped rather than the connection
    // closed under a client still sending it (which then never reads the 413): Node discards the
    // rest of a request whose reply is sent, within REQUEST_TIMEOUT_MS.
    if (e.status === 413) reply.removeHeader('connection');
    send(reply, e);
  });
  app.setNotFoundHandler((req, reply) =>
    send(reply, errors.routeNotFound(req.method, req.url.split('?')[0] ?? req.url)),
  );
}

/** Fastify's `frameworkErrors`: what routing itself refuses (bad percent-encoding, a too-long path parameter), in the envelope. */
export function frameworkErrors(maxParamLength: number) {
  return (err: FastifyError, _req: FastifyRequest, reply: FastifyReply): void =>
    send(reply, err.code === 'FST_ERR_MAX_PARAM_LENGTH' ? errors.uriTooLong(maxParamLength) : errors.badUrl());
}

/**
 * Fastify's `clientErrorHandler`: requests Node's HTTP parser refuses before any route sees them
 * (headers over the limit, a request not received in time, bytes that are not HTTP), answered in
 * the envelope like every other failure, then the connection is closed.
 */
export function clientErrorHandler(err: NodeJS.ErrnoException, socket: Duplex): void {
  if (err.code === 'ECONNRESET' || socket.destroyed) return;
  const e =
    err.code === 'HPE_HEADER_OVERFLOW'
      ? errors.headersTooLarge()
      : err.code === 'ERR_HTTP_REQUEST_TIMEOUT'
        ? errors.requestTimeout()
        : errors.badHttp();
  const body = JSON.stringify(envelope(e));
  if (socket.writable) {
    socket.write(
      `HTTP/1.1 ${e.status} ${STATUS_CODES[e.status]}\r\nContent-Type: application/json; charset=utf-8\r\n` +
        `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    );
  }
  socket.destroy();
}
