import { BoundedCache } from '../../shared/bounded-cache.js';
import type { DialRecordRow } from '../../storage/schema.js';
import type { CampaignPolicy } from './campaign-policy.js';

/**
 * Kore's pre-call contact fetch: when a bot has `precall_config` ({"url", "headers"?, "timeoutMs"?}),
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

export const PRECALL_DEFAULT_TIMEOUT_MS = 5000;
/** The dial waits for the answer, so a slow endpoint slows the campaign: a minute is the ceiling. */
const TIMEOUT_MAX_MS = 60_000;
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,100}$/;
/** Set by fetch itself; a configured value would be ignored or break the request. */
const RESERVED_HEADERS = new Set(['content-type', 'content-length', 'host', 'transfer-encoding', 'connection']);

/** Validates an operator's pre-call configuration (admin API, CLI); the first problem names its field. */
export function checkPrecallConfig(input: {
  url?: unknown;
  headers?: unknown;
  timeoutMs?: unknown;
}): { ok: true; value: PrecallConfig } | { ok: false; field: string; message: string } {
  const bad = (field: string, message: string) => ({ ok: false as const, field, message: `${field}: ${message}` });
  let url: URL;
  try {
    url = new URL(String(input.url));
  } catch {
    return bad('precall.url', `'${String(input.url)}' is not a URL`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return bad('precall.url', 'must be an http or https URL');
  if (url.username || url.password) return bad('precall.url', 'must not carry credentials; use a header');
  const value: PrecallConfig = { url: url.toString() };
  if (input.headers !== undefined) {
    if (typeof input.headers !== 'object' || input.headers === null || Array.isArray(input.headers))
      return bad('precall.headers', 'must be an object of header names to values');
    const headers: Record<string, string> = {};
    for (const [name, v] of Object.entries(input.headers)) {
      if (!HEADER_NAME.test(name)) return bad('precall.headers', `'${name}' is not a valid header name`);
      if (RESERVED_HEADERS.has(name.toLowerCase()))
        return bad('precall.headers', `'${name}' is set by campaignd itself`);
      if (typeof v !== 'string' || /[\r\n\0]/.test(v) || v.length > 4096)
        return bad('precall.headers', `the value of '${name}' must be a single-line string of at most 4096 characters`);
      headers[name] = v;
    }
    value.headers = headers;
  }
  if (input.timeoutMs !== undefined) {
    const t = input.timeoutMs;
    if (typeof t !== 'number' || !Number.isInteger(t) || t < 100 || t > TIMEOUT_MAX_MS)
      return bad('precall.timeoutMs', `must be an integer from 100 to ${TIMEOUT_MAX_MS}`);
    value.timeoutMs = t;
  }
  return { ok: true, value };
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

/** A bot's pre-call setting is looked up at most this often (it is asked for every voice dial). */
export const PRECALL_CONFIG_TTL_MS = 5_000;

export class PrecallFetcher {
  /** Per bot, the lookup itself: every dial asking while it runs waits for the same one. */
  private readonly configs: BoundedCache<string, Promise<PrecallConfig | undefined>>;

  /** `now` only ages the configuration cache; the fetch itself runs on real time (a timeout). */
  constructor(
    private readonly lookup: BotConfigLookup,
    now: () => number = Date.now,
    private readonly fetchImpl: typeof fetch = globalThis.fetch,
  ) {
    this.configs = new BoundedCache(10_000, now);
  }

  /**
   * One lookup per bot however many of a tick's dials ask at once (they all resume together, so
   * their lease renewals still go in one statement); a failed lookup is not remembered.
   */
  private configOf(botId: string): Promise<PrecallConfig | undefined> {
    const hit = this.configs.get(botId);
    if (hit) return hit;
    const cfg = this.lookup(botId).then(parsePrecallConfig);
    this.configs.set(botId, cfg, PRECALL_CONFIG_TTL_MS);
    cfg.catch(() => this.configs.delete(botId));
    return cfg;
  }

  async decide(
    policy: CampaignPolicy,
    record: DialRecordRow,
    dialingId: string,
    contactData: Record<string, unknown>,
  ): Promise<PrecallDecision> {
    const cfg = await this.configOf(policy.botId);
    if (!cfg) return { call: true, extra: {} };
    const body = JSON.stringify({
      CampaignName: policy.name,
      CampaignId: policy.campaignId,
      DialingId: dialingId,
      contactData: { ...contactData, phoneNumber: contactData.phoneNumber ?? record.phone_e164 },
    });
    let status: number;
    let text: string;
    try {
      const res = await this.fetchImpl(cfg.url, {
        method: 'POST',
        headers: { ...(cfg.headers ?? {}), 'content-type': 'application/json' },
        body,
        signal: AbortSignal.timeout(cfg.timeoutMs ?? PRECALL_DEFAULT_TIMEOUT_MS),
      });
      status = res.status;
      text = await res.text();
    } catch (err) {
      const name = (err as { name?: string }).name;
      return {
        call: false,
        reason: name === 'TimeoutError' ? 'pre-call fetch timed out' : `pre-call fetch failed: ${String(err)}`,
      };
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
      return {
        call: true,
        extra: extra && typeof extra === 'object' && !Array.isArray(extra) ? (extra as Record<string, unknown>) : {},
      };
    }
    if (handle === 'SKIP')
      return {
        call: false,
        reason: `pre-call fetch: SKIP${typeof handling?.reason === 'string' ? ` (${handling.reason})` : ''}`,
      };
    return { call: false, reason: 'pre-call fetch answer has no contactHandling.handle CALL or SKIP' };
  }
}
