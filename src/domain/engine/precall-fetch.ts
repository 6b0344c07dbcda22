import type { DialRecordRow } from '../../storage/schema.js';
import type { CampaignPolicy } from './campaign-policy.js';

/**
 * Pre-call contact fetch (§4.11): when a bot has `precall_config` ({"url", "headers"?, "timeoutMs"?}),
 * each contact is POSTed there right before dialing. `CALL` proceeds with the returned
 * `detailedContactData` added to the call context; `SKIP`, a timeout, a non-200, malformed JSON or
 * a missing `handle` skip the contact with the reason recorded (outcome `skipped-precall`).
 */
export interface PrecallConfig {
  url: string;
  headers?: Record<string, string>;
  /** Default 5000. */
  timeoutMs?: number;
}

export type PrecallDecision = { call: true; extra: Record<string, unknown> } | { call: false; reason: string };

export type BotConfigLookup = (botId: string) => Promise<string | null | undefined>;

export function parsePrecallConfig(raw: string | null | undefined): PrecallConfig | undefined {
  if (!raw) return undefined;
  try {
    const c = JSON.parse(raw) as Partial<PrecallConfig>;
    return typeof c.url === 'string' && /^https?:\/\//.test(c.url) ? (c as PrecallConfig) : undefined;
  } catch {
    return undefined;
  }
}

export class PrecallFetcher {
  constructor(
    private readonly lookup: BotConfigLookup,
    private readonly fetchImpl: typeof fetch = globalThis.fetch,
  ) {}

  async decide(policy: CampaignPolicy, record: DialRecordRow, dialingId: string, contactData: Record<string, unknown>): Promise<PrecallDecision> {
    const cfg = parsePrecallConfig(await this.lookup(policy.botId));
    if (!cfg) return { call: true, extra: {} };
    const body = JSON.stringify({ CampaignName: policy.name, CampaignId: policy.campaignId, DialingId: dialingId, contactData: { ...contactData, phoneNumber: contactData.phoneNumber ?? record.phone_e164 } });
    let status: number;
    let text: string;
    try {
      const res = await this.fetchImpl(cfg.url, {
        method: 'POST',
        headers: { ...(cfg.headers ?? {}), 'content-type': 'application/json' },
        body,
        signal: AbortSignal.timeout(cfg.timeoutMs ?? 5000),
      });
      status = res.status;
      text = await res.text();
    } catch (err) {
      const name = (err as { name?: string }).name;
      return { call: false, reason: name === 'TimeoutError' ? 'pre-call fetch timed out' : `pre-call fetch failed: ${String(err)}` };
    }
    if (status !== 200) return { call: false, reason: `pre-call fetch answered HTTP ${status}` };
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      return { call: false, reason: 'pre-call fetch answered malformed JSON' };
    }
    const handling = (parsed as { contactHandling?: { handle?: unknown; reason?: unknown } } | null)?.contactHandling;
    const handle = typeof handling?.handle === 'string' ? handling.handle.toUpperCase() : undefined;
    if (handle === 'CALL') {
      const extra = (parsed as { detailedContactData?: unknown }).detailedContactData;
      return { call: true, extra: extra && typeof extra === 'object' && !Array.isArray(extra) ? (extra as Record<string, unknown>) : {} };
    }
    if (handle === 'SKIP') return { call: false, reason: `pre-call fetch: SKIP${typeof handling?.reason === 'string' ? ` (${handling.reason})` : ''}` };
    return { call: false, reason: 'pre-call fetch answer has no contactHandling.handle CALL or SKIP' };
  }
}
