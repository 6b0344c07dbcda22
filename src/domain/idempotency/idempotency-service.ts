import { createHash, randomUUID } from 'node:crypto';
import type { Clock } from '../../shared/clock.js';
import { errors } from '../../shared/errors.js';
import type { IdempotencyRepo, StoredAnswer } from '../../storage/repos/idempotency-repo.js';
import type { IdempotencyKeyRow } from '../../storage/schema.js';

export type { StoredAnswer } from '../../storage/repos/idempotency-repo.js';

/** What identifies a request for its key: a retry must send the same (docs/kore-compatibility.md). */
export interface KeyedRequest {
  method: string;
  /** The route, e.g. `/agentassist/api/v1/public/:iid/campaign/:campaignId`. */
  route: string;
  params?: unknown;
  /** Without the accountId: the key is already the account's. */
  query?: unknown;
  body?: unknown;
}

/** A key this request holds while it runs: complete it with the answer, or release it. */
export interface IdempotencyClaim {
  readonly accountId: string;
  readonly key: string;
  readonly token: string;
}

export type BeginResult = { run: IdempotencyClaim; replay?: undefined } | { replay: StoredAnswer; run?: undefined };

export interface IdempotencyOptions {
  /** How long a key is kept (draft-ietf-httpapi-idempotency-key-header: 24 h). Default 24 h. */
  ttlMs?: number;
  /**
   * A key still running after this long is taken to belong to a process that died, and the next request
   * with it runs. Default 5 min (Kore mutations answer in well under a second).
   */
  staleAfterMs?: number;
  /** Expired keys are purged at most this often, by the request that finds the time has come. Default 10 min. */
  purgeEveryMs?: number;
}

const DAY_MS = 24 * 3600_000;

/** JSON with every object's keys sorted, so that a retry that orders its fields differently is the same request. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map((v) => (v === undefined ? 'null' : canonicalJson(v))).join(',')}]`;
  const parts: string[] = [];
  for (const k of Object.keys(value).sort()) {
    const v = (value as Record<string, unknown>)[k];
    if (v !== undefined) parts.push(`${JSON.stringify(k)}:${canonicalJson(v)}`);
  }
  return `{${parts.join(',')}}`;
}

export function fingerprintOf(req: KeyedRequest): string {
  return createHash('sha256')
    .update(
      canonicalJson([req.method.toUpperCase(), req.route, req.params ?? null, req.query ?? null, req.body ?? null]),
    )
    .digest('hex');
}

/**
 * Idempotent requests (draft-ietf-httpapi-idempotency-key-header): the first request with an account's key
 * claims it by an INSERT that fails on conflict, so two requests — in one process or in several sharing the
 * database — never both run; its answer is stored and replayed to every retry for 24 h.
 */
export class IdempotencyService {
  private readonly ttlMs: number;
  private readonly staleAfterMs: number;
  private readonly purgeEveryMs: number;
  private nextPurgeAt = 0;

  constructor(
    private readonly repo: IdempotencyRepo,
    private readonly clock: Clock,
    opts: IdempotencyOptions = {},
  ) {
    this.ttlMs = opts.ttlMs ?? DAY_MS;
    this.staleAfterMs = opts.staleAfterMs ?? 5 * 60_000;
    this.purgeEveryMs = opts.purgeEveryMs ?? 10 * 60_000;
  }

  /**
   * Claims `key` for this request (`run`), or answers the stored reply of the first request with it
   * (`replay`). Throws 422 when the key was used for another request, 409 while its first request runs.
   */
  async begin(accountId: string, key: string, request: KeyedRequest): Promise<BeginResult> {
    const now = this.clock.now();
    await this.purgeIfDue(now);
    const fingerprint = fingerprintOf(request);
    const row: IdempotencyKeyRow = {
      account_id: accountId,
      key,
      fingerprint,
      token: randomUUID(),
      state: 'running',
      status: null,
      content_type: null,
      body: null,
      created_at: now,
      expires_at: now + this.ttlMs,
    };
    const run = { run: { accountId, key, token: row.token } };
    // A few rounds at most: each lost round means another request changed the row in between.
    for (let round = 0; round < 3; round++) {
      if (await this.repo.insert(row)) return run;
      const found = await this.repo.find(accountId, key);
      if (!found) continue; // released (a 5xx) since the insert: claim it again
      if (found.expires_at <= now) {
        if (await this.repo.takeOver(found.token, row)) return run;
        continue;
      }
      if (found.fingerprint !== fingerprint) throw errors.idempotencyKeyReused();
      if (found.state === 'running') {
        if (found.created_at + this.staleAfterMs > now) throw errors.idempotencyKeyInUse();
        if (await this.repo.takeOver(found.token, row)) return run;
        continue;
      }
      return { replay: { status: found.status ?? 200, contentType: found.content_type, body: found.body ?? '' } };
    }
    throw errors.idempotencyKeyInUse();
  }

  /** Stores the final answer of the claim (2xx, 3xx, 4xx) for the retries to replay. */
  async complete(claim: IdempotencyClaim, answer: StoredAnswer): Promise<void> {
    await this.repo.complete(claim.accountId, claim.key, claim.token, answer);
  }

  /** Forgets the claim (a 5xx, or no answer at all), so that a retry runs again. */
  async release(claim: IdempotencyClaim): Promise<void> {
    await this.repo.release(claim.accountId, claim.key, claim.token);
  }

  /** Deletes expired keys; returns how many (the lazy purge calls it too, at most every purgeEveryMs). */
  async purgeExpired(): Promise<number> {
    return this.repo.purgeExpired(this.clock.now());
  }

  private async purgeIfDue(now: number): Promise<void> {
    if (now < this.nextPurgeAt) return;
    this.nextPurgeAt = now + this.purgeEveryMs;
    await this.repo.purgeExpired(now);
  }
}
