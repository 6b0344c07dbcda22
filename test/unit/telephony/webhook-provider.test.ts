import { createServer } from 'node:http';
import type { IncomingHttpHeaders, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../../src/shared/clock.js';
import type { DialRequest, OutcomeReport } from '../../../src/domain/telephony/provider.js';
import { ProviderUnavailableError } from '../../../src/domain/telephony/provider.js';
import { signRequest, verifyRequest } from '../../../src/domain/telephony/signature.js';
import { WebhookProvider } from '../../../src/domain/telephony/webhook-provider.js';
import type { WebhookProviderOptions } from '../../../src/domain/telephony/webhook-provider.js';

const secret = 'webhook-test-secret-0123456789';
const T0 = Date.parse('2025-06-01T12:00:00Z');

const req = (attemptId: string, over: Partial<DialRequest> = {}): DialRequest => ({
  attemptId,
  campaignId: 'cd-1',
  instanceId: 'cid-1',
  channel: 'voice',
  to: '+15551230000',
  from: '+15550000000',
  ringTimeoutSec: 25,
  machineDetection: 'detect',
  context: { firstName: 'Ada' },
  ...over,
});

interface Recorded {
  headers: IncomingHttpHeaders;
  body: string;
}

/** A real local HTTP server answering with scripted statuses (the last one repeats). */
let server: Server;
let url: string;
let recorded: Recorded[];
let statuses: number[];

beforeEach(async () => {
  recorded = [];
  statuses = [202];
  server = createServer((rq, rs) => {
    const chunks: Buffer[] = [];
    rq.on('data', (c: Buffer) => chunks.push(c));
    rq.on('end', () => {
      recorded.push({ headers: rq.headers, body: Buffer.concat(chunks).toString('utf8') });
      rs.statusCode = statuses.length > 1 ? statuses.shift()! : statuses[0]!;
      rs.end(rs.statusCode >= 400 ? '{"error":"number blocked"}' : '{}');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/dial`;
});

afterEach(async () => {
  await new Promise((r) => server.close(r));
});

function setup(over: Partial<WebhookProviderOptions> = {}) {
  const reports: OutcomeReport[] = [];
  const clock = new ManualClock(T0);
  const provider = new WebhookProvider({
    url,
    secret,
    clock,
    timeoutSec: 60,
    retryDelaysMs: [0, 0],
    sink: { report: (r) => void reports.push(r) },
    ...over,
  });
  return { reports, clock, provider };
}

const callback = (body: unknown, nowMs = T0) => {
  const raw = typeof body === 'string' ? body : JSON.stringify(body);
  return {
    raw,
    headers: Object.fromEntries(Object.entries(signRequest(secret, raw, nowMs)).map(([k, v]) => [k.toLowerCase(), v])),
  };
};

describe('WebhookProvider.start', () => {
  it('POSTs the signed request with the attempt id as idempotency key', async () => {
    const { provider } = setup();
    expect(await provider.start(req('att-1'))).toEqual({ accepted: true });
    expect(recorded).toHaveLength(1);
    const { headers, body } = recorded[0]!;
    expect(headers['idempotency-key']).toBe('att-1');
    expect(headers['content-type']).toBe('application/json');
    expect(headers['x-campaignd-timestamp']).toBe(String(T0 / 1000));
    expect(verifyRequest({ secret, rawBody: body, headers, nowMs: T0 })).toMatchObject({ ok: true });
    expect(JSON.parse(body)).toEqual(req('att-1'));
    expect(provider.inFlight).toBe(1);
  });

  it('retries a 500 with the same idempotency key, then accepts', async () => {
    statuses = [500, 200];
    const { provider } = setup();
    expect(await provider.start(req('att-2'))).toEqual({ accepted: true });
    expect(recorded.map((r) => r.headers['idempotency-key'])).toEqual(['att-2', 'att-2']);
    expect(recorded[0]!.body).toBe(recorded[1]!.body);
  });

  it('reports unknown, not failed, when 5xx persists', async () => {
    statuses = [503];
    const { provider } = setup();
    const res = await provider.start(req('att-3'));
    expect(res).toMatchObject({ accepted: false, outcome: 'unknown' });
    expect(recorded).toHaveLength(3);
    expect(provider.inFlight).toBe(0);
  });

  it('refuses on 4xx without retrying', async () => {
    statuses = [422];
    const { provider } = setup();
    const res = await provider.start(req('att-4'));
    expect(res).toMatchObject({ accepted: false, outcome: 'failed' });
    expect(res.accepted === false && res.detail).toContain('HTTP 422');
    expect(recorded).toHaveLength(1);
  });

  it('treats 409 as "the provider already has this attempt"', async () => {
    statuses = [409];
    const { provider } = setup();
    expect(await provider.start(req('att-5'))).toEqual({ accepted: true });
  });

  it('does not send a duplicate start, even concurrently', async () => {
    const { provider } = setup();
    const [a, b] = await Promise.all([provider.start(req('att-6')), provider.start(req('att-6'))]);
    expect(a).toEqual({ accepted: true });
    expect(b).toEqual({ accepted: true });
    expect(await provider.start(req('att-6'))).toEqual({ accepted: true });
    expect(recorded).toHaveLength(1);
  });

  it('refuses an invalid number without calling the provider', async () => {
    const { provider } = setup();
    expect(await provider.start(req('att-7', { to: 'nope' }))).toMatchObject({ accepted: false, outcome: 'invalid' });
    expect(recorded).toHaveLength(0);
  });

  it('throws ProviderUnavailableError when nothing could be sent', async () => {
    const refused = Object.assign(new TypeError('fetch failed'), {
      cause: Object.assign(new Error('connect'), { code: 'ECONNREFUSED' }),
    });
    const { provider } = setup({ fetch: () => Promise.reject(refused) });
    await expect(provider.start(req('att-8'))).rejects.toBeInstanceOf(ProviderUnavailableError);
    await provider.close();
    await expect(provider.start(req('att-9'))).rejects.toBeInstanceOf(ProviderUnavailableError);
  });

  it('reports unknown when the connection broke after sending', async () => {
    const reset = Object.assign(new TypeError('fetch failed'), {
      cause: Object.assign(new Error('socket'), { code: 'ECONNRESET' }),
    });
    const { provider } = setup({ fetch: () => Promise.reject(reset) });
    expect(await provider.start(req('att-10'))).toMatchObject({ accepted: false, outcome: 'unknown' });
  });
});

describe('WebhookProvider.handleCallback', () => {
  it('accepts a good signature and reports once', async () => {
    const { provider, reports, clock } = setup();
    await provider.start(req('att-1'));
    clock.advance(20_000);
    const body = {
      attemptId: 'att-1',
      outcome: 'completed',
      ringSec: 4,
      talkSec: 33,
      botSessionId: '685d3c819e81807087b6abcd',
      agentDispositionCodes: [],
      extra: 'ignored',
    };
    const cb = callback(body, clock.now());
    const first = await provider.handleCallback(cb.raw, cb.headers);
    expect(first).toMatchObject({ ok: true, duplicate: false });
    expect(reports).toEqual([
      {
        attemptId: 'att-1',
        outcome: 'completed',
        ringSec: 4,
        talkSec: 33,
        botSessionId: '685d3c819e81807087b6abcd',
        agentDispositionCodes: [],
        at: T0 + 20_000,
      },
    ]);
    expect(provider.inFlight).toBe(0);

    const again = await provider.handleCallback(cb.raw, cb.headers);
    expect(again).toMatchObject({ ok: true, duplicate: true });
    expect(reports).toHaveLength(1);
  });

  it('rejects bad signature, stale timestamp and missing headers with 401', async () => {
    const { provider, reports } = setup();
    const cb = callback({ attemptId: 'a', outcome: 'busy' });
    const tampered = await provider.handleCallback(cb.raw.replace('busy', 'failed'), cb.headers);
    expect(tampered).toMatchObject({ ok: false, status: 401 });
    const stale = callback({ attemptId: 'a', outcome: 'busy' }, T0 - 6 * 60_000);
    expect(await provider.handleCallback(stale.raw, stale.headers)).toMatchObject({ ok: false, status: 401 });
    expect(await provider.handleCallback(cb.raw, {})).toMatchObject({ ok: false, status: 401 });
    expect(reports).toHaveLength(0);
  });

  it('rejects malformed JSON and invalid fields with 400', async () => {
    const { provider, reports } = setup();
    for (const body of [
      '{not json',
      '[]',
      { outcome: 'completed' },
      { attemptId: 'a', outcome: 'answered' },
      { attemptId: 'a', outcome: 'busy', ringSec: -1 },
      { attemptId: 'a', outcome: 'busy', agentDispositionCodes: [1] },
    ]) {
      const cb = callback(body);
      expect(await provider.handleCallback(cb.raw, cb.headers)).toMatchObject({ ok: false, status: 400 });
    }
    expect(reports).toHaveLength(0);
  });

  it('accepts callbacks for attempts started before a restart', async () => {
    const { provider, reports } = setup();
    const cb = callback({ attemptId: 'from-before', outcome: 'no-answer' });
    expect(await provider.handleCallback(cb.raw, cb.headers)).toMatchObject({ ok: true, duplicate: false });
    expect(reports).toHaveLength(1);
  });

  it('lets the provider retry when the sink fails', async () => {
    let fail = true;
    const reports: OutcomeReport[] = [];
    const { provider } = setup({
      sink: {
        report: (r) => {
          if (fail) throw new Error('db down');
          reports.push(r);
        },
      },
    });
    const cb = callback({ attemptId: 'a', outcome: 'busy' });
    await expect(provider.handleCallback(cb.raw, cb.headers)).rejects.toThrow('db down');
    fail = false;
    expect(await provider.handleCallback(cb.raw, cb.headers)).toMatchObject({ ok: true, duplicate: false });
    expect(reports).toHaveLength(1);
  });
});

describe('WebhookProvider.sweep', () => {
  it('reports unknown once the outcome timeout passes, and keeps a late real outcome', async () => {
    const { provider, reports, clock } = setup();
    await provider.start(req('s-1'));
    clock.advance(30_000);
    await provider.start(req('s-2'));
    clock.advance(29_000);
    await provider.sweep(clock.now());
    expect(reports).toHaveLength(0);
    clock.advance(1_000);
    await provider.sweep(clock.now());
    expect(reports).toEqual([
      { attemptId: 's-1', outcome: 'unknown', detail: 'no outcome within 60s', at: T0 + 60_000, overdue: true },
    ]);
    await provider.sweep(clock.now() + 1);
    expect(reports).toHaveLength(1);
    expect(provider.inFlight).toBe(1);

    const late = callback({ attemptId: 's-1', outcome: 'completed' }, clock.now());
    expect(await provider.handleCallback(late.raw, late.headers)).toMatchObject({ ok: true, duplicate: false });
    expect(reports.map((r) => r.outcome)).toEqual(['unknown', 'completed']);
  });
});

describe('WebhookProvider ordering', () => {
  it('does not sweep an attempt whose callback beat the 2xx', async () => {
    const reports: OutcomeReport[] = [];
    const clock = new ManualClock(T0);
    const provider: WebhookProvider = new WebhookProvider({
      url,
      secret,
      clock,
      timeoutSec: 1,
      retryDelaysMs: [],
      sink: { report: (r) => void reports.push(r) },
      fetch: async () => {
        const cb = callback({ attemptId: 'fast', outcome: 'busy' });
        await provider.handleCallback(cb.raw, cb.headers);
        return { status: 200, text: async () => '' };
      },
    });
    expect(await provider.start(req('fast'))).toEqual({ accepted: true });
    clock.advance(5_000);
    await provider.sweep(clock.now());
    expect(reports.map((r) => r.outcome)).toEqual(['busy']);
  });

  it('treats a 4xx after a 5xx as unknown: the first try may have dialed', async () => {
    statuses = [500, 400];
    const { provider } = setup();
    expect(await provider.start(req('mixed'))).toMatchObject({ accepted: false, outcome: 'unknown' });
  });
});
