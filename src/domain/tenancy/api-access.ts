import { BoundedCache } from '../../shared/bounded-cache.js';
import type { Clock } from '../../shared/clock.js';
import { errors } from '../../shared/errors.js';
import type { ApiTenant } from '../../shared/tenant.js';
import { CAMPAIGN_SCOPE, OUTBOUND_SMS_SCOPE, type TenancyRepo } from '../../storage/repos/tenancy-repo.js';
import { decodeHs256, verifySignature } from './jwt.js';

/** What a Kore API request claims: its token, its account (header or query), the bot in its path. */
export interface ApiClaim {
  token: string;
  accountId: string | undefined;
  iid: string;
  /** The optional `iid` header, which must match the path. */
  iidHeader: string | undefined;
  /** The scope the route needs. Default: Campaign Management. */
  scope?: ApiScope;
  /**
   * The account may be left out and is then the app's own (Send Outbound SMS documents only the
   * `auth` header); one that is given must still be the app's. Default false: it is required.
   */
  accountFromToken?: boolean;
}

export { CAMPAIGN_SCOPE, OUTBOUND_SMS_SCOPE };

/** Kore scopes an app may hold on a bot, by their stored names. */
export type ApiScope = typeof CAMPAIGN_SCOPE | typeof OUTBOUND_SMS_SCOPE;
/** How a scope is named to people (messages, the admin API's answers). */
export const SCOPE_LABEL: Record<ApiScope, string> = {
  [CAMPAIGN_SCOPE]: 'Campaign Management',
  [OUTBOUND_SMS_SCOPE]: 'Outbound SMS',
};

/** Verified tokens are reused until they expire, at most this long, so a request skips the HMAC. */
const TOKEN_CACHE_MS = 5 * 60_000;
/** Scope decisions are reused this long; grants made by the CLI in another process show up within it. */
const SCOPE_CACHE_MS = 5_000;
const CACHE_MAX = 10_000;

interface VerifiedToken {
  appId: string;
  accountId: string;
}

interface ScopeDecision {
  ok: boolean;
  country: string;
}

type Admitted = ApiClaim & { accountId: string };

/**
 * Who may call the Kore API for which bot (docs/kore-compatibility.md): an HS256 JWT `{appId}` signed with the
 * app's secret, the account it belongs to, and the app's scope on the bot in the path (Campaign
 * Management, or Outbound SMS for Send Outbound SMS). Verified tokens and scope decisions are cached (bounded), so a repeated caller is admitted
 * without a database read or an HMAC: `admitCached` answers synchronously (this runs on every API
 * call), `admit` reads what it must. Both check in the same order, so both answer alike.
 */
export class ApiAccess {
  private readonly tokens: BoundedCache<string, VerifiedToken>;
  private readonly scopes: BoundedCache<string, ScopeDecision>;

  constructor(
    private readonly repo: TenancyRepo,
    private readonly clock: Clock,
  ) {
    const now = () => clock.now();
    this.tokens = new BoundedCache(CACHE_MAX, now);
    this.scopes = new BoundedCache(CACHE_MAX, now);
  }

  /** The tenant when both the token and the scope decision are cached; undefined when `admit` must read. Throws what `admit` would for a bad claim. */
  admitCached(given: ApiClaim): ApiTenant | undefined {
    const token = this.tokens.get(given.token);
    if (!token) return undefined;
    const claim = this.checkClaim(given, token);
    const scope = this.scopes.get(scopeKey(token.appId, claim.iid, claim.accountId, claim.scope));
    return scope ? this.tenantOf(claim, token, scope) : undefined;
  }

  async admit(given: ApiClaim): Promise<ApiTenant> {
    const token = await this.verify(given.token);
    const claim = this.checkClaim(given, token);
    return this.tenantOf(claim, token, await this.scopeOf(token.appId, claim.iid, claim.accountId, claim.scope));
  }

  /** The checks after the token; the claim with its account (the app's own where the route lets it be left out). */
  private checkClaim(given: ApiClaim, token: VerifiedToken): Admitted {
    // A new object only on the route that allows it: this runs on every API call.
    const claim = !given.accountId && given.accountFromToken ? { ...given, accountId: token.accountId } : given;
    if (!claim.accountId)
      throw errors.badRequest('accountId is required (accountId header or query parameter)', 'accountId');
    if (claim.iidHeader !== undefined && claim.iidHeader !== claim.iid) {
      throw errors.badRequest(`iid header ${claim.iidHeader} does not match the path id ${claim.iid}`, 'iid');
    }
    if (token.accountId !== claim.accountId)
      throw errors.forbidden(`App ${token.appId} is not authorised for account ${claim.accountId}`);
    return claim as Admitted;
  }

  private tenantOf(claim: Admitted, token: VerifiedToken, scope: ScopeDecision): ApiTenant {
    if (!scope.ok)
      throw errors.forbidden(
        `App ${token.appId} has no ${SCOPE_LABEL[claim.scope ?? CAMPAIGN_SCOPE]} scope for bot ${claim.iid} in account ${claim.accountId}`,
      );
    return { accountId: claim.accountId, botId: claim.iid, appId: token.appId, defaultCountry: scope.country };
  }

  private async verify(token: string): Promise<VerifiedToken> {
    const cached = this.tokens.get(token);
    if (cached) return cached;
    const now = this.clock.now();
    const decoded = decodeHs256(token);
    if (!decoded.ok) throw errors.unauthenticated(`Invalid token: ${decoded.reason}`);
    const { claims } = decoded;
    const app = await this.repo.findApp(claims.appId);
    // An unknown app and a bad signature answer alike, so app ids cannot be probed.
    if (!app || !verifySignature(decoded.signingInput, decoded.signature, app.secret)) {
      throw errors.unauthenticated('Invalid token: signature does not verify');
    }
    const nowSec = now / 1000;
    if (claims.exp !== undefined && claims.exp <= nowSec)
      throw errors.unauthenticated('Invalid token: token has expired');
    if (claims.nbf !== undefined && claims.nbf > nowSec)
      throw errors.unauthenticated('Invalid token: token is not valid yet (nbf)');
    const verified = { appId: app.id, accountId: app.account_id };
    if (app.enforce_jti === 1) {
      if (!claims.jti) throw errors.unauthenticated('Invalid token: this app requires a jti claim');
      if (claims.exp === undefined || claims.iat === undefined || claims.exp - claims.iat > 3600) {
        throw errors.unauthenticated('Invalid token: this app requires iat and exp at most 1 hour apart');
      }
      if (!(await this.repo.useJti(app.id, claims.jti, claims.exp * 1000, now))) {
        throw errors.unauthenticated('Invalid token: jti has already been used');
      }
      // Never cached: every request of a jti app must present a fresh token.
      return verified;
    }
    this.tokens.set(
      token,
      verified,
      Math.min(TOKEN_CACHE_MS, claims.exp !== undefined ? claims.exp * 1000 - now : Infinity),
    );
    return verified;
  }

  private async scopeOf(
    appId: string,
    botId: string,
    accountId: string,
    scope: ApiScope = CAMPAIGN_SCOPE,
  ): Promise<ScopeDecision> {
    const key = scopeKey(appId, botId, accountId, scope);
    const cached = this.scopes.get(key);
    if (cached) return cached;
    const [bot, scoped] = await Promise.all([this.repo.findBot(botId), this.repo.hasScope(appId, botId, scope)]);
    const decision = { ok: !!bot && bot.account_id === accountId && scoped, country: bot?.default_country ?? 'US' };
    this.scopes.set(key, decision, SCOPE_CACHE_MS);
    return decision;
  }
}

const scopeKey = (appId: string, botId: string, accountId: string | undefined, scope: ApiScope = CAMPAIGN_SCOPE) =>
  `${appId}\u0000${botId}\u0000${accountId ?? ''}\u0000${scope}`;
