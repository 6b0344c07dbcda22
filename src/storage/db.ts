import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import { Kysely, PostgresDialect, sql } from 'kysely';
import type pg from 'pg';
import { sqliteChangeVersion } from './change-version.js';
import type { SecretBox } from '../shared/secret-box.js';
import type { Database } from './schema.js';
import { CampaigndSqliteDialect } from './sqlite-dialect.js';

export type DialectName = 'sqlite' | 'postgres';

/** A Kysely handle plus the facts about it that dialect-specific code needs. */
export interface Db {
  readonly kysely: Kysely<Database>;
  readonly dialect: DialectName;
  /** The raw better-sqlite3 handle (SQLite only), for prepared statements on hot paths. */
  readonly sqlite?: SqliteDatabase.Database;
  /** The raw pg pool (PostgreSQL only). */
  readonly pool?: pg.Pool;
  /**
   * SQLite only: a number that changes whenever the database may have changed (see
   * change-version.ts); `undefined` when unknown. PostgreSQL has no cheap equivalent (other
   * servers write the same database), so callers must not cache there.
   */
  readonly changeVersion?: () => number | undefined;
  /** Seals and opens the secrets stored in this database (shared/secret-box.ts). */
  readonly secrets: SecretBox;
  /** Resolves when the database answers a trivial query (readiness). */
  ping(): Promise<void>;
  close(): Promise<void>;
}

/**
 * The pg driver, loaded on first use: a SQLite deployment (and every CLI command on it) does not
 * pay the ~70 ms it takes to load.
 */
let driver: typeof pg | undefined;
function pgDriver(): typeof pg {
  if (!driver) {
    driver = createRequire(import.meta.url)('pg') as typeof pg;
    // int8 (COUNT(*), bigint epoch ms) arrives as a string by default; every value we store fits a double.
    driver.types.setTypeParser(20, (v) => Number(v));
  }
  return driver;
}

async function ping(kysely: Kysely<Database>): Promise<void> {
  await sql`select 1`.execute(kysely);
}

export interface OpenDbOptions {
  /** The key(s) secrets at rest are sealed with (start/secret-key.ts reads them from the configuration). */
  secrets: SecretBox;
  databaseUrl?: string | undefined;
  /** Directory for `campaignd.sqlite` when databaseUrl is unset. */
  dataDir?: string;
  /** Explicit SQLite file (tests); `:memory:` allowed. */
  sqliteFile?: string;
  poolSize?: number;
  /**
   * PostgreSQL: a query with no answer after this many ms fails (the driver gives up even when the
   * server is frozen and cannot enforce its own statement_timeout, which is set to the same). Default: none.
   */
  queryTimeoutMs?: number;
  /** PostgreSQL: how long to wait for a connection. Default: as long as it takes. */
  connectTimeoutMs?: number;
}

/** A transaction left open this long by a client that went quiet is ended by the server, releasing its locks. */
const IDLE_IN_TRANSACTION_MS = 60_000;

export function openDb(opts: OpenDbOptions): Db {
  if (opts.databaseUrl) {
    const timeouts = opts.queryTimeoutMs
      ? { query_timeout: opts.queryTimeoutMs, statement_timeout: opts.queryTimeoutMs }
      : {};
    const pool = new (pgDriver().Pool)({
      connectionString: opts.databaseUrl,
      max: opts.poolSize ?? 10,
      ...timeouts,
      ...(opts.connectTimeoutMs ? { connectionTimeoutMillis: opts.connectTimeoutMs } : {}),
      idle_in_transaction_session_timeout: IDLE_IN_TRANSACTION_MS,
      // Dead peers (a server gone without a FIN) are noticed by TCP instead of never.
      keepAlive: true,
    });
    // A dropped connection must not crash the process: an idle one is the pool's 'error', one in
    // use emits on its client, which has no listener while checked out (the query in progress gets
    // the error, and the pool discards the client when it is released).
    pool.on('error', () => {});
    pool.on('connect', (client) => client.on('error', () => {}));
    const kysely = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
    return {
      kysely,
      dialect: 'postgres',
      pool,
      secrets: opts.secrets,
      ping: () => ping(kysely),
      close: () => kysely.destroy(),
    };
  }
  const file = opts.sqliteFile ?? path.join(opts.dataDir ?? './data', 'campaignd.sqlite');
  if (file !== ':memory:') fs.mkdirSync(path.dirname(file), { recursive: true });
  const sqlite = new SqliteDatabase(file);
  // WAL lets the CLI and the server use the file at the same time; busy_timeout makes a writer
  // wait for the other instead of failing with SQLITE_BUSY.
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('busy_timeout = 5000');
  sqlite.pragma('synchronous = NORMAL');
  sqlite.pragma('foreign_keys = ON');
  // Checkpoint after 64 MiB of WAL instead of SQLite's default 4 MiB. Each checkpoint syncs the
  // database file, and an import batch writes a few MiB, so the default synced after almost every
  // batch: a quarter of a million-row import's time on this benchmark's disk. journal_size_limit
  // truncates the WAL file back to that size after a checkpoint.
  sqlite.pragma('wal_autocheckpoint = 16384');
  sqlite.pragma('journal_size_limit = 67108864');
  // Kysely's SQLite driver with a FIFO connection lock and a statement cache (see sqlite-dialect.ts).
  const kysely = new Kysely<Database>({ dialect: new CampaigndSqliteDialect(sqlite) });
  return {
    kysely,
    dialect: 'sqlite',
    sqlite,
    changeVersion: sqliteChangeVersion(sqlite),
    secrets: opts.secrets,
    ping: () => ping(kysely),
    close: () => kysely.destroy(),
  };
}
