import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Clock } from '../../shared/clock.js';
import { errors } from '../../shared/errors.js';
import { decodeHs256, verifySignature } from '../../domain/tenancy/jwt.js';

import type { Tenant } from '../../shared/tenant.js';
import { CAMPAIGN_SCOPE, type TenancyRepo } from '../../storage/repos/tenancy-repo.js';
import type { AccountRateLimiter } from './rate-limit.js';

export interface RequestTenant extends Tenant {
  appId: string;
  /** ISO country for reading numbers without `+`. */
  defaultCountry: string;
}

declare module 'fastify' {
  interface FastifyRequest {
    tenant: RequestTenant;
  }
}

/** Verified tokens are reused until they expire, at most this long, so a request skips the HMAC. */
const TOKEN_CACHE_MS = 5 * 60_000;
/** Scope decisions are reused this long; grants made by the CLI in another process show up within it. */
const SCOPE_CACHE_MS = 5_000;
const CACHE_MAX = 10_000;

interface ScopeDecision {
  ok: boolean;
  country: string;
  until: number;
}

/** What a request claims: its token, its account (header or query), the bot in its path. */
interface Claim {
  token: string;
  accountId: string | undefined;
  iid: string;
  iidHeader: string | undefined;
}

function claimOf(req: FastifyRequest): Claim {
  const token = tokenFrom(req);
  if (!token) throw errors.unauthenticated('Missing auth header with a JWT');
  const query = req.query as Record<string, unknown>;
  const fromHeader = single(req.headers.accountid);
  const fromQuery = single(query.accountId) ?? single(query.accountid);
  // v2 clients send both; two different accounts in one request is a mistake, not a choice to make for them.
  if (fromHeader !== undefined && fromQuery !== undefined && fromHeader !== fromQuery) {
    throw errors.badRequest(`accountId header ${fromHeader} does not match the accountId query parameter ${fromQuery}`, 'accountId');
  }
  return {
    token,
    accountId: fromHeader ?? fromQuery,
    iid: (req.params as { iid?: string }).iid ?? '',
    iidHeader: single(req.headers.iid),
  };
}

const scopeKey = (appId: string, botId: string, accountId: string) => `${appId}\u0000${botId}\u0000${accountId}`;

interface CachedToken {
  appId: string;
  accountId: string;
  until: number;
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

/**
 * Authenticates a Kore API request (`auth` JWT, HS256, per-app secret), resolves the tenant
 * (accountId from header or query, bot from the path) and applies the per-account rate limit.
 */
export class KoreAuthenticator {
  private readonly tokens = new Map<string, CachedToken>();
  private readonly scopes = new Map<string, ScopeDecision>();

  constructor(
    private readonly repo: TenancyRepo,
    private readonly clock: Clock,
    private readonly limiter: AccountRateLimiter,
  ) {}

  /**
   * The onRequest hook. A request whose token and scope decision are cached is admitted
   * synchronously (no promise, no extra microtask: this runs on every API call); anything else
   * takes the asynchronous path that reads the database.
   */
  readonly hook = (req: FastifyRequest, _reply: FastifyReply, done: (err?: Error) => void): void => {
    let admitted: boolean;
    try {
      admitted = this.admitCached(req);
    } catch (err) {
      return done(err as Error);
    }
    if (admitted) return done();
    this.admit(req).then(() => done(), done);
  };

  private admitCached(req: FastifyRequest): boolean {
    const claim = claimOf(req);
    const cached = this.tokens.get(claim.token);
    if (!cached || cached.until <= this.clock.now()) return false;
    this.checkClaim(claim, cached);
    const scope = this.scopes.get(scopeKey(cached.appId, claim.iid, claim.accountId));
    if (!scope || scope.until <= this.clock.now()) return false;
    this.finish(req, claim, cached, scope);
    return true;
  }

  private async admit(req: FastifyRequest): Promise<void> {
    const claim = claimOf(req);
    const app = await this.verify(claim.token);
    this.checkClaim(claim, app);
    this.finish(req, claim, app, await this.scopeOf(app.appId, claim.iid, claim.accountId));
  }

  /** The checks after the token, in one order for both paths, so both answer alike. */
  private checkClaim(claim: Claim, app: CachedToken): asserts claim is Claim & { accountId: string } {
    if (!claim.accountId) throw errors.badRequest('accountId is required (accountId header or query parameter)', 'accountId');
    if (claim.iidHeader !== undefined && claim.iidHeader !== claim.iid) {
      throw errors.badRequest(`iid header ${claim.iidHeader} does not match the path id ${claim.iid}`, 'iid');
    }
    if (app.accountId !== claim.accountId) throw errors.forbidden(`App ${app.appId} is not authorised for account ${claim.accountId}`);
  }

  private finish(req: FastifyRequest, claim: Claim & { accountId: string }, app: CachedToken, scope: ScopeDecision): void {
    if (!scope.ok) throw errors.forbidden(`App ${app.appId} has no Campaign Management scope for bot ${claim.iid} in account ${claim.accountId}`);
    this.limiter.hit(claim.accountId);
    req.tenant = { accountId: claim.accountId, botId: claim.iid, appId: app.appId, defaultCountry: scope.country };
    // Child loggers cost an allocation per request; only pay for them when info lines are written.
    if ((req.log as { isLevelEnabled?: (l: string) => boolean }).isLevelEnabled?.('info')) req.log = req.log.child({ accountId: claim.accountId, iid: claim.iid });
  }

  private async verify(token: string): Promise<CachedToken> {
    const now = this.clock.now();
    const cached = this.tokens.get(token);
    if (cached && cached.until > now) return cached;
    const decoded = decodeHs256(token);
    if (!decoded.ok) throw errors.unauthenticated(`Invalid token: ${decoded.reason}`);
    const { claims } = decoded;
    const app = await this.repo.findApp(claims.appId);
    // An unknown app and a bad signature answer alike, so app ids cannot be probed.
    if (!app || !verifySignature(decoded.signingInput, decoded.signature, app.secret)) {
      throw errors.unauthenticated('Invalid token: signature does not verify');
    }
    const nowSec = now / 1000;
    if (claims.exp !== undefined && claims.exp <= nowSec) throw errors.unauthenticated('Invalid token: token has expired');
    if (claims.nbf !== undefined && claims.nbf > nowSec) throw errors.unauthenticated('Invalid token: token is not valid yet (nbf)');
    if (app.enforce_jti === 1) {
      if (!claims.jti) throw errors.unauthenticated('Invalid token: this app requires a jti claim');
      if (claims.exp === undefined || claims.iat === undefined || claims.exp - claims.iat > 3600) {
        throw errors.unauthenticated('Invalid token: this app requires iat and exp at most 1 hour apart');
      }
      if (!(await this.repo.useJti(app.id, claims.jti, claims.exp * 1000, now))) {
        throw errors.unauthenticated('Invalid token: jti has already been used');
      }
      // Never cached: every request of a jti app must present a fresh token.
      return { appId: app.id, accountId: app.account_id, until: 0 };
    }
    const until = Math.min(now + TOKEN_CACHE_MS, claims.exp !== undefined ? claims.exp * 1000 : Infinity);
    if (this.tokens.size >= CACHE_MAX) this.tokens.clear();
    const entry = { appId: app.id, accountId: app.account_id, until };
    this.tokens.set(token, entry);
    return entry;
  }

  private async scopeOf(appId: string, botId: string, accountId: string): Promise<ScopeDecision> {
    const key = scopeKey(appId, botId, accountId);
    const now = this.clock.now();
    let entry = this.scopes.get(key);
    if (!entry || entry.until <= now) {
      const [bot, scoped] = await Promise.all([this.repo.findBot(botId), this.repo.hasScope(appId, botId, CAMPAIGN_SCOPE)]);
      entry = { ok: !!bot && bot.account_id === accountId && scoped, country: bot?.default_country ?? 'US', until: now + SCOPE_CACHE_MS };
      if (this.scopes.size >= CACHE_MAX) this.scopes.clear();
      this.scopes.set(key, entry);
    }
    return entry;
  }

}
