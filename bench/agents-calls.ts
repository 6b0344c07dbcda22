/**
 * The seeded telephone traffic of the agents benchmark (agents-bench.ts), and the ideal it is
 * measured against. Each agent has its own seeded stream of call scripts: the agent's k-th call is
 * the same in the engine's run and in the ideal replay whatever the engine does, so the two differ
 * only by the time agents wait for their next call.
 */

import { uniform as seededUniform } from '../src/shared/random.js';

/** How one call goes, decided when it is dialed. */
export interface CallScript {
  kind: 'answered' | 'no-answer' | 'busy' | 'failed';
  /** Until the person answers (answered) or the network gives up (the others). */
  ringMs: number;
  /** Answered: the conversation. */
  talkMs: number;
  /** Answered: the agent's wrap-up before the disposition (beyond wrapUpSec the wrap-up runs out first). */
  thinkMs: number;
}

export interface TrafficOptions {
  seed: number;
  /** Share of calls a person answers; the rest are 55/70 no-answer, 10/70 busy, 5/70 failed. */
  answerRate: number;
}

/** The seeded stream of draws in [0, 1) (mulberry32: the same sequence on every machine). */
const rng = seededUniform;

const uniform = (r: () => number, lo: number, hi: number) => lo + (hi - lo) * r();

/** Log-normal with the given median and shape: handle times are skewed, a few calls are very long. */
function logNormal(r: () => number, median: number, sigma: number): number {
  const z = Math.sqrt(-2 * Math.log(1 - r())) * Math.cos(2 * Math.PI * r());
  return median * Math.exp(sigma * z);
}

/** The call scripts of agent `index`, in order. */
export function agentCalls(o: TrafficOptions, index: number): () => CallScript {
  const r = rng(o.seed * 1_000_003 + index * 7919 + 1);
  const noAnswer = o.answerRate + (1 - o.answerRate) * (55 / 70);
  const busy = o.answerRate + (1 - o.answerRate) * (65 / 70);
  return () => {
    const u = r();
    const ms = (s: number) => Math.round(s * 1000);
    if (u < o.answerRate) {
      return {
        kind: 'answered',
        ringMs: ms(uniform(r, 3, 20)),
        // Talk: median 2.5 min, mean about 3; wrap-up think time: median 12 s, about 1 % beyond 60 s.
        talkMs: ms(Math.min(1800, Math.max(10, logNormal(r, 150, 0.6)))),
        thinkMs: ms(Math.max(1, logNormal(r, 12, 0.7))),
      };
    }
    // maxRingTime is 30 s: an unanswered call rings out within it.
    if (u < noAnswer) return { kind: 'no-answer', ringMs: ms(uniform(r, 15, 30)), talkMs: 0, thinkMs: 0 };
    if (u < busy) return { kind: 'busy', ringMs: ms(uniform(r, 2, 6)), talkMs: 0, thinkMs: 0 };
    return { kind: 'failed', ringMs: ms(uniform(r, 0.5, 3)), talkMs: 0, thinkMs: 0 };
  };
}

/** When each agent logs in: spread over the first minute, as a shift starts. */
export function loginTimes(o: TrafficOptions, agents: number, start: number): number[] {
  const r = rng(o.seed * 31 + 17);
  return Array.from({ length: agents }, () => start + Math.round(r() * 60_000));
}

/** Talk time of one call within [.., end): the conversation from answer to hang-up, cut at the end. */
export function talkWithin(startedAt: number, s: CallScript, end: number): number {
  if (s.kind !== 'answered') return 0;
  const from = startedAt + s.ringMs;
  return Math.max(0, Math.min(from + s.talkMs, end) - Math.min(from, end));
}

/** When the agent of a call is free again, with no engine in between: the ideal's rule. */
export function freeAfter(startedAt: number, s: CallScript, wrapUpMs: number): number {
  if (s.kind !== 'answered') return startedAt + s.ringMs;
  return startedAt + s.ringMs + s.talkMs + Math.min(s.thinkMs, wrapUpMs);
}

export interface Occupancy {
  calls: number;
  answered: number;
  talkMs: number;
  loggedInMs: number;
}

/**
 * The ideal: every agent's next call starts the instant they are free (latency 0), with the same
 * scripts in the same order. Talk ÷ logged-in time up to `end` is the best occupancy these calls allow.
 */
export function idealOccupancy(o: TrafficOptions, logins: readonly number[], end: number, wrapUpMs: number): Occupancy {
  const out: Occupancy = { calls: 0, answered: 0, talkMs: 0, loggedInMs: 0 };
  logins.forEach((login, i) => {
    const next = agentCalls(o, i);
    out.loggedInMs += end - login;
    for (let t = login; t < end;) {
      const s = next();
      out.calls++;
      if (s.kind === 'answered') out.answered++;
      out.talkMs += talkWithin(t, s, end);
      t = freeAfter(t, s, wrapUpMs);
    }
  });
  return out;
}

/** Nearest-rank percentile (p in 0..100) of unsorted values; NaN when there are none. */
export function percentile(xs: readonly number[], p: number): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))]!;
}
