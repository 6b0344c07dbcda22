import type { Database as SqliteDatabase, Statement } from 'better-sqlite3';
import { BoundedCache } from '../shared/bounded-cache.js';
import { CompiledQuery, SqliteDialect, type DatabaseConnection, type Driver, type QueryResult } from 'kysely';

/**
 * Kysely's SQLite dialect with two changes to its driver, both found by `npm run bench -- engine`:
 *
 * - A FIFO lock for the single connection. Kysely's own mutex makes every waiter await one shared
 *   promise and re-check on release, so n queries queued at once (the engine dispatching a tick's
 *   claims, or a burst of outcomes, with Promise.all) cost O(n²) wake-ups; at 5,000 queued
 *   queries that was most of the CPU. Here a release wakes exactly the next waiter.
 * - Prepared statements are cached by SQL text (bounded, least recently used out), instead of
 *   being prepared again on every execution.
 *
 * Everything else (one connection, begin/commit/rollback, savepoints, adapter, compiler,
 * introspector) is Kysely's SqliteDialect unchanged.
 */
export class CampaigndSqliteDialect extends SqliteDialect {
  constructor(private readonly database: SqliteDatabase) {
    super({ database });
  }

  override createDriver(): Driver {
    return new FifoSqliteDriver(this.database);
  }
}

/** Statements kept prepared; Kysely's queries are few distinct texts, `in (...)` lists add some. */
const STATEMENT_CACHE_SIZE = 500;

class FifoLock {
  private held = false;
  private waiters: (() => void)[] = [];
  private head = 0;

  acquire(): Promise<void> {
    if (!this.held) {
      this.held = true;
      return Promise.resolve();
    }
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /** Hands the lock straight to the next waiter (it stays held), or frees it. */
  release(): void {
    if (this.head < this.waiters.length) {
      const next = this.waiters[this.head]!;
      this.head++;
      // Drop the consumed prefix now and then instead of shift()ing on every release.
      if (this.head > 1024 && this.head * 2 > this.waiters.length) {
        this.waiters = this.waiters.slice(this.head);
        this.head = 0;
      }
      next();
    } else {
      this.waiters = [];
      this.head = 0;
      this.held = false;
    }
  }
}

class CachedStatementConnection implements DatabaseConnection {
  private readonly statements = new BoundedCache<string, Statement>(STATEMENT_CACHE_SIZE);

  constructor(private readonly db: SqliteDatabase) {}

  private prepare(text: string): Statement {
    let stmt = this.statements.get(text);
    if (!stmt) this.statements.set(text, (stmt = this.db.prepare(text)));
    return stmt;
  }

  executeQuery<R>(q: CompiledQuery): Promise<QueryResult<R>> {
    const stmt = this.prepare(q.sql);
    if (stmt.reader) return Promise.resolve({ rows: stmt.all(q.parameters) as R[] });
    const { changes, lastInsertRowid } = stmt.run(q.parameters);
    return Promise.resolve({
      numAffectedRows: changes !== undefined && changes !== null ? BigInt(changes) : undefined,
      insertId: lastInsertRowid !== undefined && lastInsertRowid !== null ? BigInt(lastInsertRowid) : undefined,
      rows: [],
    });
  }

  async *streamQuery<R>(q: CompiledQuery): AsyncIterableIterator<QueryResult<R>> {
    // A statement being iterated is busy; a private one keeps the cached copy usable meanwhile.
    const stmt = this.db.prepare(q.sql);
    if (!stmt.reader) throw new Error('Sqlite driver only supports streaming of select queries');
    for (const row of stmt.iterate(q.parameters)) yield { rows: [row as R] };
  }
}

class FifoSqliteDriver implements Driver {
  private readonly lock = new FifoLock();
  private readonly connection: CachedStatementConnection;

  constructor(private readonly db: SqliteDatabase) {
    this.connection = new CachedStatementConnection(db);
  }

  async init(): Promise<void> {}

  async acquireConnection(): Promise<DatabaseConnection> {
    await this.lock.acquire();
    return this.connection;
  }

  async beginTransaction(c: DatabaseConnection): Promise<void> {
    await c.executeQuery(CompiledQuery.raw('begin'));
  }

  async commitTransaction(c: DatabaseConnection): Promise<void> {
    await c.executeQuery(CompiledQuery.raw('commit'));
  }

  async rollbackTransaction(c: DatabaseConnection): Promise<void> {
    // Some failures (a full disk, an I/O error) make SQLite roll the transaction back itself; a
    // ROLLBACK then fails with "cannot rollback - no transaction is active", and that error would
    // reach the caller instead of the one that matters.
    if (!this.db.inTransaction) return;
    await c.executeQuery(CompiledQuery.raw('rollback'));
  }

  async savepoint(c: DatabaseConnection, name: string): Promise<void> {
    await c.executeQuery(CompiledQuery.raw(`savepoint ${quoteIdent(name)}`));
  }

  async rollbackToSavepoint(c: DatabaseConnection, name: string): Promise<void> {
    await c.executeQuery(CompiledQuery.raw(`rollback to ${quoteIdent(name)}`));
  }

  async releaseSavepoint(c: DatabaseConnection, name: string): Promise<void> {
    await c.executeQuery(CompiledQuery.raw(`release ${quoteIdent(name)}`));
  }

  async releaseConnection(): Promise<void> {
    this.lock.release();
  }

  async destroy(): Promise<void> {
    this.db.close();
  }
}

const quoteIdent = (name: string): string => `"${name.replace(/"/g, '""')}"`;
