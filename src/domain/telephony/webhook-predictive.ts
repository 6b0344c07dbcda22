import { BoundedCache } from '../../shared/bounded-cache.js';
import type { AgentLeg, AnsweredReport, OutcomeSink } from './provider.js';

/**
 * The Predictive half of the webhook protocol (docs/telephony-webhook.md, Predictive calls), kept
 * apart from webhook-provider.ts so that file stays about dialing and outcomes:
 * - the provider's `{"event":"answered","attemptId","ringSec"}` callback, passed to
 *   `OutcomeSink.answered` at most once per attempt, its answer (the agent or null) remembered so a
 *   retried callback gets the same reply;
 * - the reply to `{"action":"bridge",…}`, campaignd naming an agent for a call that waits.
 * The provider, not campaignd, enforces the connect deadline and plays the abandon message: only it
 * can act within 2 s of the greeting, whatever becomes of an HTTP round trip or of this process.
 */

/**
 * Default timeout of a bridge request, ms: past the usual 2 s deadline, so a slow provider's own
 * "too late" is heard rather than guessed, yet short enough that a hung provider does not keep a
 * free agent from the next call for long.
 */
export const DEFAULT_BRIDGE_TIMEOUT_MS = 5_000;

export const isAnsweredEvent = (b: unknown): b is Record<string, unknown> =>
  typeof b === 'object' && b !== null && !Array.isArray(b) && (b as Record<string, unknown>).event === 'answered';

/** Validates an answered callback (after its signature); returns the report or a message for a 400. Unknown fields are ignored. */
export function parseAnswered(b: Record<string, unknown>, at: number): AnsweredReport | string {
  if (typeof b.attemptId !== 'string' || b.attemptId === '' || b.attemptId.length > 200)
    return 'attemptId must be a non-empty string';
  const ringSec = b.ringSec;
  if (typeof ringSec !== 'number' || !Number.isFinite(ringSec) || ringSec < 0)
    return 'ringSec must be a non-negative number';
  return { attemptId: b.attemptId, at, ringSec };
}

/**
 * The agent as the provider is told it: the AgentLeg fields and nothing else the sink's object may
 * carry (an engine row, say), in a fixed order, optional ones only when set.
 */
export function agentOnWire(a: AgentLeg): AgentLeg {
  return {
    id: a.id,
    name: a.name,
    ...(a.extension !== undefined ? { extension: a.extension } : {}),
    ...(a.externalId !== undefined ? { externalId: a.externalId } : {}),
  };
}

/**
 * What each answered call was told, so a retried callback (the provider missed our reply) is
 * answered alike without asking the sink again, which would reserve a second agent. The promise is
 * kept, not its value, so a repeat that arrives while the sink is still deciding shares the same
 * decision. Memory only and bounded like the adapter's other "already seen" sets: after a restart,
 * or at another process, a repeat reaches the sink again, which must then answer it the same way.
 */
export class AnsweredCalls {
  private readonly told: BoundedCache<string, Promise<AgentLeg | null>>;

  constructor(cap = 100_000) {
    this.told = new BoundedCache(cap);
  }

  /** The reply this process gave (or is giving) for the attempt, if it remembers one. */
  recall(attemptId: string): Promise<AgentLeg | null> | undefined {
    return this.told.get(attemptId);
  }

  /**
   * Asks the sink once. A sink without `answered` names nobody. A rejection is forgotten, so the
   * provider's retry (it gets an error status) asks again.
   */
  ask(sink: OutcomeSink, report: AnsweredReport): Promise<AgentLeg | null> {
    const decided = (async () => {
      const agent = sink.answered ? await sink.answered(report) : null;
      return agent ? agentOnWire(agent) : null;
    })();
    this.told.set(report.attemptId, decided);
    decided.catch(() => {
      if (this.told.get(report.attemptId) === decided) this.told.delete(report.attemptId);
    });
    return decided;
  }

  /** A bridge succeeded: a later repeat of the answered callback names that agent, as the call now has them. */
  bridged(attemptId: string, agent: AgentLeg): void {
    this.told.set(attemptId, Promise.resolve(agentOnWire(agent)));
  }
}

/** The provider's answer to a bridge request: only 2xx with `{"bridged":true}` means the call is the agent's. */
export function bridgeReply(status: number, body: string): boolean {
  if (status < 200 || status > 299) return false;
  try {
    const parsed: unknown = JSON.parse(body);
    return typeof parsed === 'object' && parsed !== null && (parsed as { bridged?: unknown }).bridged === true;
  } catch {
    return false;
  }
}
