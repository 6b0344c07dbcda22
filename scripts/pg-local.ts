/**
 * A private PostgreSQL for development and benchmarks, outliving this command:
 *
 *   export $(npx tsx scripts/pg-local.ts start)          # prints DATABASE_URL=postgres://...
 *   npx tsx scripts/pg-local.ts start --migrate           # ... with the schema migrated
 *   npx tsx scripts/pg-local.ts status | stop
 *
 * The server is the one the tests use (test/support/postgres-server.ts): trust auth, fsync off,
 * 127.0.0.1 only. Its state lives in .tmp/pg-local.json; `start` twice reuses the running server.
 * Everything human-readable goes to stderr so stdout stays machine-readable.
 */
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { openDb } from '../src/storage/db.js';
import { SecretBox } from '../src/shared/secret-box.js';
import { migrate } from '../src/storage/migrations/index.js';
import { databaseUrl, startPostgres, stopClusterSync, withAdminClient } from '../test/support/postgres-server.js';

interface State {
  baseDir: string;
  serverUrl: string;
  databaseUrl: string;
  version: string;
  startedAt: string;
}

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    state: { type: 'string', default: path.resolve(import.meta.dirname, '..', '.tmp', 'pg-local.json') },
    database: { type: 'string', default: 'campaignd' },
    port: { type: 'string' },
    migrate: { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h', default: false },
  },
});

const usage = `usage: tsx scripts/pg-local.ts start|stop|status [--database NAME] [--port N] [--migrate] [--state FILE]`;

function readState(): State | undefined {
  try {
    return JSON.parse(fs.readFileSync(values.state, 'utf8')) as State;
  } catch {
    return undefined;
  }
}

async function reachable(url: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2000 });
  try {
    await client.connect();
    await client.end();
    return true;
  } catch {
    return false;
  }
}

async function ensureDatabase(serverUrl: string, name: string): Promise<string> {
  await withAdminClient(serverUrl, async (c) => {
    const { rowCount } = await c.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (rowCount === 0) await c.query(`CREATE DATABASE "${name.replace(/"/g, '""')}"`);
  });
  const url = databaseUrl(serverUrl, name);
  if (values.migrate) {
    const db = openDb({ databaseUrl: url, poolSize: 1, secrets: SecretBox.ephemeral() });
    try {
      const applied = await migrate(db);
      console.error(`pg-local: migrations applied: ${applied.length ? applied.join(', ') : 'none (up to date)'}`);
    } finally {
      await db.close();
    }
  }
  return url;
}

async function start(): Promise<void> {
  let state = readState();
  if (state && !(await reachable(state.serverUrl))) {
    console.error(`pg-local: previous server ${state.serverUrl} is gone; starting a new one`);
    stopClusterSync(state.baseDir);
    state = undefined;
  }
  if (!state) {
    const server = await startPostgres({
      externalUrl: undefined,
      detached: true,
      ...(values.port ? { port: Number(values.port) } : {}),
    });
    state = {
      baseDir: server.baseDir ?? '',
      serverUrl: server.url,
      databaseUrl: '',
      version: server.version ?? 'unknown',
      startedAt: new Date().toISOString(),
    };
    console.error(`pg-local: started PostgreSQL ${state.version} in ${state.baseDir}`);
  } else {
    console.error(`pg-local: reusing PostgreSQL ${state.version} in ${state.baseDir}`);
  }
  state.databaseUrl = await ensureDatabase(state.serverUrl, values.database);
  fs.mkdirSync(path.dirname(values.state), { recursive: true });
  fs.writeFileSync(values.state, JSON.stringify(state, null, 2));
  console.log(`DATABASE_URL=${state.databaseUrl}`);
}

function stop(): void {
  const state = readState();
  if (!state) {
    console.error('pg-local: nothing to stop');
    return;
  }
  stopClusterSync(state.baseDir);
  fs.rmSync(values.state, { force: true });
  console.error(`pg-local: stopped and removed ${state.baseDir}`);
}

async function status(): Promise<void> {
  const state = readState();
  if (state && (await reachable(state.serverUrl))) {
    console.error(`pg-local: running, PostgreSQL ${state.version} in ${state.baseDir} since ${state.startedAt}`);
    console.log(`DATABASE_URL=${state.databaseUrl}`);
    return;
  }
  console.error('pg-local: not running');
  process.exitCode = 1;
}

const command = positionals[0];
if (values.help || positionals.length !== 1) {
  console.error(usage);
  process.exitCode = values.help ? 0 : 2;
} else if (command === 'start') {
  await start();
} else if (command === 'stop') {
  stop();
} else if (command === 'status') {
  await status();
} else {
  console.error(usage);
  process.exitCode = 2;
}
