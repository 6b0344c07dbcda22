import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Provider } from '../../src/domain/telephony/provider.js';
import { createServices } from '../../src/services.js';
import { captureLogs } from '../support/captured-logs.js';
import { addContacts, createCampaign, engineHarness, trigger } from '../support/engine-harness.js';
import { createTestApp, T0, useTestApp, type TestApp } from '../support/test-app.js';
import {
  createSharedDbApp,
  EngineProcess,
  killEngineProcesses,
  pollUntil,
  START_DEADLINE_MS,
  type SharedDbApp,
} from '../support/engine-processes.js';
import { DIALECTS } from '../support/test-db.js';
import { startReceiver } from '../support/webhook-receiver.js';

const TOKEN = 'metrics-token-0123456789';
const LEASE_MS = 120_000;

/** One sample per series, keyed `name{label="value",…}` with the labels sorted (the text format, parsed). */
type Samples = Map<string, number>;

function parse(text: string): Samples {
  const out: Samples = new Map();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m) throw new Error(`not a sample line: ${line}`);
    const labels = [...(m[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map(([, k, v]) => `${k}="${v}"`).sort();
    out.set(`${m[1]}{${labels.join(',')}}`, Number(m[3]));
  }
  return out;
}

const key = (name: string, labels: Record<string, string> = {}) =>
  `${name}{${Object.entries(labels)
    .map(([k, v]) => `${k}="${v}"`)
    .sort()
    .join(',')}}`;

/** A sample's value; 0 for a series not there yet (a counter never incremented). */
const val = (s: Samples, name: string, labels?: Record<string, string>) => s.get(key(name, labels)) ?? 0;

describe.each(DIALECTS)('GET /metrics on %s', (dialect) => {
  const t = useTestApp(dialect, { env: { METRICS_TOKEN: TOKEN } });

  const scrape = async (): Promise<Samples> => {
    const res = await t().app.inject({ method: 'GET', url: '/metrics', headers: { authorization: `Bearer ${TOKEN}` } });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
    return parse(res.body);
  };

  it('answers 401 without the token or with a wrong one, in the failure envelope', async () => {
    for (const headers of [{}, { authorization: 'Bearer wrong-token-0123456789' }, { authorization: TOKEN }]) {
      const res = await t().app.inject({ method: 'GET', url: '/metrics', headers });
      expect(res.statusCode).toBe(401);
      expect(res.json()).toMatchObject({ status: 'failure' });
      expect(res.body).not.toContain('campaignd_');
    }
  });

  it('is not there at all (404) without METRICS_TOKEN', async () => {
    const other = await createTestApp(dialect);
    try {
      const res = await other.app.inject({
        method: 'GET',
        url: '/metrics',
        headers: { authorization: `Bearer ${TOKEN}` },
      });
      expect(res.statusCode).toBe(404);
      expect(res.body).not.toContain('campaignd_');
    } finally {
      await other.app.close();
      await other.db.dispose();
    }
  });

  it('serves process metrics, prefixed, and one registry per app', async () => {
    const s = await scrape();
    expect(val(s, 'campaignd_process_cpu_user_seconds_total')).toBeGreaterThan(0);
    expect(s.has(key('campaignd_nodejs_heap_size_used_bytes'))).toBe(true);
    for (const name of s.keys()) expect(name.startsWith('campaignd_')).toBe(true);
  });

  it('counts HTTP requests by route pattern and status, never by raw URL', async () => {
    const before = await scrape();
    const id = 'cmp-does-not-exist-1234';
    for (let i = 0; i < 3; i++) expect((await t().kore('GET', `/campaign/${id}`)).statusCode).toBe(404);
    expect((await t().kore('POST', '/campaign/getAllCampaignDetails', {})).statusCode).toBe(200);
    const after = await scrape();
    const route = '/agentassist/api/v1/public/:iid/campaign/:campaignId';
    const labels = { method: 'GET', route, status: '404' };
    expect(
      val(after, 'campaignd_http_requests_total', labels) - val(before, 'campaignd_http_requests_total', labels),
    ).toBe(3);
    expect(
      val(after, 'campaignd_http_request_duration_seconds_count', labels) -
        val(before, 'campaignd_http_request_duration_seconds_count', labels),
    ).toBe(3);
    const list = {
      method: 'POST',
      route: '/agentassist/api/v1/public/:iid/campaign/getAllCampaignDetails',
      status: '200',
    };
    expect(val(after, 'campaignd_http_requests_total', list) - val(before, 'campaignd_http_requests_total', list)).toBe(
      1,
    );
    const text = [...after.keys()].join('\n');
    expect(text).not.toContain(id);
    expect(text).not.toContain(t().tenant.iid);
  });

  it('counts an engine run: dials, outcomes, ticks, reconciled leases, and reads in-flight calls and the backlog', async () => {
    const before = await scrape();
    t().clock.set(T0);
    const l = await t().addList('Metrics engine');
    const phones = ['+15557000001', '+15557000002', '+15557000003', '+15557000004', '+15557000005'];
    await addContacts(
      t(),
      l,
      phones.map((phone) => ({ phone })),
    );
    const id = await createCampaign(
      t(),
      { name: 'Metrics engine', contactLists: ['Metrics engine'] },
      {
        maxAttemptsPerRecord: 1,
      },
    );
    await trigger(t(), id, 'play');
    expect(val(await scrape(), 'campaignd_engine_due_backlog')).toBe(5);

    // The last number is refused by the network: a failed dial, recorded at once.
    const refuseLast = (inner: Provider): Provider => ({
      ...inner,
      start: (req) =>
        req.to === phones[4]
          ? Promise.resolve({ accepted: false, outcome: 'failed', detail: 'refused by the test' })
          : inner.start(req),
    });
    const h = engineHarness(t(), {
      profile: { mix: { 'no-answer': 1 } },
      engine: { leaseMs: LEASE_MS },
      provider: refuseLast,
    });
    await h.engine.tick();
    const during = await scrape();
    expect(val(during, 'campaignd_engine_calls_in_flight')).toBe(4);
    expect(val(during, 'campaignd_engine_due_backlog')).toBe(0);

    await h.deliverSome((i) => i < 3);
    expect(val(await scrape(), 'campaignd_engine_calls_in_flight')).toBe(1);
    // The fourth call's outcome never comes: its lease runs out and the next tick reconciles it.
    t().clock.advance(10 * 60_000);
    await h.engine.tick();
    const after = await scrape();
    await h.deliver(); // a late outcome: stored as such, counted nowhere

    const moved = (name: string, labels?: Record<string, string>) =>
      val(after, name, labels) - val(before, name, labels);
    expect(moved('campaignd_engine_claimed_total')).toBe(5);
    expect(moved('campaignd_engine_dials_total', { result: 'accepted' })).toBe(4);
    expect(moved('campaignd_engine_dials_total', { result: 'refused' })).toBe(1);
    expect(moved('campaignd_engine_outcomes_total', { outcome: 'no-answer' })).toBe(3);
    expect(moved('campaignd_engine_outcomes_total', { outcome: 'failed' })).toBe(1);
    expect(moved('campaignd_engine_outcomes_total', { outcome: 'unknown' })).toBe(1);
    expect(moved('campaignd_engine_leases_reconciled_total')).toBe(1);
    expect(moved('campaignd_engine_ticks_total', { result: 'ok' })).toBe(2);
    expect(moved('campaignd_engine_tick_duration_seconds_count')).toBe(2);
    expect(val(after, 'campaignd_engine_calls_in_flight')).toBe(0);
    expect(val(after, 'campaignd_engine_due_backlog')).toBe(0);
    const late = await scrape();
    expect(val(late, 'campaignd_engine_outcomes_total', { outcome: 'no-answer' })).toBe(
      val(after, 'campaignd_engine_outcomes_total', { outcome: 'no-answer' }),
    );
  });

  it('counts import rows and rejects', async () => {
    const before = await scrape();
    const res = await t().kore(
      'POST',
      '/campaign/contactList/addContacts',
      {
        contact_list_name: 'Recent Buyers - Q2 2025',
        data: [{ phoneNumber: '+14155550101' }, { phoneNumber: '+14155550102' }, { phoneNumber: 'not a number' }],
      },
      { prefix: `/api/1.1/public/${t().tenant.iid}` },
    );
    expect(res.statusCode, res.body).toBe(200);
    await t().services.imports.whenIdle();
    const after = await scrape();
    const moved = (name: string, labels?: Record<string, string>) =>
      val(after, name, labels) - val(before, name, labels);
    expect(moved('campaignd_imports_total', { status: 'completed' })).toBe(1);
    expect(moved('campaignd_import_rows_total', { result: 'imported' })).toBe(2);
    expect(moved('campaignd_import_rows_total', { result: 'rejected' })).toBe(1);
    expect(moved('campaignd_import_rejects_total')).toBe(1);
  });

  it('reads agents by state at scrape time', async () => {
    const before = await scrape();
    const { accountId, iid } = t().tenant;
    await t().services.agentAdmin.create({ accountId, iid, name: 'Metrics Agent', queues: ['Default Queue'] });
    const after = await scrape();
    expect(
      val(after, 'campaignd_agents', { state: 'Offline' }) - val(before, 'campaignd_agents', { state: 'Offline' }),
    ).toBe(1);
    expect(after.has(key('campaignd_agents', { state: 'Available' }))).toBe(true);
  });

  it('counts webhook deliveries, failures and their lag, and reads the events still to deliver', async () => {
    const receiver = await startReceiver((n) => ({ status: n === 0 ? 503 : 204 }));
    try {
      const { accountId } = t().tenant;
      await t().services.webhooks.create({ accountId, url: receiver.url, eventTypes: ['campaign.status_changed'] });
      const before = await scrape();
      const list = await t().addList('Metrics webhooks');
      await addContacts(t(), list, [{ phone: '+15554000001' }]);
      await trigger(
        t(),
        await createCampaign(t(), { name: 'Metrics webhooks', contactLists: ['Metrics webhooks'] }),
        'play',
      );
      await t().services.webhooks.events(accountId, 0, 1); // publishes: the event now has its seq
      expect(val(await scrape(), 'campaignd_webhook_pending_events')).toBe(1);

      const d = t().services.createWebhookDelivery({ owner: 'metrics-test', baseDelayMs: 1000 });
      await d.run();
      await d.idle();
      t().clock.advance(60_000);
      await d.run();
      await d.idle();
      expect(receiver.accepted().map((e) => e.type)).toEqual(['campaign.status_changed']);

      const after = await scrape();
      const delta = (name: string, labels?: Record<string, string>) =>
        val(after, name, labels) - val(before, name, labels);
      const event = 'campaign.status_changed';
      expect(delta('campaignd_webhook_deliveries_total', { event, result: 'failed' })).toBe(1);
      expect(delta('campaignd_webhook_deliveries_total', { event, result: 'delivered' })).toBe(1);
      expect(delta('campaignd_webhook_failures_total', { reason: 'http_5xx' })).toBe(1);
      expect(delta('campaignd_webhook_delivery_lag_seconds_count')).toBe(1);
      // Written before the failed try, delivered after the minute the retry waited.
      expect(delta('campaignd_webhook_delivery_lag_seconds_sum')).toBeGreaterThanOrEqual(60);
      expect(val(after, 'campaignd_webhook_pending_events')).toBe(0);
    } finally {
      await receiver.close();
    }
  });
});

describe.each(DIALECTS)('transition and failed-dial log lines on %s', (dialect) => {
  const t = useTestApp(dialect);

  it('logs each campaign transition and each failed dial with the tenant, campaign and instance', async () => {
    const { log, lines } = captureLogs('info');
    // The same database and clock, with services that log to the capture.
    const logged: TestApp = { ...t(), services: createServices(t().db, t().clock, t().config, log) };
    const l = await t().addList('Logged dials');
    await addContacts(t(), l, [{ phone: '+15557100001' }, { phone: '+15557100002' }]);
    const id = await createCampaign(
      t(),
      { name: 'Logged dials', contactLists: ['Logged dials'] },
      {
        maxAttemptsPerRecord: 1,
      },
    );
    const tenant = { accountId: t().tenant.accountId, botId: t().tenant.iid };
    const play = await logged.services.instances.trigger(tenant, id, 'play');
    await logged.services.instances.trigger(tenant, id, 'pause');
    await logged.services.instances.trigger(tenant, id, 'resume');
    const h = engineHarness(logged, {
      profile: { mix: { failed: 1 } },
      provider: (inner) => ({
        ...inner,
        start: (req) =>
          req.to === '+15557100002'
            ? Promise.resolve({ accepted: false, outcome: 'failed', detail: 'refused by the test' })
            : inner.start(req),
      }),
    });
    await h.step();
    await h.engine.tick(); // nothing due: the run completes

    const ids = { ...tenant, campaignId: id, instanceId: play.campaignInstanceId };
    const transitions = lines().filter((l) => l.transition !== undefined);
    expect(transitions.map((l) => [l.transition, l.to])).toEqual([
      ['play', 'Active'],
      ['pause', 'Paused'],
      ['resume', 'Active'],
      ['complete', 'Completed'],
    ]);
    for (const line of transitions) expect(line).toMatchObject(ids);
    const failed = lines().filter((l) => l.msg === 'dial failed');
    expect(failed).toHaveLength(2);
    for (const line of failed) expect(line).toMatchObject({ ...ids, component: 'engine', outcome: 'failed' });
    expect(failed.map((l) => l.detail)).toContain('refused by the test');
  });
});

describe.each(DIALECTS)('a worker serves its own /metrics on METRICS_PORT, on %s', (dialect) => {
  let t: SharedDbApp;
  const procs: EngineProcess[] = [];
  beforeAll(async () => {
    t = await createSharedDbApp(dialect);
  });
  afterAll(async () => {
    await killEngineProcesses(procs);
    await t?.dispose();
  });

  it('counts what the worker dialed', { timeout: 3 * START_DEADLINE_MS }, async () => {
    const l = await t.addList('Worker metrics');
    const phones = ['+15557200001', '+15557200002', '+15557200003'];
    await addContacts(
      t,
      l,
      phones.map((phone) => ({ phone })),
    );
    const id = await createCampaign(
      t,
      { name: 'Worker metrics', contactLists: ['Worker metrics'] },
      {
        maxAttemptsPerRecord: 1,
      },
    );
    const w = new EngineProcess({
      ...t.childDbEnv,
      DEMO: 'false',
      LOG_LEVEL: 'info',
      HOST: '127.0.0.1',
      ENGINE_TICK_MS: '50',
      SIMULATOR_SPEED: '0',
      METRICS_TOKEN: TOKEN,
      METRICS_PORT: '0',
    });
    procs.push(w);
    await w.started();
    let base = '';
    await pollUntil(
      'the worker metrics address',
      () => {
        const m = /"address":"([^"]+)","msg":"worker metrics listening"/.exec(w.stderr);
        base = m?.[1] ?? '';
        return base !== '';
      },
      START_DEADLINE_MS,
    );
    expect((await fetch(`${base}/metrics`)).status).toBe(401);
    await trigger(t, id, 'play');
    const scrape = async () =>
      parse(await (await fetch(`${base}/metrics`, { headers: { authorization: `Bearer ${TOKEN}` } })).text());
    let s: Samples = new Map();
    const ended = () =>
      [...s.entries()].filter(([k]) => k.startsWith('campaignd_engine_outcomes_total{')).reduce((n, [, v]) => n + v, 0);
    await pollUntil(
      'the worker to record every outcome',
      async () => {
        s = await scrape();
        return ended() === phones.length;
      },
      START_DEADLINE_MS,
    );
    expect(val(s, 'campaignd_engine_claimed_total')).toBe(phones.length);
    expect(val(s, 'campaignd_engine_dials_total', { result: 'accepted' })).toBe(phones.length);
    expect(val(s, 'campaignd_engine_ticks_total', { result: 'ok' })).toBeGreaterThan(0);
    expect(val(s, 'campaignd_process_cpu_user_seconds_total')).toBeGreaterThan(0);
  });
});
