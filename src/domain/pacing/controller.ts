/**
 * The pacing controller: how many calls a Predictive campaign places now. Pure: everything it needs,
 * time included, comes in `PacingInput`; the `PacingDecision` carries the reasons for `explain`.
 * The model and the guard are described, with their formulas, in docs/pacing.md.
 */
import { expectedShortfall, largestLambda, poissonBinomial } from './abandon-model.js';
import type { PacingEstimate } from './measurement.js';

export interface PacingSettings {
  /** Abandoned / live-person answered over the window. Default 0.03 (TCPA, Ofcom). */
  targetAbandonRate: number;
  /** A person who answers waits at most this long for an agent before the call is abandoned, s. Default 2. */
  connectDeadlineSec: number;
  /** Calls out (ringing + new) per agent free or freeing within the horizon, at most. Default none. */
  maxDialRatio?: number;
  /** Share of the target the model aims at, leaving the rest for estimation error. Default 0.7. */
  modelShare: number;
  /** Standard deviations of projected abandons kept inside the window's remaining budget. Default 2. */
  riskZ: number;
  /**
   * The budget projection assumes the calls out may be answered this many times as often as measured,
   * so a sudden rise of the answer rate cannot spend the window's budget before it is measured. Default 2.
   */
  stressFactor: number;
  /**
   * Abandons the guard keeps in reserve: predictive pacing needs τ(N+1) − A − 1 ≥ this. They absorb
   * what calls already out cause in the seconds before a sudden change is measured, and keep a young
   * window (few answers, where one abandon weighs a lot) progressive. Default 8.
   */
  reserveAbandons: number;
}

export const DEFAULT_PACING_SETTINGS: PacingSettings = {
  targetAbandonRate: 0.03,
  connectDeadlineSec: 2,
  modelShare: 0.7,
  riskZ: 2,
  stressFactor: 2,
  reserveAbandons: 8,
};

export interface PacingInput {
  estimate: PacingEstimate;
  /** Agents Available and not reserved by a call. */
  freeAgents: number;
  /** For each agent on a call, seconds it has been talking. */
  onCallSec: readonly number[];
  /** For each agent in wrap-up, seconds it has been in it. */
  wrapUpSec: readonly number[];
  /** For each call placed and still ringing (not bound to an agent), seconds since it was placed. */
  ringingSec: readonly number[];
  /** People who answered and are waiting for an agent right now. Default 0. */
  waitingHumans?: number;
  /** The abandon window so far: abandoned calls and live-person answers (abandoned ones included). */
  window: { abandoned: number; answered: number };
  settings?: Partial<PacingSettings>;
}

/**
 * - `open`: the model paces.
 * - `cold`: too few measurements yet; progressive.
 * - `tripped`: one more abandon would put the window above the target; progressive until back under.
 * - `projected`: the calls already out are expected to use up the window's remaining abandon budget;
 *   progressive until they have landed.
 */
export type GuardState = 'open' | 'cold' | 'tripped' | 'projected';

export interface PacingDecision {
  /** Calls to place now. */
  dials: number;
  /** What progressive pacing would place: free agents not already promised to a call out. */
  progressiveDials: number;
  mode: 'predictive' | 'progressive';
  guard: {
    state: GuardState;
    target: number;
    abandoned: number;
    answered: number;
    /** abandoned / answered so far in the window (0 with no answers). */
    abandonRate: number;
    /** Abandons the controller may still risk: τ(N+1) − A − 1 − reserve (one more abandon keeps the window at target, with the reserve intact). */
    budget: number;
  };
  model: {
    humanRate: number;
    machineRate: number;
    /** Mean time to a human answer plus the connect deadline, s. */
    horizonSec: number;
    /** Agents free now plus those expected to free within the horizon. */
    agentsExpected: number;
    /** Expected human answers from the calls already out (and people waiting). */
    humansExpectedOut: number;
    /** The abandon rate the model aims at this tick (target × share × feedback taper). */
    aimedRate: number;
    /** Expected human answers the model allows in the cohort. */
    humansAllowed: number;
    /** Expected abandons of the cohort with the chosen dials. */
    expectedAbandons: number;
  } | null;
  /** (ringing + dials) / agents expected, the dial ratio this decision makes. */
  ratio: number;
  /** What bounded the number: `progressive`, `model`, `budget` or `max-ratio`. */
  limitedBy: 'progressive' | 'model' | 'budget' | 'max-ratio';
  /** Human-readable, in order: the guard, the measurements, the choice. */
  reasons: string[];
}

const pct = (x: number) => `${(x * 100).toFixed(2)} %`;

/** P(an agent `elapsed` s into a talk is free — talk and wrap-up over — within `h` s). */
function freeingProbability(elapsed: number, h: number, est: PacingEstimate): number {
  const survive = 1 - est.talk.cdf(elapsed);
  if (survive <= 1e-9) return 0;
  const step = 1;
  let p = 0;
  let prev = est.talk.cdf(elapsed);
  for (let u = step; u <= h + 1e-9; u += step) {
    const cur = est.talk.cdf(elapsed + u);
    p += (cur - prev) * est.wrap.cdf(h - u + step / 2);
    prev = cur;
  }
  return Math.min(1, Math.max(0, p / survive));
}

function wrapFreeingProbability(elapsed: number, h: number, est: PacingEstimate): number {
  const f = est.wrap.cdf(elapsed);
  if (1 - f <= 1e-9) return 1; // past every wrap-up measured: the campaign's wrap-up timeout is near
  return Math.min(1, Math.max(0, (est.wrap.cdf(elapsed + h) - f) / (1 - f)));
}

/** P(a call ringing for `elapsed` s will be answered by a person). */
function humanProbabilityRinging(elapsed: number, est: PacingEstimate): number {
  const g = est.ring.cdf(elapsed);
  const answered = est.humanRate + est.machineRate;
  const denom = 1 - answered * g;
  if (denom <= 1e-9) return 0;
  return Math.min(1, (est.humanRate * (1 - g)) / denom);
}

export function decidePacing(input: PacingInput): PacingDecision {
  const s: PacingSettings = { ...DEFAULT_PACING_SETTINGS, ...input.settings };
  const est = input.estimate;
  const tau = s.targetAbandonRate;
  const free = Math.max(0, Math.floor(input.freeAgents));
  const waiting = Math.max(0, Math.floor(input.waitingHumans ?? 0));
  const ringing = input.ringingSec.length;
  const progressiveDials = Math.max(0, free - ringing - waiting);
  const A = Math.max(0, input.window.abandoned);
  const N = Math.max(A, input.window.answered);
  const abandonRate = N > 0 ? A / N : 0;
  const budget = tau * (N + 1) - A - 1 - s.reserveAbandons;
  const guard = { target: tau, abandoned: A, answered: N, abandonRate, budget };
  const reasons: string[] = [`abandon rate so far ${pct(abandonRate)} (${A} of ${N} answered), target ${pct(tau)}`];
  const progressive = (state: GuardState, why: string, model: PacingDecision['model'] = null): PacingDecision => {
    reasons.push(
      why,
      `progressive: ${progressiveDials} call(s) for ${free} free agent(s) with ${ringing + waiting} call(s) already out`,
    );
    const agents = model?.agentsExpected ?? free;
    return {
      dials: progressiveDials,
      progressiveDials,
      mode: 'progressive',
      guard: { state, ...guard },
      model,
      ratio: agents > 0 ? (ringing + progressiveDials) / agents : 0,
      limitedBy: 'progressive',
      reasons,
    };
  };

  if (budget < 0) {
    const why =
      tau * (N + 1) - A - 1 < 0
        ? `guard tripped: one more abandon would make ${pct((A + 1) / (N + 1))} > target`
        : `guard tripped: the window's abandon budget ${(tau * (N + 1) - A - 1).toFixed(2)} is within the reserve of ${s.reserveAbandons}`;
    return progressive('tripped', why);
  }
  if (!est.trusted) {
    return progressive('cold', `cold start: ${est.untrustedBecause ?? 'too few measurements'}`);
  }

  const horizonSec = est.ring.mean + s.connectDeadlineSec;
  const pFree: number[] = [];
  for (const e of input.onCallSec) {
    const p = freeingProbability(e, horizonSec, est);
    if (p > 1e-6) pFree.push(p);
  }
  for (const w of input.wrapUpSec) {
    const p = wrapFreeingProbability(w, horizonSec, est);
    if (p > 1e-6) pFree.push(p);
  }
  const busyFree = poissonBinomial(pFree);
  const agentsExpected = free + pFree.reduce((a, b) => a + b, 0);
  let humansOut = waiting;
  for (const r of input.ringingSec) humansOut += humanProbabilityRinging(r, est);

  // Feedback: aim lower as the window's measured rate climbs past half the target.
  const taper = Math.min(1, Math.max(0, (2 * (tau - abandonRate)) / tau));
  const aimedRate = tau * s.modelShare * taper;
  const shortfall = (lambda: number) => expectedShortfall(lambda, free, busyFree);
  const byModel = largestLambda((l) => shortfall(l) <= aimedRate * l + 1e-12);
  const risk = (l: number) => {
    const e = shortfall(s.stressFactor * l);
    return e + s.riskZ * Math.sqrt(e);
  };
  const byBudget = largestLambda((l) => risk(l) <= budget);
  const humansAllowed = Math.min(byModel, byBudget);
  const p = Math.max(est.humanRate, 1e-4);
  let dials = humansAllowed > humansOut ? Math.floor((humansAllowed - humansOut) / p + 1e-9) : 0;
  const budgetBinds = byBudget < byModel;
  let limitedBy: PacingDecision['limitedBy'] = budgetBinds ? 'budget' : 'model';
  if (s.maxDialRatio !== undefined) {
    const byRatio = Math.max(0, Math.floor(s.maxDialRatio * agentsExpected + 1e-9) - ringing);
    if (byRatio < dials) {
      dials = byRatio;
      limitedBy = 'max-ratio';
    }
  }
  if (dials <= progressiveDials) {
    dials = progressiveDials;
    limitedBy = 'progressive';
  }
  const lambda = humansOut + dials * est.humanRate;
  const model = {
    humanRate: est.humanRate,
    machineRate: est.machineRate,
    horizonSec,
    agentsExpected,
    humansExpectedOut: humansOut,
    aimedRate,
    humansAllowed,
    expectedAbandons: shortfall(lambda),
  };
  if (budgetBinds && limitedBy === 'progressive') {
    return progressive(
      'projected',
      `projection: calls out are expected to use the window's remaining budget of ${budget.toFixed(2)} abandon(s)`,
      model,
    );
  }
  reasons.push(
    `measured: human answer ${pct(est.humanRate)}, machine ${pct(est.machineRate)}, ` +
      `mean ring ${est.ring.mean.toFixed(1)} s, talk ${est.talk.mean.toFixed(0)} s, wrap-up ${est.wrap.mean.toFixed(0)} s`,
    `${agentsExpected.toFixed(1)} agent(s) free or freeing within ${horizonSec.toFixed(1)} s; ` +
      `${humansOut.toFixed(1)} human answer(s) expected from ${ringing} call(s) out`,
    `aiming at ${pct(aimedRate)} abandons (${pct(tau)} × ${s.modelShare} × taper ${taper.toFixed(2)}): ` +
      `${humansAllowed.toFixed(1)} human answer(s) allowed`,
    dials > 0
      ? `placing ${dials} call(s) (limited by ${limitedBy}); expected abandons ${model.expectedAbandons.toFixed(3)}`
      : `placing no call now: ${limitedBy === 'max-ratio' ? 'the maximum dial ratio is reached' : 'the calls out already cover the agents expected free'}`,
  );
  return {
    dials,
    progressiveDials,
    mode: 'predictive',
    guard: { state: 'open', ...guard },
    model,
    ratio: agentsExpected > 0 ? (ringing + dials) / agentsExpected : 0,
    limitedBy,
    reasons,
  };
}
