/**
 * The Predictive half of the telephony webhook protocol (docs/telephony-webhook.md, Predictive calls),
 * over real HTTP both ways: a fake provider listening on 127.0.0.1 takes the dial and bridge
 * requests, and the provider's callbacks are POSTed to the real app listening on 127.0.0.1. The
 * engine's `answered` is not under test here: a double sink stands in for it, so no dialect matters
 * and one SQLite database serves the app.
 */
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/app.js';
import type {
  AgentLeg,
  AnsweredReport,
  DialRequest,
  OutcomeReport,
  OutcomeSink,
} from '../../src/domain/telephony/provider.js';
import { signRequest, verifyRequest } from '../../src/domain/telephony/signature.js';
import { WebhookProvider, type WebhookProviderOptions } from '../../src/domain/telephony/webhook-provider.js';
import { T0, useTestApp } from '../support/test-app.js';

const SECRET = 'predictive-secret-0123456789abcdef';
/** The attempt of the document's example; each test has its own (the adapter remembers answered calls). */
const DOC_ATTEMPT = 'att-7c1e9a52-4b3d-4f86-a0e2-5d9b1c3f7a28';
const ANN: AgentLeg = {
  id: 'ag-3e8a1f07-5c2b-4d96-b7e4-0a6f9d2c1b85',
  name: 'Ann Agent',
  extension: 'sip:ann@pbx.example.com',
  externalId: 'crm-42',
};

const doc = fs.readFileSync(fileURLToPath(new URL('../../docs/telephony-webhook.md', import.meta.url)), 'utf8');

/** The fenced block after `<!-- example:NAME -->` in the protocol document. */
function example(name: string): string {
  const m = new RegExp(`<!-- example:${name} -->\\r?\\n\`\`\`[\\w-]*\\r?\\n([\\s\\S]*?)\\r?\\n\`\`\``).exec(doc);
  if (!m) throw new Error(`docs/telephony-webhook.md has no fenced block after <!-- example:${name} -->`);
  return m[1]!;
}

const predictiveReq = (over: Partial<DialRequest> = {}): DialRequest => ({
  attemptId: DOC_ATTEMPT,
  campaignId: 'cd-1',
  instanceId: 'cid-1',
  channel: 'voice',
  to: '+14155550123',
  from: '+15101234567',
  context: { phoneNumber: '+14155550123' },
  ringTimeoutSec: 30,
  machineDetection: 'disconnect',
  queue: 'Sales',
  predictive: { connectDeadlineSec: 2, abandonMessageId: 'msg-abandon-1' },
  ...over,
});

interface Received {
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** What the fake provider answers to the n-th request it gets: a status and body, or nothing at all. */
type Answer = { status: number; body?: string } | 'hang';

/** A fake telephony provider on 127.0.0.1 that records requests and answers as scripted. */
async function startFakeProvider(answer: (r: Received) => Answer) {
  const received: Received[] = [];
  const hanging = new Set<http.ServerResponse>();
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const r = { headers: req.headers, body: Buffer.concat(chunks).toString('utf8') };
      received.push(r);
      const a = answer(r);
      if (a === 'hang') hanging.add(res);
      else res.writeHead(a.status, { 'content-type': 'application/json' }).end(a.body ?? '');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/campaignd/dial`,
    received,
    async close() {
      for (const res of hanging) res.destroy();
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

/** An OutcomeSink double: records what it is told; `answered` (when given) decides. */
function doubleSink(answered?: (r: AnsweredReport) => Promise<AgentLeg | null>) {
  const asked: AnsweredReport[] = [];
  const reports: OutcomeReport[] = [];
  const sink: OutcomeSink = {
    report: (r) => void reports.push(r),
    ...(answered
      ? {
          answered: (r: AnsweredReport) => {
            asked.push(r);
            return answered(r);
          },
        }
      : {}),
  };
  return { sink, asked, reports };
}

/**
 * The sink the file's one adapter is given, passing everything to the test's current double. Each
 * test sets its own double; `answered` is absent whenever the double has none.
 */
function delegatingSink(current: () => OutcomeSink): OutcomeSink {
  return {
    report: (r) => current().report(r),
    get answered() {
      const answered = current().answered;
      return answered && ((r: AnsweredReport) => answered(r));
    },
  };
}

describe('the webhook adapter, Predictive', () => {
  const t = useTestApp('sqlite');
  let provider: Awaited<ReturnType<typeof startFakeProvider>>;
  let bridgeAnswer: Answer;
  let double: ReturnType<typeof doubleSink>;
  /** The adapter the app serves callbacks for; built once, since building an app is the slow part. */
  let adapter: WebhookProvider;
  let app: FastifyInstance;
  let base: string;
  /** How often the adapter read its clock (see the concurrent repeat test). */
  let reads = 0;
  let n = 0;
  let id: string;

  beforeAll(async () => {
    provider = await startFakeProvider((r) => (r.body.includes('"action":"bridge"') ? bridgeAnswer : { status: 202 }));
    adapter = new WebhookProvider({
      url: provider.url,
      secret: SECRET,
      clock: { now: () => (reads++, t().clock.now()) },
      sink: delegatingSink(() => double.sink),
      retryDelaysMs: [0, 0],
    });
    app = await buildApp({
      config: t().config,
      db: t().db,
      clock: t().clock,
      services: t().services,
      provider: adapter,
    });
    await app.listen({ port: 0, host: '127.0.0.1' });
    base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    await app.close();
    await provider.close();
  });

  beforeEach(() => {
    t().clock.set(T0);
    provider.received.length = 0;
    bridgeAnswer = { status: 200, body: '{"bridged":true}' };
    double = doubleSink();
    id = `att-predictive-${++n}`;
  });

  /** An adapter of its own, for what the shared one must not do (close) or options it lacks. */
  const ownAdapter = (over: Partial<WebhookProviderOptions> = {}) =>
    new WebhookProvider({
      url: provider.url,
      secret: SECRET,
      clock: t().clock,
      sink: doubleSink().sink,
      retryDelaysMs: [0, 0],
      ...over,
    });

  /** POSTs a callback as the provider would: signed with the app's clock unless `headers` are given. */
  async function callback(body: unknown, headers?: Record<string, string>) {
    const raw = typeof body === 'string' ? body : JSON.stringify(body);
    const res = await fetch(`${base}/telephony/v1/callbacks`, {
      method: 'POST',
      headers: headers ?? { 'content-type': 'application/json', ...signRequest(SECRET, raw, t().clock.now()) },
      body: raw,
    });
    return { status: res.status, text: await res.text() };
  }

  describe('the dial request', () => {
    it('carries the queue and the predictive leg, signed, keyed by the attempt id', async () => {
      expect(await adapter.start(predictiveReq({ attemptId: id }))).toEqual({ accepted: true });
      expect(provider.received).toHaveLength(1);
      const { headers, body } = provider.received[0]!;
      expect(headers['idempotency-key']).toBe(id);
      expect(verifyRequest({ secret: SECRET, rawBody: body, headers, nowMs: T0 })).toMatchObject({ ok: true });
      const sent = JSON.parse(body) as Record<string, unknown>;
      expect(sent.queue).toBe('Sales');
      expect(sent.predictive).toEqual({ connectDeadlineSec: 2, abandonMessageId: 'msg-abandon-1' });
      expect(sent).not.toHaveProperty('agent');
    });

    it('sends no abandonMessageId when the campaign has none (the provider plays its default)', async () => {
      await adapter.start(predictiveReq({ attemptId: id, predictive: { connectDeadlineSec: 2 } }));
      expect(JSON.parse(provider.received[0]!.body).predictive).toEqual({ connectDeadlineSec: 2 });
    });
  });

  describe('the answered callback', () => {
    it('asks the sink once and replies with the agent it named; a repeat gets the same reply', async () => {
      // Whatever else the engine's leg carries, the provider is told the AgentLeg fields only.
      const withExtras = { ...ANN, state: 'Available', leaseId: 'x' } as AgentLeg;
      double = doubleSink(async () => withExtras);
      t().clock.advance(9_000);
      const first = await callback({ event: 'answered', attemptId: id, ringSec: 7 });
      expect(first.status, first.text).toBe(200);
      expect(JSON.parse(first.text)).toEqual({ ok: true, agent: ANN });
      expect(double.asked).toEqual([{ attemptId: id, at: T0 + 9_000, ringSec: 7 }]);

      t().clock.advance(500);
      const again = await callback({ event: 'answered', attemptId: id, ringSec: 7 });
      expect(again).toEqual(first);
      expect(double.asked).toHaveLength(1);
    });

    it('shares one decision between a callback and its repeat that arrives while the sink decides', async () => {
      let decide!: (a: AgentLeg | null) => void;
      double = doubleSink(() => new Promise((r) => (decide = r)));
      // The adapter reads its clock twice per callback (signature window, then the report's time),
      // the second time just before it looks for a decision: counting reads tells when the repeat
      // has reached that point, with no guessing at delays.
      const reached = async (k: number) => {
        while (reads < k) await new Promise((r) => setImmediate(r));
      };
      const start = reads;
      const body = { event: 'answered', attemptId: id, ringSec: 3 };
      const first = callback(body);
      await reached(start + 2);
      expect(double.asked).toHaveLength(1);
      const second = callback(body);
      await reached(start + 4);
      decide({ id: 'ag-2', name: 'Bob' });
      const replies = await Promise.all([first, second]);
      expect(replies.map((r) => JSON.parse(r.text))).toEqual([
        { ok: true, agent: { id: 'ag-2', name: 'Bob' } },
        { ok: true, agent: { id: 'ag-2', name: 'Bob' } },
      ]);
      expect(double.asked).toHaveLength(1);
    });

    it('replies agent null when nobody is free', async () => {
      double = doubleSink(async () => null);
      const res = await callback({ event: 'answered', attemptId: id, ringSec: 4 });
      expect(res).toEqual({ status: 200, text: '{"ok":true,"agent":null}' });
      expect(double.asked).toHaveLength(1);
    });

    it('replies agent null when the sink has no answered at all', async () => {
      expect(double.sink.answered).toBeUndefined();
      const res = await callback({ event: 'answered', attemptId: id, ringSec: 4 });
      expect(res).toEqual({ status: 200, text: '{"ok":true,"agent":null}' });
    });

    it('passes on an answered call this process never dialed (sent before a restart): the sink decides', async () => {
      double = doubleSink(async () => null);
      const res = await callback({ event: 'answered', attemptId: `${id}-from-before`, ringSec: 1 });
      expect(res.status).toBe(200);
      expect(double.asked.map((r) => r.attemptId)).toEqual([`${id}-from-before`]);
    });

    it('answers 500 when the sink rejects, so the provider retries, and the retry asks again', async () => {
      let fail = true;
      double = doubleSink(async () => {
        if (fail) throw new Error('db down');
        return ANN;
      });
      const body = { event: 'answered', attemptId: id, ringSec: 2 };
      const first = await callback(body);
      expect(first.status).toBe(500);
      expect(JSON.parse(first.text)).toMatchObject({ status: 'failure', errors: [{ code: 'INTERNAL_ERROR' }] });
      fail = false;
      const retry = await callback(body);
      expect(retry.status).toBe(200);
      expect(JSON.parse(retry.text)).toEqual({ ok: true, agent: ANN });
      expect(double.asked).toHaveLength(2);
    });

    it('refuses a bad signature (401) or a bad body (400) without asking the sink', async () => {
      double = doubleSink(async () => ANN);
      const good = JSON.stringify({ event: 'answered', attemptId: id, ringSec: 2 });
      const forged = await callback(good, {
        'content-type': 'application/json',
        ...signRequest('another-secret-0123456789', good, t().clock.now()),
      });
      expect(forged.status).toBe(401);
      expect(JSON.parse(forged.text)).toMatchObject({ status: 'failure', errors: [{ code: 'UNAUTHORIZED' }] });
      const stale = await callback(good, {
        'content-type': 'application/json',
        ...signRequest(SECRET, good, t().clock.now() - 301_000),
      });
      expect(stale.status).toBe(401);

      for (const [body, message] of [
        [{ event: 'answered', ringSec: 2 }, 'attemptId must be a non-empty string'],
        [{ event: 'answered', attemptId: '', ringSec: 2 }, 'attemptId must be a non-empty string'],
        [{ event: 'answered', attemptId: 7, ringSec: 2 }, 'attemptId must be a non-empty string'],
        [{ event: 'answered', attemptId: 'x'.repeat(201), ringSec: 2 }, 'attemptId must be a non-empty string'],
        [{ event: 'answered', attemptId: id }, 'ringSec must be a non-negative number'],
        [{ event: 'answered', attemptId: id, ringSec: -1 }, 'ringSec must be a non-negative number'],
        [{ event: 'answered', attemptId: id, ringSec: '2' }, 'ringSec must be a non-negative number'],
        [{ event: 'answered', attemptId: id, ringSec: null }, 'ringSec must be a non-negative number'],
        ['{"event":"answered",', 'body is not valid JSON'],
      ] as const) {
        const res = await callback(body);
        expect(res.status, res.text).toBe(400);
        expect(JSON.parse(res.text)).toEqual({
          status: 'failure',
          message,
          errors: [{ msg: message, code: 'BAD_REQUEST' }],
        });
      }
      expect(double.asked).toEqual([]);
    });

    it('takes the abandoned outcome like any outcome, and an answered callback after it waits for nobody', async () => {
      double = doubleSink(async () => ANN);
      t().clock.advance(12_000);
      const body = {
        attemptId: id,
        outcome: 'abandoned',
        ringSec: 7,
        talkSec: 0,
        detail: 'no agent within 2 s of the answer; played msg-abandon-1',
      };
      const res = await callback(body);
      expect(res).toEqual({ status: 200, text: '{"status":"success","duplicate":false}' });
      expect(double.reports).toEqual([{ ...body, at: T0 + 12_000 }]);

      const late = await callback({ event: 'answered', attemptId: id, ringSec: 7 });
      expect(late).toEqual({ status: 200, text: '{"ok":true,"agent":null}' });
      expect(double.asked).toEqual([]);
    });
  });

  describe('bridge', () => {
    it('POSTs the agent for the waiting call, signed, keyed bridge:<attemptId>, and is true on {"bridged":true}', async () => {
      t().clock.advance(3_000);
      expect(await adapter.bridge(id, { ...ANN, skills: ['x'] } as AgentLeg)).toBe(true);
      expect(provider.received).toHaveLength(1);
      const { headers, body } = provider.received[0]!;
      expect(body).toBe(
        `{"action":"bridge","attemptId":"${id}","agent":{"id":"${ANN.id}","name":"Ann Agent",` +
          `"extension":"sip:ann@pbx.example.com","externalId":"crm-42"}}`,
      );
      expect(headers['idempotency-key']).toBe(`bridge:${id}`);
      expect(headers['content-type']).toBe('application/json');
      expect(verifyRequest({ secret: SECRET, rawBody: body, headers, nowMs: T0 + 3_000 })).toMatchObject({
        ok: true,
      });
    });

    it('is false, after one try, on {"bridged":false}, a 5xx, a timeout or a body it cannot read', async () => {
      const own = ownAdapter({ bridgeTimeoutMs: 100 });
      const cases: [Answer, string][] = [
        [{ status: 200, body: '{"bridged":false}' }, 'too late'],
        [{ status: 500, body: '{"bridged":true}' }, '5xx'],
        [{ status: 404, body: '' }, 'unknown call'],
        ['hang', 'timeout'],
        [{ status: 200, body: 'bridged' }, 'not JSON'],
        [{ status: 200, body: '{"bridged":"true"}' }, 'not a boolean'],
        [{ status: 200, body: '' }, 'empty'],
      ];
      for (const [answer, why] of cases) {
        bridgeAnswer = answer;
        provider.received.length = 0;
        expect(await own.bridge(id, ANN), why).toBe(false);
        expect(provider.received, why).toHaveLength(1);
      }
    });

    it('is false when the provider cannot be reached, and sends nothing once closed', async () => {
      const gone = http.createServer();
      await new Promise<void>((r) => gone.listen(0, '127.0.0.1', r));
      const port = (gone.address() as AddressInfo).port;
      await new Promise((r) => gone.close(r));
      expect(await ownAdapter({ url: `http://127.0.0.1:${port}/dial` }).bridge(id, ANN)).toBe(false);

      const closed = ownAdapter();
      await closed.close();
      expect(await closed.bridge(id, ANN)).toBe(false);
      expect(provider.received).toEqual([]);
    });

    it('makes a later repeat of the answered callback name the bridged agent', async () => {
      double = doubleSink(async () => null);
      const body = { event: 'answered', attemptId: id, ringSec: 5 };
      expect(JSON.parse((await callback(body)).text)).toEqual({ ok: true, agent: null });
      expect(await adapter.bridge(id, ANN)).toBe(true);
      expect(JSON.parse((await callback(body)).text)).toEqual({ ok: true, agent: ANN });
      expect(double.asked).toHaveLength(1);
    });
  });

  it('does what docs/telephony-webhook.md shows for a Predictive call', async () => {
    const dialBody = example('predictive-dial-body');
    expect(JSON.parse(dialBody).attemptId).toBe(DOC_ATTEMPT);
    await adapter.start(JSON.parse(dialBody) as DialRequest);
    expect(provider.received[0]!.body).toBe(dialBody);

    double = doubleSink(async () => null);
    expect(await callback(example('answered-body'))).toEqual({ status: 200, text: example('answered-reply-wait') });
    expect(await adapter.bridge(DOC_ATTEMPT, ANN)).toBe(true);
    expect(provider.received[1]!.body).toBe(example('bridge-body'));
    // The repeat names the agent now: the same reply as a sink that named Ann at once.
    expect(await callback(example('answered-body'))).toEqual({ status: 200, text: example('answered-reply-agent') });
    expect(await callback(example('abandoned-body'))).toMatchObject({ status: 200 });
    expect(double.reports.map((r) => r.outcome)).toEqual(['abandoned']);
  });
});
