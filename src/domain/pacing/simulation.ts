/**
 * A seeded discrete-event simulator of one campaign's dialing, for pacing tests and the `pacing`
 * bench. Events run on a fake clock (a priority queue), so 10⁵ calls take seconds. Call `i` (the i-th
 * contact dialed) draws its outcome, ring, talk and wrap-up times from its own stream, so two runs with
 * the same seed — Predictive and Progressive, say — dial the same traffic.
 */
import { decidePacing, type GuardState, type PacingDecision, type PacingSettings } from './controller.js';
import {
  createMeasurements,
  estimate,
  recordDialOutcome,
  recordTalk,
  recordWrapUp,
  type MeasurementOptions,
  type PacingEstimate,
} from './measurement.js';
import { EventQueue } from './priority-queue.js';
import { logNormal, streamFor } from './random.js';

export interface TrafficModel {
  /** P(a dial is answered, by a person or a machine). */
  answerRate: number;
  /** Share of answers that are machines (detected, dropped, no agent needed). Default 0.25. */
  machineShare: number;
  /** Time to answer: log-normal mean and sd, s, clamped to [1, noAnswerSec). Default 8 and 4. */
  ringMeanSec: number;
  ringSdSec: number;
  /** A call nobody answers rings this long. Default 20. */
  noAnswerSec: number;
  /** Talk time: log-normal mean and sd, s. Default 120 and 60. */
  talkMeanSec: number;
  talkSdSec: number;
  /** Wrap-up: uniform in [min, max], s. Default 5–25. */
  wrapMinSec: number;
  wrapMaxSec: number;
}

export const DEFAULT_TRAFFIC: TrafficModel = {
  answerRate: 0.3,
  machineShare: 0.25,
  ringMeanSec: 8,
  ringSdSec: 4,
  noAnswerSec: 20,
  talkMeanSec: 120,
  talkSdSec: 60,
  wrapMinSec: 5,
  wrapMaxSec: 25,
};

export interface SimulationConfig {
  seed: number;
  agents: number;
  /** Calls to place. */
  calls: number;
  mode: 'predictive' | 'progressive';
  traffic?: Partial<TrafficModel>;
  /** From call index `atCall` on, calls are answered with probability `answerRate`. */
  answerRateChange?: { atCall: number; answerRate: number };
  pacing?: Partial<PacingSettings>;
  measurement?: MeasurementOptions;
  /** Engine tick, s. Default 1. */
  tickSec?: number;
  /** Called with every predictive decision (tests and debugging). */
  onDecision?: (nowSec: number, decision: PacingDecision) => void;
}

export interface SimulationResult {
  calls: number;
  /** Live-person answers, abandoned ones included (the abandon rate's denominator). */
  humans: number;
  machines: number;
  abandoned: number;
  abandonRate: number;
  /** Highest abandoned / answered of the window at any abandon once 1/target answers were in. */
  peakAbandonRate: number;
  /** Live-person answers in the window when that peak was reached. */
  peakAnswered: number;
  /** Talk time / (agents × time until the last call was placed). */
  occupancy: number;
  /** Simulated seconds until the last call was placed. */
  dialingSec: number;
  /** Ticks spent in each guard state (predictive only). */
  guardTicks: Record<GuardState, number>;
}

interface CallDraw {
  human: boolean;
  machine: boolean;
  ringSec: number;
  talkSec: number;
  wrapSec: number;
}

function drawCall(seed: number, i: number, t: TrafficModel, answerRate: number): CallDraw {
  const r = streamFor(seed, i);
  const answered = r() < answerRate;
  const machine = answered && r() < t.machineShare;
  const ring = Math.min(t.noAnswerSec - 0.01, Math.max(1, logNormal(r, t.ringMeanSec, t.ringSdSec)));
  const talkSec = Math.max(5, logNormal(r, t.talkMeanSec, t.talkSdSec));
  const wrapSec = t.wrapMinSec + r() * (t.wrapMaxSec - t.wrapMinSec);
  return { human: answered && !machine, machine, ringSec: answered ? ring : t.noAnswerSec, talkSec, wrapSec };
}

type SimEvent =
  | { at: number; kind: 'tick' }
  | { at: number; kind: 'ring-end'; call: number }
  | { at: number; kind: 'deadline'; call: number }
  | { at: number; kind: 'talk-end'; agent: number; call: number }
  | { at: number; kind: 'wrap-end'; agent: number; call: number };

const FREE = 0;
const RESERVED = 1;
const TALK = 2;
const WRAP = 3;

export function simulatePacing(config: SimulationConfig): SimulationResult {
  const traffic: TrafficModel = { ...DEFAULT_TRAFFIC, ...config.traffic };
  const tick = config.tickSec ?? 1;
  const deadline = config.pacing?.connectDeadlineSec ?? 2;
  const target = config.pacing?.targetAbandonRate ?? 0.03;
  const predictive = config.mode === 'predictive';
  const m = createMeasurements(0, config.measurement);
  const q = new EventQueue<SimEvent>();

  const state = new Uint8Array(config.agents);
  const since = new Float64Array(config.agents);
  const freeStack: number[] = [];
  for (let a = config.agents - 1; a >= 0; a--) freeStack.push(a);
  const draws = new Map<number, CallDraw>();
  const ringing = new Map<number, number>(); // call → placed at
  const boundAgent = new Map<number, number>(); // progressive: call → reserved agent
  const waiting: number[] = []; // calls of people waiting for an agent, in answer order
  const waitingSet = new Set<number>();

  let placed = 0;
  let humans = 0;
  let machines = 0;
  let abandoned = 0;
  let peak = 0;
  let peakAnswered = 0;
  let talkTotal = 0;
  let dialingSec = 0;
  const guardTicks: Record<GuardState, number> = { open: 0, cold: 0, tripped: 0, projected: 0 };

  const connect = (agent: number, call: number, now: number) => {
    const d = draws.get(call)!;
    state[agent] = TALK;
    since[agent] = now;
    q.push({ at: now + d.talkSec, kind: 'talk-end', agent, call });
  };
  const agentFree = (agent: number, now: number) => {
    while (waiting.length > 0) {
      const call = waiting.shift()!;
      if (!waitingSet.delete(call)) continue;
      connect(agent, call, now);
      return;
    }
    state[agent] = FREE;
    since[agent] = now;
    freeStack.push(agent);
  };
  const takeFree = (): number | undefined => {
    while (freeStack.length > 0) {
      const a = freeStack.pop()!;
      if (state[a] === FREE) return a;
    }
    return undefined;
  };
  const place = (now: number, agent?: number) => {
    const i = placed++;
    const change = config.answerRateChange;
    const rate = change && i >= change.atCall ? change.answerRate : traffic.answerRate;
    const d = drawCall(config.seed, i, traffic, rate);
    draws.set(i, d);
    ringing.set(i, now);
    if (agent !== undefined) {
      state[agent] = RESERVED;
      since[agent] = now;
      boundAgent.set(i, agent);
    }
    q.push({ at: now + d.ringSec, kind: 'ring-end', call: i });
    if (placed === config.calls) dialingSec = now;
  };

  let est: PacingEstimate | undefined;
  let estAt = 0;
  q.push({ at: 0, kind: 'tick' });
  for (let ev = q.pop(); ev; ev = q.pop()) {
    const now = ev.at;
    switch (ev.kind) {
      case 'tick': {
        if (predictive) {
          const onCall: number[] = [];
          const wrap: number[] = [];
          let free = 0;
          for (let a = 0; a < config.agents; a++) {
            if (state[a] === FREE) free++;
            else if (state[a] === TALK) onCall.push(now - since[a]!);
            else if (state[a] === WRAP) wrap.push(now - since[a]!);
          }
          const ringingSec: number[] = [];
          for (const at of ringing.values()) ringingSec.push(now - at);
          // The estimate moves with a 10-minute half-life: refreshing it every 5 s loses nothing.
          if (!est || now - estAt >= 5) {
            est = estimate(m, now * 1000);
            estAt = now;
          }
          const decision = decidePacing({
            estimate: est,
            freeAgents: free,
            onCallSec: onCall,
            wrapUpSec: wrap,
            ringingSec,
            waitingHumans: waitingSet.size,
            window: { abandoned, answered: humans },
            ...(config.pacing ? { settings: config.pacing } : {}),
          });
          guardTicks[decision.guard.state]++;
          config.onDecision?.(now, decision);
          for (let k = 0; k < decision.dials && placed < config.calls; k++) place(now);
        } else {
          while (placed < config.calls) {
            const a = takeFree();
            if (a === undefined) break;
            place(now, a);
          }
        }
        if (placed < config.calls) q.push({ at: now + tick, kind: 'tick' });
        break;
      }
      case 'ring-end': {
        const d = draws.get(ev.call)!;
        ringing.delete(ev.call);
        const agent = boundAgent.get(ev.call);
        boundAgent.delete(ev.call);
        recordDialOutcome(m, now * 1000, d.human ? 'human' : d.machine ? 'machine' : 'no-answer', d.ringSec);
        if (d.human) {
          humans++;
          if (agent !== undefined) connect(agent, ev.call, now);
          else {
            const a = takeFree();
            if (a !== undefined) connect(a, ev.call, now);
            else {
              waiting.push(ev.call);
              waitingSet.add(ev.call);
              q.push({ at: now + deadline, kind: 'deadline', call: ev.call });
            }
          }
        } else {
          if (d.machine) machines++;
          draws.delete(ev.call);
          if (agent !== undefined) agentFree(agent, now);
        }
        break;
      }
      case 'deadline': {
        if (waitingSet.delete(ev.call)) {
          abandoned++;
          draws.delete(ev.call);
          if (humans * target >= 1 && abandoned / humans > peak) {
            peak = abandoned / humans;
            peakAnswered = humans;
          }
        }
        break;
      }
      case 'talk-end': {
        const d = draws.get(ev.call)!;
        const end = placed === config.calls ? Math.min(now, dialingSec) : now;
        talkTotal += Math.max(0, end - (now - d.talkSec));
        recordTalk(m, now * 1000, d.talkSec);
        state[ev.agent] = WRAP;
        since[ev.agent] = now;
        q.push({ at: now + d.wrapSec, kind: 'wrap-end', agent: ev.agent, call: ev.call });
        break;
      }
      case 'wrap-end': {
        const d = draws.get(ev.call)!;
        draws.delete(ev.call);
        recordWrapUp(m, now * 1000, d.wrapSec);
        agentFree(ev.agent, now);
        break;
      }
    }
  }
  return {
    calls: placed,
    humans,
    machines,
    abandoned,
    abandonRate: humans > 0 ? abandoned / humans : 0,
    peakAbandonRate: peak,
    peakAnswered,
    // Talk after the last call was placed (the drain) is left out: it would flatter both modes.
    occupancy: dialingSec > 0 ? Math.min(1, talkTotal / (config.agents * dialingSec)) : 0,
    dialingSec,
    guardTicks,
  };
}
