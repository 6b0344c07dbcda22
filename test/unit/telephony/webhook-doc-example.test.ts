import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import Fastify from 'fastify';
import { describe, expect, it } from 'vitest';
import { precheck } from '../../../src/domain/telephony/provider.js';
import type { DialRequest, OutcomeReport } from '../../../src/domain/telephony/provider.js';
import { computeSignature, verifyRequest } from '../../../src/domain/telephony/signature.js';
import { WebhookProvider } from '../../../src/domain/telephony/webhook-provider.js';
import type { FetchLike } from '../../../src/domain/telephony/webhook-provider.js';
import { telephonyCallbackRoutes } from '../../../src/http/routes/telephony/callbacks.js';
import { ManualClock } from '../../../src/shared/clock.js';
import { loadConfig } from '../../../src/shared/config.js';

/**
 * The worked example of docs/telephony-webhook.md, recomputed with the project's own code, so the
 * document cannot drift from the wire protocol: each value sits in the fenced block that follows an
 * `<!-- example:NAME -->` marker.
 */
const doc = fs.readFileSync(fileURLToPath(new URL('../../../docs/telephony-webhook.md', import.meta.url)), 'utf8');

function example(name: string): string {
  const m = new RegExp(`<!-- example:${name} -->\\r?\\n\`\`\`[\\w-]*\\r?\\n([\\s\\S]*?)\\r?\\n\`\`\``).exec(doc);
  if (!m) throw new Error(`docs/telephony-webhook.md has no fenced block after <!-- example:${name} -->`);
  return m[1]!;
}

/** `Name: value` lines; a repeated name is an error in the document. */
function headerLines(block: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of block.split(/\r?\n/)) {
    const m = /^([A-Za-z0-9-]+): (.*)$/.exec(line);
    if (!m) throw new Error(`not a header line: ${JSON.stringify(line)}`);
    if (m[1]! in out) throw new Error(`header ${m[1]} given twice`);
    out[m[1]!] = m[2]!;
  }
  return out;
}

/** `HTTP/1.1 <status> <reason>`, header lines, a blank line, the body. */
function httpResponse(block: string): { status: number; headers: Record<string, string>; body: string } {
  const [head = '', body = ''] = block.split(/\r?\n\r?\n/);
  const [statusLine = '', ...lines] = head.split(/\r?\n/);
  const m = /^HTTP\/1\.1 (\d{3}) /.exec(statusLine);
  if (!m) throw new Error(`not a status line: ${JSON.stringify(statusLine)}`);
  return { status: Number(m[1]), headers: headerLines(lines.join('\n')), body };
}

const secret = example('secret');
const dialBody = example('dial-body');
const dialHeaders = headerLines(example('dial-headers'));
const callbackBody = example('callback-body');
const callbackHeaders = headerLines(example('callback-headers'));
const answer = httpResponse(example('callback-answer'));
const dialTs = Number(dialHeaders['X-Campaignd-Timestamp']);
const callbackTs = Number(callbackHeaders['X-Campaignd-Timestamp']);

describe('docs/telephony-webhook.md worked example', () => {
  it('uses a secret and timestamps campaignd would accept', () => {
    expect(() =>
      loadConfig({
        TELEPHONY_PROVIDER: 'webhook',
        TELEPHONY_WEBHOOK_URL: 'https://bridge.example.com/campaignd/dial',
        TELEPHONY_WEBHOOK_SECRET: secret,
      }),
    ).not.toThrow();
    expect(secret).toBe(secret.trim());
    expect(Number.isInteger(dialTs) && dialTs > 0).toBe(true);
    expect(callbackTs).toBeGreaterThan(dialTs);
  });

  it('states the dial signature the project computes', () => {
    expect(dialHeaders['X-Campaignd-Signature']).toBe(computeSignature(secret, dialTs, dialBody));
  });

  it('shows exactly the body and headers WebhookProvider sends for that request', async () => {
    const sent: { url: string; method: string; headers: Record<string, string>; body: string }[] = [];
    const fetch: FetchLike = async (url, init) => {
      sent.push({ url, method: init.method, headers: init.headers, body: init.body });
      return { status: 202, text: async () => '' };
    };
    const provider = new WebhookProvider({
      url: 'https://bridge.example.com/campaignd/dial',
      secret,
      clock: new ManualClock(dialTs * 1000),
      sink: { report: () => undefined },
      fetch,
      retryDelaysMs: [],
    });
    expect(await provider.start(JSON.parse(dialBody) as DialRequest)).toEqual({ accepted: true });
    expect(sent).toHaveLength(1);
    expect(sent[0]!.method).toBe('POST');
    expect(sent[0]!.body).toBe(dialBody);
    expect(sent[0]!.headers).toEqual(dialHeaders);
    expect(dialHeaders['Idempotency-Key']).toBe((JSON.parse(dialBody) as DialRequest).attemptId);
  });

  it('shows the same request pretty-printed, and an SMS request as campaignd would send it', async () => {
    expect(JSON.parse(example('dial-body-pretty'))).toEqual(JSON.parse(dialBody));
    const smsBody = example('sms-body');
    const sms = JSON.parse(smsBody) as DialRequest;
    expect(sms.channel).toBe('sms');
    expect(precheck(sms)).toBeUndefined();
    const sent: string[] = [];
    const provider = new WebhookProvider({
      url: 'https://bridge.example.com/campaignd/dial',
      secret,
      clock: new ManualClock(dialTs * 1000),
      sink: { report: () => undefined },
      fetch: async (_url, init) => {
        sent.push(init.body);
        return { status: 202, text: async () => '' };
      },
    });
    expect(await provider.start(sms)).toEqual({ accepted: true });
    expect(sent).toEqual([smsBody]);
  });

  it('has a shell snippet with the example values', () => {
    const vars = Object.fromEntries(
      [...example('callback-shell').matchAll(/^(SECRET|TS|BODY)=(?:'([^']*)'|(\S+))$/gm)].map((m) => [
        m[1],
        m[2] ?? m[3],
      ]),
    );
    expect(vars).toEqual({ SECRET: secret, TS: String(callbackTs), BODY: callbackBody });
  });

  it('states the callback signature the project computes, valid inside the 300 s window only', () => {
    expect(callbackHeaders['X-Campaignd-Signature']).toBe(computeSignature(secret, callbackTs, callbackBody));
    const verify = (nowMs: number) => verifyRequest({ secret, rawBody: callbackBody, headers: callbackHeaders, nowMs });
    expect(verify(callbackTs * 1000)).toEqual({ ok: true, timestampSec: callbackTs });
    expect(verify((callbackTs + 300) * 1000).ok).toBe(true);
    expect(verify((callbackTs + 301) * 1000).ok).toBe(false);
    expect(verifyRequest({ secret, rawBody: callbackBody, headers: dialHeaders, nowMs: callbackTs * 1000 }).ok).toBe(
      false,
    );
  });

  it('gets the answer shown from POST /telephony/v1/callbacks, then a duplicate', async () => {
    const reports: OutcomeReport[] = [];
    const provider = new WebhookProvider({
      url: 'https://bridge.example.com/campaignd/dial',
      secret,
      clock: new ManualClock(callbackTs * 1000),
      sink: { report: (r) => void reports.push(r) },
      fetch: async () => ({ status: 202, text: async () => '' }),
    });
    const app = Fastify();
    await telephonyCallbackRoutes(app, provider);
    const post = () =>
      app.inject({ method: 'POST', url: '/telephony/v1/callbacks', headers: callbackHeaders, payload: callbackBody });
    const res = await post();
    expect(res.statusCode).toBe(answer.status);
    expect(res.headers['content-type']).toBe(answer.headers['Content-Type']);
    expect(res.body).toBe(answer.body);
    expect(reports).toEqual([{ ...(JSON.parse(callbackBody) as object), at: callbackTs * 1000 }]);
    expect((await post()).json()).toEqual({ status: 'success', duplicate: true });
    expect(reports).toHaveLength(1);
    await app.close();
  });
});
