/**
 * A fresh, migrated database per test file, on either dialect:
 *
 *   describe.each(DIALECTS)('%s', (dialect) => {
 *     const db = useTestDb(dialect);
 *     it('...', async () => { await db().kysely.selectFrom('accounts').selectAll().execute(); });
 *   });
 *
 * SQLite: a new file in a temp directory, migrated with migrate(). PostgreSQL: a new database
 * cloned from the run's migrated template (see global-setup.ts), so no migration runs per file.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { afterAll, afterEach, beforeAll, inject } from 'vitest';
import { SecretBox } from '../../src/shared/secret-box.js';
import { openDb } from '../../src/storage/db.js';
import type { Db, DialectName } from '../../src/storage/db.js';
import { migrate } from '../../src/storage/migrations/index.js';
import { createDatabase, dropDatabase } from './postgres-server.js';

export type { DialectName };

/** Every dialect an integration test must pass on. */
export const DIALECTS: DialectName[] = ['sqlite', 'postgres'];

export interface TestDb extends Db {
  /** The secrets key this database's handle seals with (base64): a child process opening it needs it as SECRETS_KEY. */
  readonly secretsKey: string;
  /** PostgreSQL: URL of this test's database. */
  readonly url?: string;
  /** SQLite: path of this test's database file. */
  readonly file?: string;
  /** Closes the handle (if still open) and drops the database / deletes the file. Idempotent. */
  dispose(): Promise<void>;
}

export interface CreateTestDbOptions {
  /** Default `true`. `false` gives an empty database (for testing migrations themselves). */
  migrated?: boolean;
  /** PostgreSQL pool size. Default: openDb's default. */
  poolSize?: number;
}

/** `close()` may be called by the code under test and again by dispose(); only the first counts. */
function once(fn: () => Promise<void>): () => Promise<void> {
  let p: Promise<void> | undefined;
  return () => (p ??= fn());
}

export async function createTestDb(dialect: DialectName, opts: CreateTestDbOptions = {}): Promise<TestDb> {
  const migrated = opts.migrated ?? true;
  const secretsKey = crypto.randomBytes(32).toString('base64');
  const secrets = new SecretBox(Buffer.from(secretsKey, 'base64'));
  if (dialect === 'sqlite') {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'campaignd-test-'));
    const file = path.join(dir, 'test.sqlite');
    const db = openDb({ sqliteFile: file, secrets });
    const close = once(() => db.close());
    try {
      if (migrated) await migrate(db);
    } catch (err) {
      await close();
      fs.rmSync(dir, { recursive: true, force: true });
      throw err;
    }
    const dispose = once(async () => {
      await close();
      fs.rmSync(dir, { recursive: true, force: true });
    });
    return { ...db, close, file, dispose, secretsKey };
  }

  const serverUrl = inject('pgUrl');
  const template = inject('pgTemplate');
  const name = `test_${crypto.randomBytes(6).toString('hex')}`;
  // template0 is the pristine empty database; the default (template1) could carry local additions.
  const url = await createDatabase(serverUrl, name, migrated ? template : 'template0');
  const db = openDb({ databaseUrl: url, secrets, ...(opts.poolSize !== undefined ? { poolSize: opts.poolSize } : {}) });
  const close = once(() => db.close());
  const dispose = once(async () => {
    await close();
    await dropDatabase(serverUrl, name);
  });
  return { ...db, close, url, dispose, secretsKey };
}

/**
 * Registers beforeAll/afterAll hooks in the current suite that create and dispose a test database;
 * returns a getter usable inside tests and hooks.
 */
export function useTestDb(dialect: DialectName, opts: CreateTestDbOptions = {}): () => TestDb {
  let db: TestDb | undefined;
  beforeAll(async () => {
    db = await createTestDb(dialect, opts);
  });
  afterAll(async () => {
    await db?.dispose();
    db = undefined;
  });
  return () => {
    if (!db) throw new Error('useTestDb(): the database exists only inside tests and hooks of this suite');
    return db;
  };
}

/** Every stored row of a list, visible or not (an import's rows beyond visible_seq too), in list order. */
export function storedContacts(db: Pick<Db, 'kysely'>, listId: string) {
  return db.kysely
    .selectFrom('contacts')
    .innerJoin('contact_lists', 'contact_lists.list_no', 'contacts.list_no')
    .select(['contacts.seq', 'contacts.phone_e164'])
    .where('contact_lists.id', '=', listId)
    .orderBy('contacts.seq')
    .execute();
}

/** What useDbAtMigration gives: the database, and `run` for raw SQL written for that schema. */
export interface DbAtMigration {
  db: TestDb;
  run(query: string): Promise<unknown>;
}

/**
 * For tests of a migration's data handling: `at(step)` is a fresh database migrated up to and
 * including `step`, holding account 'acc' and its bot 'bot' (created at `now`), disposed after
 * the test. Rows are written with raw SQL, as that schema had them.
 */
export function useDbAtMigration(dialect: DialectName, now: string): (step: string) => Promise<DbAtMigration> {
  let current: TestDb | undefined;
  afterEach(async () => {
    await current?.dispose();
    current = undefined;
  });
  return async (step) => {
    const db = (current = await createTestDb(dialect, { migrated: false }));
    await migrate(db, step);
    const run = (query: string) => sql.raw(query).execute(db.kysely);
    await run(`INSERT INTO accounts (id, name, created_at) VALUES ('acc', 'Acc', '${now}')`);
    await run(`INSERT INTO bots (id, account_id, name, created_at) VALUES ('bot', 'acc', 'Bot', '${now}')`);
    return { db, run };
  };
}
