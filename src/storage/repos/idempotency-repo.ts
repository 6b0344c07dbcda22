import type { Kysely } from 'kysely';
import type { Database, IdempotencyKeyRow } from '../schema.js';

/** The stored answer of a completed request. */
export interface StoredAnswer {
  status: number;
  contentType: string | null;
  body: string;
}

/**
 * `Idempotency-Key`s of Kore mutations (migration 018). Every write names the claim's token, so a
 * process whose claim was taken over (stale or expired) changes nothing of the new holder's.
 */
export class IdempotencyRepo {
  constructor(private readonly db: Kysely<Database>) {}

  /** Claims the key; false when the account already has a row for it (another request holds or held it). */
  async insert(row: IdempotencyKeyRow): Promise<boolean> {
    const res = await this.db
      .insertInto('idempotency_keys')
      .values(row)
      .onConflict((oc) => oc.columns(['account_id', 'key']).doNothing())
      .executeTakeFirst();
    return Number(res.numInsertedOrUpdatedRows ?? 0n) === 1;
  }

  async find(accountId: string, key: string): Promise<IdempotencyKeyRow | undefined> {
    return this.db
      .selectFrom('idempotency_keys')
      .selectAll()
      .where('account_id', '=', accountId)
      .where('key', '=', key)
      .executeTakeFirst();
  }

  /** Replaces the row claimed as `oldToken` (expired, or running in a process that died) by a new claim. */
  async takeOver(oldToken: string, row: IdempotencyKeyRow): Promise<boolean> {
    const { account_id, key, ...rest } = row;
    const res = await this.db
      .updateTable('idempotency_keys')
      .set(rest)
      .where('account_id', '=', account_id)
      .where('key', '=', key)
      .where('token', '=', oldToken)
      .executeTakeFirst();
    return Number(res.numUpdatedRows) === 1;
  }

  /** Stores the answer of the claim `token`; false when the claim is no longer this one. */
  async complete(accountId: string, key: string, token: string, answer: StoredAnswer): Promise<boolean> {
    const res = await this.db
      .updateTable('idempotency_keys')
      .set({ state: 'done', status: answer.status, content_type: answer.contentType, body: answer.body })
      .where('account_id', '=', accountId)
      .where('key', '=', key)
      .where('token', '=', token)
      .where('state', '=', 'running')
      .executeTakeFirst();
    return Number(res.numUpdatedRows) === 1;
  }

  /** Forgets the claim `token`, so that a retry with the key runs again. */
  async release(accountId: string, key: string, token: string): Promise<void> {
    await this.db
      .deleteFrom('idempotency_keys')
      .where('account_id', '=', accountId)
      .where('key', '=', key)
      .where('token', '=', token)
      .where('state', '=', 'running')
      .execute();
  }

  /** Deletes every key expired at `now`; returns how many. */
  async purgeExpired(now: number): Promise<number> {
    const res = await this.db.deleteFrom('idempotency_keys').where('expires_at', '<=', now).executeTakeFirst();
    return Number(res.numDeletedRows);
  }
}
