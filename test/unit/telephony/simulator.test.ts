import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../src/shared/clock.js';
import type { DialRequest, OutcomeReport } from '../../../src/domain/telephony/provider.js';
import { ProviderUnavailableError } from '../../../src/domain/telephony/provider.js';
import { SimulatorProvider, createSimulatedOutcome } from '../../../src/domain/telephony/simulator.js';
import type { Scheduler } from '../../../src/domain/telephony/simulator.js';

const req = (attemptId: string, over: Partial<DialRequest> = {}): DialRequest => ({
  attemptId,
  campaignId: 'cd-1',
  instanceId: 'cid-1',
  channel: 'voice',
  to: '+15551230000',
  from: '+15550000000',
  context: {},
  ...over,
});

/** A scheduler the test drains by hand: no timers, no sleeping. */
function manualScheduler(): Scheduler & {
  jobs: { fn: () => void; delayMs: number; cancelled: boolean }[];
  flush(): Promise<void>;
} {
  const jobs: { fn: () => void; delayMs: number; cancelled: boolean }[] = [];
  const s = ((fn: () => void, delayMs: number) => {
    const job = { fn, delayMs, cancelled: false };
    jobs.push(job);
    return () => {
      job.cancelled = true;
    };
  }) as Scheduler & { jobs: typeof jobs; flush(): Promise<void> };
  s.jobs = jobs;
  s.flush = async () => {
    for (const j of jobs.splice(0)) if (!j.cancelled) j.fn();
    await new Promise((r) => setImmediate(r)); // let the sink's promise chain settle
  };
  return s;
}

describe('createSimulatedOutcome', () => {
  it('is deterministic for the same seed and attempt, whatever the order', () => {
    const ids = Array.from({ length: 50 }, (_, i) => `att-${i}`);
    const forward = ids.map((id) => createSimulatedOutcome(7, req(id)));
    const backward = [...ids]
      .reverse()
      .map((id) => createSimulatedOutcome(7, req(id)))
      .reverse();
    expect(backward).toEqual(forward);
  });

  it('differs between seeds', () => {
    const ids = Array.from({ length: 200 }, (_, i) => `att-${i}`);
    const a = ids.map((id) => JSON.stringify(createSimulatedOutcome(1, req(id))));
    const b = ids.map((id) => JSON.stringify(createSimulatedOutcome(2, req(id))));
    expect(a.filter((x, i) => x !== b[i]).length).toBeGreaterThan(150);
  });

  it('roughly respects mix weights over 10k attempts', () => {
    const mix = { completed: 50, 'no-answer': 30, busy: 20 };
    const counts: Record<string, number> = {};
    for (let i = 0; i < 10_000; i++) {
      const o = createSimulatedOutcome(3, req(`a${i}`, { ringTimeoutSec: 120 }), { mix, machineRate: 0 });
      counts[o.outcome] = (counts[o.outcome] ?? 0) + 1;
    }
    expect(Object.keys(counts).sort()).toEqual(['busy', 'completed', 'no-answer']);
    expect(counts.completed! / 10_000).toBeCloseTo(0.5, 1);
    expect(counts['no-answer']! / 10_000).toBeCloseTo(0.3, 1);
    expect(counts.busy! / 10_000).toBeCloseTo(0.2, 1);
  });

  it('uses the SMS table for SMS and never a voice outcome', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 2000; i++) {
      seen.add(
        createSimulatedOutcome(1, req(`s${i}`, { channel: 'sms', message: 'hi' }), {
          mix: { 'sms-sent': 1, 'sms-failed': 1 },
        }).outcome,
      );
    }
    expect([...seen].sort()).toEqual(['sms-failed', 'sms-sent']);
  });

  it('turns a ring longer than ringTimeoutSec into no-answer', () => {
    const o = createSimulatedOutcome(1, req('x', { ringTimeoutSec: 5 }), { mix: { completed: 1 }, ringSec: [10, 20] });
    expect(o).toMatchObject({ outcome: 'no-answer', ringSec: 5, talkSec: 0 });
    const ok = createSimulatedOutcome(1, req('x', { ringTimeoutSec: 30 }), {
      mix: { completed: 1 },
      ringSec: [10, 20],
      machineRate: 0,
    });
    expect(ok.outcome).toBe('completed');
    expect(ok.ringSec).toBeGreaterThanOrEqual(10);
    expect(ok.ringSec).toBeLessThanOrEqual(20);
  });

  it('applies machine detection modes to a machine pickup', () => {
    const profile = { mix: { completed: 1 }, machineRate: 1 };
    const off = createSimulatedOutcome(1, req('m', { machineDetection: 'no' }), profile);
    expect(off.outcome).toBe('completed');
    expect(off.machineDetected).toBeUndefined();
    expect(off.botSessionId).toMatch(/^[0-9a-f]{24}$/);

    const detect = createSimulatedOutcome(1, req('m', { machineDetection: 'detect' }), profile);
    expect(detect).toMatchObject({
      outcome: 'machine',
      machineDetected: true,
      talkSec: off.talkSec,
      ringSec: off.ringSec,
    });
    expect(detect.botSessionId).toBe(off.botSessionId);

    const hangUp = createSimulatedOutcome(1, req('m', { machineDetection: 'disconnect' }), profile);
    expect(hangUp).toMatchObject({ outcome: 'machine', machineDetected: true, talkSec: 3 });
    expect(hangUp.botSessionId).toBeUndefined();

    const human = createSimulatedOutcome(1, req('m', { machineDetection: 'detect' }), { ...profile, machineRate: 0 });
    expect(human).toMatchObject({ outcome: 'completed', machineDetected: false });
    expect(['userHangUp', 'agentHangUp']).toContain(human.botOutboundStatus);
  });
});

describe('SimulatorProvider', () => {
  const setup = (speed: number) => {
    const reports: OutcomeReport[] = [];
    const clock = new ManualClock(Date.parse('2025-06-01T12:00:00Z'));
    const scheduler = manualScheduler();
    const sim = new SimulatorProvider({
      sink: { report: (r) => void reports.push(r) },
      clock,
      seed: 9,
      speed,
      scheduler,
      mix: { completed: 1 },
      machineRate: 0,
    });
    return { reports, clock, scheduler, sim };
  };

  it('delivers through the scheduler with speed 0 and stamps `at` from the clock', async () => {
    const { reports, clock, scheduler, sim } = setup(0);
    expect(await sim.start(req('a1'))).toEqual({ accepted: true });
    expect(scheduler.jobs).toHaveLength(1);
    expect(scheduler.jobs[0]!.delayMs).toBe(0);
    expect(reports).toHaveLength(0);
    clock.advance(5000);
    await scheduler.flush();
    expect(reports).toHaveLength(1);
    const { durationSec: _d, ...expected } = createSimulatedOutcome(9, req('a1'), {
      mix: { completed: 1 },
      machineRate: 0,
    });
    expect(reports[0]).toEqual({ ...expected, attemptId: 'a1', at: clock.now() });
  });

  it('scales the delay by speed', async () => {
    const { scheduler, sim } = setup(0.5);
    await sim.start(req('a2'));
    const sim2 = createSimulatedOutcome(9, req('a2'), { mix: { completed: 1 }, machineRate: 0 });
    expect(scheduler.jobs[0]!.delayMs).toBe(Math.round(sim2.durationSec * 500));
  });

  it('is idempotent on attemptId', async () => {
    const { reports, scheduler, sim } = setup(0);
    await sim.start(req('dup'));
    expect(await sim.start(req('dup'))).toEqual({ accepted: true });
    await scheduler.flush();
    expect(await sim.start(req('dup'))).toEqual({ accepted: true });
    await scheduler.flush();
    expect(reports.map((r) => r.attemptId)).toEqual(['dup']);
  });

  it('refuses bad numbers and empty SMS without scheduling anything', async () => {
    const { scheduler, sim } = setup(0);
    expect(await sim.start(req('b1', { to: '5551234' }))).toMatchObject({ accepted: false, outcome: 'invalid' });
    expect(await sim.start(req('b2', { channel: 'sms', message: ' ' }))).toMatchObject({
      accepted: false,
      outcome: 'sms-failed',
    });
    expect(scheduler.jobs).toHaveLength(0);
  });

  it('close() cancels pending outcomes and refuses new work', async () => {
    const { reports, scheduler, sim } = setup(1);
    await sim.start(req('c1'));
    expect(sim.inFlight).toBe(1);
    await sim.close();
    await scheduler.flush();
    expect(reports).toHaveLength(0);
    await expect(sim.start(req('c2'))).rejects.toBeInstanceOf(ProviderUnavailableError);
  });

  it('hands sink failures to onError', async () => {
    const scheduler = manualScheduler();
    const errors: unknown[] = [];
    const sim = new SimulatorProvider({
      sink: { report: () => Promise.reject(new Error('db down')) },
      clock: new ManualClock(0),
      speed: 0,
      scheduler,
      onError: (e) => errors.push(e),
    });
    await sim.start(req('e1'));
    await scheduler.flush();
    expect(String(errors[0])).toContain('db down');
  });

  it('completes 100 attempts with the default scheduler at speed 0', async () => {
    const reports: OutcomeReport[] = [];
    const done = new Promise<void>((resolve) => {
      const sim = new SimulatorProvider({
        sink: {
          report: (r) => {
            reports.push(r);
            if (reports.length === 100) resolve();
          },
        },
        clock: new ManualClock(0),
        speed: 0,
      });
      for (let i = 0; i < 100; i++) void sim.start(req(`d${i}`));
    });
    await done;
    expect(new Set(reports.map((r) => r.attemptId)).size).toBe(100);
  });
});
