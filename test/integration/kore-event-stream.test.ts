/**
 * `GET …/campaign/events/stream` (campaignd extension, docs/events.md "Stream") over a real socket on
 * both dialects: a campaign played shows on the bot's stream as the pull endpoint gives it, a
 * reconnect with Last-Event-ID resumes without loss or repeat, another bot's events stay away while
 * the account's events of no bot come through, `types` filters, no token is a 401, a client that
 * stops reading is closed with `overflow` (memory bounded by a tiny cap), and closing the app ends
 * the open streams. The hub polls in real time (25 ms here), so arrival is awaited with a deadline.
 */
import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/app.js';
import { EventStreamParser } from '../../src/cli/event-stream-parser.js';
import type { Event } from '../../src/contract/events.js';
import { signHs256 } from '../../src/domain/tenancy/jwt.js';
import { ManualClock } from '../../src/shared/clock.js';
import { loadConfig } from '../../src/shared/config.js';
import { newId } from '../../src/shared/ids.js';
import { createServices, type Services } from '../../src/services.js';
import { appendEvents, newEvent } from '../../src/storage/repos/outbox.js';
import { agentlessSample } from '../fixtures/kore-samples.js';
import { addContacts, trigger } from '../support/engine-harness.js';
import { insertList, koreCaller, reposOf, T0, type TestApp, type TestTenant } from '../support/test-app.js';
import { createTestDb, DIALECTS, type DialectName } from '../support/test-db.js';

/** A tiny backpressure cap, and reads smaller than it (a client that drains between two polls never overflows). */
const CAP = 8;
const BATCH = 2;

async function seed(services: Services, accountId: string): Promise<TestTenant> {
  const iid = newId('st');
  const app = await services.admin.createApp({ accountId, iid, name: 'stream app' });
  await services.admin.createFlow({ accountId, iid, name: 'Voice Survey Entry Flow', channel: 'voice' });
  await services.admin.createQueue({ accountId, iid, name: 'Default Queue' });
  const token = signHs256({ sub: '1234567890', appId: app.clientId }, app.clientSecret);
  return { accountId, iid, clientId: app.clientId, clientSecret: app.clientSecret, token };
}

/** useTestApp's app, with the stream hub tuned for a test: a fast poll and a tiny buffer cap. */
async function streamApp(dialect: DialectName): Promise<TestApp> {
  const db = await createTestDb(dialect);
  const clock = new ManualClock(T0);
  const config = loadConfig({
    DATA_DIR: '/nonexistent',
    RATE_LIMIT_PER_MINUTE: '0',
    AUTH_FAILURES_PER_MINUTE: '0',
    LOG_LEVEL: 'silent',
  });
  const services = createServices(db, clock, {
    ...config,
    eventStreams: { pollMs: 25, maxBuffered: CAP, batch: BATCH },
  });
  const app = await buildApp({ config, db, clock, services });
  const accountId = Math.random().toString(16).slice(2).padEnd(24, '0').slice(0, 24);
  const tenant = await seed(services, accountId);
  const headers = (t: TestTenant = tenant) => ({ auth: t.token, accountId: t.accountId, iid: t.iid });
  const addList = (name: string, t: TestTenant = tenant) => insertList(db, clock, name, t);
  return {
    app,
    db,
    clock,
    services,
    config,
    tenant,
    headers,
    addList,
    repos: reposOf(db),
    addTenant: () => seed(services, accountId),
    kore: koreCaller(app, headers, tenant),
  };
}

interface Received {
  id: number;
  type: string;
  data: Event;
}

interface Stream {
  status: number;
  body: string;
  /** Everything received, comments included. */
  raw: string;
  events: Received[];
  ended: boolean;
  until(pred: () => boolean, what: string, ms?: number): Promise<void>;
  pause(): void;
  resume(): void;
  close(): void;
}

async function waitFor(pred: () => boolean, what: string, ms = 15_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!pred()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** Opens the stream as a raw HTTP client; resolves once it is open (or with the refusal). */
function openStream(
  base: string,
  t: TestTenant | undefined,
  iid: string,
  opts: { query?: string; lastEventId?: string; pauseAtOnce?: boolean } = {},
): Promise<Stream> {
  return new Promise<Stream>((resolve, reject) => {
    const url = new URL(`/agentassist/api/v1/public/${iid}/campaign/events/stream${opts.query ?? ''}`, base);
    const req = http.get(url, {
      agent: false,
      headers: {
        accept: 'text/event-stream',
        ...(t ? { auth: t.token, accountid: t.accountId } : {}),
        ...(opts.lastEventId !== undefined ? { 'last-event-id': opts.lastEventId } : {}),
      },
    });
    req.on('error', (err) => {
      if (!(err as NodeJS.ErrnoException).code?.startsWith('ECONNRESET')) reject(err);
    });
    req.on('response', (res) => {
      const parser = new EventStreamParser();
      let paused = false;
      const s: Stream = {
        status: res.statusCode ?? 0,
        body: '',
        raw: '',
        events: [],
        ended: false,
        until: (pred, what, ms) =>
          waitFor(pred, `${what}; got ${s.events.map((e) => `${e.id}:${e.type}`).join(' ')}`, ms),
        pause: () => res.pause(),
        resume: () => res.resume(),
        close: () => req.destroy(),
      };
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        if (s.status !== 200) {
          s.body += chunk;
          return;
        }
        s.raw += chunk;
        for (const m of parser.push(chunk))
          s.events.push({ id: Number(m.lastEventId), type: m.type, data: JSON.parse(m.data) as Event });
        if (opts.pauseAtOnce && !paused && s.raw.includes(': stream open')) {
          paused = true;
          res.pause();
        }
      });
      res.on('end', () => (s.ended = true));
      res.on('close', () => (s.ended = true));
      res.on('error', () => {});
      if (s.status !== 200) {
        res.on('end', () => resolve(s));
        return;
      }
      waitFor(() => s.raw.includes(': stream open'), 'the stream to open').then(
        () => resolve(s),
        (err: unknown) => reject(err as Error),
      );
    });
  });
}

describe.each(DIALECTS)('Kore event stream on %s', (dialect) => {
  let t: TestApp;
  let base = '';
  beforeAll(async () => {
    t = await streamApp(dialect);
    base = await t.app.listen({ port: 0, host: '127.0.0.1' });
  });
  afterAll(async () => {
    await t.app.close();
    await t.db.dispose();
  });

  /** The account's events as the pull endpoint gives them. */
  async function pulled(after = 0): Promise<Event[]> {
    const out: Event[] = [];
    for (;;) {
      const page = await t.services.webhooks.events(t.tenant.accountId, after, 1000);
      if (page.events.length === 0) return out;
      out.push(...page.events);
      after = page.next;
    }
  }

  let runs = 0;
  /** A list with two contacts and an Agentless campaign on it for `tenant`, played; answers the campaign id. */
  async function playCampaign(tenant: TestTenant = t.tenant): Promise<string> {
    const n = ++runs;
    const listName = `Stream list ${n}`;
    const listId = await t.addList(listName, tenant);
    await addContacts(t, listId, [
      { phone: `+1415555${String(1000 + n * 2)}` },
      { phone: `+1415555${String(1001 + n * 2)}` },
    ]);
    const kore = koreCaller(t.app, t.headers, tenant);
    const created = await kore('POST', '/campaign?campaignType=voice', {
      ...agentlessSample,
      name: `Stream campaign ${n}`,
      contactLists: [listName],
    });
    expect(created.statusCode, created.body).toBe(200);
    const id = created.json().id as string;
    const played = await kore('POST', `/campaign/${id}?trigger=play`, {});
    expect(played.statusCode, played.body).toBe(200);
    return id;
  }

  it('is a 401 without a token, and a 400 for a bad Last-Event-ID, after or types', async () => {
    const none = await openStream(base, undefined, t.tenant.iid);
    expect(none.status).toBe(401);
    expect(JSON.parse(none.body)).toMatchObject({ status: 'failure' });
    const badId = await openStream(base, t.tenant, t.tenant.iid, { lastEventId: 'abc' });
    expect(badId.status).toBe(400);
    expect(badId.body).toContain('Last-Event-ID');
    const badAfter = await openStream(base, t.tenant, t.tenant.iid, { query: '?after=-1' });
    expect(badAfter.status).toBe(400);
    const badType = await openStream(base, t.tenant, t.tenant.iid, { query: '?types=campaign.nope' });
    expect(badType.status).toBe(400);
    expect(JSON.parse(badType.body)).toMatchObject({ errors: [expect.objectContaining({ field: 'types' })] });
  });

  it('carries a campaign played as campaign.status_changed then instance.started, as the pull endpoint gives them', async () => {
    const s = await openStream(base, t.tenant, t.tenant.iid);
    expect(s.raw.startsWith('retry: 2000\n')).toBe(true);
    const id = await playCampaign();
    await s.until(() => s.events.some((e) => e.type === 'instance.started'), 'instance.started');
    s.close();
    const mine = s.events.filter((e) => (e.data.data as { campaignId?: string }).campaignId === id);
    expect(mine.map((e) => e.type).slice(0, 2)).toEqual(['campaign.status_changed', 'instance.started']);
    expect(mine[0]!.data.data, JSON.stringify(mine[0])).toMatchObject({ campaignId: id, to: 'Active' });
    // Each message: id = seq, event = type, data = the envelope the pull endpoint answers.
    const pull = await pulled();
    for (const e of s.events) {
      expect(e.id).toBe(e.data.seq);
      expect(e.type).toBe(e.data.type);
      expect(e.data).toEqual(pull.find((p) => p.seq === e.id));
    }
    // From now: nothing from before the stream opened.
    const opened = Number(/: stream open after (\d+)/.exec(s.raw)![1]);
    expect(s.events.every((e) => e.id > opened)).toBe(true);
    expect(pull.some((p) => p.seq <= opened)).toBe(false);
  });

  it('resumes after Last-Event-ID (or ?after=) without loss or repeat', async () => {
    const first = await openStream(base, t.tenant, t.tenant.iid, { query: '?after=0' });
    const before = (await pulled()).filter((e) => e.botId === t.tenant.iid || e.botId === null);
    await first.until(() => first.events.length >= before.length, 'the history');
    expect(first.events.map((e) => e.id)).toEqual(before.map((e) => e.seq));
    first.close();
    const last = first.events[first.events.length - 1]!.id;

    // While disconnected: a campaign pauses and resumes.
    const id = await playCampaign();
    await trigger(t, id, 'pause');
    await trigger(t, id, 'resume');
    // A browser reconnects with the same URL (after=0) and Last-Event-ID: the header wins.
    const again = await openStream(base, t.tenant, t.tenant.iid, { query: '?after=0', lastEventId: String(last) });
    const missed = (await pulled(last)).filter((e) => e.botId === t.tenant.iid || e.botId === null);
    // play (status_changed, instance.started), pause and resume (a status_changed each).
    expect(missed.length).toBeGreaterThanOrEqual(4);
    await again.until(() => again.events.length >= missed.length, 'the missed events');
    await trigger(t, id, 'stop');
    await again.until(() => again.events.some((e) => e.type === 'instance.completed'), 'the stop');
    again.close();
    const seqs = again.events.map((e) => e.id);
    expect(seqs.slice(0, missed.length)).toEqual(missed.map((e) => e.seq));
    expect(new Set(seqs).size).toBe(seqs.length);
    expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
    expect(seqs[0]).toBeGreaterThan(last);

    const byQuery = await openStream(base, t.tenant, t.tenant.iid, { query: `?after=${last}` });
    await byQuery.until(() => byQuery.events.length >= missed.length, 'the same events by ?after=');
    byQuery.close();
    expect(byQuery.events.slice(0, missed.length).map((e) => e.id)).toEqual(missed.map((e) => e.seq));
  });

  it("never carries another bot's events; the account's events of no bot reach every bot", async () => {
    const other = await t.addTenant();
    expect(other.accountId).toBe(t.tenant.accountId);
    const mineStream = await openStream(base, t.tenant, t.tenant.iid);
    const otherStream = await openStream(base, other, other.iid);
    const theirs = await playCampaign(other);
    const ours = await playCampaign();
    // An account event of no bot (as an import of an account-wide list would be).
    await appendEvents(t.db.kysely, [
      newEvent('import.completed', { accountId: t.tenant.accountId, botId: null }, t.clock.now(), {
        importId: 'imp-shared',
        listId: 'cl-shared',
        status: 'completed',
        imported: 3,
        error: null,
      }),
    ]);
    for (const s of [mineStream, otherStream])
      await s.until(() => s.events.some((e) => e.type === 'import.completed'), 'the account event');
    await mineStream.until(() => mineStream.events.some((e) => e.type === 'instance.started'), 'our run');
    await otherStream.until(() => otherStream.events.some((e) => e.type === 'instance.started'), 'their run');
    mineStream.close();
    otherStream.close();
    const campaignOf = (e: Received) => (e.data.data as { campaignId?: string }).campaignId;
    expect(mineStream.events.every((e) => e.data.botId === t.tenant.iid || e.data.botId === null)).toBe(true);
    expect(mineStream.events.some((e) => campaignOf(e) === theirs)).toBe(false);
    expect(mineStream.events.some((e) => campaignOf(e) === ours)).toBe(true);
    expect(otherStream.events.every((e) => e.data.botId === other.iid || e.data.botId === null)).toBe(true);
    expect(otherStream.events.some((e) => campaignOf(e) === ours)).toBe(false);
    // The other bot's token does not open this bot's stream.
    const foreign = await openStream(base, other, t.tenant.iid);
    expect([401, 403, 404]).toContain(foreign.status);
  });

  it('keeps only the types asked for', async () => {
    const s = await openStream(base, t.tenant, t.tenant.iid, {
      query: '?types=instance.started,%20instance.completed',
    });
    const id = await playCampaign();
    await trigger(t, id, 'stop');
    await s.until(() => s.events.some((e) => e.type === 'instance.completed'), 'instance.completed');
    s.close();
    expect(s.events.map((e) => e.type)).toEqual(['instance.started', 'instance.completed']);
    expect(s.events.every((e) => (e.data.data as { campaignId: string }).campaignId === id)).toBe(true);
  });

  it('closes a stream whose client stops reading with overflow, holding at most the cap; the client resumes from it', async () => {
    const s = await openStream(base, t.tenant, t.tenant.iid, { pauseAtOnce: true });
    const start = Number(/: stream open after (\d+)/.exec(s.raw)![1]);
    // Far more than the socket buffers take: 400 events of 64 KB.
    const pad = 'x'.repeat(64 * 1024);
    const total = 400;
    for (let i = 0; i < total; i += 50)
      await appendEvents(
        t.db.kysely,
        Array.from({ length: 50 }, (_, j) =>
          newEvent('import.completed', { accountId: t.tenant.accountId, botId: t.tenant.iid }, t.clock.now(), {
            importId: `imp-${i + j}`,
            listId: 'cl-big',
            status: 'completed',
            imported: i + j,
            error: pad,
          }),
        ),
      );
    let behind = 0;
    await waitFor(() => {
      behind = Math.max(behind, t.services.eventStreams.behind);
      return t.services.eventStreams.size === 0;
    }, 'the server to give up on the stream');
    // Nothing piles up for it: it fell behind by at most the cap (and one read) before it was closed.
    expect(behind).toBeLessThanOrEqual(CAP + BATCH);

    s.resume();
    await s.until(() => s.ended, 'the end of the stream');
    const last = s.events[s.events.length - 1]!;
    expect(last.type).toBe('overflow');
    const got = s.events.slice(0, -1);
    expect(got.length).toBeGreaterThan(0);
    expect(got.length).toBeLessThan(total);
    const seqs = got.map((e) => e.id);
    expect(seqs[0]).toBe(start + 1);
    expect(seqs).toEqual(seqs.map((_, i) => start + 1 + i));
    expect(last.data).toEqual({ after: seqs[seqs.length - 1] });

    // Reconnecting with Last-Event-ID gets the rest, from the next one.
    const rest = await openStream(base, t.tenant, t.tenant.iid, { lastEventId: String(seqs[seqs.length - 1]) });
    await rest.until(() => rest.events.length >= total - got.length, 'the rest');
    rest.close();
    expect(rest.events.map((e) => e.id)).toEqual(
      Array.from({ length: total - got.length }, (_, i) => seqs[seqs.length - 1]! + 1 + i),
    );
  });

  it('ends open streams when the app closes, without waiting for their clients', async () => {
    const reading = await openStream(base, t.tenant, t.tenant.iid);
    const stuck = await openStream(base, t.tenant, t.tenant.iid, { pauseAtOnce: true });
    expect(t.services.eventStreams.size).toBe(2);
    const started = Date.now();
    await t.app.close();
    expect(Date.now() - started).toBeLessThan(5_000);
    await reading.until(() => reading.ended, 'the reading stream to end');
    expect(t.services.eventStreams.size).toBe(0);
    stuck.close();
  });
});
