import type { PacingRepo } from '../../storage/repos/pacing-repo.js';
import type { AbandonWindow } from '../campaigns/campaign-config.js';
import {
  createMeasurements,
  estimate,
  recordDialOutcome,
  recordTalk,
  recordWrapUp,
  type DialOutcome,
  type PacingEstimate,
  type PacingMeasurements,
} from '../pacing/index.js';

const WINDOW_MS: Record<AbandonWindow, number> = {
  'rolling-30-days': 30 * 86_400_000,
  'rolling-24-hours': 86_400_000,
};

/** Hours of answer and abandon counts kept: the longest window. */
export const PACING_WINDOW_RETENTION_MS = WINDOW_MS['rolling-30-days'];

/**
 * What Predictive pacing has measured per campaign, kept in the database (pacing-repo.ts) so that
 * every engine process paces on the same figures and a restart forgets nothing. The measurements
 * are statistics: a sample lost to a crash between an outcome and its measurement changes nothing
 * that matters, so they are written after the outcome. The abandon window's counts are not: they
 * are written in the outcome's own transaction (outcome-handler.ts, countAnswer).
 */
export class PacingBook {
  private prunedAt = Number.NEGATIVE_INFINITY;

  constructor(private readonly repo: PacingRepo) {}

  /** Once an hour: hours of counts no window reaches any more, and lockouts that have ended. */
  async prune(now: number): Promise<void> {
    if (now - this.prunedAt < 3_600_000) return;
    this.prunedAt = now;
    await this.repo.prune(now - PACING_WINDOW_RETENTION_MS, now);
  }

  async estimateOf(campaignId: string, now: number): Promise<PacingEstimate> {
    const data = await this.repo.measurements(campaignId);
    return estimate(data ? (JSON.parse(data) as PacingMeasurements) : createMeasurements(now), now);
  }

  /** Abandons and live answers over the campaign's window ending now. */
  window(campaignId: string, window: AbandonWindow, now: number): Promise<{ abandoned: number; answered: number }> {
    return this.repo.window(campaignId, now - WINDOW_MS[window]);
  }

  /**
   * A Predictive call ended: how its ringing ended (answered by a person, by a machine, or not at
   * all; none for outcomes that say nothing of the traffic), its talk if it reached an agent, and
   * its agent's wrap-up when there was none to wait for (0 s).
   */
  callEnded(
    campaignId: string,
    at: number,
    c: { dial?: DialOutcome; ringSec: number; talkSec?: number; noWrapUp?: boolean },
  ): Promise<void> {
    return this.change(campaignId, at, true, (m) => {
      if (c.dial) recordDialOutcome(m, at, c.dial, c.ringSec);
      if (c.talkSec !== undefined) recordTalk(m, at, c.talkSec);
      if (c.noWrapUp) recordWrapUp(m, at, 0);
    });
  }

  /**
   * An agent's wrap-up after a call of the campaign ended (`sec`, 0 when there was none). Only
   * campaigns with measurements (Predictive ones, once a call ended) keep it: this is called for
   * every agent campaign, and a row is never created here.
   */
  async wrapUpEnded(campaignId: string, sec: number, at: number): Promise<void> {
    // A plain read first: most wrap-ups are of other modes, and the change takes the write lock (SQLite).
    if ((await this.repo.measurements(campaignId)) === undefined) return;
    await this.change(campaignId, at, false, (m) => recordWrapUp(m, at, Math.max(0, sec)));
  }

  private change(campaignId: string, at: number, create: boolean, fn: (m: PacingMeasurements) => void) {
    return this.repo.updateMeasurements(campaignId, at, (data) => {
      if (!data && !create) return undefined;
      const m = data ? (JSON.parse(data) as PacingMeasurements) : createMeasurements(at);
      fn(m);
      return JSON.stringify(m);
    });
  }
}
