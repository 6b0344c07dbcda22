import type { Kysely } from 'kysely';
import type { SecretBox } from '../../shared/secret-box.js';
import type { Database } from '../schema.js';

/** Small facts the service keeps about itself, sealed at rest (the demo tenant holds a client secret). */
export class KvRepo {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly secrets: SecretBox,
  ) {}

  async get(key: string): Promise<string | undefined> {
    const row = await this.db.selectFrom('kv').select('value').where('key', '=', key).executeTakeFirst();
    return row ? this.secrets.open(row.value) : undefined;
  }

  /** Sets the key only if absent; true when this call set it (the first of concurrent starters wins). */
  async setIfAbsent(key: string, value: string): Promise<boolean> {
    const res = await this.db
      .insertInto('kv')
      .values({ key, value: this.secrets.seal(value) })
      .onConflict((oc) => oc.column('key').doNothing())
      .executeTakeFirst();
    return Number(res.numInsertedOrUpdatedRows ?? 0n) === 1;
  }

  async set(key: string, value: string): Promise<void> {
    const sealed = this.secrets.seal(value);
    await this.db
      .insertInto('kv')
      .values({ key, value: sealed })
      .onConflict((oc) => oc.column('key').doUpdateSet({ value: sealed }))
      .execute();
  }
}
