import type { AttemptsCsvQuery, AttemptsQuery } from '../../contract/reports.js';
import { errors, ValidationErrors, type AppError } from '../../shared/errors.js';
import { parseIsoTime } from '../../shared/iso-time.js';
import type { ApiTenant } from '../../shared/tenant.js';
import type { AttemptFilter, AttemptKey } from '../../storage/repos/reports-repo.js';
import { normalisePhone } from '../contacts/phone.js';
import { OUTCOMES, toKoreDialerOutcome, type Outcome } from '../engine/retry-policy.js';

export const DEFAULT_LIMIT = 50;
export const MAX_LIMIT = 500;

export interface AttemptSelection {
  filter: Omit<AttemptFilter, 'instanceId'>;
  order: 'asc' | 'desc';
  /** Set when the filters can match nothing (an outcome and a dialerOutcome that never meet). */
  empty: boolean;
}

const DIALER_OUTCOMES = [...new Set(OUTCOMES.map((o) => toKoreDialerOutcome(o, true)))];

const list = (raw: string): string[] =>
  raw
    .split(',')
    .map((s) => s.trim().toLowerCase())
    .filter((s) => s !== '');

/**
 * Reads the filters of the attempts page and CSV; every bad field is reported at once, each by
 * its name. Values are matched case-insensitively, as Kore enumerations are.
 */
export function parseAttemptSelection(t: ApiTenant, q: AttemptsCsvQuery): AttemptSelection {
  const problems: AppError[] = [];
  let outcomes: Set<string> | undefined;
  if (q.outcome !== undefined) {
    const given = list(q.outcome);
    const bad = given.filter((o) => !(OUTCOMES as readonly string[]).includes(o));
    if (given.length === 0 || bad.length > 0)
      problems.push(
        errors.validation('outcome', `outcome: ${bad.join(', ') || '(empty)'} is not one of ${OUTCOMES.join(', ')}`),
      );
    outcomes = new Set(given);
  }
  if (q.dialerOutcome !== undefined) {
    const given = list(q.dialerOutcome);
    const bad = given.filter((o) => !(DIALER_OUTCOMES as string[]).includes(o));
    if (given.length === 0 || bad.length > 0)
      problems.push(
        errors.validation(
          'dialerOutcome',
          `dialerOutcome: ${bad.join(', ') || '(empty)'} is not one of ${DIALER_OUTCOMES.join(', ')}`,
        ),
      );
    const engine = OUTCOMES.filter((o: Outcome) => given.includes(toKoreDialerOutcome(o, true)));
    outcomes = new Set(outcomes ? engine.filter((o) => outcomes!.has(o)) : engine);
  }
  let phone: string | undefined;
  if (q.number !== undefined) {
    const p = normalisePhone(q.number, t.defaultCountry);
    if (p.ok) phone = p.e164;
    else problems.push(errors.validation('number', `number: ${p.reason}`));
  }
  const time = (field: 'from' | 'to'): number | undefined => {
    const raw = q[field];
    if (raw === undefined) return undefined;
    const ms = parseIsoTime(raw);
    if (ms === undefined) problems.push(errors.validation(field, `${field}: not an ISO 8601 date or date-time`));
    return ms;
  };
  const fromMs = time('from');
  const toMs = time('to');
  if (fromMs !== undefined && toMs !== undefined && toMs < fromMs)
    problems.push(errors.validation('to', 'to: is before from'));
  const order = (q.order ?? 'newest').toLowerCase();
  if (order !== 'newest' && order !== 'oldest')
    problems.push(errors.validation('order', 'order: must be newest or oldest'));
  if (problems.length > 0) throw new ValidationErrors(problems);
  return {
    filter: {
      accountId: t.accountId,
      ...(outcomes ? { outcomes: [...outcomes] } : {}),
      ...(phone ? { phone } : {}),
      ...(fromMs !== undefined ? { fromMs } : {}),
      ...(toMs !== undefined ? { toMs } : {}),
    },
    order: order === 'oldest' ? 'asc' : 'desc',
    empty: outcomes !== undefined && outcomes.size === 0,
  };
}

export function parseLimit(raw: string | undefined): number {
  if (raw === undefined) return DEFAULT_LIMIT;
  const n = /^\d+$/.test(raw.trim()) ? Number(raw.trim()) : NaN;
  if (!Number.isInteger(n) || n < 1 || n > MAX_LIMIT)
    throw errors.validation('limit', `limit: must be an integer from 1 to ${MAX_LIMIT}`);
  return n;
}

/** The opaque cursor: base64url of `[startedAt, attemptId]` of the last row of a page. */
export function encodeCursor(k: AttemptKey): string {
  return Buffer.from(JSON.stringify([k.startedAt, k.id])).toString('base64url');
}

export function decodeCursor(raw: AttemptsQuery['cursor']): AttemptKey | undefined {
  if (raw === undefined || raw === '') return undefined;
  try {
    const v: unknown = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8'));
    if (Array.isArray(v) && v.length === 2 && Number.isSafeInteger(v[0]) && typeof v[1] === 'string')
      return { startedAt: v[0] as number, id: v[1] };
  } catch {
    // Reported below.
  }
  throw errors.validation('cursor', 'cursor: not a cursor this endpoint returned');
}
