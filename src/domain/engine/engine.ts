import { hostname } from 'node:os';
import type { Clock } from '../../shared/clock.js';
import { newId } from '../../shared/ids.js';
import type { DialRecordsRepo } from '../../storage/repos/dial-records-repo.js';
import type { InstancesRepo } from '../../storage/repos/instances-repo.js';
import type { Provider } from '../telephony/provider.js';
import { effectiveZone, isWithinCallingHours } from './calling-window.js';
import type { CampaignPolicy } from './campaign-policy.js';
import { FairShareAllocator, TokenBucket, type CampaignDemand } from './capacity.js';
import { dispatch, type DncCheck } from './dialer.js';
import type { CampaignCaps } from './campaign-caps.js';
import type { CampaignPolicies } from './campaign-policies.js';
import type { InstanceCompletion } from './instance-completion.js';
import { windowedAt, type OutcomeHandler } from './outcome-handler.js';
import type { PrecallFetcher } from './precall-fetch.js';

export interface EngineOptions {
  clock: Clock;
  provider: Provider;
  outcomes: OutcomeHandler;
  policies: CampaignPolicies;
  completion: InstanceCompletion;
  records: DialRecordsRepo;
  instances: InstancesRepo;
  /** MAX_CONCURRENT_CALLS: calls out at once, counted across every engine sharing the database. */
  maxConcurrentCalls: number;
  /** Calls out at once per campaign: its bot's setting, else Kore's 10. */
  campaignCaps: CampaignCaps;
  /** CALLS_PER_SECOND: starts per second of this engine process. */
  callsPerSecond: number;
  /**
   * LEASE_MS: how long this engine's claims (and, unless the provider's calls outlive the process,
   * its calls out) stay leased after its last heartbeat (renewLeases).
   */
  leaseMs: number;
  /** TELEPHONY_OUTCOME_TIMEOUT_SEC in ms: how long a call out may wait for its outcome. Default 300000. */
  outcomeTimeoutMs?: number;
  precall?: PrecallFetcher;
  /** DNC membership, checked again right before each dial (numbers added to a list after play). */
  dnc?: DncCheck;
  /** Identifies this process in leases and attempts. Default host:pid:random. */
  owner?: string;
}

export interface TickReport {
  reconciled: number;
  claimed: number;
  accepted: number;
  refused: number;
  skipped: number;
  released: number;
  /** Claims whose lease ran out before their dial (dialer.ts): not dialed, left to reconciliation. */
  lost: number;
  completed: number;
}

/** Kore's longest maxRingTime (120 s). */
const MAX_RING_MS = 120_000;

const emptyReport = (): TickReport => ({
  reconciled: 0,
  claimed: 0,
  accepted: 0,
  refused: 0,
  skipped: 0,
  released: 0,
  lost: 0,
  completed: 0,
});

/**
 * The dialer. One `tick()`: reconcile expired leases, share capacity among Active instances by
 * priority, claim due records inside their windows (one transaction each), hand them to the
 * provider. Time comes only from the injected clock, and nothing here runs by itself: the runtime
 * (src/runtime) ticks it, and tests call `tick()` by hand.
 */
export class Engine {
  readonly owner: string;
  private readonly allocator = new FairShareAllocator();
  private readonly bucket: TokenBucket;
  private current: Promise<TickReport> | undefined;

  constructor(private readonly o: EngineOptions) {
    this.owner = o.owner ?? `${hostname()}:${process.pid}:${newId('u').slice(2, 10)}`;
    this.bucket = new TokenBucket({ ratePerSec: o.callsPerSecond }, o.clock);
  }

  /** Runs one tick; a tick already running is joined rather than overlapped. */
  tick(): Promise<TickReport> {
    this.current ??= this.runTick().finally(() => {
      this.current = undefined;
    });
    return this.current;
  }

  private async runTick(): Promise<TickReport> {
    const o = this.o;
    const rep = emptyReport();
    const now = o.clock.now();

    // A lease that ran out means its engine died or lost the outcome: the call may have happened,
    // so the attempt becomes `unknown` (final), never a blind redial.
    for (const e of await o.records.expiredLeases(now, 1000)) {
      if (!e.current_attempt_id) continue;
      await o.outcomes.report({
        attemptId: e.current_attempt_id,
        outcome: 'unknown',
        detail: 'lease expired before an outcome was recorded',
        at: now,
      });
      rep.reconciled++;
    }

    const active = await o.instances.active();
    const inFlight = await o.records.inFlightByInstance();
    const demands: CampaignDemand[] = [];
    const policies = new Map<string, CampaignPolicy & { cap: number }>();
    for (const inst of active) {
      const policy = await o.policies.of(inst.campaign_id, inst.id);
      if (!policy) continue;
      const cap = await o.campaignCaps.of(policy.botId);
      policies.set(inst.id, { ...policy, cap });
      const f = inFlight.get(inst.id) ?? 0;
      const wanted = await o.records.dueCount(inst.id, now, cap - f);
      if (wanted === 0 && f === 0) {
        if (await o.completion.completeIfDone(inst.id, inst.campaign_id)) rep.completed++;
        continue;
      }
      demands.push({ id: inst.id, priority: policy.priority, wanted, inFlight: f, maxConcurrent: cap });
    }
    if (demands.length === 0) return rep;

    const totalOut = [...inFlight.values()].reduce((a, b) => a + b, 0);
    const activeOut = demands.reduce((a, d) => a + d.inFlight, 0);
    // Calls of stopped instances still occupy lines; only active ones take part in the sharing.
    const capacity = Math.max(
      0,
      Math.min(o.maxConcurrentCalls - (totalOut - activeOut), activeOut + this.bucket.available()),
    );
    const slots = this.allocator.allocate(capacity, demands);

    for (const [instanceId, n] of slots) {
      if (n <= 0) continue;
      const policy = policies.get(instanceId)!;
      const claimed = await o.records.claim({
        instanceId,
        channel: policy.type,
        limit: n,
        now,
        owner: this.owner,
        leaseMs: o.leaseMs,
        // The sharing above works from counts read before any claim; other engines claim too.
        caps: { instance: policy.cap, total: o.maxConcurrentCalls },
        newAttemptId: () => newId('att'),
        place: (r) => {
          const zone = effectiveZone(r.time_zone, policy.hours.timezone).zone;
          return isWithinCallingHours(policy.compiled, zone, now)
            ? { inside: true }
            : { inside: false, nextAt: windowedAt(policy, r, now) };
        },
      });
      if (claimed.length === 0) continue;
      this.bucket.take(claimed.length);
      rep.claimed += claimed.length;
      const d = await dispatch(
        {
          clock: o.clock,
          owner: this.owner,
          claimLeaseMs: o.leaseMs,
          provider: o.provider,
          records: o.records,
          outcomes: o.outcomes,
          ...(o.precall ? { precall: o.precall } : {}),
          ...(o.dnc ? { dnc: o.dnc } : {}),
          inFlightLeaseMs: (p) =>
            o.provider.callsOutliveProcess ? o.leaseMs + this.outcomeWaitMs(p.ringSec * 1000) : o.leaseMs,
        },
        policy,
        claimed,
      );
      rep.accepted += d.accepted;
      rep.refused += d.refused;
      rep.skipped += d.skipped;
      rep.released += d.released;
      rep.lost += d.lost;
      if (d.released > 0) break; // provider unavailable: try again next tick
    }
    return rep;
  }

  /**
   * The heartbeat (the runtime calls it every LEASE_MS / 3): extends this engine's leases, so that
   * they run out within LEASE_MS of its death and no sooner while it lives. Calls out are renewed
   * only until their outcome is overdue (the outcome timeout plus the longest ring), after which
   * reconciliation records them `unknown`; calls that outlive the process keep the fixed lease they
   * were given. Returns how many leases it extended.
   */
  renewLeases(): Promise<number> {
    const now = this.o.clock.now();
    const inFlightSince = this.o.provider.callsOutliveProcess ? undefined : now - this.outcomeWaitMs(MAX_RING_MS);
    return this.o.records.renewOwned(this.owner, now, now + this.o.leaseMs, inFlightSince);
  }

  private outcomeWaitMs(ringMs: number): number {
    return (this.o.outcomeTimeoutMs ?? 300_000) + ringMs;
  }

  /**
   * Shutdown, once no tick runs: claims of this engine not yet handed to the provider go back to
   * pending (their attempts deleted, as if never claimed). Returns how many.
   */
  async releaseClaims(): Promise<number> {
    await this.current?.catch(() => undefined);
    return this.o.records.releaseOwned(this.owner, this.o.clock.now());
  }
}
