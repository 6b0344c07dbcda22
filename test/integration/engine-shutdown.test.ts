/**
 * Graceful shutdown (docs/architecture.md, the runtime): a real `campaignd worker` gets SIGTERM in the middle of a
 * campaign. It must stop claiming, finish the tick in progress, wait for the outcomes of the calls
 * it has out, hand back what it claimed but never dialed, close the database and exit 0, leaving
 * nothing leased and nothing unknown. A second worker then finishes the campaign: every contact is
 * dialed within its budget, never twice, with exactly the outcomes the simulator gave.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { trigger } from '../support/engine-harness.js';
import {
  createSharedDbApp,
  EngineProcess,
  killEngineProcesses,
  pollUntil,
  recordCounts,
  retriesDueNow,
  twoAttemptCampaign,
  type SharedDbApp,
} from '../support/engine-processes.js';
import { loadFacts, neverTwiceProblems, simulatedVoiceOutcome } from '../support/never-twice.js';
import { DIALECTS } from '../support/test-db.js';

const CONTACTS = 120;
const SEED = 4711;
const RING_SEC = 5;
const RUN_DEADLINE_MS = 120_000;

describe('SIGTERM mid-campaign', () => {
  describe.each(DIALECTS)('on %s', (dialect) => {
    let t: SharedDbApp;
    const procs: EngineProcess[] = [];
    beforeAll(async () => {
      t = await createSharedDbApp(dialect);
    });
    afterAll(async () => {
      await killEngineProcesses(procs);
      await t?.dispose();
    });

    it(
      'stops claiming, waits for the calls out, leaves nothing leased or unknown, and the next worker finishes the run',
      { timeout: RUN_DEADLINE_MS * 2 },
      async () => {
        const env = {
          ...t.childDbEnv,
          DEMO: 'false',
          LOG_LEVEL: 'info',
          ENGINE_TICK_MS: '20',
          MAX_CONCURRENT_CALLS: '1000',
          // Paced, so the first attempts take a few seconds and the signal finds calls out.
          CALLS_PER_SECOND: '20',
          TELEPHONY_PROVIDER: 'simulator',
          SIMULATOR_SEED: String(SEED),
          SIMULATOR_SPEED: '0.02',
        };
        const first = new EngineProcess(env);
        procs.push(first);
        const firstOwner = first.started();
        firstOwner.catch(() => {}); // awaited below

        const id = await twoAttemptCampaign(t, `Shutdown ${dialect}`, CONTACTS, 4_000_000, RING_SEC);
        const owner = await firstOwner;
        t.clock.set(Date.now());
        const instanceId = (await trigger(t, id, 'play')).campaignInstanceId as string;
        const k = t.db.kysely;
        const counts = () => recordCounts(k, instanceId);

        await pollUntil(
          'the worker to be mid-campaign, with calls out',
          async () => {
            if (first.exitCode !== undefined) throw new Error(`worker exited early:\n${first.stderr}`);
            const c = await counts();
            return (c.done ?? 0) >= CONTACTS / 24 && (c.in_flight ?? 0) >= 3;
          },
          RUN_DEADLINE_MS,
          20,
        );
        first.kill('SIGTERM');
        await first.exited;
        expect({ code: first.exitCode, signal: first.signal }, first.stderr).toEqual({ code: 0, signal: null });

        // Nothing of the stopped worker is left out: no lease, no attempt without its outcome.
        const atStop = await loadFacts(k, instanceId);
        expect(atStop.records.filter((r) => r.state === 'leased' || r.state === 'in_flight')).toEqual([]);
        expect(atStop.attempts.filter((a) => a.outcome === null || a.outcome === 'unknown')).toEqual([]);
        expect(atStop.attempts.length).toBeGreaterThan(0);
        expect(
          atStop.records.filter((r) => r.state === 'pending').length,
          'the signal came mid-campaign',
        ).toBeGreaterThan(0);
        // It said what it did, through its logger.
        const stopped = /\{[^\n]*"msg":"runtime stopped"[^\n]*\}/.exec(first.stderr);
        expect(stopped, first.stderr).not.toBeNull();
        expect(JSON.parse(stopped![0])).toMatchObject({ component: 'runtime', stillOut: 0 });
        expect(first.stderr).not.toMatch(/"level":50/); // nothing logged at error

        const second = new EngineProcess(env);
        procs.push(second);
        const secondOwner = await second.started();
        // Retries now rather than in a minute.
        const hurryRetries = retriesDueNow(k, instanceId);
        const status = async () =>
          (await t.kore('POST', `/campaign/${id}/status?view=status`)).json().data.status as string;
        await pollUntil(
          'the second worker to complete the campaign',
          async () => {
            if (second.exitCode !== undefined) throw new Error(`second worker exited:\n${second.stderr}`);
            await hurryRetries();
            return (await status()) === 'Completed';
          },
          RUN_DEADLINE_MS,
          200,
        );
        await second.kill9();

        const { records, attempts } = await loadFacts(k, instanceId);
        const problems = neverTwiceProblems(records, attempts, {
          maxAttempts: 2,
          expectedOutcome: (a) => simulatedVoiceOutcome(SEED, a.id, RING_SEC, 'no'),
        });
        expect(problems.slice(0, 20), `${problems.length} problems`).toEqual([]);
        expect(records).toHaveLength(CONTACTS);
        expect(attempts.filter((a) => a.outcome === 'unknown')).toEqual([]);
        expect(new Set(attempts.map((a) => a.worker))).toEqual(new Set([owner, secondOwner]));
      },
    );
  });
});
