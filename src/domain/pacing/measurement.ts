/**
 * What pacing measures, fed by call outcomes: answer rate (human and machine apart), time to answer,
 * talk time and wrap-up time. Counts and histograms decay exponentially with time (half-life
 * `halfLifeMs`, default 10 min), so the estimate follows the campaign as its traffic changes and costs
 * a fixed few kilobytes however long it runs. Plain data: the engine can persist it as JSON. The
 * `record*` functions mutate the state passed in; nothing here reads a clock.
 */
import {
  addToHistogram,
  createHistogram,
  decayHistogram,
  toDistribution,
  type DecayedHistogram,
  type Distribution,
} from './histogram.js';

export interface MeasurementOptions {
  /** Half-life of every count and histogram, ms. Default 600 000 (10 min). */
  halfLifeMs?: number;
  /** Half-life of the fast answer-rate counts that detect a sudden rise, ms. Default 60 000 (1 min). */
  fastHalfLifeMs?: number;
}

export interface PacingMeasurements {
  halfLifeMs: number;
  /** Time (ms) the counts were last decayed to. */
  at: number;
  /** Decayed counts of dials that ended ringing (answered or not), human answers, machine answers. */
  dials: number;
  humans: number;
  machines: number;
  fastHalfLifeMs: number;
  /** The same dial and human-answer counts with the fast half-life. */
  dialsFast: number;
  humansFast: number;
  /** Ring time of human answers, 0.5 s bins up to 2 min. */
  ring: DecayedHistogram;
  /** Talk (handle) time of connected calls, 5 s bins up to 1 h. */
  talk: DecayedHistogram;
  /** Wrap-up time after connected calls, 2 s bins up to 10 min. */
  wrap: DecayedHistogram;
}

export function createMeasurements(at = 0, options: MeasurementOptions = {}): PacingMeasurements {
  return {
    halfLifeMs: options.halfLifeMs ?? 600_000,
    at,
    dials: 0,
    humans: 0,
    machines: 0,
    fastHalfLifeMs: options.fastHalfLifeMs ?? 60_000,
    dialsFast: 0,
    humansFast: 0,
    ring: createHistogram(0.5, 240, at),
    talk: createHistogram(5, 720, at),
    wrap: createHistogram(2, 300, at),
  };
}

function decayCounts(m: PacingMeasurements, at: number): void {
  if (at <= m.at) return;
  const f = Math.pow(2, -(at - m.at) / m.halfLifeMs);
  m.dials *= f;
  m.humans *= f;
  m.machines *= f;
  const g = Math.pow(2, -(at - m.at) / m.fastHalfLifeMs);
  m.dialsFast *= g;
  m.humansFast *= g;
  m.at = at;
}

/** How a dial ended ringing. Busy, failed and rejected calls count as `no-answer`. */
export type DialOutcome = 'human' | 'machine' | 'no-answer';

export function recordDialOutcome(m: PacingMeasurements, at: number, outcome: DialOutcome, ringSec: number): void {
  decayCounts(m, at);
  m.dials += 1;
  m.dialsFast += 1;
  if (outcome === 'human') {
    m.humans += 1;
    m.humansFast += 1;
    decayHistogram(m.ring, at, m.halfLifeMs);
    addToHistogram(m.ring, ringSec);
  } else if (outcome === 'machine') {
    m.machines += 1;
  }
}

/** A connected call ended after `talkSec` of talk. */
export function recordTalk(m: PacingMeasurements, at: number, talkSec: number): void {
  decayHistogram(m.talk, at, m.halfLifeMs);
  addToHistogram(m.talk, talkSec);
}

/** An agent's wrap-up ended after `wrapSec` (0 when the campaign has no wrap-up). */
export function recordWrapUp(m: PacingMeasurements, at: number, wrapSec: number): void {
  decayHistogram(m.wrap, at, m.halfLifeMs);
  addToHistogram(m.wrap, wrapSec);
}

/**
 * Cold-start priors, mixed into every estimate with a fixed weight (they never decay, so measurements
 * outweigh them within minutes). Each leans the way that makes pacing dial *fewer* calls: a high human
 * answer rate, quick answers, long talk and long wrap-up.
 */
export interface PacingPriors {
  /** Default 0.5. */
  humanRate: number;
  /** Default 0.1. */
  machineRate: number;
  /** Pseudo-dials behind the two rates. Default 20. */
  rateWeight: number;
  /** Mean of an exponential time to a human answer, s. Default 6. */
  ringMeanSec: number;
  /** Mean of an exponential talk time, s. Default 180. */
  talkMeanSec: number;
  /** Mean of an exponential wrap-up, s. Default 60 (agents' default `wrapUpSec`). */
  wrapMeanSec: number;
  /** Pseudo-observations behind each duration prior. Default 5. */
  durationWeight: number;
}

export const DEFAULT_PRIORS: PacingPriors = {
  humanRate: 0.5,
  machineRate: 0.1,
  rateWeight: 20,
  ringMeanSec: 6,
  talkMeanSec: 180,
  wrapMeanSec: 60,
  durationWeight: 5,
};

/** Minimum (decayed) observations before the estimate is trusted beyond progressive pacing. */
export interface TrustMinimums {
  /** Default 100. */
  dials: number;
  /** Human answers (which also give ring times). Default 20. */
  humans: number;
  /** Talk times. Default 20. */
  talks: number;
  /** Wrap-ups. Default 20. */
  wraps: number;
}

export const DEFAULT_MINIMUMS: TrustMinimums = { dials: 100, humans: 20, talks: 20, wraps: 20 };

export interface PacingEstimate {
  /** P(a dial is answered by a person): the slow estimate, or the fast one when it is significantly higher. */
  humanRate: number;
  /** The fast (1-minute) human answer rate, when it has 30 dials behind it. */
  humanRateFast?: number;
  /** True when the fast rate is more than two standard errors above the slow one and is used instead. */
  rateShift: boolean;
  /** P(a dial is answered by a machine). */
  machineRate: number;
  /** Time from dial to a human answer. */
  ring: Distribution;
  talk: Distribution;
  wrap: Distribution;
  /** Effective (decayed) observations, priors excluded. */
  samples: { dials: number; humans: number; machines: number; talks: number; wraps: number };
  /** False until every minimum is met: the controller then paces progressively. */
  trusted: boolean;
  /** Why not trusted, e.g. `12.4 of 20 human answers measured`. */
  untrustedBecause?: string;
}

function blend(observed: Distribution, priorMean: number, priorWeight: number): Distribution {
  const w = observed.weight + priorWeight;
  const priorCdf = (s: number) => (s <= 0 ? 0 : 1 - Math.exp(-s / priorMean));
  return {
    weight: observed.weight,
    mean: (observed.mean * observed.weight + priorMean * priorWeight) / w,
    cdf: (s: number) => (observed.cdf(s) * observed.weight + priorCdf(s) * priorWeight) / w,
  };
}

/** The estimate at time `at` (ms), priors mixed in. Does not change `m`. */
export function estimate(
  m: PacingMeasurements,
  at: number,
  priors: PacingPriors = DEFAULT_PRIORS,
  minimums: TrustMinimums = DEFAULT_MINIMUMS,
): PacingEstimate {
  const f = at > m.at ? Math.pow(2, -(at - m.at) / m.halfLifeMs) : 1;
  const decayOf = (h: DecayedHistogram) => (at > h.at ? Math.pow(2, -(at - h.at) / m.halfLifeMs) : 1);
  const dials = m.dials * f;
  const humans = m.humans * f;
  const machines = m.machines * f;
  const ringObs = toDistribution(m.ring);
  const talkObs = toDistribution(m.talk);
  const wrapObs = toDistribution(m.wrap);
  // Decay scales every bin alike, so it changes an observed distribution's weight only.
  ringObs.weight *= decayOf(m.ring);
  talkObs.weight *= decayOf(m.talk);
  wrapObs.weight *= decayOf(m.wrap);
  const talks = talkObs.weight;
  const wraps = wrapObs.weight;
  const shortfalls: string[] = [];
  const need = (have: number, min: number, what: string) => {
    if (have < min) shortfalls.push(`${have.toFixed(1)} of ${min} ${what} measured`);
  };
  need(dials, minimums.dials, 'dials');
  need(humans, minimums.humans, 'human answers');
  need(talks, minimums.talks, 'talk times');
  need(wraps, minimums.wraps, 'wrap-ups');
  const rateW = dials + priors.rateWeight;
  const slow = (humans + priors.humanRate * priors.rateWeight) / rateW;
  // A sudden rise of the answer rate overloads agents before a 10-minute average sees it: a fast
  // average that is significantly higher takes over (a falling rate only costs occupancy, so it waits).
  const g = at > m.at ? Math.pow(2, -(at - m.at) / m.fastHalfLifeMs) : 1;
  const dialsFast = m.dialsFast * g;
  const fast = dialsFast >= 30 ? (m.humansFast * g) / dialsFast : undefined;
  const rateShift = fast !== undefined && fast - 2 * Math.sqrt((fast * (1 - fast)) / dialsFast) > slow;
  return {
    humanRate: rateShift ? fast : slow,
    ...(fast !== undefined ? { humanRateFast: fast } : {}),
    rateShift,
    machineRate: (machines + priors.machineRate * priors.rateWeight) / rateW,
    ring: blend(ringObs, priors.ringMeanSec, priors.durationWeight),
    talk: blend(talkObs, priors.talkMeanSec, priors.durationWeight),
    wrap: blend(wrapObs, priors.wrapMeanSec, priors.durationWeight),
    samples: { dials, humans, machines, talks, wraps },
    trusted: shortfalls.length === 0,
    ...(shortfalls.length > 0 ? { untrustedBecause: shortfalls.join(', ') } : {}),
  };
}
