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

/** Maps whatever was thrown to an AppError; anything unexpected becomes a logged 500. */
export function toAppError(err: FastifyError | AppError | Error, req: FastifyRequest): AppError {
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
  req.log.error({ err }, 'unhandled error');
  return new AppError(500, 'INTERNAL_ERROR', 'Internal server error');
}

export function registerErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((err: FastifyError, req: FastifyRequest, reply: FastifyReply) => {
    const e = toAppError(err, req);
    if (e.headers) void reply.headers(e.headers);
    void reply.code(e.status).type('application/json; charset=utf-8').send(envelope(e));
  });
  app.setNotFoundHandler((req, reply) => {
    const e = errors.routeNotFound(req.method, req.url.split('?')[0] ?? req.url);
    void reply.code(404).type('application/json; charset=utf-8').send(envelope(e));
  });
}
