import { mulberry32 } from '../../shared/random.js';
import type { Clock } from '../../shared/clock.js';
import { BoundedSet, ProviderUnavailableError, precheck } from './provider.js';
import type {
  AgentLeg,
  DialRequest,
  OutcomeReport,
  OutcomeSink,
  PredictiveLeg,
  Provider,
  StartResult,
} from './provider.js';

/**
 * A fake network for the demo and for tests: every attempt gets an outcome drawn from a PRNG keyed
 * by (seed, attemptId), so a run replays exactly and the result of one attempt never depends on
 * which other attempts ran before it or in what order.
 */

/** Outcomes the simulator draws directly; `machine` comes from `machineRate` among answered calls. */
export type SimVoiceOutcome = 'completed' | 'no-answer' | 'busy' | 'failed' | 'invalid' | 'rejected' | 'unknown';
export type SimSmsOutcome = 'sms-sent' | 'sms-failed';
export type SimMix = Partial<Record<SimVoiceOutcome | SimSmsOutcome, number>>;

export interface SimProfile {
  /**
   * Relative weights. Voice and SMS keys are separate tables: giving any voice key replaces the
   * whole default voice table (missing keys weigh 0), so `{ completed: 1 }` means "always answered".
   * Default voice: completed 70, no-answer 15, busy 7, failed 4, invalid 2, rejected 2;
   * default SMS: sms-sent 97, sms-failed 3.
   */
  mix?: SimMix;
  /** Seconds an answered call rings, uniform [min, max]. Default [2, 20]. */
  ringSec?: [number, number];
  /** Seconds an answered call lasts after pickup, uniform [min, max]. Default [15, 120]. */
  talkSec?: [number, number];
  /** Share of answered calls picked up by a machine, 0–1. Default 0.15. */
  machineRate?: number;
}

const DEFAULT_VOICE: Record<SimVoiceOutcome, number> = {
  completed: 70,
  'no-answer': 15,
  busy: 7,
  failed: 4,
  invalid: 2,
  rejected: 2,
  unknown: 0,
};
const DEFAULT_SMS: Record<SimSmsOutcome, number> = { 'sms-sent': 97, 'sms-failed': 3 };

/**
 * The voice table for an answer rate (SIMULATOR_ANSWER_RATE): `rate` of the calls answered, the rest
 * shared as in the default table (no-answer 15, busy 7, failed 4, invalid 2, rejected 2), with the
 * SMS defaults kept. 0.7 gives the default table exactly.
 */
export function answerMix(rate: number): SimMix {
  const rest = 1 - rate;
  return {
    completed: rate * 100,
    'no-answer': rest * 50,
    busy: (rest * 700) / 30,
    failed: (rest * 400) / 30,
    invalid: (rest * 200) / 30,
    rejected: (rest * 200) / 30,
    ...DEFAULT_SMS,
  };
}
const DEFAULT_RING_TIMEOUT_SEC = 30;
/** How long AMD listens before deciding; a `disconnect` call ends right after. */
const AMD_DECISION_SEC = 3;

export type SimulatedOutcome = Omit<OutcomeReport, 'attemptId' | 'at'> & {
  /** Simulated seconds from start() until the outcome is known. */
  durationSec: number;
  /**
   * A call with an agent leg that a person (or, undetected, a machine) answered: seconds until it is
   * connected to the agent. A Predictive call is answered then, and connected when campaignd names an agent.
   */
  connectSec?: number;
};

/** FNV-1a over the seed and attempt id: cheap, stable across Node versions, good enough to seed. */
function hashSeed(seed: number, attemptId: string): number {
  // The seed enters only through the string: XOR-ing it into the basis too cancels out (1^'1' == 2^'2').
  let h = 0x811c9dc5;
  const s = `${seed}\u0000${attemptId}`;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

function pick<K extends string>(weights: Record<K, number>, u: number): K {
  const entries = (Object.entries(weights) as [K, number][]).filter(([, w]) => w > 0);
  const total = entries.reduce((s, [, w]) => s + w, 0);
  if (entries.length === 0 || total <= 0) throw new RangeError('simulator mix has no positive weight');
  let x = u * total;
  for (const [k, w] of entries) {
    if (x < w) return k;
    x -= w;
  }
  return entries[entries.length - 1]![0];
}

function tables(mix: SimMix | undefined): {
  voice: Record<SimVoiceOutcome, number>;
  sms: Record<SimSmsOutcome, number>;
} {
  const keys = Object.keys(mix ?? {});
  const voiceKeys = Object.keys(DEFAULT_VOICE);
  const given = (k: string): number => Math.max(0, Number((mix as Record<string, number>)[k] ?? 0));
  const voice = keys.some((k) => voiceKeys.includes(k))
    ? (Object.fromEntries(voiceKeys.map((k) => [k, given(k)])) as Record<SimVoiceOutcome, number>)
    : DEFAULT_VOICE;
  const sms = keys.some((k) => k in DEFAULT_SMS)
    ? { 'sms-sent': given('sms-sent'), 'sms-failed': given('sms-failed') }
    : DEFAULT_SMS;
  return { voice, sms };
}

const round1 = (x: number): number => Math.round(x * 10) / 10;

/**
 * Pure: the outcome the simulator gives `req` under `seed`. Every draw is taken up front in a fixed
 * order, so changing one setting (say machine detection) changes only what depends on it and the
 * same attempt still rings and talks for the same time.
 */
export function createSimulatedOutcome(seed: number, req: DialRequest, profile: SimProfile = {}): SimulatedOutcome {
  const next = mulberry32(hashSeed(seed, req.attemptId));
  const unit = (): number => next() / 2 ** 32;
  const [uOutcome, uMachine, uRing, uTalk, uHangup] = [unit(), unit(), unit(), unit(), unit()];
  const botSessionId = [next(), next(), next()].map((n) => n.toString(16).padStart(8, '0')).join('');
  const { voice, sms } = tables(profile.mix);

  if (req.channel === 'sms') {
    const outcome = pick(sms, uOutcome);
    // A text written by an experience flow (advanced SMS, Send Outbound SMS) ran a bot session, as a voice flow does.
    const flowRan = outcome === 'sms-sent' && typeof req.experienceFlowId === 'string' && req.experienceFlowId !== '';
    return {
      outcome,
      durationSec: round1(1 + uRing * 2),
      ...(flowRan ? { botSessionId } : {}),
      ...(outcome === 'sms-failed' ? { detail: 'carrier rejected the message' } : {}),
    };
  }

  const [ringMin, ringMax] = profile.ringSec ?? [2, 20];
  const [talkMin, talkMax] = profile.talkSec ?? [15, 120];
  const ringTimeout = req.ringTimeoutSec ?? DEFAULT_RING_TIMEOUT_SEC;
  const drawn = pick(voice, uOutcome);
  switch (drawn) {
    case 'no-answer':
      return { outcome: 'no-answer', ringSec: ringTimeout, talkSec: 0, durationSec: ringTimeout };
    case 'busy':
      return { outcome: 'busy', ringSec: 0, talkSec: 0, durationSec: 1 };
    case 'failed':
    case 'invalid':
    case 'rejected':
      return { outcome: drawn, ringSec: 0, talkSec: 0, durationSec: 1, detail: `simulated ${drawn}` };
    case 'unknown':
      return { outcome: 'unknown', durationSec: ringTimeout, detail: 'simulated lost outcome' };
    case 'completed':
      break;
  }

  const ringSec = round1(ringMin + uRing * (ringMax - ringMin));
  // The callee would have answered, but the network gave up first.
  if (ringSec > ringTimeout)
    return { outcome: 'no-answer', ringSec: ringTimeout, talkSec: 0, durationSec: ringTimeout };

  const isMachine = uMachine < (profile.machineRate ?? 0.15);
  const mode = req.machineDetection ?? 'no';
  const talkSec = round1(talkMin + uTalk * (talkMax - talkMin));
  if (isMachine && mode === 'disconnect') {
    // Only Kore's userHangUp / agentHangUp samples are documented; a system hang-up is our own label.
    return {
      outcome: 'machine',
      machineDetected: true,
      ringSec,
      talkSec: AMD_DECISION_SEC,
      durationSec: ringSec + AMD_DECISION_SEC,
      botOutboundStatus: 'systemHangUp',
      botOutboundStatusDetail: 'machine_detected',
    };
  }
  // With an agent leg the call is connected to the agent at pickup; the person hangs up after
  // talkSec unless the agent ends the call first (SimulatorProvider.hangup). Dispositions are the
  // agent's to give, never the network's. Without one, the bot flow ends it either way.
  const forAgent = req.agent !== undefined || req.predictive !== undefined;
  const agentEnded = !forAgent && uHangup < 0.3;
  const flow = {
    ringSec,
    talkSec,
    durationSec: round1(ringSec + talkSec),
    botSessionId,
    botOutboundStatus: agentEnded ? 'agentHangUp' : 'userHangUp',
    botOutboundStatusDetail: agentEnded ? 'agent_hangup' : uHangup < 0.65 ? 'user_hangup' : 'Client side',
    ...(forAgent ? { connectSec: ringSec } : { agentDispositionCodes: [] }),
  };
  // With detection off a machine pickup is indistinguishable from a person: the bot plays to it.
  if (isMachine && mode === 'detect') return { outcome: 'machine', machineDetected: true, ...flow };
  return { outcome: 'completed', ...(mode !== 'no' ? { machineDetected: false } : {}), ...flow };
}

/** Runs `fn` after `delayMs` and returns a cancel function. */
export type Scheduler = (fn: () => void, delayMs: number) => () => void;

/** setTimeout unref'd so a pending simulated call never keeps a finished process alive. */
export const defaultScheduler: Scheduler = (fn, delayMs) => {
  if (delayMs <= 0) {
    const im = setImmediate(fn);
    im.unref();
    return () => clearImmediate(im);
  }
  const t = setTimeout(fn, delayMs);
  t.unref();
  return () => clearTimeout(t);
};

export interface SimulatorOptions extends SimProfile {
  sink: OutcomeSink;
  clock: Clock;
  /** PRNG seed (config SIMULATOR_SEED). Default 1. */
  seed?: number;
  /** Real seconds per simulated second; 0 delivers on the next turn of the event loop. Default 0.01. */
  speed?: number;
  /** Default `defaultScheduler`; tests inject a manual one. */
  scheduler?: Scheduler;
  /** Called when the sink throws; default emits a process warning. */
  onError?: (err: unknown, report: OutcomeReport) => void;
}

/** A simulated call out: how to cancel what is scheduled for it, and its connection to an agent. */
interface SimCall {
  sim: SimulatedOutcome;
  cancel: () => void;
  /** Clock ms when it was connected to its agent. */
  connectedAt?: number;
  /** The `connected` report being stored: the outcome waits for it, so it is never recorded first. */
  connecting?: Promise<unknown>;
  /** Predictive: answered and waiting for an agent until this clock instant. */
  waitingUntil?: number;
}

export class SimulatorProvider implements Provider {
  readonly name = 'simulator';
  private readonly pending = new Map<string, SimCall>();
  /** Outcomes handed to the sink whose promise has not settled yet. */
  private reporting = 0;
  /** drain() callers, woken when nothing is pending or reporting. */
  private idleWaiters: (() => void)[] = [];
  /** Attempts already started; bounded because the engine already guarantees one start per attempt. */
  private readonly started = new BoundedSet(100_000);
  private closed = false;

  constructor(private readonly opts: SimulatorOptions) {
    const speed = opts.speed ?? 0.01;
    if (!Number.isFinite(speed) || speed < 0) throw new RangeError('simulator speed must be >= 0');
  }

  async start(req: DialRequest): Promise<StartResult> {
    if (this.closed) throw new ProviderUnavailableError('simulator provider is closed');
    const refusal = precheck(req);
    if (refusal) return refusal;
    if (this.started.has(req.attemptId)) return { accepted: true };
    this.started.add(req.attemptId);

    const sim = createSimulatedOutcome(this.opts.seed ?? 1, req, this.opts);
    const schedule = this.opts.scheduler ?? defaultScheduler;
    const id = req.attemptId;
    const call: SimCall = { sim, cancel: () => {} };
    this.pending.set(id, call);
    if (req.predictive && sim.connectSec !== undefined) {
      // Answered at connectSec; what follows depends on campaignd naming an agent (answered / bridge).
      call.cancel = schedule(() => this.answer(id, req.predictive!), this.realMs(sim.connectSec));
      return { accepted: true };
    }
    // Connect first: a scheduler that runs what is due in order (a test's) must see the pickup before the end.
    const cancelConnect =
      sim.connectSec === undefined ? () => {} : schedule(() => this.connect(id), this.realMs(sim.connectSec));
    const cancelEnd = schedule(() => this.deliver(id, sim), this.realMs(sim.durationSec));
    call.cancel = () => {
      cancelConnect();
      cancelEnd();
    };
    return { accepted: true };
  }

  /**
   * Predictive: the person answered. campaignd names an agent now or later (bridge); nobody named by
   * the deadline, the abandon message plays and the call ends `abandoned`.
   */
  private answer(attemptId: string, leg: PredictiveLeg): void {
    const call = this.pending.get(attemptId);
    if (!call) return;
    const at = this.opts.clock.now();
    const schedule = this.opts.scheduler ?? defaultScheduler;
    call.waitingUntil = at + leg.connectDeadlineSec * 1000;
    call.cancel = schedule(() => this.abandon(attemptId, leg), this.realMs(leg.connectDeadlineSec));
    const ringSec = call.sim.connectSec ?? call.sim.ringSec ?? 0;
    void this.track(
      async () => {
        const agent = await this.opts.sink.answered?.({ attemptId, at, ringSec });
        if (agent) await this.bridge(attemptId, agent);
      },
      attemptId,
      undefined,
    );
  }

  private abandon(attemptId: string, leg: PredictiveLeg): void {
    const call = this.pending.get(attemptId);
    if (!call || call.waitingUntil === undefined) return;
    const message = leg.abandonMessageId ?? 'the default message';
    this.deliver(attemptId, {
      outcome: 'abandoned',
      ringSec: call.sim.connectSec ?? call.sim.ringSec ?? 0,
      talkSec: 0,
      durationSec: 0,
      detail: `no agent within ${leg.connectDeadlineSec} s of the answer; played ${message}`,
    });
  }

  async bridge(attemptId: string, _agent: AgentLeg): Promise<boolean> {
    const call = this.pending.get(attemptId);
    if (!call || call.waitingUntil === undefined) return false;
    // Past the deadline the abandon is due even if its timer has not fired yet (a slow event loop).
    if (this.opts.clock.now() > call.waitingUntil) return false;
    call.cancel();
    call.waitingUntil = undefined;
    this.connect(attemptId);
    const schedule = this.opts.scheduler ?? defaultScheduler;
    const sim = call.sim;
    call.cancel = schedule(
      () => this.deliver(attemptId, { ...sim, durationSec: round1((sim.ringSec ?? 0) + (sim.talkSec ?? 0)) }),
      this.realMs(sim.talkSec ?? 0),
    );
    return true;
  }

  /**
   * The agent ends the call: connected, it ends now as the agent's hang-up, with the talk time so
   * far; still ringing, as no answer.
   */
  async hangup(attemptId: string): Promise<void> {
    const call = this.pending.get(attemptId);
    if (!call) return;
    call.cancel();
    const { sim } = call;
    const speed = this.opts.speed ?? 0.01;
    if (call.connectedAt !== undefined) {
      const talked = speed > 0 ? (this.opts.clock.now() - call.connectedAt) / 1000 / speed : (sim.talkSec ?? 0);
      this.deliver(attemptId, {
        ...sim,
        talkSec: round1(Math.min(sim.talkSec ?? talked, talked)),
        botOutboundStatus: 'agentHangUp',
        botOutboundStatusDetail: 'agent_hangup',
      });
    } else {
      this.deliver(attemptId, {
        outcome: 'no-answer',
        ringSec: sim.connectSec ?? sim.ringSec ?? 0,
        talkSec: 0,
        durationSec: 0,
        detail: 'ended by the agent before anyone answered',
      });
    }
  }

  /** Number of accepted attempts whose outcome has not been delivered yet. */
  get inFlight(): number {
    return this.pending.size;
  }

  async drain(timeoutMs: number): Promise<number> {
    if (this.pending.size > 0 || this.reporting > 0) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, timeoutMs);
        this.idleWaiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
    return this.pending.size;
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const call of this.pending.values()) call.cancel();
    this.pending.clear();
  }

  private realMs(simulatedSec: number): number {
    return Math.round(simulatedSec * 1000 * (this.opts.speed ?? 0.01));
  }

  private connect(attemptId: string): void {
    const call = this.pending.get(attemptId);
    if (!call || call.connectedAt !== undefined) return;
    const at = this.opts.clock.now();
    call.connectedAt = at;
    call.connecting = this.track(() => this.opts.sink.connected?.({ attemptId, at }), attemptId, undefined);
  }

  private deliver(attemptId: string, sim: SimulatedOutcome): void {
    const call = this.pending.get(attemptId);
    if (!call) return; // cancelled by close(), or already ended by hangup()
    this.pending.delete(attemptId);
    const { durationSec: _d, connectSec: _c, ...fields } = sim;
    // `at` is when campaignd learns the outcome on its own clock: with speed < 1 the simulated call
    // is shorter in real time than ringSec + talkSec, and a start-plus-duration stamp would lie in
    // the engine's future (skewing retry waits). The simulated durations stay in ringSec / talkSec.
    const report: OutcomeReport = { attemptId, ...fields, at: this.opts.clock.now() };
    void this.track(
      async () => {
        await call.connecting;
        await this.opts.sink.report(report);
      },
      attemptId,
      report,
    );
  }

  /** Runs a report to the sink, counted for drain(); a failure goes to onError. */
  private track(fn: () => unknown, attemptId: string, report: OutcomeReport | undefined): Promise<unknown> {
    const onError =
      this.opts.onError ??
      ((err: unknown) => process.emitWarning(`simulator report for ${attemptId} was not recorded: ${String(err)}`));
    this.reporting++;
    return Promise.resolve()
      .then(fn)
      .catch((err: unknown) => onError(err, report ?? { attemptId, outcome: 'unknown', at: this.opts.clock.now() }))
      .finally(() => {
        this.reporting--;
        if (this.pending.size === 0 && this.reporting === 0) for (const wake of this.idleWaiters.splice(0)) wake();
      });
  }
}
