import { DateTime } from 'luxon';

/** `2026-06-01`, or a date-time `2026-06-01T12:30[:45[.123]]` with `Z` or `±hh:mm` (or `±hhmm`) when a zone is given. */
const ISO = /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})?)?$/i;

/**
 * Epoch ms of an ISO 8601 date or date-time, or undefined when `raw` is not one — strictly: no
 * other formats (`Date.parse` reads `"' OR '1'='1"` as 2001), no day 31 of February rolled into
 * March, years 1970 to 9999 only. A date, or a date-time without a zone, is read as UTC unless
 * `requireZone` (a call-back time without a zone would be a guess).
 */
export function parseIsoTime(raw: string, opts: { requireZone?: boolean } = {}): number | undefined {
  const m = ISO.exec(raw.trim());
  if (!m) return undefined;
  const hasZone = m[7] !== undefined;
  if (opts.requireZone && !hasZone) return undefined;
  const t = DateTime.fromISO(raw.trim(), { zone: 'utc', setZone: hasZone });
  if (!t.isValid || t.year < 1970) return undefined;
  return t.toMillis();
}
