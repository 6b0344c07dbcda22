/**
 * The webhook provider's agent leg on the wire (docs/telephony-webhook.md): the dial request carries
 * the agent and queue, the provider's `connected` callback reaches OutcomeSink.connected through the
 * callback route, and hangup(attemptId) asks the provider to end the call. A real HTTP receiver on
 * 127.0.0.1 stands in for the provider.
 */
import { createServer } from 'node:http';
import type { IncomingHttpHeaders, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { telephonyCallbackRoutes } from '../../../src/http/routes/telephony/callbacks.js';
import { ManualClock } from '../../../src/shared/clock.js';
import type {
  ConnectedReport,
  DialRequest,
  OutcomeReport,
  OutcomeSink,
} from '../../../src/domain/telephony/provider.js';
import { signRequest, verifyRequest } from '../../../src/domain/telephony/signature.js';
import { WebhookProvider, type WebhookProviderOptions } from '../../../src/domain/telephony/webhook-provider.js';
import { MAX_CONVERSATION_MS } from '../../../src/domain/telephony/provider.js';

const secret = 'agent-leg-secret-0123456789abcdef';
const T0 = Date.parse('2026-06-01T12:00:00Z');
const ATTEMPT = 'att-11111111-2222-4333-8444-555555555555';

const agentReq = (over: Partial<DialRequest> = {}): DialRequest => ({
  attemptId: ATTEMPT,
  campaignId: 'cd-1',
  instanceId: 'cid-1',
  channel: 'voice',
  to: '+15551230000',
  from: '+15550000000',
  ringTimeoutSec: 30,
  machineDetection: 'no',
  queue: 'Sales',
  agent: {
    id: 'ag-00000000-0000-4000-8000-000000000001',
    name: 'Ann Agent',
    extension: 'sip:ann@pbx.example',
    externalId: 'crm-42',
  },
  context: { phoneNumber: '15551230000', firstName: 'Ada' },
  ...over,
});

interface Recorded {
  headers: IncomingHttpHeaders;
  body: string;
}

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
      rs.end('{}');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/telephony`;
});

afterEach(async () => {
  await new Promise((r) => server.close(r));
});

function setup(over: Partial<WebhookProviderOptions> = {}) {
  const seen: (['connected', ConnectedReport] | ['report', OutcomeReport])[] = [];
  const clock = new ManualClock(T0);
  const sink: OutcomeSink = {
    report: (r) => void seen.push(['report', r]),
    connected: (r) => void seen.push(['connected', r]),
  };
  const provider = new WebhookProvider({ url, secret, clock, retryDelaysMs: [0, 0], sink, ...over });
  return { seen, clock, provider };
}

const signed = (rawBody: string, nowMs: number) => ({
  'content-type': 'application/json',
  ...signRequest(secret, rawBody, nowMs),
});

describe('WebhookProvider: the dial request of an agent call', () => {
  it('POSTs the agent leg and the queue with the call, signed, keyed by the attempt id', async () => {
    const { provider } = setup();
    expect(await provider.start(agentReq())).toEqual({ accepted: true });
    expect(recorded).toHaveLength(1);
    const { headers, body } = recorded[0]!;
    expect(headers['idempotency-key']).toBe(ATTEMPT);
    expect(verifyRequest({ secret, rawBody: body, headers, nowMs: T0 })).toMatchObject({ ok: true });
    expect(JSON.parse(body)).toEqual({
      attemptId: ATTEMPT,
      campaignId: 'cd-1',
      instanceId: 'cid-1',
      channel: 'voice',
      to: '+15551230000',
      from: '+15550000000',
      ringTimeoutSec: 30,
      machineDetection: 'no',
      queue: 'Sales',
      agent: {
        id: 'ag-00000000-0000-4000-8000-000000000001',
        name: 'Ann Agent',
        extension: 'sip:ann@pbx.example',
        externalId: 'crm-42',
      },
      context: { phoneNumber: '15551230000', firstName: 'Ada' },
    });
  });

  it('sends only the agent fields it has (id and name are always there)', async () => {
    const { provider } = setup();
    await provider.start(agentReq({ agent: { id: 'ag-2', name: 'Bob' } }));
    expect(JSON.parse(recorded[0]!.body).agent).toEqual({ id: 'ag-2', name: 'Bob' });
  });
});

describe('the connected callback through POST /telephony/v1/callbacks', () => {
  let app: FastifyInstance;
  afterEach(async () => {
    await app.close();
  });

  async function withRoute(over: Partial<WebhookProviderOptions> = {}) {
    const s = setup(over);
    app = Fastify();
    await telephonyCallbackRoutes(app, s.provider);
    await app.ready();
    const post = (body: unknown, headers?: Record<string, string>) => {
      const raw = JSON.stringify(body);
      return app.inject({
        method: 'POST',
        url: '/telephony/v1/callbacks',
        headers: headers ?? signed(raw, s.clock.now()),
        payload: raw,
      });
    };
    return { ...s, post };
  }

  it('reaches OutcomeSink.connected once, stamped with the clock, before the outcome', async () => {
    const { seen, clock, post, provider } = await withRoute();
    await provider.start(agentReq());
    clock.advance(7_000);
    const res = await post({ event: 'connected', attemptId: ATTEMPT });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toEqual({ status: 'success', duplicate: false });
    // Held for the longest conversation plus the outcome timeout (default 300 s): no heartbeat renews it.
    expect(seen).toEqual([
      ['connected', { attemptId: ATTEMPT, at: T0 + 7_000, holdUntil: T0 + 7_000 + MAX_CONVERSATION_MS + 300_000 }],
    ]);

    // The provider retries: acknowledged, not passed on again.
    const again = await post({ event: 'connected', attemptId: ATTEMPT });
    expect(again.json()).toEqual({ status: 'success', duplicate: true });
    expect(seen).toHaveLength(1);

    // The outcome follows as usual.
    clock.advance(30_000);
    const outcome = await post({
      attemptId: ATTEMPT,
      outcome: 'completed',
      talkSec: 30,
      botOutboundStatus: 'userHangUp',
      botOutboundStatusDetail: 'user_hangup',
    });
    expect(outcome.json()).toEqual({ status: 'success', duplicate: false });
    expect(seen.map(([kind]) => kind)).toEqual(['connected', 'report']);
    expect(seen[1]![1]).toEqual({
      attemptId: ATTEMPT,
      outcome: 'completed',
      talkSec: 30,
      botOutboundStatus: 'userHangUp',
      botOutboundStatusDetail: 'user_hangup',
      at: T0 + 37_000,
    });
  });

  it('ignores a connected callback that comes after the outcome', async () => {
    const { seen, post } = await withRoute();
    expect((await post({ attemptId: 'late', outcome: 'no-answer' })).statusCode).toBe(200);
    const late = await post({ event: 'connected', attemptId: 'late' });
    expect(late.json()).toEqual({ status: 'success', duplicate: true });
    expect(seen.map(([kind]) => kind)).toEqual(['report']);
  });

  it('refuses an unsigned or malformed connected callback without telling the sink', async () => {
    const { seen, post, clock } = await withRoute();
    const forged = await post(
      { event: 'connected', attemptId: ATTEMPT },
      { 'content-type': 'application/json', ...signRequest('another-secret', '{}', clock.now()) },
    );
    expect(forged.statusCode).toBe(401);
    expect(forged.json()).toMatchObject({ status: 'failure', errors: [{ code: 'UNAUTHORIZED' }] });
    for (const body of [
      { event: 'connected' },
      { event: 'connected', attemptId: '' },
      { event: 'connected', attemptId: 7 },
    ]) {
      const res = await post(body);
      expect(res.statusCode).toBe(400);
      expect(res.json()).toEqual({
        status: 'failure',
        message: 'attemptId must be a non-empty string',
        errors: [{ msg: 'attemptId must be a non-empty string', code: 'BAD_REQUEST' }],
      });
    }
    expect(seen).toEqual([]);
  });

  it('answers 5xx when the connection could not be stored, and takes the retry', async () => {
    let fail = true;
    const connected: ConnectedReport[] = [];
    const { post } = await withRoute({
      sink: {
        report: () => {},
        connected: (r) => {
          if (fail) throw new Error('db down');
          connected.push(r);
        },
      },
    });
    const first = await post({ event: 'connected', attemptId: ATTEMPT });
    expect(first.statusCode).toBeGreaterThanOrEqual(500);
    fail = false;
    const retry = await post({ event: 'connected', attemptId: ATTEMPT });
    expect(retry.json()).toEqual({ status: 'success', duplicate: false });
    expect(connected.map((r) => r.attemptId)).toEqual([ATTEMPT]);
  });
});

describe('WebhookProvider.hangup', () => {
  it('POSTs {"action":"hangup","attemptId"} to the provider URL, signed, keyed hangup:<attemptId>', async () => {
    const { provider, clock } = setup();
    clock.advance(60_000);
    await provider.hangup(ATTEMPT);
    expect(recorded).toHaveLength(1);
    const { headers, body } = recorded[0]!;
    expect(JSON.parse(body)).toEqual({ action: 'hangup', attemptId: ATTEMPT });
    expect(body).toBe(`{"action":"hangup","attemptId":"${ATTEMPT}"}`);
    expect(headers['idempotency-key']).toBe(`hangup:${ATTEMPT}`);
    expect(headers['content-type']).toBe('application/json');
    expect(headers['x-campaignd-timestamp']).toBe(String((T0 + 60_000) / 1000));
    expect(verifyRequest({ secret, rawBody: body, headers, nowMs: T0 + 60_000 })).toMatchObject({ ok: true });
  });

  it('retries a 5xx with the same key and stops at the first answer that is not', async () => {
    statuses = [503, 500, 200];
    const { provider } = setup();
    await provider.hangup(ATTEMPT);
    expect(recorded.map((r) => r.headers['idempotency-key'])).toEqual([
      `hangup:${ATTEMPT}`,
      `hangup:${ATTEMPT}`,
      `hangup:${ATTEMPT}`,
    ]);
    statuses = [404];
    recorded = [];
    await provider.hangup('att-unknown');
    expect(recorded).toHaveLength(1);
  });

  it('gives up quietly when the provider cannot be reached, and sends nothing once closed', async () => {
    const refused = Object.assign(new TypeError('fetch failed'), {
      cause: Object.assign(new Error('connect'), { code: 'ECONNREFUSED' }),
    });
    let tries = 0;
    const { provider } = setup({
      fetch: () => {
        tries++;
        return Promise.reject(refused);
      },
    });
    await expect(provider.hangup(ATTEMPT)).resolves.toBeUndefined();
    expect(tries).toBe(3);
    const live = setup();
    await live.provider.close();
    await live.provider.hangup(ATTEMPT);
    expect(recorded).toEqual([]);
  });
});
