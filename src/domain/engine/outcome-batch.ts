import type { OutcomeReport } from '../telephony/provider.js';

/** Outcomes stored together at most: one read and one transaction of this many. */
const MAX_BATCH = 500;

interface Waiting {
  report: OutcomeReport;
  done: () => void;
  failed: (err: unknown) => void;
}

/**
 * Gathers the outcomes reported in one turn of the event loop and hands them to `store` together,
 * so that a burst of call endings costs a few statements instead of several per call (issue 17).
 * Each caller's promise settles with its batch: resolved once stored, rejected with the batch's
 * error (the provider then retries, as it would a single failed report). Batches may run side by
 * side; storing is guarded per attempt, so one attempt in two batches is stored once.
 */
export class OutcomeBatch {
  private waiting: Waiting[] = [];

  constructor(private readonly store: (reports: readonly OutcomeReport[]) => Promise<void>) {}

  add(report: OutcomeReport): Promise<void> {
    return new Promise<void>((done, failed) => {
      // The first of a turn schedules the flush after every report of the turn has arrived.
      if (this.waiting.push({ report, done, failed }) === 1) setImmediate(() => void this.flush());
    });
  }

  private async flush(): Promise<void> {
    const all = this.waiting;
    this.waiting = [];
    for (let i = 0; i < all.length; i += MAX_BATCH) {
      const batch = all.slice(i, i + MAX_BATCH);
      try {
        await this.store(batch.map((w) => w.report));
        for (const w of batch) w.done();
      } catch (err) {
        for (const w of batch) w.failed(err);
      }
    }
  }
}
