/**
 * The one error type of campaignd. Domain code throws AppErrors; the HTTP error handler turns
 * them into the Kore failure envelope with `status` as the HTTP status code.
 */
export class AppError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly field?: string,
    /** Extra response headers, e.g. Retry-After on 429. */
    readonly headers?: Record<string, string>,
  ) {
    super(message);
    this.name = 'AppError';
  }
}

/** Several fields are wrong at once: the first is the headline, every one is listed in the envelope. */
export class ValidationErrors extends AppError {
  constructor(readonly problems: AppError[]) {
    super(400, 'VALIDATION_ERROR', problems.map((p) => p.message).join('; '), problems[0]?.field);
  }
}

/** Catalogue of errors, so the same situation always yields the same status, code and wording. */
export const errors = {
  validation: (field: string | undefined, message: string) => new AppError(400, 'VALIDATION_ERROR', message, field),
  malformedJson: (detail: string) => new AppError(400, 'MALFORMED_JSON', `Request body is not valid JSON: ${detail}`),
  badRequest: (message: string, field?: string) => new AppError(400, 'BAD_REQUEST', message, field),
  unauthenticated: (message = 'Invalid token') => new AppError(401, 'UNAUTHORIZED', message),
  forbidden: (message: string) => new AppError(403, 'FORBIDDEN', message),
  notFound: (what: string, id: string) => new AppError(404, 'NOT_FOUND', `${what} ${id} not found`),
  campaignNotFound: (id: string) => new AppError(404, 'CAMPAIGN_NOT_FOUND', `Campaign ${id} not found`),
  contactListNotFound: (id: string) => new AppError(404, 'CONTACT_LIST_NOT_FOUND', `Contact list ${id} not found`),
  routeNotFound: (method: string, url: string) =>
    new AppError(404, 'ROUTE_NOT_FOUND', `Route ${method} ${url} not found`),
  conflict: (message: string, field?: string) => new AppError(409, 'CONFLICT', message, field),
  illegalState: (message: string) => new AppError(409, 'ILLEGAL_STATE', message),
  tooLarge: (limit: number) => new AppError(413, 'PAYLOAD_TOO_LARGE', `Request body is larger than ${limit} bytes`),
  tooManyAuthFailures: (retryAfterSec: number) =>
    new AppError(
      429,
      'TOO_MANY_AUTH_FAILURES',
      `Too many failed authentications from this address; try again in ${retryAfterSec} s`,
      undefined,
      {
        'retry-after': String(retryAfterSec),
      },
    ),
  badUrl: () => new AppError(400, 'BAD_URL', 'The URL is not valid (a malformed percent-encoding)'),
  uriTooLong: (max: number) => new AppError(414, 'URI_TOO_LONG', `A path parameter is longer than ${max} characters`),
  headersTooLarge: () => new AppError(431, 'HEADERS_TOO_LARGE', 'The request headers are too large'),
  requestTimeout: () => new AppError(408, 'REQUEST_TIMEOUT', 'The request was not received in time'),
  badHttp: () => new AppError(400, 'BAD_REQUEST', 'The request is not valid HTTP'),
  unsupportedMediaType: (type: string | undefined) =>
    new AppError(
      415,
      'UNSUPPORTED_MEDIA_TYPE',
      `Content-Type ${type ?? '(none)'} is not supported; send application/json`,
    ),
  rateLimited: (retryAfterSec: number) =>
    new AppError(
      429,
      'RATE_LIMITED',
      "You've exceeded the per-minute rate limit. Please wait for sometime before retrying.",
      undefined,
      {
        'retry-after': String(retryAfterSec),
      },
    ),
  /** A number on the account's do-not-call list: never contacted (Send Outbound SMS). */
  doNotContact: (field: string, phone: string, list: string) =>
    new AppError(
      409,
      'DO_NOT_CALL',
      `${phone} is on the account's do-not-call list '${list}'; nothing was sent`,
      field,
    ),
  /** The telephony provider refused the request, or may not have received it (`unknown`); not retried by campaignd. */
  providerRefused: (detail: string) =>
    new AppError(502, 'PROVIDER_REFUSED', `The telephony provider refused: ${detail}`),
  /** An `Idempotency-Key` header that is not one key of 1-255 printable ASCII characters (docs/kore-compatibility.md). */
  idempotencyKeyInvalid: (detail: string) =>
    new AppError(400, 'INVALID_IDEMPOTENCY_KEY', `Idempotency-Key: ${detail}`, 'Idempotency-Key'),
  /** The key was first used for another request: replaying its answer would be wrong, running this one too. */
  idempotencyKeyReused: () =>
    new AppError(
      422,
      'IDEMPOTENCY_KEY_REUSED',
      'Idempotency-Key was already used for a different request (method, path, query or body); use a new key for a new request',
      'Idempotency-Key',
    ),
  /** The first request with the key is still running (here or on another server). */
  idempotencyKeyInUse: () =>
    new AppError(
      409,
      'IDEMPOTENCY_KEY_IN_USE',
      'A request with this Idempotency-Key is still being processed; retry once it has finished',
      'Idempotency-Key',
      { 'retry-after': '1' },
    ),
  /** A 503 the client may retry, after `retryAfterSec` when given. */
  unavailable: (message: string, retryAfterSec?: number) =>
    new AppError(
      503,
      'UNAVAILABLE',
      message,
      undefined,
      retryAfterSec ? { 'retry-after': String(retryAfterSec) } : undefined,
    ),
};
