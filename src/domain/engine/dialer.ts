import { Batch } from '../../shared/batch.js';
import type { Clock } from '../../shared/clock.js';
import type { DialRecordsRepo, Claimed } from '../../storage/repos/dial-records-repo.js';
import type { AgentLeg, DialRequest, Provider } from '../telephony/provider.js';
import { ProviderUnavailableError } from '../telephony/provider.js';
import type { CampaignPolicy } from './campaign-policy.js';
import type { OutcomeHandler } from './outcome-handler.js';
import type { PrecallFetcher } from './precall-fetch.js';

export interface DispatchResult {
  accepted: number;
  refused: number;
  skipped: number;
  released: number;
  /** Claims found expired or reconciled right before the dial: not dialed, no outcome reported (the reconciler owns them). */
  lost: number;
}

/** Do-not-call membership (domain/contacts/dnc.ts): the numbers of `numbers` on the lists or the account's global list. */
export interface DncCheck {
  blockedNumbers(
    t: { accountId: string },
    listIds: readonly string[],
    numbers: readonly string[],
  ): Promise<Set<string>>;
}

export interface DialerDeps {
  /** Read at each step: the DNC check and pre-call fetches may take long after the tick started. */
  clock: Clock;
  /** This engine's id, the `lease_owner` its claims carry (Engine.owner). */
  owner: string;
  /** LEASE_MS: a claim is renewed for this long right before its dial. */
  claimLeaseMs: number;
  provider: Provider;
  /** Checked again right before dialing: a number put on a DNC list after play is never called. */
  dnc?: DncCheck;
  records: DialRecordsRepo;
  outcomes: OutcomeHandler;
  precall?: PrecallFetcher;
  /** How long an accepted attempt may wait for its outcome before reconciliation calls it `unknown`. */
  inFlightLeaseMs: (policy: CampaignPolicy) => number;
  /** Calls for agents: where each agent takes calls, and where what they are shown is kept. */
  agents?: { legs: ReadonlyMap<string, AgentLeg>; keepCallData(attemptId: string, data: string): Promise<void> };
}

/** One campaign's claims of a tick, in its dial order. */
export interface ClaimedBatch {
  policy: CampaignPolicy;
  claimed: Claimed[];
}

/**
 * Hands claimed attempts to the provider, the tick's campaigns in the order given (priority) and
 * each campaign's claims in claim order. The attempt row already exists (claim transaction), so
 * whatever happens here is recorded against it: on a DNC list now → final `dnc`, never dialed;
 * pre-call SKIP → final `skipped-precall`; accepted → in flight; refused → the refusal is the
 * outcome; ProviderUnavailableError → the claim is undone (the request certainly never left), and
 * so are the claims not yet handed over; anything else → `unknown`, because the provider may have
 * dialed. Right before the dial the claim is confirmed and renewed in one guarded UPDATE: if its
 * lease ran out meanwhile, another engine may already have recorded the attempt `unknown`, so it
 * is not dialed and its outcome is left to the reconciliation (`lost`). Renewals, in-flight marks
 * and releases of claims ready at the same moment are each one statement, whichever campaign.
 */
export async function dispatch(deps: DialerDeps, batches: readonly ClaimedBatch[]): Promise<DispatchResult> {
  const res: DispatchResult = { accepted: 0, refused: 0, skipped: 0, released: 0, lost: 0 };
  const { clock } = deps;
  const renewals = leaseRenewals(deps);
  const marks = inFlightMarks(deps);
  const unsent: Claim[] = [];
  let down = false;
  const blocked = await blockedNow(deps, batches);
  const one = async (policy: CampaignPolicy, blocked: ReadonlySet<string>, { record, attempt }: Claimed) => {
    const claim = { recordId: record.id, attemptId: attempt.id };
    if (blocked.has(record.phone_e164)) {
      const detail = 'put on a DNC list after the campaign started; not dialed';
      await deps.outcomes.report(
        { attemptId: attempt.id, outcome: 'failed', detail, botOutboundStatusDetail: detail, at: clock.now() },
        'dnc',
      );
      res.skipped++;
      return;
    }
    const context = record.contact_data ? (JSON.parse(record.contact_data) as Record<string, unknown>) : {};
    if (deps.precall && policy.type === 'voice' && !down) {
      const d = await deps.precall.decide(policy, record, attempt.id, context);
      if (!d.call) {
        await deps.outcomes.report(
          {
            attemptId: attempt.id,
            outcome: 'failed',
            detail: d.reason,
            botOutboundStatusDetail: d.reason,
            at: clock.now(),
          },
          'skipped-precall',
        );
        res.skipped++;
        return;
      }
      // Contact-record fields win on name collisions (Kore's pre-call contact fetch page).
      for (const [k, v] of Object.entries(d.extra)) if (!(k in context)) context[k] = v;
    }
    if (down) {
      unsent.push(claim);
      return;
    }
    const req = dialRequest(policy, record, attempt, context, deps.agents?.legs);
    // The agent sees what the provider is given: contact fields and pre-call data.
    if (req.agent || req.predictive) await deps.agents?.keepCallData(attempt.id, JSON.stringify(context));
    // The waits above (DNC query, pre-call fetch) may have outlived the claim's lease; a dial is
    // only made under a live lease, renewed so that provider.start runs under it too. A claim with
    // half its lease left cannot have been reconciled (only expired leases are) and covers the
    // start: the tick's usual case, which then costs no write.
    const fresh = Number(record.lease_expires_at) - clock.now() >= deps.claimLeaseMs / 2;
    if (!fresh && !(await renewals.add(claim))) {
      res.lost++;
      return;
    }
    try {
      const started = await deps.provider.start(req);
      if (started.accepted) {
        await marks.add({ ...claim, leaseMs: deps.inFlightLeaseMs(policy) });
        res.accepted++;
      } else {
        await deps.outcomes.report({
          attemptId: attempt.id,
          outcome: started.outcome,
          detail: started.detail,
          at: clock.now(),
        });
        res.refused++;
      }
    } catch (err) {
      if (err instanceof ProviderUnavailableError) {
        down = true;
        unsent.push(claim);
        return;
      }
      await deps.outcomes.report({
        attemptId: attempt.id,
        outcome: 'unknown',
        detail: `provider error: ${String(err)}`,
        at: clock.now(),
      });
      res.refused++;
    }
  };
  await Promise.all(batches.flatMap(({ policy, claimed }, i) => claimed.map((c) => one(policy, blocked[i]!, c))));
  res.released = await deps.records.release(unsent, clock.now());
  return res;
}

/**
 * Play scrubbed the lists; this catches numbers added to a DNC list since: the numbers of the
 * tick's campaigns that check the same lists (an account's campaigns without a list of their own
 * share its global one) in one indexed query, all before the first dial so the dials keep their order.
 */
async function blockedNow(deps: DialerDeps, batches: readonly ClaimedBatch[]): Promise<ReadonlySet<string>[]> {
  const dnc = deps.dnc;
  if (!dnc) return batches.map(() => new Set());
  const keyOf = (p: CampaignPolicy) => JSON.stringify([p.accountId, [...p.dncListIds].sort()]);
  const groups = new Map<string, { policy: CampaignPolicy; numbers: string[] }>();
  for (const { policy, claimed } of batches) {
    const g = groups.get(keyOf(policy)) ?? { policy, numbers: [] };
    g.numbers.push(...claimed.map((c) => c.record.phone_e164));
    groups.set(keyOf(policy), g);
  }
  const found = new Map<string, Set<string>>();
  await Promise.all(
    [...groups].map(async ([key, g]) =>
      found.set(key, await dnc.blockedNumbers(g.policy, g.policy.dncListIds, g.numbers)),
    ),
  );
  return batches.map((b) => found.get(keyOf(b.policy))!);
}

/** What the provider is asked to do for one claimed record (telephony/provider.ts, DialRequest). */
function dialRequest(
  policy: CampaignPolicy,
  record: Claimed['record'],
  attempt: Claimed['attempt'],
  context: Record<string, unknown>,
  legs: ReadonlyMap<string, AgentLeg> | undefined,
): DialRequest {
  const req: DialRequest = {
    attemptId: attempt.id,
    campaignId: policy.campaignId,
    instanceId: record.instance_id,
    channel: policy.type,
    to: record.phone_e164,
    from: policy.callerId,
    context,
  };
  if (policy.type === 'voice') {
    req.ringTimeoutSec = policy.ringSec;
    req.machineDetection = policy.machine;
    if (policy.experienceFlowId) req.experienceFlowId = policy.experienceFlowId;
    if (policy.queue) req.queue = policy.queue;
    const leg = attempt.agent_id ? legs?.get(attempt.agent_id) : undefined;
    if (leg) req.agent = leg;
    if (policy.predictive) {
      // For the queue: an agent is named once a person answers (predictive-calls.ts).
      req.predictive = {
        connectDeadlineSec: policy.predictive.connectDeadlineSec,
        ...(policy.predictive.abandonMessageId ? { abandonMessageId: policy.predictive.abandonMessageId } : {}),
      };
    }
  } else {
    // Plain SMS: its text. Advanced SMS: the experience flow, which writes the text itself.
    if (policy.message !== undefined) req.message = policy.message;
    if (policy.experienceFlowId) req.experienceFlowId = policy.experienceFlowId;
    if (policy.experienceFlowName) req.experienceFlowName = policy.experienceFlowName;
  }
  return req;
}

interface Claim {
  recordId: string;
  attemptId: string;
}

/**
 * Claims ready to dial at the same moment are renewed together, in one UPDATE, and answered in the
 * order they asked: without pre-call fetches that is the whole batch in claim (priority) order, so
 * the dials go out in that order too (one renewal each, on a PostgreSQL pool, could finish in any
 * order).
 */
function leaseRenewals(deps: Pick<DialerDeps, 'clock' | 'records' | 'owner' | 'claimLeaseMs'>): Batch<Claim, boolean> {
  return new Batch(async (claims) => {
    const now = deps.clock.now();
    const renewed = await deps.records.renewLeases(claims, deps.owner, now, now + deps.claimLeaseMs);
    return (c) => renewed.has(c.recordId);
  }, queueMicrotask);
}

/**
 * Calls the provider accepted at the same moment marked in flight together, each lease covering its
 * campaign's longest wait for the outcome (one UPDATE per distinct lease, usually one).
 */
function inFlightMarks(deps: Pick<DialerDeps, 'clock' | 'records'>) {
  return new Batch<Claim & { leaseMs: number }, void>(async (claims) => {
    // From acceptance, not from the tick: the call may start well after the claim.
    const at = deps.clock.now();
    const byLease = new Map<number, Claim[]>();
    for (const c of claims) {
      const same = byLease.get(c.leaseMs);
      if (same) same.push(c);
      else byLease.set(c.leaseMs, [c]);
    }
    for (const [leaseMs, same] of byLease) await deps.records.markInFlight(same, at + leaseMs, at);
    return () => undefined;
    // After the turn's other acceptances (each answered in its own microtask); the claim's lease covers the wait.
  }, setImmediate);
}
