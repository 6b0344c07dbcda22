import type { Clock } from '../../shared/clock.js';
import { BoundedSet, MAX_CONVERSATION_MS, ProviderUnavailableError, precheck } from './provider.js';
import type {
  AgentLeg,
  AnsweredReport,
  ConnectedReport,
  DialRequest,
  OutcomeReport,
  OutcomeSink,
  Provider,
  StartResult,
} from './provider.js';
import { DEFAULT_TOLERANCE_SEC, IDEMPOTENCY_HEADER, signRequest, verifyRequest } from './signature.js';
import type { HeaderBag } from './signature.js';
import { isConnectedEvent, parseCallback } from './webhook-callback-body.js';
import {
  AnsweredCalls,
  DEFAULT_BRIDGE_TIMEOUT_MS,
  agentOnWire,
  bridgeReply,
  isAnsweredEvent,
  parseAnswered,
} from './webhook-predictive.js';

/**
 * Bridges to a real voice / SMS provider over HTTP. Each attempt is POSTed, signed, with the
 * attempt id as idempotency key; the provider later POSTs the outcome to our callback route,
 * which hands the raw body and headers to `handleCallback`. Predictive calls add an `answered`
 * callback and a `bridge` request (webhook-predictive.ts).
 *
 * Failure semantics, chosen so an attempt is never dialed twice without knowing:
 * - 2xx, or 409 (the provider already holds this idempotency key) → accepted, outcome by callback;
 * - other 4xx (except 408 / 429, retried) → refused as `failed`: the provider read and rejected it;
 * - connection refused / DNS failure → nothing was sent; retried, then `ProviderUnavailableError`
 *   so the engine hands the record back untouched;
 * - 5xx, timeout, connection reset → the provider may have started the call: retried with the same
 *   idempotency key, then refused as `unknown`, which the engine records and never redials blindly.
 */

export type FetchLike = (
  url: string,
  init: { method: string; headers: Record<string, string>; body: string; signal?: AbortSignal },
) => Promise<{ status: number; text(): Promise<string> }>;

export interface WebhookProviderOptions {
  /** TELEPHONY_WEBHOOK_URL. */
  url: string;
  /** TELEPHONY_WEBHOOK_SECRET; signs requests and verifies callbacks. */
  secret: string;
  clock: Clock;
  /** TELEPHONY_OUTCOME_TIMEOUT_SEC: after this, sweep() reports `unknown`. Default 300. */
  timeoutSec?: number;
  sink: OutcomeSink;
  /** Default global fetch. */
  fetch?: FetchLike;
  /** Pauses between tries of one request; its length + 1 is the number of tries. Default [250, 1000]. */
  retryDelaysMs?: number[];
  /** Per-try HTTP timeout in ms. Default 10000. */
  requestTimeoutMs?: number;
  /** Callback timestamp window either side of now, seconds. Default 300. */
  toleranceSec?: number;
  /** Timeout of the one try of a bridge request, ms. Default 5000 (DEFAULT_BRIDGE_TIMEOUT_MS). */
  bridgeTimeoutMs?: number;
}

export type CallbackResult =
  | { ok: true; report: OutcomeReport | ConnectedReport; duplicate: boolean }
  /** An answered callback: the route replies with `agent`, the provider's instruction for the call. */
  | { ok: true; report: AnsweredReport; duplicate: boolean; agent: AgentLeg | null }
  | { ok: false; status: 400 | 401; message: string };

type TryResult =
  | { kind: 'status'; status: number; body: string }
  | { kind: 'unsent'; error: unknown }
  | { kind: 'maybe-sent'; error: unknown };

/** Error codes meaning the TCP connection never opened, so the provider cannot have seen the request. */
const UNSENT_CODES = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'UND_ERR_CONNECT_TIMEOUT',
]);

function errorCode(err: unknown): string | undefined {
  for (let e: unknown = err, depth = 0; e !== null && typeof e === 'object' && depth < 5; depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string') return code;
    e = (e as { cause?: unknown }).cause;
  }
  return undefined;
}

const retryable = (status: number): boolean => status >= 500 || status === 408 || status === 429;
const snippet = (s: string): string => (s.length > 200 ? `${s.slice(0, 200)}…` : s);

export class WebhookProvider implements Provider {
  readonly name = 'webhook';
  readonly callsOutliveProcess = true;
  /** Accepted attempts awaiting a callback → epoch ms accepted. Memory only; the engine persists attempts. */
  private readonly pending = new Map<string, number>();
  /** Attempts whose callback was reported (or is being reported) so a duplicate is not reported twice. */
  private readonly reported = new BoundedSet(100_000);
  /** Attempts whose `connected` callback was passed on. */
  private readonly connected = new BoundedSet(100_000);
  /** Predictive calls announced by an answered callback, and what the provider was told. */
  private readonly answered = new AnsweredCalls(100_000);
  /** start() calls still talking to the provider, so a concurrent repeat shares the same POST. */
  private readonly starting = new Map<string, Promise<StartResult>>();
  private closed = false;

  constructor(private readonly opts: WebhookProviderOptions) {
    if (!/^https?:\/\//.test(opts.url)) throw new RangeError('webhook url must be http(s)');
    if (opts.secret.length === 0) throw new RangeError('webhook secret must not be empty');
  }

  async start(req: DialRequest): Promise<StartResult> {
    if (this.closed) throw new ProviderUnavailableError('webhook provider is closed');
    const refusal = precheck(req);
    if (refusal) return refusal;
    if (this.pending.has(req.attemptId) || this.reported.has(req.attemptId)) return { accepted: true };
    const inProgress = this.starting.get(req.attemptId);
    if (inProgress) return inProgress;
    const p = this.send(req).finally(() => this.starting.delete(req.attemptId));
    this.starting.set(req.attemptId, p);
    return p;
  }

  private async send(req: DialRequest): Promise<StartResult> {
    // The request already carries attemptId; the receiver also gets it as Idempotency-Key.
    const body = JSON.stringify(req);
    const delays = this.opts.retryDelaysMs ?? [250, 1000];
    let last: TryResult | undefined;
    let everMaybeSent = false;
    for (let i = 0; i <= delays.length; i++) {
      if (i > 0) await new Promise((r) => setTimeout(r, delays[i - 1]));
      last = await this.post(req.attemptId, body);
      if (last.kind === 'maybe-sent' || (last.kind === 'status' && last.status >= 500)) everMaybeSent = true;
      if (last.kind === 'status' && !retryable(last.status)) break;
    }
    const end = last!;
    if (end.kind === 'status' && ((end.status >= 200 && end.status < 300) || end.status === 409)) {
      // A fast provider's callback can beat its own 2xx; then there is nothing left to wait for.
      if (!this.reported.has(req.attemptId)) this.pending.set(req.attemptId, this.opts.clock.now());
      return { accepted: true };
    }
    if (end.kind === 'status' && end.status < 500 && !everMaybeSent) {
      return {
        accepted: false,
        outcome: 'failed',
        detail: `provider refused with HTTP ${end.status}: ${snippet(end.body)}`,
      };
    }
    // One earlier try might have reached the provider even if the last one certainly did not.
    if (end.kind === 'unsent' && !everMaybeSent) {
      throw new ProviderUnavailableError(
        `telephony webhook unreachable: ${errorCode(end.error) ?? String(end.error)}`,
        { cause: end.error },
      );
    }
    const why = end.kind === 'status' ? `HTTP ${end.status}` : `${errorCode(end.error) ?? String(end.error)}`;
    return {
      accepted: false,
      outcome: 'unknown',
      detail: `provider may have received the request (${why}); not redialing blindly`,
    };
  }

  /**
   * The agent ended the call: `{"action":"hangup","attemptId":…}` to the same URL, signed like a
   * dial request, with `Idempotency-Key: hangup:<attemptId>`. Tried like a dial request; if the
   * provider cannot be told, the call goes on until the person hangs up (its outcome comes as usual).
   */
  async hangup(attemptId: string): Promise<void> {
    if (this.closed) return;
    const body = JSON.stringify({ action: 'hangup', attemptId });
    const delays = this.opts.retryDelaysMs ?? [250, 1000];
    for (let i = 0; i <= delays.length; i++) {
      if (i > 0) await new Promise((r) => setTimeout(r, delays[i - 1]));
      const res = await this.post(`hangup:${attemptId}`, body);
      if (res.kind === 'status' && !retryable(res.status)) return;
    }
  }

  /**
   * Predictive: `{"action":"bridge","attemptId":…,"agent":{…}}` to the same URL, signed like a dial
   * request, `Idempotency-Key: bridge:<attemptId>`. One try, not retried: the call waits at most the
   * connect deadline (2 s), so a retry would only ever hear "too late". Anything but a 2xx
   * `{"bridged":true}` is false, and then the provider's deadline ends the call (its outcome comes by callback).
   */
  async bridge(attemptId: string, agent: AgentLeg): Promise<boolean> {
    if (this.closed) return false;
    const leg = agentOnWire(agent);
    const body = JSON.stringify({ action: 'bridge', attemptId, agent: leg });
    const res = await this.post(`bridge:${attemptId}`, body, this.opts.bridgeTimeoutMs ?? DEFAULT_BRIDGE_TIMEOUT_MS);
    const bridged = res.kind === 'status' && bridgeReply(res.status, res.body);
    if (bridged) this.answered.bridged(attemptId, leg);
    return bridged;
  }

  private async post(idempotencyKey: string, body: string, timeoutMs?: number): Promise<TryResult> {
    // Signed afresh per try so the timestamp stays inside the receiver's window; the key never changes.
    const headers = {
      'Content-Type': 'application/json',
      [IDEMPOTENCY_HEADER]: idempotencyKey,
      ...signRequest(this.opts.secret, body, this.opts.clock.now()),
    };
    const doFetch = this.opts.fetch ?? (globalThis.fetch as unknown as FetchLike);
    try {
      const res = await doFetch(this.opts.url, {
        method: 'POST',
        headers,
        body,
        signal: AbortSignal.timeout(timeoutMs ?? this.opts.requestTimeoutMs ?? 10_000),
      });
      return { kind: 'status', status: res.status, body: await res.text().catch(() => '') };
    } catch (error) {
      const code = errorCode(error);
      return code !== undefined && UNSENT_CODES.has(code) ? { kind: 'unsent', error } : { kind: 'maybe-sent', error };
    }
  }

  /** Reports `unknown` for attempts accepted more than timeoutSec ago without a callback. */
  async sweep(now: number): Promise<void> {
    const limitMs = (this.opts.timeoutSec ?? 300) * 1000;
    for (const [attemptId, acceptedAt] of [...this.pending]) {
      if (now - acceptedAt < limitMs) continue;
      // Forgotten only once stored, so a failing sink is retried by the next sweep. Not added to
      // `reported`: a late real callback is still worth passing on (see OutcomeSink).
      await this.opts.sink.report({
        attemptId,
        outcome: 'unknown',
        detail: `no outcome within ${limitMs / 1000}s`,
        at: now,
        overdue: true,
      });
      this.pending.delete(attemptId);
    }
  }

  /** Attempts accepted and still awaiting their outcome. */
  get inFlight(): number {
    return this.pending.size;
  }

  async close(): Promise<void> {
    this.closed = true;
  }

  /**
   * Verifies and applies one provider callback. The route maps `ok: false` to its status and
   * `ok: true` to 200 (duplicates too, so the provider stops retrying). If the sink rejects, this
   * rejects and forgets the attempt was seen: the route answers 5xx and the provider's retry is processed.
   * Callbacks are accepted for attempts this process does not remember (sent before a restart).
   */
  async handleCallback(rawBody: string, headers: HeaderBag): Promise<CallbackResult> {
    const verified = verifyRequest({
      secret: this.opts.secret,
      rawBody,
      headers,
      nowMs: this.opts.clock.now(),
      toleranceSec: this.opts.toleranceSec ?? DEFAULT_TOLERANCE_SEC,
    });
    if (!verified.ok) return { ok: false, status: 401, message: verified.reason };
    let parsed: unknown;
    try {
      parsed = JSON.parse(rawBody);
    } catch {
      return { ok: false, status: 400, message: 'body is not valid JSON' };
    }
    if (isConnectedEvent(parsed)) return this.handleConnected(parsed);
    if (isAnsweredEvent(parsed)) return this.handleAnswered(parsed);
    const checked = parseCallback(parsed, this.opts.clock.now());
    if (typeof checked === 'string') return { ok: false, status: 400, message: checked };

    if (this.reported.has(checked.attemptId)) return { ok: true, report: checked, duplicate: true };
    // Marked before awaiting so a concurrent duplicate is not reported while the first is stored.
    this.reported.add(checked.attemptId);
    try {
      await this.opts.sink.report(checked);
    } catch (err) {
      this.reported.delete(checked.attemptId);
      throw err;
    }
    this.pending.delete(checked.attemptId);
    return { ok: true, report: checked, duplicate: false };
  }

  /** `{"event":"connected","attemptId":…}`: the person answered and was put through to the agent. */
  private async handleConnected(b: Record<string, unknown>): Promise<CallbackResult> {
    if (typeof b.attemptId !== 'string' || b.attemptId === '' || b.attemptId.length > 200)
      return { ok: false, status: 400, message: 'attemptId must be a non-empty string' };
    const at = this.opts.clock.now();
    const report: ConnectedReport = {
      attemptId: b.attemptId,
      at,
      holdUntil: at + MAX_CONVERSATION_MS + (this.opts.timeoutSec ?? 300) * 1000,
    };
    if (this.connected.has(report.attemptId) || this.reported.has(report.attemptId))
      return { ok: true, report, duplicate: true };
    this.connected.add(report.attemptId);
    try {
      await this.opts.sink.connected?.(report);
    } catch (err) {
      this.connected.delete(report.attemptId);
      throw err;
    }
    return { ok: true, report, duplicate: false };
  }

  /**
   * `{"event":"answered","attemptId":…,"ringSec":…}`: a Predictive call's person answered. The sink
   * is asked once per attempt; a repeat gets the remembered reply, and a call whose outcome already
   * came waits for nobody. A rejecting sink rejects here (5xx), and the retry asks it again.
   */
  private async handleAnswered(b: Record<string, unknown>): Promise<CallbackResult> {
    const report = parseAnswered(b, this.opts.clock.now());
    if (typeof report === 'string') return { ok: false, status: 400, message: report };
    // Over is over, whatever was said before: nobody is to be connected to a call that ended.
    if (this.reported.has(report.attemptId)) return { ok: true, report, duplicate: true, agent: null };
    const told = this.answered.recall(report.attemptId);
    if (told) return { ok: true, report, duplicate: true, agent: await told };
    return { ok: true, report, duplicate: false, agent: await this.answered.ask(this.opts.sink, report) };
  }
}
