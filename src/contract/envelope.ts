import type { TSchema } from '@sinclair/typebox';
import { Type } from '@sinclair/typebox';

/** The failure envelope of every error response (docs/kore-compatibility.md, envelopes and errors). */
export const ErrorEnvelope = Type.Object(
  {
    status: Type.Literal('failure'),
    message: Type.String(),
    errors: Type.Array(
      Type.Object({
        msg: Type.String(),
        code: Type.String(),
        field: Type.Optional(Type.String()),
      }),
    ),
  },
  { $id: 'ErrorEnvelope', description: 'Every failure: HTTP status equals the error status.' },
);

const errorRef = Type.Ref('ErrorEnvelope');

/** Adds the standard error responses to a route's response map. */
export function withErrors<T extends Record<number, TSchema>>(
  ok: T,
): T & Record<400 | 401 | 403 | 404 | 409 | 413 | 415 | 429, TSchema> {
  return {
    ...ok,
    400: errorRef,
    401: errorRef,
    403: errorRef,
    404: errorRef,
    409: errorRef,
    413: errorRef,
    415: errorRef,
    429: errorRef,
  };
}

/** `{ status: "success", message, data }`. */
export const Success = <T extends TSchema>(data: T, extra: Record<string, TSchema> = {}) =>
  Type.Object({ status: Type.Literal('success'), message: Type.String(), ...extra, data });

/** Paging meta of Kore list responses (skip, limit, hasMore, totalPages, totalResults). */
export const PageMeta = {
  skip: Type.Integer(),
  limit: Type.Integer(),
  hasMore: Type.Boolean(),
  totalPages: Type.Integer(),
  totalResults: Type.Integer(),
};
