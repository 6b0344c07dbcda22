/**
 * A piece of background work run every `everyMs` by the runtime. A run never overlaps the previous
 * one (a tick that outlasts its interval delays the next instead of doubling up), and `runOnce`
 * lets the runtime (at start) and tests run it by hand.
 */
export class Loop<R> {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<R | undefined> | undefined;
  private nudged = false;

  constructor(
    readonly name: string,
    private readonly everyMs: number,
    private readonly body: () => Promise<R>,
    /** Where a run's result goes, and its error: the loop itself goes on at its next interval. */
    private readonly report: { done(result: R): void; failed(err: unknown): void },
  ) {}

  start(): void {
    this.timer ??= setInterval(() => void this.runOnce(), this.everyMs);
  }

  /** Runs the body now, or joins the run in progress; resolves undefined when it failed. */
  runOnce(): Promise<R | undefined> {
    this.running ??= this.body()
      .then(
        (result) => {
          this.report.done(result);
          return result;
        },
        (err: unknown) => {
          this.report.failed(err);
          return undefined;
        },
      )
      .finally(() => {
        this.running = undefined;
      });
    return this.running;
  }

  /**
   * A run as soon as possible, between the regular ones: now when idle, else right after the run
   * in progress. Nudges that come while one is pending add nothing. Ignored once stopped.
   */
  nudge(): void {
    if (!this.timer || this.nudged) return;
    this.nudged = true;
    void (this.running ?? Promise.resolve()).then(() =>
      setImmediate(() => {
        this.nudged = false;
        if (this.timer) void this.runOnce();
      }),
    );
  }

  /** No more runs; resolves when the one in progress (if any) has finished. */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.running;
  }
}
