import type { Kysely } from 'kysely';
import type { Database } from '../schema.js';

/** Small facts the service keeps about itself. */
export class KvRepo {
  constructor(private readonly db: Kysely<Database>) {}

  async get(key: string): Promise<string | undefined> {
    return (await this.db.selectFrom('kv').select('value').where('key', '=', key).executeTakeFirst())?.value;
  }

  /** Sets the key only if absent; true when this call set it (the first of concurrent starters wins). */
  async setIfAbsent(key: string, value: string): Promise<boolean> {
    const res = await this.db
      .insertInto('kv')
      .values({ key, value })
      .onConflict((oc) => oc.column('key').doNothing())
      .executeTakeFirst();
    return Number(res.numInsertedOrUpdatedRows ?? 0n) === 1;
  }

  async set(key: string, value: string): Promise<void> {
    await this.db
      .insertInto('kv')
      .values({ key, value })
      .onConflict((oc) => oc.column('key').doUpdateSet({ value }))
      .execute();
  }
}
