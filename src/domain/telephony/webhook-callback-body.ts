import { isProviderOutcome } from './provider.js';
import type { OutcomeReport } from './provider.js';

/**
 * The bodies of the provider's callbacks other than `answered` (webhook-predictive.ts), validated
 * after the signature: what the provider may send is documented in docs/telephony-webhook.md
 * (Callback body), and every message here is one the provider may see in a 400.
 */

export const isConnectedEvent = (b: unknown): b is Record<string, unknown> =>
  typeof b === 'object' && b !== null && !Array.isArray(b) && (b as Record<string, unknown>).event === 'connected';

/** Validates a callback body; returns the report or a message for a 400. Unknown fields are ignored. */
export function parseCallback(body: unknown, at: number): OutcomeReport | string {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return 'body must be a JSON object';
  const b = body as Record<string, unknown>;
  if (typeof b.attemptId !== 'string' || b.attemptId === '' || b.attemptId.length > 200)
    return 'attemptId must be a non-empty string';
  if (!isProviderOutcome(b.outcome)) return `outcome ${JSON.stringify(b.outcome)} is not a known outcome`;
  const report: OutcomeReport = { attemptId: b.attemptId, outcome: b.outcome, at };
  for (const k of ['ringSec', 'talkSec'] as const) {
    const v = b[k];
    if (v === undefined) continue;
    if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) return `${k} must be a non-negative number`;
    report[k] = v;
  }
  if (b.machineDetected !== undefined) {
    if (typeof b.machineDetected !== 'boolean') return 'machineDetected must be a boolean';
    report.machineDetected = b.machineDetected;
  }
  for (const k of ['botSessionId', 'botOutboundStatus', 'botOutboundStatusDetail', 'detail'] as const) {
    const v = b[k];
    if (v === undefined) continue;
    if (typeof v !== 'string' || v.length > 1000) return `${k} must be a string of at most 1000 characters`;
    report[k] = v;
  }
  if (b.agentDispositionCodes !== undefined) {
    const v = b.agentDispositionCodes;
    if (!Array.isArray(v) || v.length > 50 || !v.every((c) => typeof c === 'string' && c.length <= 200)) {
      return 'agentDispositionCodes must be an array of strings';
    }
    report.agentDispositionCodes = v as string[];
  }
  return report;
}
