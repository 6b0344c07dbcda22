/**
 * Requests gathered until `later` runs the flush, then handed to `run` together and each answered
 * from its result: a burst of requests costs one batch of statements instead of some per request.
 * A batch that fails rejects every request in it (each caller handles it as a failed single one).
 * Batches may run side by side; `run` must be safe for that.
 */
export class Batch<I, R> {
  private waiting: { item: I; done: (r: R) => void; failed: (err: unknown) => void }[] = [];

  /**
   * @param later When the gathered requests go: `queueMicrotask` (those of this microtask turn) or
   *   `setImmediate` (those of this turn of the event loop).
   * @param max Requests handed to `run` at most at once; more are run in successive batches. Default no limit.
   */
  constructor(
    private readonly run: (items: I[]) => Promise<(item: I) => R>,
    private readonly later: (flush: () => void) => void,
    private readonly max = Number.POSITIVE_INFINITY,
  ) {}

  add(item: I): Promise<R> {
    return new Promise<R>((done, failed) => {
      if (this.waiting.push({ item, done, failed }) === 1) this.later(() => void this.flush());
    });
  }

  private async flush(): Promise<void> {
    const all = this.waiting;
    this.waiting = [];
    for (let i = 0; i < all.length; i += this.max) {
      const batch = all.slice(i, i + this.max);
      try {
        const answer = await this.run(batch.map((w) => w.item));
        for (const w of batch) w.done(answer(w.item));
      } catch (err) {
        for (const w of batch) w.failed(err);
      }
    }
  }
}
