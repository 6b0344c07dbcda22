/**
 * Serialised responses kept while the database is unchanged. An entry is valid only for the
 * change version (Db.changeVersion) read *before* the data it was built from, so any write after
 * that version — by this process at once, by another within the poll interval — retires it.
 * Only used where a change version exists (SQLite); on PostgreSQL every request reads.
 */
export class ResponseCache {
  private readonly entries = new Map<string, { version: number; body: Buffer }>();

  constructor(private readonly maxEntries = 10_000) {}

  get(key: string, version: number): Buffer | undefined {
    const e = this.entries.get(key);
    return e && e.version === version ? e.body : undefined;
  }

  set(key: string, version: number, body: Buffer): void {
    // Simple and bounded: a full cache starts over rather than tracking recency per hit.
    if (this.entries.size >= this.maxEntries && !this.entries.has(key)) this.entries.clear();
    this.entries.set(key, { version, body });
  }
}
