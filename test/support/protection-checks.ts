/**
 * Contact protection as the person called sees it (docs/contact-protection.md), read from the tables:
 * no number held by two records of one account at once, and no number's attempts exceeding a cap in
 * any rolling window. Free of vitest imports so that property tests and benches can share it.
 */
import type { Kysely } from 'kysely';
import type { Database } from '../../src/storage/schema.js';

const HOUR = 3_600_000;

/** Numbers that two or more records of the account hold right now (offered, accepted, leased, in flight). */
export async function numbersHeldTwice(db: Kysely<Database>, accountId: string): Promise<string[]> {
  const rows = await db
    .selectFrom('dial_records as r')
    .innerJoin('campaign_instances as i', 'i.id', 'r.instance_id')
    .select(['r.phone_e164', (eb) => eb.fn.countAll<number>().as('n')])
    .where('r.state', 'in', ['offered', 'accepted', 'leased', 'in_flight'])
    .where('i.account_id', '=', accountId)
    .groupBy('r.phone_e164')
    .having((eb) => eb.fn.countAll(), '>', 1)
    .execute();
  return rows.map((r) => r.phone_e164);
}

export interface AttemptSpan {
  phone: string;
  startedAt: number;
  endedAt: number | null;
}

export async function attemptSpans(db: Kysely<Database>, accountId: string): Promise<AttemptSpan[]> {
  const rows = await db
    .selectFrom('attempts')
    .select(['phone_e164', 'started_at', 'ended_at'])
    .where('account_id', '=', accountId)
    .orderBy('started_at')
    .execute();
  return rows.map((r) => ({
    phone: r.phone_e164!,
    startedAt: Number(r.started_at),
    endedAt: r.ended_at === null ? null : Number(r.ended_at),
  }));
}

/** Pairs of attempts on one number whose spans overlap (an open attempt runs to the end of time). */
export function overlappingAttempts(spans: readonly AttemptSpan[]): string[] {
  const byPhone = new Map<string, AttemptSpan[]>();
  for (const s of spans) byPhone.set(s.phone, [...(byPhone.get(s.phone) ?? []), s]);
  const problems: string[] = [];
  for (const [phone, list] of byPhone) {
    const sorted = [...list].sort((a, b) => a.startedAt - b.startedAt);
    for (let i = 1; i < sorted.length; i++) {
      const prev = sorted[i - 1]!;
      const end = prev.endedAt ?? Number.POSITIVE_INFINITY;
      if (sorted[i]!.startedAt < end)
        problems.push(`${phone}: an attempt started at ${sorted[i]!.startedAt} while one from ${prev.startedAt} ran`);
    }
  }
  return problems;
}

/** Numbers with more than `attempts` starts within some `hours`-long rolling window. */
export function capViolations(
  spans: readonly AttemptSpan[],
  caps: readonly { attempts: number; hours: number }[],
): string[] {
  const byPhone = new Map<string, number[]>();
  for (const s of spans) byPhone.set(s.phone, [...(byPhone.get(s.phone) ?? []), s.startedAt]);
  const problems: string[] = [];
  for (const [phone, starts] of byPhone) {
    starts.sort((a, b) => a - b);
    for (const c of caps) {
      // Any window holding attempts+1 starts has one starting at a start: check those.
      for (let i = 0; i + c.attempts < starts.length; i++) {
        if (starts[i + c.attempts]! - starts[i]! < c.hours * HOUR)
          problems.push(`${phone}: ${c.attempts + 1} attempts within ${c.hours} h from ${starts[i]}`);
      }
    }
  }
  return problems;
}
