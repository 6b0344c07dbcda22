/**
 * Told when an agent's wrap-up after a call ends, and how long it took: Predictive pacing measures
 * wrap-up times (engine/pacing-book.ts). Statistics only: a failure to record one is not the
 * agent's problem, so callers do not wait on it failing.
 */
export interface WrapUpObserver {
  wrapUpEnded(campaignId: string, sec: number, at: number): Promise<void>;
}

/** Tells `observer` of a wrap-up that ran from `since` to `at`, swallowing its failure. */
export async function observeWrapUp(
  observer: WrapUpObserver | undefined,
  campaignId: string | null,
  since: number,
  at: number,
): Promise<void> {
  if (!observer || !campaignId) return;
  await observer.wrapUpEnded(campaignId, (at - since) / 1000, at).catch(() => undefined);
}
