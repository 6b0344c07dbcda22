/**
 * Never twice (docs/engine.md, Invariants): three real `campaignd worker` processes share one
 * PostgreSQL database and a 10,000-contact Agentless campaign. Every contact must be attempted
 * exactly once (maxAttemptsPerRecord 1), no attempt may be made twice, the work must really be
 * shared, and the Kore status views must tell the same story as the tables.
 *
 * The simulator is deterministic per (seed, attempt id), so each attempt's outcome is checked
 * against what the provider said for exactly that attempt. Workers run at SIMULATOR_SPEED=0 with
 * a long lease, so an `unknown` here could only mean a lost outcome.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toKoreDialerOutcome, type Outcome } from '../../src/domain/engine/retry-policy.js';
import { addContacts, createCampaign, trigger, type ContactSpec } from '../support/engine-harness.js';
import {
  createSharedDbApp,
  EngineProcess,
  killEngineProcesses,
  pollUntil,
  type SharedDbApp,
} from '../support/engine-processes.js';
import {
  loadFacts,
  neverTwiceProblems,
  simulatedVoiceOutcome,
  type AttemptFacts,
  type RecordFacts,
} from '../support/never-twice.js';

const CONTACTS = 10_000;
const WORKERS = 3;
const SEED = 424242;
const RING_SEC = 30;
/** Generous: the test asserts what happened, never how long it took. */
const RUN_DEADLINE_MS = 240_000;

describe('three workers on one PostgreSQL database', () => {
  let t: SharedDbApp;
  const procs: EngineProcess[] = [];
  beforeAll(async () => {
    t = await createSharedDbApp('postgres');
  });
  afterAll(async () => {
    // A failed test may leave its processes running: gone before their database is.
    await killEngineProcesses(procs);
    await t?.dispose();
  });

  it('the checks themselves catch a lost record, a duplicate attempt and a blind redial', () => {
    const rec = (id: string, attempts: number, final: string | null = 'completed'): RecordFacts => ({
      id,
      state: final ? 'done' : 'in_flight',
      attempts,
      final_outcome: final,
      current_attempt_id: null,
    });
    const att = (
      id: string,
      record: string,
      no: number,
      outcome: string | null = 'completed',
      at = 1,
    ): AttemptFacts => ({
      id,
      record_id: record,
      attempt_no: no,
      outcome,
      worker: 'w',
      started_at: at,
      ended_at: outcome ? at + 1 : null,
    });
    const one = { maxAttempts: 1 };
    expect(neverTwiceProblems([rec('r1', 1)], [att('a1', 'r1', 1)], one)).toEqual([]);
    // Two attempts for one record (same number: what two workers claiming the same row would write).
    expect(neverTwiceProblems([rec('r1', 1)], [att('a1', 'r1', 1), att('a2', 'r1', 1)], one).join('\n')).toMatch(
      /duplicate attempt numbers/,
    );
    // A record left in flight, and one never attempted.
    expect(neverTwiceProblems([rec('r1', 1, null), rec('r2', 0)], [att('a1', 'r1', 1, null)], one).join('\n')).toMatch(
      /r1 lost[\s\S]*r2 was never attempted/,
    );
    // A redial after `unknown`, even with budget left.
    expect(
      neverTwiceProblems(
        [rec('r1', 2, 'no-answer')],
        [att('a1', 'r1', 1, 'unknown', 1), att('a2', 'r1', 2, 'no-answer', 5)],
        { maxAttempts: 3 },
      ).join('\n'),
    ).toMatch(/redialed \(#2\) after final outcome unknown/);
    // An outcome that is not the one the provider gave that attempt.
    expect(
      neverTwiceProblems([rec('r1', 1)], [att('a1', 'r1', 1)], { maxAttempts: 1, expectedOutcome: () => 'busy' }).join(
        '\n',
      ),
    ).toMatch(/the provider said busy/);
  });

  it(
    `completes a ${CONTACTS}-contact campaign with every contact attempted exactly once, shared by ${WORKERS} workers`,
    { timeout: RUN_DEADLINE_MS + 60_000 },
    async () => {
      const env = {
        ...t.childDbEnv,
        DEMO: 'false',
        LOG_LEVEL: 'info',
        ENGINE_TICK_MS: '20',
        MAX_CONCURRENT_CALLS: '1000',
        CALLS_PER_SECOND: '100000',
        // Long enough that no lease can run out in this test: reconciliation is the crash test's business.
        LEASE_MS: '600000',
        TELEPHONY_OUTCOME_TIMEOUT_SEC: '600',
        TELEPHONY_PROVIDER: 'simulator',
        SIMULATOR_SEED: String(SEED),
        SIMULATOR_SPEED: '0',
      };
      // Started first, so their start-up overlaps the seeding; they idle until the campaign plays.
      const workers = Array.from({ length: WORKERS }, () => new EngineProcess(env));
      procs.push(...workers);
      const ready = Promise.all(workers.map((w) => w.started()));
      ready.catch(() => {}); // awaited below; this only keeps a start-up failure from being reported as unhandled meanwhile

      const list = await t.addList('Ten thousand');
      const contacts: ContactSpec[] = Array.from({ length: CONTACTS }, (_, i) => ({
        phone: `+1555${String(2_000_000 + i).padStart(7, '0')}`,
        uniqueId: `u${i}`,
      }));
      await addContacts(t, list, contacts);
      const id = await createCampaign(
        t,
        { name: 'Ten thousand', contactLists: ['Ten thousand'] },
        { maxAttemptsPerRecord: 1, maxRingTime: RING_SEC },
      );
      // 100 calls out at once instead of Kore's 10: more claims racing per tick, and a shorter run.
      await t.services.admin.configureBot({
        accountId: t.tenant.accountId,
        iid: t.tenant.iid,
        campaignMaxConcurrent: 100,
      });
      t.clock.set(Date.now());
      const played = await trigger(t, id, 'play');
      const instanceId = played.campaignInstanceId as string;
      expect(instanceId).toMatch(/^cid-/);
      const owners = await ready;
      expect(new Set(owners).size).toBe(WORKERS);

      const status = async () =>
        (await t.kore('POST', `/campaign/${id}/status?view=status`)).json().data.status as string;
      await pollUntil(
        'the campaign to complete',
        async () => {
          for (const w of workers)
            if (w.exitCode !== undefined)
              throw new Error(`worker ${w.pid} exited (${w.exitCode ?? w.signal}):\n${w.stderr}`);
          return (await status()) === 'Completed';
        },
        RUN_DEADLINE_MS,
        250,
      );
      await Promise.all(workers.map((w) => w.kill9()));

      const { records, attempts } = await loadFacts(t.db.kysely, instanceId);
      expect(records).toHaveLength(CONTACTS);
      const problems = neverTwiceProblems(records, attempts, {
        maxAttempts: 1,
        expectedOutcome: (a) => simulatedVoiceOutcome(SEED, a.id, RING_SEC, 'no'),
      });
      expect(problems.slice(0, 20), `${problems.length} problems`).toEqual([]);
      // Exactly one attempt per contact, and none of them lost its outcome.
      expect(attempts).toHaveLength(CONTACTS);
      expect(new Set(attempts.map((a) => a.record_id)).size).toBe(CONTACTS);
      expect(attempts.filter((a) => a.outcome === 'unknown')).toEqual([]);
      // The work was shared: every one of the three processes claimed attempts, and nobody else did.
      const byWorker = new Map<string, number>();
      for (const a of attempts) byWorker.set(a.worker, (byWorker.get(a.worker) ?? 0) + 1);
      expect([...byWorker.keys()].sort(), JSON.stringify([...byWorker])).toEqual([...owners].sort());
      // No engine tick failed in any worker (a failed claim would be hidden by a later success).
      for (const w of workers) expect(w.stderr).not.toMatch(/tick failed/);

      // The Kore views agree with the tables: every contact once, with its outcome and one attempt.
      expect(await status()).toBe('Completed');
      const getCampaign = async () =>
        (await t.kore('GET', `/campaign/${id}`)).json().data as { status: string; campaignInstanceId?: string };
      await pollUntil(
        'Get Campaign to show the completion',
        async () => (await getCampaign()).status === 'Completed',
        10_000,
        50,
      );
      expect(await getCampaign()).toMatchObject({ status: 'Completed', campaignInstanceId: instanceId });
      const want = new Map<string, number>();
      for (const r of records) {
        const k = toKoreDialerOutcome(r.final_outcome as Outcome, true);
        want.set(k, (want.get(k) ?? 0) + 1);
      }
      const got = new Map<string, number>();
      const phones = new Set<string>();
      let totalResults = -1;
      for (let page = 1; ; page++) {
        const res = await t.kore('POST', `/campaign/${id}/status?view=contacts`, { page, limit: 100 });
        expect(res.statusCode, res.body).toBe(200);
        const data = res.json().data as {
          results: { phoneNumber: string; dialerOutcome: string; numberOfAttemptsSoFar: number }[];
          totalResults: number;
          totalPages: number;
        };
        totalResults = data.totalResults;
        for (const c of data.results) {
          expect(c.numberOfAttemptsSoFar).toBe(1);
          phones.add(c.phoneNumber);
          got.set(c.dialerOutcome, (got.get(c.dialerOutcome) ?? 0) + 1);
        }
        if (page >= data.totalPages) break;
      }
      expect(totalResults).toBe(CONTACTS);
      expect(phones.size).toBe(CONTACTS);
      expect(Object.fromEntries([...got].sort())).toEqual(Object.fromEntries([...want].sort()));
      expect(got.get('')).toBeUndefined();
    },
  );
});
