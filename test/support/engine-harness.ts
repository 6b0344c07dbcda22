/**
 * Drives the campaign engine by hand in integration tests: a SimulatorProvider at speed 0 whose
 * deliveries wait in a manual queue, a spy recording every DialRequest with the clock at start,
 * and helpers to add contacts and create campaigns. No timers, no sleeps.
 */
import { expect } from 'vitest';
import { DialingStep, type DialingReport } from '../../src/runtime/dialing-step.js';
import type { EngineSettings } from '../../src/services.js';
import type { DialRequest, OutcomeReport, Provider } from '../../src/domain/telephony/provider.js';
import { SimulatorProvider, type SimProfile } from '../../src/domain/telephony/simulator.js';
import { manualScheduler } from './manual-scheduler.js';
import { agentlessSample } from '../fixtures/kore-samples.js';
import type { TestApp } from './test-app.js';

export interface ContactSpec {
  phone: string;
  tz?: string;
  uniqueId?: string;
  priority?: number;
}

let seq = 0;
/** Inserts visible contacts straight into a list (the contact-list API is tested on its own). */
export async function addContacts(t: TestApp, listId: string, contacts: ContactSpec[]): Promise<void> {
  const { list_no } = await t.db.kysely
    .selectFrom('contact_lists')
    .select('list_no')
    .where('id', '=', listId)
    .executeTakeFirstOrThrow();
  const rows = contacts.map((c) => ({
    list_no,
    seq: ++seq,
    phone_e164: c.phone,
    phone_raw: c.phone,
    extension: null,
    first_name: null,
    last_name: null,
    time_zone: c.tz ?? null,
    unique_id: c.uniqueId ?? null,
    contact_priority: c.priority ?? null,
    extra: null,
    created_at: t.clock.now(),
  }));
  for (let i = 0; i < rows.length; i += 500) {
    const chunk = rows.slice(i, i + 500);
    await t.db.kysely.insertInto('contacts').values(chunk).execute();
    // Their numbers, as a completed import indexes them (on PostgreSQL contact_phones is a view of contacts).
    if (t.db.dialect === 'sqlite')
      await t.db.kysely
        .insertInto('contact_phones')
        .values(chunk.map((r) => ({ list_no: r.list_no, phone_e164: r.phone_e164, seq: r.seq })))
        .execute();
  }
  // Visible: a list's contents are its rows up to visible_seq (migration 007).
  await t.db.kysely.updateTable('contact_lists').set({ visible_seq: seq }).where('id', '=', listId).execute();
}

/** Every day 12:00 AM–11:59 PM UTC (campaign validation refuses start == end): tests at T0 are never blocked by the window. */
export const ALWAYS = {
  frequency: 'DAILY',
  timezone: 'UTC',
  days: [{ day: 'MO', start: '12:00 AM', end: '11:59 PM' }],
};

export async function createCampaign(
  t: TestApp,
  over: Record<string, unknown> & { name: string; contactLists: string[] },
  strategy: Record<string, unknown> = {},
): Promise<string> {
  const body = {
    ...agentlessSample,
    ...over,
    dialingStrategy: { ...agentlessSample.dialingStrategy, callingHours: ALWAYS, ...strategy },
  };
  const res = await t.kore('POST', `/campaign?campaignType=${String(over.campaignType ?? 'voice')}`, body);
  expect(res.statusCode, res.body).toBe(200);
  return res.json().id as string;
}

export async function trigger(t: TestApp, id: string, what: string): Promise<Record<string, unknown>> {
  const res = await t.kore('POST', `/campaign/${id}?trigger=${what}`, {});
  expect(res.statusCode, res.body).toBe(200);
  return res.json();
}

export interface Started {
  req: DialRequest;
  at: number;
}

export interface EngineHarness {
  /** `tick()` is one run of the runtime's dialing loop (provider sweep, schedules, engine tick). */
  engine: { tick(): Promise<DialingReport> };
  started: Started[];
  /** Delivers every queued simulated outcome and waits until the engine has stored them. */
  deliver(): Promise<void>;
  /** Delivers the queued outcomes `pick` chooses (by their place in the queue); the others stay queued. */
  deliverSome(pick: (index: number) => boolean): Promise<void>;
  /** tick() then deliver(). */
  step(): Promise<void>;
  pendingOutcomes(): number;
}

export function engineHarness(
  t: TestApp,
  opts: { profile?: SimProfile; engine?: Partial<EngineSettings>; provider?: (inner: Provider) => Provider } = {},
): EngineHarness {
  const { queue, scheduler } = manualScheduler();
  const stored: Promise<void>[] = [];
  const sink = {
    report: (r: OutcomeReport) => {
      const p = t.services.outcomes.report(r);
      stored.push(p);
      return p;
    },
  };
  const sim = new SimulatorProvider({ sink, clock: t.clock, speed: 0, scheduler, machineRate: 0, ...opts.profile });
  const started: Started[] = [];
  const spy: Provider = {
    name: 'spy',
    start: (req) => {
      started.push({ req: structuredClone(req), at: t.clock.now() });
      return sim.start(req);
    },
    close: () => sim.close(),
  };
  const provider = opts.provider ? opts.provider(spy) : spy;
  // No pre-call fetch unless a test gives one: the provider here is scripted, and so is the CRM.
  const engine = t.services.createEngine({
    provider,
    maxConcurrentCalls: 100,
    callsPerSecond: 10_000,
    leaseMs: 120_000,
    precall: null,
    ...opts.engine,
  });
  const dialing = new DialingStep({
    provider,
    schedules: t.services.schedules,
    engine,
    clock: t.clock,
    metrics: t.services.metrics,
  });
  const deliver = async () => {
    for (const fn of queue.splice(0)) fn();
    await new Promise((r) => setImmediate(r));
    await Promise.all(stored.splice(0));
  };
  const deliverSome = async (pick: (index: number) => boolean) => {
    const all = queue.splice(0);
    const now = all.filter((_, i) => pick(i));
    queue.push(...all.filter((_, i) => !pick(i)));
    for (const fn of now) fn();
    await new Promise((r) => setImmediate(r));
    await Promise.all(stored.splice(0));
  };
  return {
    engine: { tick: () => dialing.run() },
    started,
    deliver,
    deliverSome,
    pendingOutcomes: () => queue.length,
    step: async () => {
      await dialing.run();
      await deliver();
    },
  };
}

/** Claims up to `limit` due records of an instance for `owner`, straight through the repository (attempt ids numbered per call). */
export function claimAs(t: TestApp, instanceId: string, owner: string, limit: number, leaseMs: number) {
  let n = 0;
  return t.repos.records.claim({
    instanceId,
    accountId: t.tenant.accountId,
    botId: t.tenant.iid,
    channel: 'voice',
    limit,
    now: t.clock.now(),
    owner,
    leaseMs,
    newAttemptId: () => `att-${owner}-${++n}-${Math.random().toString(36).slice(2, 8)}`,
    place: () => ({ inside: true }),
  });
}
