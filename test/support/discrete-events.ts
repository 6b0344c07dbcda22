/**
 * Discrete-event time for tests that run the real engine against the simulator: the simulator's
 * scheduler puts its deliveries on a queue ordered by fake time, and `runUntil` plays them in
 * order, moving the ManualClock to each and waiting until everything they set off (outcomes
 * stored, agents connected) has settled. Thousands of simulated calls take seconds of real time,
 * and nothing depends on how fast the machine is.
 */
import { EventQueue } from '../../src/domain/pacing/priority-queue.js';
import type { ManualClock } from '../../src/shared/clock.js';
import type { Scheduler } from '../../src/domain/telephony/simulator.js';
import type { OutcomeSink } from '../../src/domain/telephony/provider.js';

interface Pending {
  at: number;
  fn: () => void;
  cancelled: boolean;
}

export class DiscreteEvents {
  private readonly queue = new EventQueue<Pending>();
  private readonly inflight = new Set<Promise<unknown>>();

  constructor(private readonly clock: ManualClock) {}

  readonly scheduler: Scheduler = (fn, delayMs) => {
    const e: Pending = { at: this.clock.now() + Math.max(0, delayMs), fn, cancelled: false };
    this.queue.push(e);
    return () => {
      e.cancelled = true;
    };
  };

  /** `sink` with every call it gets counted, so that `settle` can wait for them. */
  track(sink: Required<OutcomeSink>): OutcomeSink {
    const keep = <T>(p: Promise<T> | T): Promise<T> => {
      const q = Promise.resolve(p);
      this.inflight.add(q);
      void q.finally(() => this.inflight.delete(q)).catch(() => undefined);
      return q;
    };
    return {
      report: (r) => keep(sink.report(r)),
      connected: (r) => keep(sink.connected(r)),
      answered: (r) => keep(sink.answered(r)),
    };
  }

  /** Waits until nothing set off by an event is still running. */
  async settle(): Promise<void> {
    do {
      await new Promise((resolve) => setImmediate(resolve));
      await Promise.allSettled([...this.inflight]);
    } while (this.inflight.size > 0);
  }

  /** Plays the events due up to `until` in time order, then leaves the clock at `until`. */
  async runUntil(until: number): Promise<void> {
    for (;;) {
      const e = this.queue.peek();
      if (!e || e.at > until) break;
      this.queue.pop();
      if (e.cancelled) continue;
      if (e.at > this.clock.now()) this.clock.set(e.at);
      e.fn();
      await this.settle();
    }
    if (until > this.clock.now()) this.clock.set(until);
  }
}
