/**
 * "An agent is in at most one call or offer at any moment, across all campaigns and engine
 * processes" (issue 12), with real `campaignd worker` processes on one database: three on
 * PostgreSQL (claims with FOR UPDATE SKIP LOCKED), one on SQLite (the only way SQLite is run). Six
 * agents of one queue take a Progressive campaign; the simulator in the workers rings, connects the
 * answered calls to their agent and ends them. This process plays the agents: it keeps their
 * stream presence fresh (real time passes here), and half of them give a disposition in wrap-up
 * while the others let it run out (the workers end it). While the workers run, every sample
 * checks, each in one consistent read: no agent holds two calls, every agent's state and work say
 * what really holds them, and every call out has its own agent reserved for it.
 *
 * Mid-campaign the worker holding the most agents is killed with SIGKILL (on SQLite a stand-by
 * takes over, on PostgreSQL the other two carry on). Its calls end `unknown` once their lease has
 * run out (never redialed although the campaign allows a second attempt), and the agents it held
 * are released by that reconciliation, then take further calls: nobody stays Reserved forever.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { agentHarness, type AgentHarness, type TestAgent } from '../support/agent-harness.js';
import { agentBookProblems, heldRecordProblems, heldRecords } from '../support/agent-invariants.js';
import { addContacts } from '../support/engine-harness.js';
import {
  EngineProcess,
  createSharedDbApp,
  killEngineProcesses,
  pollUntil,
  recordCounts,
  retriesDueNow,
  type SharedDbApp,
} from '../support/engine-processes.js';
import { loadFacts, neverTwiceProblems, simulatedVoiceOutcome } from '../support/never-twice.js';
import { DIALECTS } from '../support/test-db.js';

const CONTACTS = 200;
const AGENTS = 6;
/** Agents 0..DILIGENT-1 give a disposition in wrap-up; the others let it run out. */
const DILIGENT = 3;
const SEED = 31337;
/** Longer than any simulated ring (2–20 s): an answered call is answered, not rung out. */
const RING_SEC = 30;
const WRAP_UP_SEC = 1;
/** A live engine renews its leases every LEASE_MS / 3; a dead one's run out within LEASE_MS. */
const LEASE_MS = 3000;
/** Presence is stale after 15 s (presence.ts): refreshed well within that. */
const PRESENCE_EVERY_MS = 2000;
const RUN_DEADLINE_MS = 180_000;

interface DeadCall {
  attemptId: string;
  recordId: string;
  agentId: string;
  agentState: string;
  attemptNo: number;
  leaseExpiresAt: number;
}

// One dialect after the other, as engine-crash.test.ts: side by side, one could stall the other past its kill.
describe('agents with engine processes on one database', () => {
  describe.each(DIALECTS)('on %s', (dialect) => {
    const WORKERS = dialect === 'postgres' ? 3 : 1;
    let t: SharedDbApp;
    const procs: EngineProcess[] = [];
    beforeAll(async () => {
      t = await createSharedDbApp(dialect);
    });
    afterAll(async () => {
      // A failed test may leave its processes running: gone before their database is.
      await killEngineProcesses(procs);
      await t?.dispose();
    });

    it(
      `never double-books an agent with ${WORKERS} worker(s), and a kill -9 leaves no agent stuck`,
      { timeout: RUN_DEADLINE_MS + 120_000 },
      async () => {
        const env = {
          ...t.childDbEnv,
          DEMO: 'false',
          LOG_LEVEL: 'info',
          ENGINE_TICK_MS: '20',
          MAX_CONCURRENT_CALLS: '1000',
          CALLS_PER_SECOND: '1000',
          LEASE_MS: String(LEASE_MS),
          // Well past the longest simulated call (140 s simulated = 1.4 s here): a live engine never has a call reconciled.
          TELEPHONY_OUTCOME_TIMEOUT_SEC: '10',
          TELEPHONY_PROVIDER: 'simulator',
          SIMULATOR_SEED: String(SEED),
          SIMULATOR_SPEED: '0.01',
        };
        const workers = Array.from({ length: WORKERS }, () => new EngineProcess(env));
        // SQLite: the one engine's replacement, loaded but held back until the kill (worker-gate.ts).
        const standBy = dialect === 'sqlite' ? new EngineProcess(env, { gated: true }) : undefined;
        procs.push(...workers, ...(standBy ? [standBy] : []));
        const ready = Promise.all([...workers.map((w) => w.started()), standBy?.gateReady()]);
        ready.catch(() => {}); // awaited below

        const k = t.db.kysely;
        const queue = 'Engines Queue';
        await t.services.admin.createQueue({ accountId: t.tenant.accountId, iid: t.tenant.iid, name: queue });
        const h: AgentHarness = agentHarness(t, { queue });
        const crew: TestAgent[] = [];
        for (let i = 0; i < AGENTS; i++) crew.push(await h.createAgent(`Engine agent ${i + 1}`));
        const ids = crew.map((a) => a.id);
        const listId = await t.addList('Agents engines');
        await addContacts(
          t,
          listId,
          Array.from({ length: CONTACTS }, (_, i) => ({ phone: `+1555${String(4_000_000 + i).padStart(7, '0')}` })),
        );

        const owners = (await ready).slice(0, WORKERS) as string[];
        expect(new Set(owners).size).toBe(WORKERS);
        t.clock.set(Date.now());
        for (const a of crew) await h.online(a);
        const c = await h.campaign('Progressive', listId, {
          dialingStrategy: { maxAttemptsPerRecord: 2, defaultRetryPeriod: 1, maxRingTime: RING_SEC },
          agentSettings: { wrapUpSec: WRAP_UP_SEC },
        });

        let presenceAt = Date.now();
        const keepPresent = async () => {
          if (Date.now() - presenceAt < PRESENCE_EVERY_MS) return;
          presenceAt = Date.now();
          await k.updateTable('agents').set({ stream_seen_at: presenceAt }).where('id', 'in', ids).execute();
        };
        // Dispositions the diligent agents gave, by attempt; a wrap-up that ran out meanwhile answers 409.
        const disposed = new Set<string>();
        const dispose = async () => {
          const wrapping = await k
            .selectFrom('agents')
            .select(['id', 'work_attempt_id'])
            .where('id', 'in', ids.slice(0, DILIGENT))
            .where('state', '=', 'WrapUp')
            .execute();
          for (const w of wrapping) {
            t.clock.set(Date.now());
            const res = await h.api(crew[ids.indexOf(w.id)]!, 'POST', `/calls/${w.work_attempt_id}/disposition`, {
              codes: ['Sale'],
              notes: 'sampled',
            });
            if (res.statusCode === 200) disposed.add(w.work_attempt_id!);
            else expect(res.statusCode, res.body).toBe(409);
          }
        };

        let samples = 0;
        let peakOut = 0;
        const sample = async () => {
          const problems = await agentBookProblems(k, ids);
          const held = await heldRecords(k, [c.instanceId]);
          problems.push(...heldRecordProblems(held));
          expect(problems, `sample ${samples}`).toEqual([]);
          // Calls of the campaign in flight never exceed the agents reserved for it (each has its own).
          const out = held.filter((r) => r.state === 'leased' || r.state === 'in_flight');
          expect(new Set(out.map((r) => r.agent_id)).size).toBe(out.length);
          expect(out.length).toBeLessThanOrEqual(AGENTS);
          peakOut = Math.max(peakOut, out.length);
          samples++;
          return held;
        };
        const alive = (p: EngineProcess) => {
          if (p.exitCode !== undefined)
            throw new Error(`worker ${p.pid} exited (${p.exitCode ?? p.signal}):\n${p.stderr}`);
        };
        const status = async () =>
          (await t.kore('POST', `/campaign/${c.id}/status?view=status`)).json().data.status as string;

        // Up to the kill: a quarter of the records final, and a worker holding agents for calls out.
        let victim: EngineProcess | undefined;
        await pollUntil(
          'a worker mid-campaign holding agents',
          async () => {
            workers.forEach(alive);
            await keepPresent();
            await dispose();
            const held = await sample();
            const done = (await recordCounts(k, c.instanceId)).done ?? 0;
            if (done < CONTACTS / 4) return false;
            const byOwner = new Map<string, number>();
            for (const r of held) if (r.lease_owner) byOwner.set(r.lease_owner, (byOwner.get(r.lease_owner) ?? 0) + 1);
            const [owner, n] = [...byOwner].sort((a, b) => b[1] - a[1])[0] ?? [undefined, 0];
            if (!owner || n < 2) return false;
            victim = workers[owners.indexOf(owner)];
            return true;
          },
          RUN_DEADLINE_MS,
          50,
        );
        await victim!.kill9();
        const killedAt = Date.now();
        const deadOwner = owners[workers.indexOf(victim!)]!;
        expect(victim!.signal).toBe('SIGKILL');

        // What the dead worker left: its calls out, each with its agent still Reserved or OnCall for it.
        const dead: DeadCall[] = (
          await k
            .selectFrom('attempts as x')
            .innerJoin('dial_records as r', 'r.current_attempt_id', 'x.id')
            .innerJoin('agents as a', 'a.work_attempt_id', 'x.id')
            .select([
              'x.id as attemptId',
              'x.record_id as recordId',
              'a.id as agentId',
              'a.state as agentState',
              'x.attempt_no as attemptNo',
              'r.lease_expires_at as leaseExpiresAt',
            ])
            .where('x.worker', '=', deadOwner)
            .where('x.outcome', 'is', null)
            .execute()
        ).map((d) => ({ ...d, leaseExpiresAt: d.leaseExpiresAt! }));
        const openOfDead = await k
          .selectFrom('attempts')
          .select('id')
          .where('worker', '=', deadOwner)
          .where('outcome', 'is', null)
          .execute();
        expect(dead.length).toBeGreaterThan(0);
        expect(dead.map((d) => d.attemptId).sort()).toEqual(openOfDead.map((o) => o.id).sort());
        for (const d of dead) {
          expect(['Reserved', 'OnCall']).toContain(d.agentState);
          // First attempts only (retries wait a minute and were not hurried yet): budget left for a blind redial.
          expect(d.attemptNo).toBe(1);
          expect(d.leaseExpiresAt).toBeLessThanOrEqual(killedAt + LEASE_MS);
        }
        const deadAgents = new Set(dead.map((d) => d.agentId));

        const living = workers.filter((w) => w !== victim);
        if (standBy) {
          standBy.release();
          living.push(standBy);
          expect(await standBy.started()).not.toBe(deadOwner);
        }
        // Retries due now rather than in a minute (as engine-crash.test.ts): only makes them come sooner.
        const hurryRetries = retriesDueNow(k, c.instanceId);
        await pollUntil(
          'the campaign to complete and every agent to be Available again',
          async () => {
            living.forEach(alive);
            await keepPresent();
            await dispose();
            await hurryRetries();
            await sample();
            if ((await status()) !== 'Completed') return false;
            const busy = await k
              .selectFrom('agents')
              .select('id')
              .where('id', 'in', ids)
              .where('state', '!=', 'Available')
              .execute();
            return busy.length === 0;
          },
          RUN_DEADLINE_MS,
          50,
        );
        await killEngineProcesses(living);
        expect(samples).toBeGreaterThan(20);
        expect(peakOut).toBeGreaterThan(1);

        const { records, attempts } = await loadFacts(k, c.instanceId);
        const deadIds = new Set(dead.map((d) => d.attemptId));
        // Never lost, never dialed twice, never redialed after `unknown`; every other outcome is the simulator's.
        const problems = neverTwiceProblems(records, attempts, {
          maxAttempts: 2,
          expectedOutcome: (a) => (deadIds.has(a.id) ? undefined : simulatedVoiceOutcome(SEED, a.id, RING_SEC, 'no')),
        });
        expect(problems.slice(0, 20), `${problems.length} problems`).toEqual([]);
        expect(records).toHaveLength(CONTACTS);
        expect(
          attempts
            .filter((a) => a.outcome === 'unknown')
            .map((a) => a.id)
            .sort(),
        ).toEqual([...deadIds].sort());

        // Every call was for one of the agents; every one answered was connected and has a disposition
        // (the agent's, or the system's when wrap-up ran out): no wrap-up was lost with the worker.
        const calls = await k
          .selectFrom('attempts')
          .select(['id', 'agent_id', 'outcome', 'connected_at', 'disposition', 'started_at'])
          .where('instance_id', '=', c.instanceId)
          .execute();
        for (const a of calls) expect(ids).toContain(a.agent_id);
        const answered = calls.filter((a) => a.outcome === 'completed');
        expect(answered.length).toBeGreaterThan(0);
        for (const a of answered) {
          expect(a.connected_at, a.id).not.toBeNull();
          expect(a.disposition, a.id).not.toBeNull();
        }
        for (const a of calls.filter((x) => disposed.has(x.id)))
          expect(JSON.parse(a.disposition!)).toMatchObject({ codes: ['Sale'], by: a.agent_id });
        expect(disposed.size).toBeGreaterThan(0);
        const systemWrapUps = calls.filter(
          (a) => a.disposition && JSON.parse(a.disposition).by === 'system' && a.connected_at !== null,
        );
        expect(systemWrapUps.length).toBeGreaterThan(0);

        // The agents the dead worker held were released by the reconciliation of their call, after
        // its lease ran out, and went on to take calls again.
        const history = await k
          .selectFrom('agent_state_history')
          .select(['agent_id', 'attempt_id', 'state', 'at'])
          .where('agent_id', 'in', [...deadAgents])
          .orderBy('id')
          .execute();
        for (const d of dead) {
          const released = history.find(
            (r) => r.attempt_id === d.attemptId && (r.state === 'Available' || r.state === 'WrapUp'),
          );
          expect(released, `agent ${d.agentId} released from ${d.attemptId}`).toBeDefined();
          expect(released!.at).toBeGreaterThanOrEqual(d.leaseExpiresAt);
          expect(calls.some((a) => a.agent_id === d.agentId && a.started_at > released!.at)).toBe(true);
        }
        for (const p of procs) expect(p.stderr).not.toMatch(/tick failed/);

        // The Kore view tells the same story: every contact once, with its attempts, and the
        // diligent agents' codes where their disposition was for the record's last call.
        const view = new Map<string, { numberOfAttemptsSoFar: number; agentDispositionCodes: string[] }>();
        for (let page = 1; ; page++) {
          const res = await t.kore('POST', `/campaign/${c.id}/status?view=contacts`, { page, limit: 100 });
          expect(res.statusCode, res.body).toBe(200);
          const data = res.json().data;
          for (const r of data.results) view.set(`+${r.phoneNumber}`, r);
          if (page >= data.totalPages) break;
        }
        expect(view.size).toBe(CONTACTS);
        const phones = new Map(
          (
            await k
              .selectFrom('dial_records')
              .select(['id', 'phone_e164'])
              .where('instance_id', '=', c.instanceId)
              .execute()
          ).map((r) => [r.id, r.phone_e164]),
        );
        for (const r of records) {
          const row = view.get(phones.get(r.id)!)!;
          expect(row.numberOfAttemptsSoFar).toBe(r.attempts);
          const last = attempts.filter((a) => a.record_id === r.id).sort((x, y) => y.attempt_no - x.attempt_no)[0]!;
          if (disposed.has(last.id)) expect(row.agentDispositionCodes).toEqual(['Sale']);
        }
      },
    );
  });
});
