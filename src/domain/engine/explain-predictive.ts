import type { ExplainRule } from '../../contract/engine.js';
import type { PacingDecision } from '../pacing/index.js';
import type { CampaignPolicy } from './campaign-policy.js';

const iso = (ms: number) => new Date(ms).toISOString();
const round = (x: number, digits = 4) => Math.round(x * 10 ** digits) / 10 ** digits;

/**
 * A Predictive campaign's pacing decision at this instant, as `explain` shows it: the guard and
 * the abandon rate so far in the window, what was measured, the dial ratio, and why the next call
 * is or is not being placed now (docs/pacing.md).
 */
export function pacingRule(policy: CampaignPolicy, d: PacingDecision): ExplainRule {
  const s = policy.predictive!;
  return {
    rule: 'pacing',
    ok: d.dials > 0,
    detail: d.reasons.join('; '),
    facts: {
      mode: d.mode,
      guard: d.guard.state,
      callsToPlaceNow: d.dials,
      progressiveCalls: d.progressiveDials,
      dialRatio: round(d.ratio, 3),
      limitedBy: d.limitedBy,
      window: s.abandonWindow,
      targetAbandonPercent: s.targetAbandonPercent,
      abandonedInWindow: d.guard.abandoned,
      answeredInWindow: d.guard.answered,
      abandonRate: round(d.guard.abandonRate),
      humanAnswerRate: d.model ? round(d.model.humanRate) : null,
      machineAnswerRate: d.model ? round(d.model.machineRate) : null,
      agentsExpectedFree: d.model ? round(d.model.agentsExpected, 2) : null,
      humansExpectedFromCallsOut: d.model ? round(d.model.humansExpectedOut, 2) : null,
      connectDeadlineSec: s.connectDeadlineSec,
      maxDialRatio: s.maxDialRatio ?? null,
    },
  };
}

/** An agent campaign's record whose number is barred from agent calls after an abandoned call. */
export function lockoutRule(until: number | undefined, now: number): ExplainRule {
  const locked = until !== undefined && until > now;
  return {
    rule: 'abandon-lockout',
    ok: !locked,
    detail: locked
      ? `a call to this number was abandoned: no agent call before ${iso(until)}`
      : 'no abandoned call holds the number',
    facts: { lockedUntil: locked ? iso(until) : null },
  };
}
