import type { FastifyReply, FastifyRequest } from 'fastify';
import type { ApiAccess, ApiClaim } from '../../domain/tenancy/api-access.js';
import { AppError, errors } from '../../shared/errors.js';
import type { ApiTenant } from '../../shared/tenant.js';
import type { AccountLimiter, RollingLimiter } from './rate-limit.js';

declare module 'fastify' {
  interface FastifyRequest {
    tenant: ApiTenant;
  }
}

/** What the request claims, read from where Kore clients put it (docs/kore-compatibility.md). */
function claimOf(req: FastifyRequest): ApiClaim {
  const token = tokenFrom(req);
  if (!token) throw errors.unauthenticated('Missing auth header with a JWT');
  const query = req.query as Record<string, unknown>;
  const fromHeader = single(req.headers.accountid);
  const fromQuery = single(query.accountId) ?? single(query.accountid);
  // v2 clients send both; two different accounts in one request is a mistake, not a choice to make for them.
  if (fromHeader !== undefined && fromQuery !== undefined && fromHeader !== fromQuery) {
    throw errors.badRequest(
      `accountId header ${fromHeader} does not match the accountId query parameter ${fromQuery}`,
      'accountId',
    );
  }
  return {
    token,
    accountId: fromHeader ?? fromQuery,
    iid: (req.params as { iid?: string }).iid ?? '',
    iidHeader: single(req.headers.iid),
  };
}

function tokenFrom(req: FastifyRequest): string | undefined {
  // A blank `auth` header (an unset Postman variable) must not hide a good Authorization header.
  const value = single(req.headers.auth) ?? single(req.headers.authorization);
  if (!value) return undefined;
  const trimmed = value.trim();
  return /^bearer\s+/i.test(trimmed) ? trimmed.replace(/^bearer\s+/i, '') : trimmed;
}

function single(v: unknown): string | undefined {
  const s = Array.isArray(v) ? v[0] : v;
  return typeof s === 'string' && s.trim() !== '' ? s.trim() : undefined;
}

/** The limits the Kore API's authentication applies (http/plugins/rate-limit.ts). */
export interface AuthLimits {
  /** Requests per account (RATE_LIMIT_PER_MINUTE): per process, or shared by every server on PostgreSQL. */
  perAccount: AccountLimiter;
  /** Failed authentications per client address (AUTH_FAILURES_PER_MINUTE), shared with the admin API. */
  failures: RollingLimiter;
}

/**
 * Counts a failed authentication against the client's address, so that guessing tokens (or
 * flooding the logs with bad ones) from one address is cut off after AUTH_FAILURES_PER_MINUTE.
 */
export function countFailure(failures: RollingLimiter, req: FastifyRequest, err: unknown): unknown {
  if (err instanceof AppError && err.status === 401) failures.record(req.ip);
  return err;
}

/** A 429 for an address over its failed authentications, checked before anything else is read. */
export function refusedAddress(failures: RollingLimiter, req: FastifyRequest): AppError | undefined {
  const wait = failures.retryAfter(req.ip);
  return wait > 0 ? errors.tooManyAuthFailures(wait) : undefined;
}

/**
 * The Kore API's onRequest hook: reads the claim, has domain/tenancy admit it (token, account,
 * scope), applies the per-account rate limit and puts the tenant on the request. A caller whose
 * token and scope are cached is admitted synchronously when the rate limit is per process (no
 * promise, no extra microtask: this runs on every API call); anyone else, or any caller when the
 * limit is counted in the database, takes the asynchronous path.
 */
export function koreAuthHook(
  access: ApiAccess,
  limits: AuthLimits,
  /** What the routes behind this hook need instead of the default (Campaign Management, accountId required). */
  route?: Pick<ApiClaim, 'scope' | 'accountFromToken'>,
) {
  const finish = (req: FastifyRequest, tenant: ApiTenant): void | Promise<void> => {
    const limited = limits.perAccount.hit(tenant.accountId);
    return limited ? limited.then(() => enter(req, tenant)) : enter(req, tenant);
  };
  const enter = (req: FastifyRequest, tenant: ApiTenant): void => {
    req.tenant = tenant;
    // Child loggers cost an allocation per request; only pay for them when info lines are written.
    if ((req.log as { isLevelEnabled?: (l: string) => boolean }).isLevelEnabled?.('info'))
      req.log = req.log.child({ accountId: tenant.accountId, iid: tenant.botId });
  };
  const fail = (req: FastifyRequest, done: (err?: Error) => void, err: unknown): void =>
    done(countFailure(limits.failures, req, err) as Error);
  return (req: FastifyRequest, _reply: FastifyReply, done: (err?: Error) => void): void => {
    const refused = refusedAddress(limits.failures, req);
    if (refused) return done(refused);
    let claim: ApiClaim;
    try {
      claim = claimOf(req);
      if (route) claim = { ...claim, ...route };
      const cached = access.admitCached(claim);
      if (cached) {
        const pending = finish(req, cached);
        if (!pending) return done();
        return void pending.then(
          () => done(),
          (err: unknown) => fail(req, done, err),
        );
      }
    } catch (err) {
      return fail(req, done, err);
    }
    access
      .admit(claim)
      .then((tenant) => finish(req, tenant))
      .then(
        () => done(),
        (err: unknown) => fail(req, done, err),
      );
  };
}
