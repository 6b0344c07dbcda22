/**
 * One call per number per account at a time across processes (docs/contact-protection.md): three
 * real `campaignd worker` processes on one PostgreSQL database dial two Active campaigns whose
 * lists share 100 numbers, with calls that last (SIMULATOR_SPEED 0.01: a second or so each). No two
 * attempts on one number may overlap in time, every record is attempted exactly once (the one held
 * back waits for the other call and is then dialed), and all three processes did some of the work.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addContacts, createCampaign, trigger } from '../support/engine-harness.js';
import {
  createSharedDbApp,
  EngineProcess,
  killEngineProcesses,
  pollUntil,
  type SharedDbApp,
} from '../support/engine-processes.js';
import { attemptSpans, overlappingAttempts } from '../support/protection-checks.js';

const WORKERS = 3;
/** Generous: the test asserts what happened, never how long it took. */
const RUN_DEADLINE_MS = 240_000;
const number = (i: number) => `+1555${String(3_000_000 + i).padStart(7, '0')}`;

describe('contact protection across three workers on one PostgreSQL database', () => {
  let t: SharedDbApp;
  const procs: EngineProcess[] = [];
  beforeAll(async () => {
    t = await createSharedDbApp('postgres');
  });
  afterAll(async () => {
    await killEngineProcesses(procs);
    await t?.dispose();
  });

  it(
    'never overlaps two calls to one number, and dials every record of both campaigns once',
    { timeout: RUN_DEADLINE_MS + 60_000 },
    async () => {
      const env = {
        ...t.childDbEnv,
        DEMO: 'false',
        LOG_LEVEL: 'info',
        ENGINE_TICK_MS: '20',
        MAX_CONCURRENT_CALLS: '1000',
        CALLS_PER_SECOND: '100000',
        LEASE_MS: '600000',
        TELEPHONY_OUTCOME_TIMEOUT_SEC: '600',
        TELEPHONY_PROVIDER: 'simulator',
        SIMULATOR_SEED: '1414',
        SIMULATOR_SPEED: '0.01',
      };
      const workers = Array.from({ length: WORKERS }, () => new EngineProcess(env));
      procs.push(...workers);
      const ready = Promise.all(workers.map((w) => w.started()));
      ready.catch(() => {}); // awaited below

      // A: numbers 0–199, B: 100–299: 100 numbers on both lists.
      const a = await t.addList('Workers A');
      const b = await t.addList('Workers B');
      await addContacts(
        t,
        a,
        Array.from({ length: 200 }, (_, i) => ({ phone: number(i) })),
      );
      await addContacts(
        t,
        b,
        Array.from({ length: 200 }, (_, i) => ({ phone: number(100 + i) })),
      );
      await t.services.admin.configureBot({
        accountId: t.tenant.accountId,
        iid: t.tenant.iid,
        campaignMaxConcurrent: 50,
      });
      const ids = [
        await createCampaign(t, { name: 'Workers A', contactLists: ['Workers A'] }, { maxAttemptsPerRecord: 1 }),
        await createCampaign(t, { name: 'Workers B', contactLists: ['Workers B'] }, { maxAttemptsPerRecord: 1 }),
      ];
      t.clock.set(Date.now());
      for (const id of ids) await trigger(t, id, 'play');
      const owners = await ready;

      const status = async (id: string) =>
        (await t.kore('POST', `/campaign/${id}/status?view=status`)).json().data.status as string;
      await pollUntil(
        'both campaigns to complete',
        async () => {
          for (const w of workers)
            if (w.exitCode !== undefined)
              throw new Error(`worker ${w.pid} exited (${w.exitCode ?? w.signal}):\n${w.stderr}`);
          return (await status(ids[0]!)) === 'Completed' && (await status(ids[1]!)) === 'Completed';
        },
        RUN_DEADLINE_MS,
        250,
      );
      await Promise.all(workers.map((w) => w.kill9()));

      const spans = await attemptSpans(t.db.kysely, t.tenant.accountId);
      expect(spans).toHaveLength(400);
      expect(spans.filter((s) => s.endedAt === null)).toEqual([]);
      expect(overlappingAttempts(spans)).toEqual([]);
      const perNumber = new Map<string, number>();
      for (const s of spans) perNumber.set(s.phone, (perNumber.get(s.phone) ?? 0) + 1);
      expect([...perNumber.values()].filter((n) => n === 2)).toHaveLength(100);
      const byWorker = await t.db.kysely
        .selectFrom('attempts')
        .select(['worker', (eb) => eb.fn.countAll<number>().as('n')])
        .groupBy('worker')
        .execute();
      expect(byWorker.map((w) => w.worker).sort()).toEqual([...owners].sort());
      for (const w of workers) expect(w.stderr).not.toMatch(/tick failed/);
    },
  );
});
