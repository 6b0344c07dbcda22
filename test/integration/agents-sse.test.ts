/**
 * `GET /agent/v1/events` over a real socket: what a browser's EventSource sees. The first event,
 * events made while connected, resuming after a disconnect from `Last-Event-ID` (header or
 * `?lastEventId=`) with exactly the missed events, a refused bad id, and the presence an open
 * stream keeps. The hub reads agent_events on a real-time poll, so arrival is awaited with a
 * deadline; time as the engine sees it is still the test's ManualClock.
 */
import http from 'node:http';
import { beforeAll, describe, expect, it } from 'vitest';
import { OFFER_RECONNECT_MS, PRESENCE_STALE_MS } from '../../src/domain/agents/presence.js';
import { agentHarness, type TestAgent } from '../support/agent-harness.js';
import { addContacts } from '../support/engine-harness.js';
import { useTestApp } from '../support/test-app.js';
import { DIALECTS } from '../support/test-db.js';

interface SseEvent {
  /** Absent on the snapshot, which is not stored. */
  id?: number;
  event: string;
  data: Record<string, unknown>;
}

interface Stream {
  status: number;
  headers: http.IncomingHttpHeaders;
  /** The body when the answer is not a stream. */
  body: string;
  events: SseEvent[];
  /** Resolves once `pred(events)` holds; fails after `ms` of real time with what arrived. */
  until(pred: (events: SseEvent[]) => boolean, what: string, ms?: number): Promise<void>;
  close(): void;
}

/** Parses one `text/event-stream` block; undefined for a comment-only block (keepalive). */
function parseBlock(block: string): SseEvent | undefined {
  let id: number | undefined;
  let event = 'message';
  const data: string[] = [];
  for (const line of block.split('\n')) {
    if (line === '' || line.startsWith(':')) continue;
    const at = line.indexOf(':');
    const field = at < 0 ? line : line.slice(0, at);
    const value = at < 0 ? '' : line.slice(at + 1).replace(/^ /, '');
    if (field === 'id') id = Number(value);
    else if (field === 'event') event = value;
    else if (field === 'data') data.push(value);
  }
  if (data.length === 0) return undefined;
  return { ...(id !== undefined ? { id } : {}), event, data: JSON.parse(data.join('\n')) as Record<string, unknown> };
}

/** Opens the agent's event stream on `base` as a raw HTTP client would. */
function openStream(base: string, credential: string, opts: { lastEventId?: string; query?: string } = {}) {
  return new Promise<Stream>((resolve, reject) => {
    const url = new URL(`/agent/v1/events${opts.query ?? ''}`, base);
    const req = http.get(url, {
      agent: false,
      headers: {
        accept: 'text/event-stream',
        authorization: `Bearer ${credential}`,
        ...(opts.lastEventId !== undefined ? { 'last-event-id': opts.lastEventId } : {}),
      },
    });
    req.on('error', (err) => {
      if (!(err as NodeJS.ErrnoException).code?.startsWith('ECONNRESET')) reject(err);
    });
    req.on('response', (res) => {
      const stream: Stream = {
        status: res.statusCode ?? 0,
        headers: res.headers,
        body: '',
        events: [],
        until: async (pred, what, ms = 10_000) => {
          const deadline = Date.now() + ms;
          while (!pred(stream.events)) {
            if (Date.now() > deadline)
              throw new Error(`timed out waiting for ${what}; got ${JSON.stringify(stream.events)}`);
            await new Promise((r) => setTimeout(r, 10));
          }
        },
        close: () => req.destroy(),
      };
      let buffer = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        if (stream.status !== 200) {
          stream.body += chunk;
          return;
        }
        buffer += chunk;
        let end: number;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const e = parseBlock(buffer.slice(0, end));
          buffer = buffer.slice(end + 2);
          if (e) stream.events.push(e);
        }
      });
      res.on('error', () => {});
      if (stream.status === 200) resolve(stream);
      else res.on('end', () => resolve(stream));
    });
  });
}

/** Real-time polling with a deadline, for what the server does after a socket closes. */
async function eventually<T>(read: () => Promise<T>, ok: (v: T) => boolean, what: string, ms = 10_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await read();
    if (ok(v)) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; last ${JSON.stringify(v)}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

const types = (events: SseEvent[]) => events.map((e) => e.event);
const withId = (events: SseEvent[]) => events.filter((e) => e.id !== undefined);

describe.each(DIALECTS)('agent event stream on %s', (dialect) => {
  const t = useTestApp(dialect);
  let base = '';
  beforeAll(async () => {
    base = await t().app.listen({ port: 0, host: '127.0.0.1' });
  });

  /** A harness on a queue of its own with `contacts` numbers, and one agent logged in (no stream yet). */
  async function setup(contacts = 2) {
    const queue = `Queue ${Math.random().toString(36).slice(2, 8)}`;
    await t().services.admin.createQueue({ accountId: t().tenant.accountId, iid: t().tenant.iid, name: queue });
    const h = agentHarness(t(), { queue });
    const listId = await t().addList(`SSE list ${Math.random()}`);
    const first = 1000 + Math.floor(Math.random() * 8000);
    await addContacts(
      t(),
      listId,
      Array.from({ length: contacts }, (_, i) => ({ phone: `+1415777${String(first + i).padStart(4, '0')}` })),
    );
    const agent = await h.createAgent(`Streamer ${Math.random().toString(36).slice(2, 6)}`);
    const login = await h.api(agent, 'POST', '/login', {});
    expect(login.statusCode, login.body).toBe(200);
    return { h, listId, agent };
  }

  /** The agent's stored events after `afterId`, as the stream must carry them. */
  async function storedAfter(agent: TestAgent, afterId: number): Promise<SseEvent[]> {
    const rows = await t()
      .db.kysely.selectFrom('agent_events')
      .select(['id', 'type', 'data'])
      .where('agent_id', '=', agent.id)
      .where('id', '>', afterId)
      .orderBy('id')
      .execute();
    return rows.map((r) => ({ id: Number(r.id), event: r.type, data: JSON.parse(r.data) as Record<string, unknown> }));
  }

  /** Sockets open on the server: a closed stream's handlers have run once its socket is gone from here. */
  const connections = () =>
    new Promise<number>((resolve, reject) =>
      t().app.server.getConnections((err, n) => (err ? reject(err) : resolve(n))),
    );

  const seenAt = async (agent: TestAgent) =>
    (
      await t()
        .db.kysely.selectFrom('agents')
        .select('stream_seen_at')
        .where('id', '=', agent.id)
        .executeTakeFirstOrThrow()
    ).stream_seen_at;

  it('starts with a snapshot of the agent, marks them present, and carries only what happens from then on', async () => {
    const { h, agent } = await setup(0);
    expect(await seenAt(agent)).toBeNull();
    const s = await openStream(base, agent.credential);
    expect(s.status).toBe(200);
    expect(s.headers['content-type']).toBe('text/event-stream; charset=utf-8');
    expect(s.headers['cache-control']).toBe('no-cache, no-transform');
    await s.until((e) => e.length >= 1, 'the snapshot');
    expect(s.events[0]).toEqual({
      event: 'snapshot',
      data: expect.objectContaining({ id: agent.id, state: 'Available', present: true, work: null }),
    });
    // Present from the moment the stream opened (on the injected clock).
    expect(
      await eventually(
        () => seenAt(agent),
        (v) => v !== null,
        'presence',
      ),
    ).toBe(t().clock.now());
    expect((await h.api(agent, 'GET', '/me')).json()).toMatchObject({ present: true });

    // No Last-Event-ID: the login's `state` event (stored before the stream) is not replayed.
    const before = (await storedAfter(agent, 0)).map((e) => e.id!);
    expect(before.length).toBeGreaterThan(0);
    t().clock.advance(1_000);
    expect((await h.api(agent, 'POST', '/state', { state: 'NotReady', reason: 'Break' })).statusCode).toBe(200);
    await s.until((e) => withId(e).length >= 1, 'the state event');
    expect(s.events.slice(1)).toEqual(await storedAfter(agent, Math.max(...before)));
    expect(s.events[1]).toMatchObject({
      event: 'state',
      data: { state: 'NotReady', reason: 'Break', since: new Date(t().clock.now()).toISOString() },
    });
    s.close();
  });

  it('delivers a call being placed and connected while the stream is open, in id order', async () => {
    const { h, listId, agent } = await setup(1);
    const s = await openStream(base, agent.credential);
    await s.until((e) => e.length >= 1, 'the snapshot');
    await eventually(
      () => seenAt(agent),
      (v) => v !== null,
      'presence',
    );
    const c = await h.campaign('Progressive', listId);
    await h.tick();
    const call = h.phone.calls.find((x) => x.req.agent?.id === agent.id && x.req.campaignId === c.id);
    expect(call, 'a call for the streaming agent').toBeDefined();
    const attemptId = call!.req.attemptId;
    await s.until((e) => types(e).includes('call.connecting'), 'call.connecting');
    await h.phone.answer(attemptId);
    await s.until((e) => types(e).includes('call.connected'), 'call.connected');

    const events = withId(s.events);
    expect(types(events)).toEqual(['state', 'call.connecting', 'state', 'call.connected']);
    expect(events.map((e) => e.id)).toEqual([...events.map((e) => e.id!)].sort((a, b) => a - b));
    expect(events[0]!.data).toMatchObject({ state: 'Reserved' });
    expect(events[1]!.data).toMatchObject({
      attemptId,
      campaign: { id: c.id },
      campaignInstanceId: c.instanceId,
      contact: { phoneNumberE164: call!.req.to },
    });
    expect(events[2]!.data).toMatchObject({ state: 'OnCall' });
    expect(events[3]!.data).toMatchObject({ attemptId, campaign: { id: c.id } });
    // Exactly what is stored, nothing more.
    expect(events).toEqual(await storedAfter(agent, events[0]!.id! - 1));
    s.close();
  });

  for (const via of ['Last-Event-ID header', '?lastEventId='] as const) {
    it(`resumes after a disconnect from the ${via}: exactly the missed events, in order, once`, async () => {
      const { h, listId, agent } = await setup(1);
      const first = await openStream(base, agent.credential);
      await first.until((e) => e.length >= 1, 'the snapshot');
      await eventually(
        () => seenAt(agent),
        (v) => v !== null,
        'presence',
      );
      await h.campaign('Progressive', listId, { agentSettings: { wrapUpSec: 120 } });
      await h.tick();
      const attemptId = h.phone.calls.find((x) => x.req.agent?.id === agent.id)!.req.attemptId;
      await h.phone.answer(attemptId);
      await first.until((e) => types(e).includes('call.connected'), 'call.connected');
      const lastSeen = withId(first.events).at(-1)!.id!;
      first.close();
      // The server notices the socket went away: the agent is no longer present.
      await eventually(
        () => seenAt(agent),
        (v) => v === t().clock.now() - PRESENCE_STALE_MS - 1,
        'streamClosed',
      );

      // Missed while away: the call ends, wrap-up starts, the agent gives a disposition.
      t().clock.advance(30_000);
      await h.phone.end(attemptId, 'completed', { talkSec: 30 });
      const disposed = await h.api(agent, 'POST', `/calls/${attemptId}/disposition`, { codes: ['Sale'] });
      expect(disposed.statusCode, disposed.body).toBe(200);
      const missed = await storedAfter(agent, lastSeen);
      expect(types(missed)).toEqual(['state', 'call.ended', 'wrapup.started', 'state', 'wrapup.ended']);

      const second = await openStream(
        base,
        agent.credential,
        via === '?lastEventId=' ? { query: `?lastEventId=${lastSeen}` } : { lastEventId: String(lastSeen) },
      );
      expect(second.status).toBe(200);
      await second.until((e) => withId(e).length >= missed.length, 'the missed events');
      expect(second.events[0]).toMatchObject({ event: 'snapshot', data: { state: 'Available', present: true } });
      expect(second.events[0]!.id).toBeUndefined();
      expect(second.events.slice(1)).toEqual(missed);

      // And what follows arrives once: nothing missed is repeated after it.
      t().clock.advance(1_000);
      expect((await h.api(agent, 'POST', '/state', { state: 'NotReady', reason: 'Lunch' })).statusCode).toBe(200);
      await second.until((e) => types(e).at(-1) === 'state' && e.length > missed.length + 1, 'the new state event');
      const ids = withId(second.events).map((e) => e.id!);
      expect(new Set(ids).size).toBe(ids.length);
      expect(withId(second.events)).toEqual(await storedAfter(agent, lastSeen));
      second.close();
    });
  }

  it('resumes from 0 with every retained event of the agent', async () => {
    const { h, agent } = await setup(0);
    expect((await h.api(agent, 'POST', '/state', { state: 'NotReady', reason: 'Break' })).statusCode).toBe(200);
    const all = await storedAfter(agent, 0);
    expect(types(all)).toEqual(['state', 'state']);
    const s = await openStream(base, agent.credential, { lastEventId: '0' });
    await s.until((e) => withId(e).length >= all.length, 'the whole stream');
    expect(s.events.slice(1)).toEqual(all);
    s.close();
  });

  it('resumes from the agent’s newest event when Last-Event-ID is beyond it, so nothing new is held back', async () => {
    const { h, agent } = await setup(0);
    const s = await openStream(base, agent.credential, { lastEventId: '999999999999' });
    await s.until((e) => e.length >= 1, 'the snapshot');
    expect((await h.api(agent, 'POST', '/state', { state: 'NotReady', reason: 'Break' })).statusCode).toBe(200);
    await s.until((e) => withId(e).length >= 1, 'the new state event');
    expect(withId(s.events)).toEqual(await storedAfter(agent, withId(s.events)[0]!.id! - 1));
    expect(s.events.at(-1)).toMatchObject({ event: 'state', data: { state: 'NotReady', reason: 'Break' } });
    s.close();
  });

  it('refuses a Last-Event-ID that is not an event id with a 400, before opening a stream', async () => {
    const { agent } = await setup(0);
    for (const bad of ['abc', '-1', '12.5', '1e3', '1234567890123456']) {
      const s = await openStream(base, agent.credential, { lastEventId: bad });
      expect(s.status, bad).toBe(400);
      expect(JSON.parse(s.body)).toEqual({
        status: 'failure',
        message: 'Last-Event-ID: must be an event id',
        errors: [{ msg: 'Last-Event-ID: must be an event id', code: 'VALIDATION_ERROR', field: 'Last-Event-ID' }],
      });
    }
    const q = await openStream(base, agent.credential, { query: '?lastEventId=abc' });
    expect(q.status).toBe(400);
    expect(JSON.parse(q.body)).toMatchObject({ status: 'failure', errors: [{ code: 'VALIDATION_ERROR' }] });
    // None of them made the agent present.
    expect(await seenAt(agent)).toBeNull();
  });

  it('keeps the agent present while any of their streams is open; when the last closes, keeps their offer through a reload and withdraws it once the reconnect allowance is over', async () => {
    const { h, listId, agent } = await setup(1);
    const a = await openStream(base, agent.credential);
    const b = await openStream(base, agent.credential);
    await a.until((e) => e.length >= 1, 'snapshot a');
    await b.until((e) => e.length >= 1, 'snapshot b');
    const opened = await eventually(
      () => seenAt(agent),
      (v) => v !== null,
      'presence',
    );
    const c = await h.campaign('Preview', listId);
    await h.tick();
    const offer = await a
      .until((e) => types(e).includes('offer'), 'the offer')
      .then(() => a.events.find((e) => e.event === 'offer')!);
    expect(offer.data).toMatchObject({ campaign: { id: c.id }, campaignInstanceId: c.instanceId });
    const offerId = offer.data.offerId as string;
    await b.until((e) => types(e).includes('offer'), 'the offer on b');

    // One of two closes: once the server has seen it go, still present and the offer still theirs.
    // (Earlier tests' sockets may still be closing: wait until only these two are left.)
    await eventually(connections, (n) => n === 2, 'only the two streams open');
    a.close();
    await eventually(connections, (n) => n === 1, 'the server to see stream a close');
    expect(await seenAt(agent)).toBe(opened);
    expect(await h.row(agent)).toMatchObject({ state: 'Reserved', work_kind: 'offer', work_record_id: offerId });

    // The last one closes: gone (no new work), but the offer is still theirs, and a stream opened
    // again in time (a page reload) finds it.
    b.close();
    await eventually(
      () => seenAt(agent),
      (v) => v === t().clock.now() - PRESENCE_STALE_MS - 1,
      'streamClosed',
    );
    await h.tick();
    expect(await h.row(agent)).toMatchObject({ state: 'Reserved', work_kind: 'offer', work_record_id: offerId });
    const reloaded = await openStream(base, agent.credential);
    await reloaded.until((e) => e.length >= 1, 'the snapshot after the reload');
    expect(reloaded.events[0]).toMatchObject({ event: 'snapshot' });
    await eventually(
      () => seenAt(agent),
      (v) => v === t().clock.now(),
      'present again',
    );
    reloaded.close();
    await eventually(
      () => seenAt(agent),
      (v) => v === t().clock.now() - PRESENCE_STALE_MS - 1,
      'streamClosed again',
    );

    // Still not back by the end of the allowance: the offer goes back for someone else.
    t().clock.advance(OFFER_RECONNECT_MS);
    await h.tick();
    const row = await h.row(agent);
    expect(row).toMatchObject({ state: 'Available', work_kind: null, work_record_id: null });
    const closed = (await h.events(agent)).at(-1)!;
    expect(closed).toEqual(['offer.withdrawn', { offerId, reason: 'your event stream was lost' }]);
    const record = await t()
      .db.kysely.selectFrom('dial_records')
      .select(['state', 'agent_id', 'skips'])
      .where('id', '=', offerId)
      .executeTakeFirstOrThrow();
    // Back to pending, not counted as a skip.
    expect(record).toEqual({ state: 'pending', agent_id: null, skips: 0 });
    // Gone: never offered anything while away.
    await h.tick();
    expect((await h.row(agent)).state).toBe('Available');
    expect(types(await storedAfter(agent, 0)).filter((x) => x === 'offer')).toHaveLength(1);
  });
});
