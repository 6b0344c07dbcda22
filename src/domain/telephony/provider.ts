/**
 * The one seam between the engine and the telephone network, for voice calls and SMS alike.
 * Adapters: `simulator.ts` (default, seeded) and `webhook-provider.ts` (signed HTTP to a real
 * provider, outcomes by callback). The engine never sees HTTP or timers, only this interface.
 */

export type Channel = 'voice' | 'sms';

/** Kore v2 Agentless `enableMachineDetect`: off, detect-and-continue, detect-and-hang-up. */
export type MachineDetectMode = 'no' | 'detect' | 'disconnect';

/**
 * One attempt handed to the network. Two kinds, told apart by `campaignId`: a campaign's attempt at
 * one of its contacts (`CampaignDialRequest`), and Kore's Send Outbound SMS, a single text outside
 * any campaign (`OutboundSmsRequest`), which has no campaign or run to name. The attempt id is the
 * idempotency key of both.
 */
export type DialRequest = CampaignDialRequest | OutboundSmsRequest;

/** What every request carries, whatever started it. */
export interface DialRequestBase {
  /** The engine's attempt id; doubles as the idempotency key everywhere (docs/engine.md, Invariants). */
  attemptId: string;
  channel: Channel;
  /** Destination in E.164 (`+15551234567`). */
  to: string;
  /** Caller id / sender in E.164 or a short code. */
  from: string;
  /** Voice: hang up unanswered after this many seconds (Kore `maxRingTime`, 5–120). Default 30. */
  ringTimeoutSec?: number;
  /** Voice: answering-machine detection. Default `no`. */
  machineDetection?: MachineDetectMode;
  /** SMS: the text to send, already rendered from its template. Absent when an experience flow writes it. */
  message?: string;
  /**
   * The bot flow that handles the conversation: voice, the answered call; SMS (an advanced SMS
   * campaign, Send Outbound SMS), the flow that composes and sends the text and handles replies.
   */
  experienceFlowId?: string;
  /** SMS: that flow's name, as configured in the bot (for providers that address flows by name). */
  experienceFlowName?: string;
  /** Voice: agent queue for Progressive / Preview campaigns; absent for Agentless. */
  queue?: string;
  /**
   * Voice, Progressive / Preview: the agent reserved for this call. A person who answers is
   * connected to them (the provider then reports `connected`); anything else ends the call.
   */
  agent?: AgentLeg;
  /**
   * Voice, Predictive: the call is placed for the queue, not for an agent. A person who answers is
   * announced to campaignd (`OutcomeSink.answered`), which names an agent at once or later
   * (`Provider.bridge`); nobody named within `connectDeadlineSec` of the answer, the provider plays
   * the abandon message and ends the call as `abandoned`.
   */
  predictive?: PredictiveLeg;
  /** Contact fields and custom data the flow or provider may use. */
  context: Record<string, unknown>;
}

/** A campaign's attempt at one contact. */
export interface CampaignDialRequest extends DialRequestBase {
  campaignId: string;
  /** Campaign instance (`cid-…`) the attempt belongs to. */
  instanceId: string;
}

/**
 * Kore's Send Outbound SMS (`POST /api/public/bot/{BotId}/outboundsms`): the experience flow that
 * `from` is attached to sends a text to `to`. There is no campaign, run or contact record: the
 * provider's outcome has nothing to be recorded against, and the attempt id is only logged.
 */
export interface OutboundSmsRequest extends DialRequestBase {
  channel: 'sms';
  campaignId?: undefined;
  instanceId?: undefined;
  experienceFlowId: string;
}

/** Where an agent takes calls: their id and, when set, their extension or SIP address. */
export interface AgentLeg {
  id: string;
  name: string;
  extension?: string;
  externalId?: string;
}

/** How a Predictive call waits for an agent after the answer (docs/pacing.md, Engine). */
export interface PredictiveLeg {
  /** Seconds from the answer to the agent's connection, at most (TCPA and Ofcom: 2). */
  connectDeadlineSec: number;
  /** What an abandoned call hears: a recording the provider knows by this id. Absent: its default. */
  abandonMessageId?: string;
}

/** Every outcome a provider may report, as a runtime list so callbacks can be validated. */
export const PROVIDER_OUTCOMES = [
  'completed',
  'no-answer',
  'busy',
  'failed',
  'machine',
  'invalid',
  'rejected',
  'unknown',
  /** Predictive: a person answered and no agent was connected within the deadline; the message was played. */
  'abandoned',
  'sms-sent',
  'sms-failed',
] as const;
export type ProviderOutcome = (typeof PROVIDER_OUTCOMES)[number];

export const isProviderOutcome = (v: unknown): v is ProviderOutcome =>
  typeof v === 'string' && (PROVIDER_OUTCOMES as readonly string[]).includes(v);

export interface OutcomeReport {
  attemptId: string;
  outcome: ProviderOutcome;
  ringSec?: number;
  talkSec?: number;
  /** True only when detection was on and found a machine; undefined when detection was off. */
  machineDetected?: boolean;
  /** 24 hex characters, like Kore's bot session ids; present when a bot flow ran. */
  botSessionId?: string;
  /** Kore samples: `userHangUp`, `agentHangUp`. */
  botOutboundStatus?: string;
  /** Kore samples: `user_hangup`, `agent_hangup`, `Client side`. */
  botOutboundStatusDetail?: string;
  agentDispositionCodes?: string[];
  detail?: string;
  /** Epoch ms from the injected clock at the moment the outcome became known to campaignd. */
  at: number;
  /**
   * Set by an adapter's own outcome timeout (not by the provider): nothing was heard in time. A
   * call connected to an agent is a conversation, not overdue: the engine ignores this for it.
   */
  overdue?: boolean;
}

/**
 * The longest conversation with an agent campaignd waits out: a connected call keeps its agent and
 * its lease this long after it was connected (renewed by a live engine, or held once at connect for
 * calls that outlive the process) before it is reconciled as `unknown`.
 */
export const MAX_CONVERSATION_MS = 4 * 3_600_000;

/**
 * Receives outcomes of accepted attempts. Contract for implementers (the engine):
 * - a refusal returned by `start()` is NOT also reported here;
 * - after a restart the same attempt may be reported again (adapters only remember in memory),
 *   so recording must be idempotent on attemptId;
 * - a real outcome may arrive for an attempt already reported as `unknown` (a late callback);
 *   it may be recorded for reporting but must not make the contact dialable "again" by itself.
 * A rejected promise is the adapter's signal that the outcome was not stored (the webhook
 * adapter then answers the callback with an error so the provider retries it).
 */
export interface OutcomeSink {
  report(r: OutcomeReport): Promise<void> | void;
  /**
   * A call with an agent leg was answered by a person and connected to the agent (at most once,
   * before its outcome; a repeat or a late one is ignored). Its outcome follows when it ends.
   * The engine's sink has it; sinks of tests that place no agent calls need not.
   */
  connected?(r: ConnectedReport): Promise<void> | void;
  /**
   * A Predictive call (a request with `predictive`) was answered by a person (or, with machine
   * detection off, by a machine nobody can tell from one), at most once. Resolves with the agent
   * to connect now, or null: the call waits, and campaignd names an agent later through
   * `Provider.bridge` or lets the deadline abandon it. A connected call then reports `connected`.
   */
  answered?(r: AnsweredReport): Promise<AgentLeg | null>;
}

export interface AnsweredReport {
  attemptId: string;
  /** Epoch ms from the injected clock. */
  at: number;
  /** Seconds the call rang before the answer. */
  ringSec: number;
}

export interface ConnectedReport {
  attemptId: string;
  /** Epoch ms from the injected clock. */
  at: number;
  /**
   * Calls that outlive the process (the webhook adapter): keep the call's lease until then, since no
   * engine heartbeat renews it. Absent: a live engine renews it (and a dead one's is reconciled).
   */
  holdUntil?: number;
}

export type StartResult = { accepted: true } | { accepted: false; outcome: ProviderOutcome; detail: string };

export interface Provider {
  readonly name: string;
  /**
   * Whether an accepted call goes on, and its outcome reaches campaignd, whatever becomes of this
   * process (the webhook adapter: the provider calls back any server). Such a call keeps its lease
   * for the whole outcome timeout. Otherwise (the simulator: the call lives in this process) the
   * lease is short and renewed by the engine's heartbeat, so a dead engine's calls are reconciled
   * within LEASE_MS. Default false.
   */
  readonly callsOutliveProcess?: boolean;
  /**
   * Hands one attempt to the network. Idempotent on attemptId: a repeat is answered `accepted`
   * and never produces a second outcome. Resolves when the provider accepted (or refused) the
   * request, NOT when the call ends; the outcome of an accepted attempt arrives through the sink.
   * Rejects with `ProviderUnavailableError` only when the request certainly never reached the
   * network (provider closed, connection refused): the attempt may then be retried as is.
   */
  start(req: DialRequest): Promise<StartResult>;
  /**
   * Ends a call in progress (the agent hung up). Idempotent, and a no-op for a call that already
   * ended or that the provider does not know; the outcome still arrives through the sink. Both
   * adapters have it; a provider without it cannot end a call for an agent.
   */
  hangup?(attemptId: string): Promise<void>;
  /**
   * Predictive: connects an answered call that is waiting for an agent to `agent`. True when the
   * call was waiting and is now theirs (`connected` follows); false when it no longer waits (the
   * deadline abandoned it, the person hung up, or the provider does not know it). A provider
   * without it cannot run Predictive campaigns.
   */
  bridge?(attemptId: string, agent: AgentLeg): Promise<boolean>;
  /** Reports `unknown` for accepted attempts whose outcome is overdue (webhook adapter). */
  sweep?(now: number): Promise<void>;
  /**
   * Shutdown: waits until the outcome of every attempt it accepted has been reported to the sink
   * (and stored), or `timeoutMs` of real time; resolves with how many were still out. Only an
   * adapter whose outcomes arrive in this process has it (the simulator): the webhook adapter's
   * arrive by callback at whichever server the provider calls, whatever this process does.
   */
  drain?(timeoutMs: number): Promise<number>;
  /** Stops timers and refuses new work; pending outcomes are left to the engine's reconciliation. */
  close(): Promise<void>;
}

/** The request never left campaignd, so nothing happened on the network; safe to retry. */
export class ProviderUnavailableError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ProviderUnavailableError';
  }
}

const E164 = /^\+[1-9]\d{6,14}$/;

/** E.164 by form: `+`, then 7-15 digits, the first not 0. Whether the number exists is the network's to say. */
export const isE164Format = (s: unknown): s is string => typeof s === 'string' && E164.test(s);

/**
 * Checks done by every adapter before anything is sent, so a bad record costs a cheap, certain
 * refusal instead of a provider round trip. Returns the refusal, or undefined when the request is fine.
 */
export function precheck(req: DialRequest): { accepted: false; outcome: ProviderOutcome; detail: string } | undefined {
  if (typeof req.attemptId !== 'string' || req.attemptId === '' || req.attemptId.length > 200) {
    return {
      accepted: false,
      outcome: 'failed',
      detail: 'attemptId must be a non-empty string of at most 200 characters',
    };
  }
  if (!E164.test(req.to)) {
    return {
      accepted: false,
      outcome: 'invalid',
      detail: `destination ${JSON.stringify(req.to)} is not an E.164 number`,
    };
  }
  // An SMS is either its text or an experience flow that writes it (advanced SMS, Send Outbound SMS).
  if (req.channel === 'sms' && blank(req.message) && blank(req.experienceFlowId)) {
    return { accepted: false, outcome: 'sms-failed', detail: 'SMS has neither a message nor an experience flow' };
  }
  return undefined;
}

const blank = (s: string | undefined): boolean => typeof s !== 'string' || s.trim() === '';

/**
 * A set that forgets its oldest entries beyond `cap`, for "already reported" bookkeeping: the
 * engine guarantees one start per attempt, so this is a safety net and must not grow forever.
 */
export class BoundedSet {
  private readonly items = new Set<string>();
  constructor(private readonly cap: number) {}
  has(k: string): boolean {
    return this.items.has(k);
  }
  add(k: string): void {
    this.items.add(k);
    if (this.items.size > this.cap) {
      const oldest = this.items.values().next();
      if (oldest.done !== true) this.items.delete(oldest.value);
    }
  }
  delete(k: string): void {
    this.items.delete(k);
  }
}
