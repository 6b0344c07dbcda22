/**
 * One call per number at a time, and frequency caps, across every campaign of an account
 * (docs/contact-protection.md). Pure: the claim reads the facts of a batch's numbers
 * (claim-steps.ts, NumberFacts) and asks `holdOf` which records wait, and until when.
 */

/** At most `attempts` attempts on one number within any rolling `hours`. */
export interface FrequencyCap {
  attempts: number;
  hours: number;
  /** Who set it, for explanations: `bot` or `<pack id>@<version>: <cite>`. */
  source: string;
}

/**
 * How long a record whose number is on another campaign's call waits before it is looked at again.
 * The other call's end is not known in advance; a short recheck costs one index lookup.
 */
export const BUSY_RECHECK_MS = 30_000;

const HOUR = 3_600_000;

export interface Hold {
  rule: 'number-busy' | 'frequency-cap';
  /** When the record may be tried again. */
  until: number;
  detail: string;
}

/** How far back the caps look: the longest window (0 without caps). */
export function historyMs(caps: readonly FrequencyCap[]): number {
  return Math.max(0, ...caps.map((c) => c.hours * HOUR));
}

/**
 * The cap that holds a number longest, given its attempts' start times (ascending, at most
 * historyMs old): a cap is reached when `attempts` of them lie after now - window, and it releases
 * when the oldest of the last `attempts` leaves the window. A start later than `now` counts too:
 * another engine may have read its clock after this one did.
 */
export function capHold(caps: readonly FrequencyCap[], starts: readonly number[], now: number): Hold | null {
  let hold: Hold | null = null;
  for (const c of caps) {
    const window = c.hours * HOUR;
    const inWindow = starts.filter((s) => s > now - window);
    if (inWindow.length < c.attempts) continue;
    const until = inWindow[inWindow.length - c.attempts]! + window;
    if (hold === null || until > hold.until)
      hold = {
        rule: 'frequency-cap',
        until,
        detail: `${inWindow.length} attempts in the last ${c.hours} h reach the cap of ${c.attempts} per ${c.hours} h (${c.source}); the next may start at ${new Date(until).toISOString()}`,
      };
  }
  return hold;
}

/** Why a number may not be dialed at `now`, or null: busy first (it clears soonest), then the caps. */
export function holdOf(
  caps: readonly FrequencyCap[],
  facts: { busy: boolean; starts: readonly number[] },
  now: number,
): Hold | null {
  const cap = capHold(caps, facts.starts, now);
  if (!facts.busy) return cap;
  const busyUntil = now + BUSY_RECHECK_MS;
  if (cap && cap.until > busyUntil) return cap;
  return {
    rule: 'number-busy',
    until: busyUntil,
    detail: `the number is on another call of this account; looked at again at ${new Date(busyUntil).toISOString()}`,
  };
}
