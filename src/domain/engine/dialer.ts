import type { DialRecordsRepo, Claimed } from '../../storage/repos/dial-records-repo.js';
import type { DialRequest, Provider } from '../telephony/provider.js';
import { ProviderUnavailableError } from '../telephony/provider.js';
import type { CampaignPolicy } from './campaign-policy.js';
import type { OutcomeHandler } from './outcome-handler.js';
import type { PrecallFetcher } from './precall-fetch.js';

export interface DispatchResult {
  accepted: number;
  refused: number;
  skipped: number;
  released: number;
}

/** Do-not-call membership (domain/contacts/dnc.ts): the numbers of `numbers` on the lists or the account's global list. */
export interface DncCheck {
  blockedNumbers(t: { accountId: string }, listIds: readonly string[], numbers: readonly string[]): Promise<Set<string>>;
}

export interface DialerDeps {
  provider: Provider;
  /** Checked again right before dialing: a number put on a DNC list after play is never called. */
  dnc?: DncCheck;
  records: DialRecordsRepo;
  outcomes: OutcomeHandler;
  precall?: PrecallFetcher;
  /** How long an accepted attempt may wait for its outcome before reconciliation calls it `unknown`. */
  inFlightLeaseMs: (policy: CampaignPolicy) => number;
}

/**
 * Hands claimed attempts to the provider. The attempt row already exists (claim transaction), so
 * whatever happens here is recorded against it: on a DNC list now → final `dnc`, never dialed;
 * pre-call SKIP → final `skipped-precall`; accepted → in flight; refused → the refusal is the
 * outcome; ProviderUnavailableError → the claim is undone (the request certainly never left);
 * anything else → `unknown`, because the provider may have dialed.
 */
export async function dispatch(deps: DialerDeps, policy: CampaignPolicy, claimed: Claimed[], now: number): Promise<DispatchResult> {
  const res: DispatchResult = { accepted: 0, refused: 0, skipped: 0, released: 0 };
  let down = false;
  // Play scrubbed the lists; this catches numbers added to a DNC list since (one indexed query per batch).
  const blocked = deps.dnc ? await deps.dnc.blockedNumbers(policy, policy.dncListIds, claimed.map((c) => c.record.phone_e164)) : new Set<string>();
  await Promise.all(
    claimed.map(async ({ record, attempt }) => {
      if (blocked.has(record.phone_e164)) {
        const detail = 'put on a DNC list after the campaign started; not dialed';
        await deps.outcomes.report({ attemptId: attempt.id, outcome: 'failed', detail, botOutboundStatusDetail: detail, at: now }, 'dnc');
        res.skipped++;
        return;
      }
      if (down) {
        await deps.records.release(record.id, attempt.id, now);
        res.released++;
        return;
      }
      const context = record.contact_data ? (JSON.parse(record.contact_data) as Record<string, unknown>) : {};
      if (deps.precall && policy.type === 'voice') {
        const d = await deps.precall.decide(policy, record, attempt.id, context);
        if (!d.call) {
          await deps.outcomes.report({ attemptId: attempt.id, outcome: 'failed', detail: d.reason, botOutboundStatusDetail: d.reason, at: now }, 'skipped-precall');
          res.skipped++;
          return;
        }
        // Contact-record fields win on name collisions (§4.11).
        for (const [k, v] of Object.entries(d.extra)) if (!(k in context)) context[k] = v;
      }
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
      } else {
        req.message = policy.message ?? '';
      }
      try {
        const started = await deps.provider.start(req);
        if (started.accepted) {
          await deps.records.markInFlight(record.id, attempt.id, now + deps.inFlightLeaseMs(policy), now);
          res.accepted++;
        } else {
          await deps.outcomes.report({ attemptId: attempt.id, outcome: started.outcome, detail: started.detail, at: now });
          res.refused++;
        }
      } catch (err) {
        if (err instanceof ProviderUnavailableError) {
          down = true;
          await deps.records.release(record.id, attempt.id, now);
          res.released++;
          return;
        }
        await deps.outcomes.report({ attemptId: attempt.id, outcome: 'unknown', detail: `provider error: ${String(err)}`, at: now });
        res.refused++;
      }
    }),
  );
  return res;
}
