import type SqliteDatabase from 'better-sqlite3';

/**
 * How often another process's commits are looked for. `PRAGMA data_version` needs a read
 * transaction, whose shared-memory locks cost as much as the read it would save, so it is sampled
 * rather than asked on every call: a write by another process (a `campaignd worker` on the same
 * SQLite file) is seen within this many milliseconds; this process's own writes at once.
 */
export const EXTERNAL_POLL_MS = 100;

/**
 * A number that changes whenever the SQLite database may have changed, cheap enough to ask on
 * every request (a `total_changes()` call, no table access, no lock). Response caches keyed by it
 * never serve a row this process has since written. `undefined` while a transaction is open on
 * the connection: reads then may see uncommitted rows, which must not be cached.
 */
export function sqliteChangeVersion(
  sqlite: SqliteDatabase.Database,
  now: () => number = () => performance.now(),
): () => number | undefined {
  const totalChanges = sqlite.prepare('SELECT total_changes()').pluck();
  const dataVersion = sqlite.prepare('PRAGMA data_version').pluck();
  let local = -1;
  let external = -1;
  let externalCheckedAt = -Infinity;
  let version = 0;
  return () => {
    if (sqlite.inTransaction) return undefined;
    const changes = totalChanges.get() as number;
    if (changes !== local) {
      local = changes;
      version++;
    }
    const t = now();
    if (t - externalCheckedAt >= EXTERNAL_POLL_MS) {
      externalCheckedAt = t;
      const dv = dataVersion.get() as number;
      if (dv !== external) {
        external = dv;
        version++;
      }
    }
    return version;
  };
}
