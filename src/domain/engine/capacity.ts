/**
 * Sharing the global concurrent-call capacity between active campaigns, and the calls-per-second cap.
 *
 * Share rule (Kore FAQ: share = p / Σp, so priorities 5 and 3 get 62.5% / 37.5%):
 * - Shares are of the *total* capacity, counting calls already in flight, so a campaign's level
 *   of concurrency (not just this tick's new calls) tracks its priority.
 * - Each campaign is bounded below by its in-flight calls (they cannot be taken back) and above by
 *   min(maxConcurrent, inFlight + wanted). What one campaign cannot use flows to the others in the
 *   same proportion (water-filling), so no slot stays idle while someone with headroom wants it.
 * - Fractional shares become integers by largest remainder, ties broken by id for determinism;
 *   FairShareAllocator adds a carried credit so rounding and long-held calls even out over ticks.
 */
import type { Clock } from '../../shared/clock.js';

/** Kore's agentless default for max concurrent calls per campaign. */
export const DEFAULT_MAX_CONCURRENT = 10;

export interface CampaignDemand {
  id: string;
  /** Kore priority 1–5 (higher = larger share); any positive number works. */
  priority: number;
  /** Records due now that the campaign could dial. */
  wanted: number;
  /** Per-campaign concurrency cap. Default DEFAULT_MAX_CONCURRENT (10). */
  maxConcurrent?: number;
  /** Calls of this campaign currently in progress. */
  inFlight: number;
}

export interface ShareOptions {
  /**
   * Carried credit per campaign id (see FairShareAllocator), added to the remainder when deciding
   * who gets the leftover units after flooring. Default: none, i.e. pure largest remainder.
   */
  credit?: ReadonlyMap<string, number>;
}

interface ShareResult {
  slots: Map<string, number>;
  /** Concurrency each campaign would hold if calls already in flight could be rebalanced. */
  ideal: Map<string, number>;
}

const nonNegInt = (n: number): number => (Number.isFinite(n) ? Math.max(0, Math.floor(n)) : 0);

/** Solves Σ clamp(λ·p_i, lo_i, hi_i) = target for λ; f is piecewise linear, so interpolate between breakpoints. */
function waterLevel(p: number[], lo: number[], hi: number[], target: number): number {
  const f = (lambda: number): number => p.reduce((s, pi, i) => s + Math.min(hi[i]!, Math.max(lo[i]!, lambda * pi)), 0);
  const breaks = [...new Set(p.flatMap((pi, i) => [lo[i]! / pi, hi[i]! / pi]))].sort((a, b) => a - b);
  let prev = 0;
  let fPrev = f(0);
  for (const b of breaks) {
    const fb = f(b);
    if (fb >= target) {
      return fb === fPrev ? b : prev + ((target - fPrev) * (b - prev)) / (fb - fPrev);
    }
    prev = b;
    fPrev = fb;
  }
  return prev;
}

const byId = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

function computeShares(totalSlots: number, input: readonly CampaignDemand[], options?: ShareOptions): ShareResult {
  // Canonical order: float sums then come out bit-identical whatever order the caller used.
  const campaigns = [...input].sort((a, b) => byId(a.id, b.id));
  const slots = new Map<string, number>();
  const ideal = new Map<string, number>();
  for (const c of campaigns) {
    if (!(Number.isFinite(c.priority) && c.priority > 0)) {
      throw new RangeError(`Campaign ${c.id}: priority must be a positive number, got ${c.priority}`);
    }
    if (slots.has(c.id)) throw new RangeError(`Duplicate campaign id ${c.id}`);
    slots.set(c.id, 0);
    ideal.set(c.id, 0);
  }
  const inFlight = campaigns.map((c) => nonNegInt(c.inFlight));
  const need = campaigns.map((c, i) =>
    Math.max(0, Math.min(nonNegInt(c.wanted), nonNegInt(c.maxConcurrent ?? DEFAULT_MAX_CONCURRENT) - inFlight[i]!)),
  );
  const free = Math.max(0, nonNegInt(totalSlots) - inFlight.reduce((a, b) => a + b, 0));
  const n = Math.min(
    free,
    need.reduce((a, b) => a + b, 0),
  );
  const p = campaigns.map((c) => c.priority);
  const hi = inFlight.map((f, i) => f + need[i]!);
  const level = inFlight.reduce((a, b) => a + b, 0) + n;
  // Fair level ignoring who already holds what: in-flight calls above it are an overdraft the credit remembers.
  const mu = waterLevel(
    p,
    p.map(() => 0),
    hi,
    level,
  );
  campaigns.forEach((c, i) => ideal.set(c.id, Math.min(hi[i]!, mu * p[i]!)));
  if (n === 0) return { slots, ideal };

  const lambda = waterLevel(p, inFlight, hi, level);
  const share = campaigns.map((_, i) =>
    Math.min(need[i]!, Math.max(0, Math.min(hi[i]!, lambda * p[i]!) - inFlight[i]!)),
  );

  // Floors first (the epsilon absorbs float error such as 2.9999999997), then leftovers by remainder + credit.
  const alloc = share.map((s, i) => Math.min(need[i]!, Math.floor(s + 1e-9)));
  let left = n - alloc.reduce((a, b) => a + b, 0);
  const order = campaigns
    .map((c, i) => ({ i, id: c.id, key: share[i]! - alloc[i]! + (options?.credit?.get(c.id) ?? 0) }))
    // Keys closer than float noise are a tie, settled by id.
    .sort((a, b) => (Math.abs(b.key - a.key) > 1e-9 ? b.key - a.key : byId(a.id, b.id)));
  // Several passes only matter after float drift; each pass gives at most one unit per campaign.
  while (left > 0) {
    let gave = false;
    for (const { i } of order) {
      if (left === 0) break;
      if (alloc[i]! < need[i]!) {
        alloc[i]! += 1;
        left -= 1;
        gave = true;
      }
    }
    if (!gave) break;
  }
  campaigns.forEach((c, i) => slots.set(c.id, alloc[i]!));
  return { slots, ideal };
}

/**
 * New calls each campaign may start now. `totalSlots` is the global concurrent-call capacity;
 * free slots are that minus every campaign's in-flight calls. Pure and deterministic.
 */
export function shareCapacity(
  totalSlots: number,
  campaigns: readonly CampaignDemand[],
  options?: ShareOptions,
): Map<string, number> {
  return computeShares(totalSlots, campaigns, options).slots;
}

/** Credit is clamped to ±2 slots so odd inputs cannot let one campaign bank a large advantage. */
const CREDIT_LIMIT = 2;

/**
 * shareCapacity with memory. Each tick a campaign's credit grows by (fair level − level it ends
 * up holding), where the fair level ignores who already holds which calls. Credit then decides
 * the leftover units, so a campaign that keeps losing the rounding (6.25 → 6) or sits below its
 * share because the other one holds long calls wins the next leftover, and long-run
 * concurrency matches p / Σp (plain largest remainder with 10 slots gives 5 vs 3 a 60/40 split).
 */
export class FairShareAllocator {
  private readonly credit = new Map<string, number>();

  allocate(totalSlots: number, campaigns: readonly CampaignDemand[]): Map<string, number> {
    const { slots, ideal } = computeShares(totalSlots, campaigns, { credit: this.credit });
    const inFlight = new Map(campaigns.map((c) => [c.id, nonNegInt(c.inFlight)]));
    const present = new Set(campaigns.map((c) => c.id));
    for (const id of [...this.credit.keys()]) if (!present.has(id)) this.credit.delete(id);
    for (const [id, granted] of slots) {
      const next = (this.credit.get(id) ?? 0) + (ideal.get(id) ?? 0) - (inFlight.get(id) ?? 0) - granted;
      this.credit.set(id, Math.max(-CREDIT_LIMIT, Math.min(CREDIT_LIMIT, next)));
    }
    return slots;
  }

  creditOf(id: string): number {
    return this.credit.get(id) ?? 0;
  }
}

export interface TokenBucketOptions {
  /** Tokens added per second (calls per second). Must be > 0. */
  ratePerSec: number;
  /** Bucket size: the most calls that may start in one instant. Default max(1, ratePerSec). */
  burst?: number;
  /** Tokens at construction. Default `burst` (a fresh bucket may burst). */
  initialTokens?: number;
}

/** Calls-per-second cap. Refilled from the injected clock on each use; owns no timers. */
export class TokenBucket {
  private tokens: number;
  private last: number;
  readonly ratePerSec: number;
  readonly burst: number;

  constructor(
    options: TokenBucketOptions,
    private readonly clock: Clock,
  ) {
    if (!(Number.isFinite(options.ratePerSec) && options.ratePerSec > 0)) {
      throw new RangeError(`ratePerSec must be > 0, got ${options.ratePerSec}`);
    }
    this.ratePerSec = options.ratePerSec;
    this.burst = options.burst ?? Math.max(1, options.ratePerSec);
    if (!(Number.isFinite(this.burst) && this.burst >= 1))
      throw new RangeError(`burst must be >= 1, got ${this.burst}`);
    this.tokens = Math.min(this.burst, Math.max(0, options.initialTokens ?? this.burst));
    this.last = clock.now();
  }

  private refill(): void {
    const now = this.clock.now();
    // A clock that steps backwards adds nothing rather than draining or over-filling the bucket.
    if (now > this.last) {
      this.tokens = Math.min(this.burst, this.tokens + ((now - this.last) * this.ratePerSec) / 1000);
      this.last = now;
    }
  }

  /** Whole tokens available now. */
  available(): number {
    this.refill();
    return Math.floor(this.tokens + 1e-9);
  }

  /** Takes up to `n` whole tokens and returns how many were granted (0..n). */
  take(n = 1): number {
    const want = nonNegInt(n);
    const granted = Math.min(want, this.available());
    this.tokens = Math.max(0, this.tokens - granted);
    return granted;
  }

  /** Milliseconds until `n` tokens (at most `burst`) are available; 0 when they are now. */
  msUntil(n = 1): number {
    this.refill();
    const missing = Math.min(nonNegInt(n), Math.floor(this.burst)) - this.tokens;
    return missing <= 1e-9 ? 0 : Math.ceil((missing * 1000) / this.ratePerSec);
  }
}
