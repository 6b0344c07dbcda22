import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Clock } from '../../clock.js';
import { errors } from '../../domain/errors.js';
import { decodeHs256, verifySignature } from '../../domain/tenancy/jwt.js';
import type { Tenant } from '../../storage/repos/campaigns-repo.js';
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
  private readonly scopes = new Map<string, { ok: boolean; country: string; until: number }>();

  constructor(
    private readonly repo: TenancyRepo,
    private readonly clock: Clock,
    private readonly limiter: AccountRateLimiter,
  ) {}

  readonly hook = async (req: FastifyRequest, _reply: FastifyReply): Promise<void> => {
    const params = req.params as { iid?: string };
    const iid = params.iid ?? '';
    const token = tokenFrom(req);
    if (!token) throw errors.unauthenticated('Missing auth header with a JWT');
    const query = req.query as Record<string, unknown>;
    const accountId = single(req.headers.accountid) ?? single(query.accountId) ?? single(query.accountid);
    const iidHeader = single(req.headers.iid);
    const app = await this.verify(token);
    if (!accountId) throw errors.badRequest('accountId is required (accountId header or query parameter)', 'accountId');
    if (iidHeader !== undefined && iidHeader !== iid) {
      throw errors.badRequest(`iid header ${iidHeader} does not match the path id ${iid}`, 'iid');
    }
    if (app.accountId !== accountId) throw errors.forbidden(`App ${app.appId} is not authorised for account ${accountId}`);
    const country = await this.checkScope(app.appId, iid, accountId);
    this.limiter.hit(accountId);
    req.tenant = { accountId, botId: iid, appId: app.appId, defaultCountry: country };
    // Child loggers cost an allocation per request; only pay for them when info lines are written.
    if ((req.log as { isLevelEnabled?: (l: string) => boolean }).isLevelEnabled?.('info')) req.log = req.log.child({ accountId, iid });
  };

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

  private async checkScope(appId: string, botId: string, accountId: string): Promise<string> {
    const key = `${appId}\u0000${botId}\u0000${accountId}`;
    const now = this.clock.now();
    let entry = this.scopes.get(key);
    if (!entry || entry.until <= now) {
      const [bot, scoped] = await Promise.all([this.repo.findBot(botId), this.repo.hasScope(appId, botId, CAMPAIGN_SCOPE)]);
      entry = { ok: !!bot && bot.account_id === accountId && scoped, country: bot?.default_country ?? 'US', until: now + SCOPE_CACHE_MS };
      if (this.scopes.size >= CACHE_MAX) this.scopes.clear();
      this.scopes.set(key, entry);
    }
    if (!entry.ok) throw errors.forbidden(`App ${appId} has no Campaign Management scope for bot ${botId} in account ${accountId}`);
    return entry.country;
  }
}
