/**
 * The simulator's Predictive calls: answered at their ring time and announced to campaignd, which
 * names an agent at once or later (bridge); nobody named within the deadline, the abandon message
 * plays and the call ends `abandoned`. Discrete-event time, no timers.
 */
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../src/shared/clock.js';
import { SimulatorProvider } from '../../../src/domain/telephony/simulator.js';
import type {
  AgentLeg,
  AnsweredReport,
  ConnectedReport,
  DialRequest,
  OutcomeReport,
} from '../../../src/domain/telephony/provider.js';
import { DiscreteEvents } from '../../support/discrete-events.js';

const T0 = Date.parse('2026-12-07T10:00:00Z');
const ann: AgentLeg = { id: 'ag-ann', name: 'Ann' };
const req = (attemptId: string): DialRequest => ({
  attemptId,
  campaignId: 'c',
  instanceId: 'i',
  channel: 'voice',
  to: '+14155550100',
  from: '+14155550199',
  queue: 'Sales',
  predictive: { connectDeadlineSec: 2, abandonMessageId: 'msg-sorry' },
  context: {},
});

function world(agentOnAnswer: AgentLeg | null) {
  const clock = new ManualClock(T0);
  const events = new DiscreteEvents(clock);
  const answered: AnsweredReport[] = [];
  const connected: ConnectedReport[] = [];
  const reports: OutcomeReport[] = [];
  const sim = new SimulatorProvider({
    clock,
    speed: 1,
    scheduler: events.scheduler,
    mix: { completed: 1 },
    machineRate: 0,
    ringSec: [5, 5],
    talkSec: [30, 30],
    sink: events.track({
      report: async (r) => void reports.push(r),
      connected: async (r) => void connected.push(r),
      answered: async (r) => {
        answered.push(r);
        return agentOnAnswer;
      },
    }),
  });
  return { clock, events, sim, answered, connected, reports };
}

describe('simulator: Predictive calls', () => {
  it('announces the answer and connects the agent campaignd names at once; the talk starts there', async () => {
    const w = world(ann);
    await w.sim.start(req('att-1'));
    await w.events.runUntil(T0 + 5000);
    expect(w.answered).toEqual([{ attemptId: 'att-1', at: T0 + 5000, ringSec: 5 }]);
    expect(w.connected).toEqual([{ attemptId: 'att-1', at: T0 + 5000 }]);
    await w.events.runUntil(T0 + 60_000);
    expect(w.reports).toHaveLength(1);
    expect(w.reports[0]).toMatchObject({ outcome: 'completed', ringSec: 5, talkSec: 30, at: T0 + 35_000 });
  });

  it('waits for a bridge within the deadline', async () => {
    const w = world(null);
    await w.sim.start(req('att-2'));
    await w.events.runUntil(T0 + 6500);
    expect(w.connected).toEqual([]);
    expect(await w.sim.bridge('att-2', ann)).toBe(true);
    await w.events.settle();
    expect(w.connected).toEqual([{ attemptId: 'att-2', at: T0 + 6500 }]);
    // A second bridge finds nobody waiting.
    expect(await w.sim.bridge('att-2', ann)).toBe(false);
    await w.events.runUntil(T0 + 60_000);
    expect(w.reports.map((r) => [r.outcome, r.at])).toEqual([['completed', T0 + 36_500]]);
  });

  it('abandons at the deadline with the message, and a late bridge is refused', async () => {
    const w = world(null);
    await w.sim.start(req('att-3'));
    await w.events.runUntil(T0 + 7000);
    expect(w.reports).toEqual([
      expect.objectContaining({
        attemptId: 'att-3',
        outcome: 'abandoned',
        at: T0 + 7000,
        ringSec: 5,
        talkSec: 0,
        detail: 'no agent within 2 s of the answer; played msg-sorry',
      }),
    ]);
    expect(await w.sim.bridge('att-3', ann)).toBe(false);
    expect(w.connected).toEqual([]);
  });
});
