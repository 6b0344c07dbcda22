import type { Scheduler } from '../../src/domain/telephony/simulator.js';

/* Free of vitest imports: the engine benchmark uses it too. */
/** A simulator Scheduler whose deliveries wait in `queue` until the caller runs them (no timers). */
export function manualScheduler(): { queue: (() => void)[]; scheduler: Scheduler } {
  const queue: (() => void)[] = [];
  const scheduler: Scheduler = (fn) => {
    queue.push(fn);
    return () => {
      const i = queue.indexOf(fn);
      if (i >= 0) queue.splice(i, 1);
    };
  };
  return { queue, scheduler };
}
