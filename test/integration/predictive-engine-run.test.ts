/**
 * Predictive pacing through the real engine: the engine, its database and the agent logic run
 * against the seeded simulator on discrete-event time (test/support/discrete-events.ts), with
 * agents who take every call they are given and wrap up for the campaign's wrap-up time. The pure
 * controller has its own 10⁵-call runs (test/unit/pacing/simulation.test.ts); these show that the
 * engine feeds it what it needs and does what it decides: more calls out than agents once the
 * measurements are trusted, and the abandon rate over the window under the target — also when the
 * answer rate suddenly doubles.
 */
import { describe, expect, it } from 'vitest';
import { SimulatorProvider, type SimMix } from '../../src/domain/telephony/simulator.js';
import { addContacts } from '../support/engine-harness.js';
import { agentHarness, type TestAgent } from '../support/agent-harness.js';
import { DiscreteEvents } from '../support/discrete-events.js';
import { useTestApp } from '../support/test-app.js';
import { DIALECTS } from '../support/test-db.js';

const AGENTS = 10;
const CONTACTS = 2500;

/** Person answers `rate` of the calls; the rest ring out, are busy or fail. */
const mixFor = (rate: number): SimMix => ({
  completed: rate * 100,
  'no-answer': (1 - rate) * 70,
  busy: (1 - rate) * 20,
  failed: (1 - rate) * 10,
});

/**
 * Each run takes tens of seconds of real time (thousands of ticks, each a dozen statements), so
 * each dialect gets one of the two scenarios rather than both; the engine's Predictive steps
 * themselves are tested on both in agents-predictive.test.ts.
 */
const SCENARIOS: Record<(typeof DIALECTS)[number], 'steady' | 'doubling'> = {
  sqlite: 'steady',
  postgres: 'doubling',
};

describe.each(DIALECTS)('Predictive pacing through the engine on %s', (dialect) => {
  const t = useTestApp(dialect);
  const scenario = SCENARIOS[dialect];

  async function run(opts: { seed: number; rate: number; doubling?: boolean }) {
    const queue = `Queue ${Math.random().toString(36).slice(2, 8)}`;
    await t().services.admin.createQueue({ accountId: t().tenant.accountId, iid: t().tenant.iid, name: queue });
    const events = new DiscreteEvents(t().clock);
    const profile = {
      mix: mixFor(opts.rate),
      ringSec: [2, 20] as [number, number],
      talkSec: [10, 40] as [number, number],
      machineRate: 0.1,
    };
    const sim = new SimulatorProvider({
      sink: events.track({
        report: (r) => t().services.outcomes.report(r),
        connected: (r) => t().services.outcomes.connected(r),
        answered: (r) => t().services.outcomes.answered(r),
      }),
      clock: t().clock,
      seed: opts.seed,
      speed: 1,
      scheduler: events.scheduler,
      ...profile,
    });
    const h = agentHarness(t(), { queue, engine: { provider: sim } });
    const agents: TestAgent[] = [];
    for (let i = 0; i < AGENTS; i++) {
      const a = await h.createAgent(`Pacer ${i} ${Math.random().toString(36).slice(2, 6)}`);
      await h.online(a);
      agents.push(a);
    }
    const listId = await t().addList(`Predictive run ${Math.random()}`);
    const base = 1_000_000 * opts.seed + Math.floor(Math.random() * 900_000);
    await addContacts(
      t(),
      listId,
      Array.from({ length: CONTACTS }, (_, i) => ({ phone: `+1${String(2_000_000_000 + base + i)}` })),
    );
    const c = await h.campaign('Predictive', listId, {
      enableMachineDetect: 'disconnect',
      agentSettings: { wrapUpSec: 5 },
      dialingStrategy: { maxAttemptsPerRecord: 1, maxRingTime: 30 },
    });

    const start = t().clock.now();
    let maxOut = 0;
    let doubled = false;
    let pacingSince: number | undefined;
    for (let s = 1; ; s++) {
      // Double two minutes after pacing first put more calls out than 1.5 per agent.
      if (opts.doubling && pacingSince === undefined && maxOut > AGENTS * 1.5) pacingSince = s;
      if (pacingSince !== undefined && !doubled && s >= pacingSince + 120) {
        // The network's answer rate doubles at once; pacing learns it only from outcomes.
        Object.assign(sim['opts'] as object, { mix: mixFor(opts.rate * 2) });
        doubled = true;
      }
      if (s % 5 === 0) await h.seen(...agents);
      await h.tick();
      maxOut = Math.max(maxOut, sim.inFlight);
      await events.runUntil(start + s * 1000);
      if (s % 60 === 0) {
        const open = await t()
          .db.kysely.selectFrom('dial_records')
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .where('instance_id', '=', c.instanceId)
          .where('state', '!=', 'done')
          .executeTakeFirstOrThrow();
        if (Number(open.n) === 0) break;
      }
      if (s > 20_000) throw new Error('the run did not finish');
    }
    const attempts = await t()
      .db.kysely.selectFrom('attempts')
      .select(['outcome', 'answered_at', 'connected_at', 'talk_sec', 'agent_id'])
      .where('instance_id', '=', c.instanceId)
      .execute();
    const answered = attempts.filter((a) => a.answered_at !== null).length;
    const abandoned = attempts.filter((a) => a.outcome === 'abandoned').length;
    const window = await t()
      .db.kysely.selectFrom('pacing_windows')
      .select((eb) => [eb.fn.sum<number>('answered').as('answered'), eb.fn.sum<number>('abandoned').as('abandoned')])
      .where('campaign_id', '=', c.id)
      .executeTakeFirstOrThrow();
    const talk = attempts.reduce((a, x) => a + (x.connected_at !== null ? Number(x.talk_sec ?? 0) : 0), 0);
    const elapsedSec = (t().clock.now() - start) / 1000;
    return {
      attempts: attempts.length,
      answered,
      abandoned,
      window: { answered: Number(window.answered), abandoned: Number(window.abandoned) },
      maxOut,
      doubled,
      occupancy: talk / (AGENTS * elapsedSec),
      unfinished: attempts.filter((a) => a.outcome === null).length,
    };
  }

  const steady = async () => {
    const r = await run({ seed: 1, rate: 0.3 });
    expect(r.attempts).toBe(CONTACTS);
    expect(r.unfinished).toBe(0);
    // The window's counts are exactly the calls' own.
    expect(r.window).toEqual({ answered: r.answered, abandoned: r.abandoned });
    expect(r.abandoned / r.answered).toBeLessThanOrEqual(0.03);
    // Progressive never has more calls out than agents; predictive did.
    expect(r.maxOut).toBeGreaterThan(AGENTS * 1.5);
  };

  const doubling = async () => {
    const r = await run({ seed: 2, rate: 0.25, doubling: true });
    // It hit a campaign already pacing predictively (two minutes after it first had 1.5 calls out per agent).
    expect(r.doubled).toBe(true);
    expect(r.unfinished).toBe(0);
    expect(r.window).toEqual({ answered: r.answered, abandoned: r.abandoned });
    expect(r.abandoned / r.answered).toBeLessThanOrEqual(0.03);
  };

  it(
    scenario === 'steady'
      ? 'paces above one call per agent once measured, and keeps the window under the 3 % target'
      : 'holds the target when the answer rate suddenly doubles mid-run',
    scenario === 'steady' ? steady : doubling,
    300_000,
  );
});
