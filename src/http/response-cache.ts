import { BoundedCache } from '../shared/bounded-cache.js';

/**
 * Serialised responses kept while the database is unchanged. An entry is valid only for the
 * change version (Db.changeVersion) read *before* the data it was built from, so any write after
 * that version — by this process at once, by another within the poll interval — retires it.
 * Only used where a change version exists (SQLite); on PostgreSQL every request reads.
 */
export class ResponseCache {
  private readonly entries: BoundedCache<string, { version: number; body: Buffer }>;

  constructor(maxEntries = 10_000) {
    this.entries = new BoundedCache(maxEntries);
  }

  get(key: string, version: number): Buffer | undefined {
    const e = this.entries.get(key);
    return e && e.version === version ? e.body : undefined;
  }

  set(key: string, version: number, body: Buffer): void {
    this.entries.set(key, { version, body });
  }
}
