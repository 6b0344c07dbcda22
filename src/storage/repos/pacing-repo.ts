import { sql, type Kysely } from 'kysely';
import type { Db } from '../db.js';
import { beginWrite } from '../dialect.js';
import type { Database } from '../schema.js';

const HOUR_MS = 3_600_000;

/** The start of the hour `at` falls in: the key of a `pacing_windows` row. */
export const hourOf = (at: number): number => Math.floor(at / HOUR_MS) * HOUR_MS;

/**
 * What Predictive pacing keeps per campaign (migration 021): its measurements (JSON, read and
 * rewritten under the row's lock so two processes never lose each other's samples), its hourly
 * answer and abandon counts, and the account's numbers barred from agent calls.
 */
export class PacingRepo {
  private readonly k: Kysely<Database>;
  constructor(private readonly db: Db) {
    this.k = db.kysely;
  }

  async measurements(campaignId: string): Promise<string | undefined> {
    const row = await this.k
      .selectFrom('pacing_measurements')
      .select('data')
      .where('campaign_id', '=', campaignId)
      .executeTakeFirst();
    return row?.data;
  }

  /**
   * Rewrites a campaign's measurements: `change` gets the stored JSON (undefined: none yet) and
   * returns the new JSON, or undefined to leave the row as it is (and not create one).
   */
  updateMeasurements(
    campaignId: string,
    at: number,
    change: (data: string | undefined) => string | undefined,
  ): Promise<void> {
    return this.k.transaction().execute(async (trx) => {
      await beginWrite(this.db.dialect, trx);
      let read = trx.selectFrom('pacing_measurements').select('data').where('campaign_id', '=', campaignId);
      if (this.db.dialect === 'postgres') read = read.forUpdate();
      const row = await read.executeTakeFirst();
      const data = change(row?.data);
      if (data === undefined) return;
      if (row)
        await trx
          .updateTable('pacing_measurements')
          .set({ data, updated_at: at })
          .where('campaign_id', '=', campaignId)
          .execute();
      else
        await trx
          .insertInto('pacing_measurements')
          .values({ campaign_id: campaignId, data, updated_at: at })
          .onConflict((oc) => oc.column('campaign_id').doUpdateSet({ data, updated_at: at }))
          .execute();
    });
  }

  /** Abandons and live answers of the campaign since `since` (whole hours: the hour holding `since` counts). */
  async window(campaignId: string, since: number): Promise<{ abandoned: number; answered: number }> {
    const row = await this.k
      .selectFrom('pacing_windows')
      .select((eb) => [eb.fn.sum<number>('abandoned').as('abandoned'), eb.fn.sum<number>('answered').as('answered')])
      .where('campaign_id', '=', campaignId)
      .where('hour', '>=', hourOf(since))
      .executeTakeFirst();
    return { abandoned: Number(row?.abandoned ?? 0), answered: Number(row?.answered ?? 0) };
  }

  /** Hours older than `before` are of no window any more, and lockouts that ended by `now` hold nothing. */
  async prune(before: number, now: number): Promise<number> {
    const hours = await this.k.deleteFrom('pacing_windows').where('hour', '<', hourOf(before)).executeTakeFirst();
    const locks = await this.k.deleteFrom('agent_call_lockouts').where('until', '<=', now).executeTakeFirst();
    return Number(hours.numDeletedRows) + Number(locks.numDeletedRows);
  }

  /** The latest lockout of each of these numbers that ends after `now`. */
  async lockouts(accountId: string, phones: readonly string[], now: number): Promise<Map<string, number>> {
    const out = new Map<string, number>();
    if (phones.length === 0) return out;
    const rows = await this.k
      .selectFrom('agent_call_lockouts')
      .select(['phone_e164', 'until'])
      .where('account_id', '=', accountId)
      .where('phone_e164', 'in', phones)
      .where('until', '>', now)
      .execute();
    for (const r of rows) out.set(r.phone_e164, Number(r.until));
    return out;
  }
}

/**
 * In an outcome's transaction: a live answer (and, if it was abandoned, an abandon) counted in its
 * hour, and an abandoned number barred from agent calls until `lockUntil`.
 */
export async function countAnswer(
  trx: Kysely<Database>,
  a: { campaignId: string; at: number; abandoned: boolean; lock?: { accountId: string; phone: string; until: number } },
): Promise<void> {
  const ab = a.abandoned ? 1 : 0;
  await trx
    .insertInto('pacing_windows')
    .values({ campaign_id: a.campaignId, hour: hourOf(a.at), answered: 1, abandoned: ab })
    .onConflict((oc) =>
      oc.columns(['campaign_id', 'hour']).doUpdateSet({
        answered: sql`pacing_windows.answered + 1`,
        abandoned: sql`pacing_windows.abandoned + ${ab}`,
      }),
    )
    .execute();
  if (!a.lock) return;
  const { accountId, phone, until } = a.lock;
  await trx
    .insertInto('agent_call_lockouts')
    .values({ account_id: accountId, phone_e164: phone, until })
    .onConflict((oc) =>
      oc.columns(['account_id', 'phone_e164']).doUpdateSet({
        until: sql`case when agent_call_lockouts.until > ${until} then agent_call_lockouts.until else ${until} end`,
      }),
    )
    .execute();
}
