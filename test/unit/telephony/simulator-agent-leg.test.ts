/**
 * The simulator's agent leg: a call with `req.agent` that a person answers is reported `connected`
 * before its outcome (never the other way round, however slow the sink), the agent's hang-up ends it
 * as theirs with the talk time so far (or as no answer while it still rings), and a call without an
 * agent leg is simulated exactly as before.
 */
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../src/shared/clock.js';
import type { ConnectedReport, DialRequest, OutcomeReport } from '../../../src/domain/telephony/provider.js';
import { SimulatorProvider, createSimulatedOutcome } from '../../../src/domain/telephony/simulator.js';
import type { Scheduler, SimProfile } from '../../../src/domain/telephony/simulator.js';

const T0 = Date.parse('2026-06-01T12:00:00Z');
const AGENT = { id: 'ag-00000000-0000-4000-8000-000000000001', name: 'Ann', extension: '201' };

const req = (attemptId: string, over: Partial<DialRequest> = {}): DialRequest => ({
  attemptId,
  campaignId: 'cd-1',
  instanceId: 'cid-1',
  channel: 'voice',
  to: '+15551230000',
  from: '+15550000000',
  queue: 'Sales',
  context: {},
  ...over,
});

interface Job {
  fn: () => void;
  delayMs: number;
  cancelled: boolean;
}

/** A scheduler the test runs by hand, in the order it chooses: no timers. */
function manualScheduler() {
  const jobs: Job[] = [];
  const scheduler: Scheduler = (fn, delayMs) => {
    const job = { fn, delayMs, cancelled: false };
    jobs.push(job);
    return () => {
      job.cancelled = true;
    };
  };
  return { scheduler, jobs };
}

/** Lets promise chains started by the simulator run to their end. */
const settle = () => new Promise((r) => setImmediate(r));

/** Every report, connected or outcome, in the order the sink received them. */
type Seen = ['connected', ConnectedReport] | ['report', OutcomeReport];

const ANSWERED: SimProfile = { mix: { completed: 1 }, machineRate: 0 };

function setup(speed: number, profile: SimProfile = ANSWERED, connected?: (r: ConnectedReport) => Promise<void>) {
  const seen: Seen[] = [];
  const clock = new ManualClock(T0);
  const { scheduler, jobs } = manualScheduler();
  const sim = new SimulatorProvider({
    sink: {
      report: (r) => void seen.push(['report', r]),
      connected: async (r) => {
        await connected?.(r);
        seen.push(['connected', r]);
      },
    },
    clock,
    seed: 11,
    speed,
    scheduler,
    ...profile,
  });
  return { seen, clock, jobs, sim };
}

describe('createSimulatedOutcome with an agent leg', () => {
  it('connects an answered call to the agent at pickup and leaves dispositions to the agent', () => {
    for (let i = 0; i < 50; i++) {
      const o = createSimulatedOutcome(5, req(`p${i}`, { agent: AGENT }), ANSWERED);
      expect(o.outcome).toBe('completed');
      expect(o.connectSec).toBe(o.ringSec);
      expect(o.agentDispositionCodes).toBeUndefined();
      // The network never says the agent hung up on its own: only hangup() does.
      expect(o.botOutboundStatus).toBe('userHangUp');
    }
  });

  it('changes nothing else about the call: same outcome, ring, talk and session for the same attempt', () => {
    const profile: SimProfile = { ringSec: [2, 20], talkSec: [15, 120] };
    for (let i = 0; i < 200; i++) {
      const plain = createSimulatedOutcome(5, req(`c${i}`), profile);
      const withAgent = createSimulatedOutcome(5, req(`c${i}`, { agent: AGENT }), profile);
      const pick = ({ outcome, ringSec, talkSec, durationSec, botSessionId, detail }: typeof plain) => ({
        outcome,
        ringSec,
        talkSec,
        durationSec,
        botSessionId,
        detail,
      });
      expect(pick(withAgent)).toEqual(pick(plain));
      // Only an answered call is put through; no answer, busy and failures never reach the agent.
      expect(withAgent.connectSec !== undefined).toBe(plain.outcome === 'completed');
    }
  });
});

describe('SimulatorProvider with an agent leg', () => {
  it('reports connected, then the outcome, scheduled at pickup and at the end of the call', async () => {
    const { seen, clock, jobs, sim } = setup(1);
    expect(await sim.start(req('a1', { agent: AGENT }))).toEqual({ accepted: true });
    const o = createSimulatedOutcome(11, req('a1', { agent: AGENT }), ANSWERED);
    expect(jobs.map((j) => j.delayMs)).toEqual([Math.round(o.ringSec! * 1000), Math.round(o.durationSec * 1000)]);

    clock.advance(jobs[0]!.delayMs);
    jobs[0]!.fn();
    await settle();
    expect(seen).toEqual([['connected', { attemptId: 'a1', at: T0 + jobs[0]!.delayMs }]]);

    clock.advance(jobs[1]!.delayMs - jobs[0]!.delayMs);
    jobs[1]!.fn();
    await settle();
    expect(seen.map(([kind]) => kind)).toEqual(['connected', 'report']);
    expect(seen[1]![1]).toEqual({
      attemptId: 'a1',
      outcome: 'completed',
      ringSec: o.ringSec,
      talkSec: o.talkSec,
      botSessionId: o.botSessionId,
      botOutboundStatus: 'userHangUp',
      botOutboundStatusDetail: o.botOutboundStatusDetail,
      at: T0 + jobs[1]!.delayMs,
    });
  });

  it('holds the outcome until the connected report is stored, however slow the sink', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const { seen, jobs, sim } = setup(0, ANSWERED, () => gate);
    await sim.start(req('slow', { agent: AGENT }));
    // Pickup and hang-up both due at once (speed 0), and the sink still busy with the pickup.
    for (const j of jobs) j.fn();
    await settle();
    await settle();
    expect(seen).toEqual([]);
    release();
    await settle();
    expect(seen.map(([kind]) => kind)).toEqual(['connected', 'report']);
  });

  it('never reports connected after the outcome, even when the end runs first', async () => {
    const { seen, jobs, sim } = setup(0);
    await sim.start(req('rev', { agent: AGENT }));
    for (const j of [...jobs].reverse()) j.fn();
    await settle();
    expect(seen.map(([kind]) => kind)).toEqual(['report']);
  });

  it("ends a connected call at the agent's hang-up as agentHangUp with the talk time so far", async () => {
    const { seen, clock, jobs, sim } = setup(1);
    await sim.start(req('h1', { agent: AGENT }));
    const o = createSimulatedOutcome(11, req('h1', { agent: AGENT }), ANSWERED);
    jobs[0]!.fn(); // picked up
    await settle();
    clock.advance(12_000);
    expect(o.talkSec).toBeGreaterThan(12);
    await sim.hangup('h1');
    await settle();
    expect(seen.map(([kind]) => kind)).toEqual(['connected', 'report']);
    expect(seen[1]![1]).toEqual({
      attemptId: 'h1',
      outcome: 'completed',
      ringSec: o.ringSec,
      talkSec: 12,
      botSessionId: o.botSessionId,
      botOutboundStatus: 'agentHangUp',
      botOutboundStatusDetail: 'agent_hangup',
      at: T0 + 12_000,
    });
    // The end that was scheduled is cancelled; a second hang-up is a no-op.
    expect(jobs[1]!.cancelled).toBe(true);
    await sim.hangup('h1');
    await settle();
    expect(seen).toHaveLength(2);
    expect(sim.inFlight).toBe(0);
  });

  it('scales the talk time by speed, and never reports more than the call would have lasted', async () => {
    const { seen, clock, jobs, sim } = setup(0.5);
    await sim.start(req('h2', { agent: AGENT }));
    const o = createSimulatedOutcome(11, req('h2', { agent: AGENT }), ANSWERED);
    jobs[0]!.fn();
    await settle();
    // 3 s of clock at speed 0.5 is 6 simulated seconds, less than the call would have lasted.
    expect(o.talkSec).toBeGreaterThan(6);
    clock.advance(3_000);
    await sim.hangup('h2');
    await settle();
    expect(seen[1]![1]).toMatchObject({ talkSec: 6, botOutboundStatus: 'agentHangUp' });

    await sim.start(req('h3', { agent: AGENT }));
    const o3 = createSimulatedOutcome(11, req('h3', { agent: AGENT }), ANSWERED);
    jobs[2]!.fn();
    await settle();
    clock.advance(1_000_000);
    await sim.hangup('h3');
    await settle();
    expect(seen[3]![1]).toMatchObject({ attemptId: 'h3', talkSec: o3.talkSec });
  });

  it('ends a call still ringing at the hang-up as no answer, never connected', async () => {
    const { seen, clock, jobs, sim } = setup(1);
    await sim.start(req('r1', { agent: AGENT }));
    const o = createSimulatedOutcome(11, req('r1', { agent: AGENT }), ANSWERED);
    clock.advance(1_000);
    await sim.hangup('r1');
    await settle();
    expect(seen).toEqual([
      [
        'report',
        {
          attemptId: 'r1',
          outcome: 'no-answer',
          ringSec: o.connectSec,
          talkSec: 0,
          detail: 'ended by the agent before anyone answered',
          at: T0 + 1_000,
        },
      ],
    ]);
    expect(jobs.every((j) => j.cancelled)).toBe(true);
    // A pickup that was due anyway does not connect a call that is over.
    jobs[0]!.fn();
    await settle();
    expect(seen).toHaveLength(1);
  });

  it('ignores a hang-up of a call it does not hold or that already ended', async () => {
    const { seen, jobs, sim } = setup(0);
    await sim.hangup('never-started');
    await sim.start(req('done', { agent: AGENT }));
    for (const j of jobs) j.fn();
    await settle();
    await sim.hangup('done');
    await settle();
    expect(seen.map(([kind, r]) => [kind, r.attemptId])).toEqual([
      ['connected', 'done'],
      ['report', 'done'],
    ]);
  });

  it('never connects an unanswered call to the agent', async () => {
    const { seen, jobs, sim } = setup(0, { mix: { 'no-answer': 1, busy: 1, failed: 1 }, machineRate: 0 });
    for (let i = 0; i < 20; i++) await sim.start(req(`u${i}`, { agent: AGENT }));
    expect(jobs).toHaveLength(20); // only the end of each call is scheduled
    for (const j of jobs) j.fn();
    await settle();
    expect(seen.filter(([kind]) => kind === 'connected')).toEqual([]);
    expect(seen).toHaveLength(20);
  });
});

describe('SimulatorProvider without an agent leg', () => {
  it('schedules only the end, never reports connected, and gives the network’s dispositions as before', async () => {
    const { seen, jobs, sim } = setup(0);
    await sim.start(req('plain', { queue: undefined }));
    expect(jobs).toHaveLength(1);
    jobs[0]!.fn();
    await settle();
    const { durationSec: _d, ...expected } = createSimulatedOutcome(11, req('plain', { queue: undefined }), ANSWERED);
    expect(seen).toEqual([['report', { ...expected, attemptId: 'plain', at: T0 }]]);
    expect(expected.agentDispositionCodes).toEqual([]);
    expect(expected).not.toHaveProperty('connectSec');
  });
});
