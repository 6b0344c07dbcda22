/**
 * A private, throwaway PostgreSQL cluster for tests, benchmarks and local development.
 *
 * `startPostgres()` runs `initdb` into a fresh temp directory and starts the server on a free port
 * of 127.0.0.1 with durability switched off (fsync, synchronous_commit, full_page_writes): nothing
 * here outlives the run, so only speed matters. PostgreSQL refuses to run as root, so when we are
 * root every server binary runs as the `postgres` system user through `runuser`.
 *
 * A cluster is never left behind silently: `stop()` shuts it down and deletes the directory, an
 * `exit` handler does the same if the owner forgets, a detached watchdog does it if the owner is
 * killed outright, and every start sweeps clusters whose owner process has died.
 *
 * With TEST_DATABASE_URL set, nothing is started and that server is used instead.
 */
import { execFile, execFileSync, spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';

const execFileAsync = promisify(execFile);

/** Prefix of every cluster directory; the sweep only ever touches directories with this prefix. */
const DIR_PREFIX = 'campaignd-pg-';
const PREFERRED_MAJOR = 15;

export interface PostgresServer {
  /** Superuser URL of the `postgres` database, e.g. `postgres://postgres@127.0.0.1:54321/postgres`. */
  readonly url: string;
  /** True when TEST_DATABASE_URL (or `externalUrl`) was used and nothing was started. */
  readonly external: boolean;
  /** Directory holding `data/`, the socket directory and `postgres.log` (own clusters only). */
  readonly baseDir?: string;
  readonly port?: number;
  /** e.g. `15.18` (own clusters only). */
  readonly version?: string;
  /** Shuts the cluster down (`pg_ctl stop -m immediate`) and removes its directory. Idempotent. */
  stop(): Promise<void>;
}

export interface StartPostgresOptions {
  /** Use this server instead of starting one. Default: `process.env.TEST_DATABASE_URL`. */
  externalUrl?: string | undefined;
  /**
   * Keep the cluster running after this process exits (scripts/pg-local.ts). Default `false`:
   * the cluster is stopped when the process that started it exits or dies.
   */
  detached?: boolean;
  /** Where the cluster directory is created. Default `os.tmpdir()`. */
  parentDir?: string;
  /** Port to listen on. Default: a free port chosen by the OS. */
  port?: number;
}

/** Thrown when no PostgreSQL server binaries can be found; its message says how to install them. */
export class PostgresNotFoundError extends Error {
  override name = 'PostgresNotFoundError';
}

interface OwnerInfo {
  pid: number;
  detached: boolean;
  createdAt: string;
}

// ---------------------------------------------------------------------------------------------
// Locating binaries and the user to run them as

function hasInitdb(dir: string | undefined): dir is string {
  return !!dir && fs.existsSync(path.join(dir, 'initdb')) && fs.existsSync(path.join(dir, 'pg_ctl'));
}

function tryExec(cmd: string, args: string[]): string | undefined {
  try {
    return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return undefined;
  }
}

/**
 * The directory holding `initdb` and `pg_ctl`: `$PG_BINDIR`, then `/usr/lib/postgresql/15/bin`,
 * then the newest other `/usr/lib/postgresql/N/bin`, then `dpkg -L postgresql-15`, then
 * `pg_config --bindir`, then `$PATH`.
 */
export function findPostgresBinDir(): string {
  const candidates: (string | undefined)[] = [process.env.PG_BINDIR];
  const root = '/usr/lib/postgresql';
  if (fs.existsSync(root)) {
    const majors = fs
      .readdirSync(root)
      .filter((d) => /^\d+$/.test(d))
      .map(Number)
      .sort((a, b) => (a === PREFERRED_MAJOR ? -1 : b === PREFERRED_MAJOR ? 1 : b - a));
    for (const m of majors) candidates.push(path.join(root, String(m), 'bin'));
  }
  const dpkgInitdb = tryExec('dpkg', ['-L', `postgresql-${PREFERRED_MAJOR}`])
    ?.split('\n')
    .find((l) => l.endsWith('/bin/initdb'));
  if (dpkgInitdb) candidates.push(path.dirname(dpkgInitdb));
  candidates.push(tryExec('pg_config', ['--bindir']));
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) candidates.push(dir || undefined);

  const found = candidates.find(hasInitdb);
  if (found) return found;
  const ci = process.env.CI === 'true' || process.env.CI === '1';
  throw new PostgresNotFoundError(
    [
      `PostgreSQL server binaries (initdb, pg_ctl) not found${ci ? ' and CI=true: PostgreSQL tests may not be skipped' : ''}.`,
      'Tests run on SQLite and PostgreSQL; PostgreSQL is not optional. Install it with:',
      `  sudo apt-get install -y postgresql-${PREFERRED_MAJOR}`,
      'or point PG_BINDIR at a directory holding initdb and pg_ctl,',
      'or set TEST_DATABASE_URL to a superuser URL of a server you already run.',
    ].join('\n'),
  );
}

function isRoot(): boolean {
  return process.getuid?.() === 0;
}

/** As root, make sure the `postgres` system user exists (the Debian package creates it). */
function ensurePostgresUser(): { uid: number; gid: number } {
  const read = () => {
    const uid = tryExec('id', ['-u', 'postgres']);
    const gid = tryExec('id', ['-g', 'postgres']);
    return uid && gid ? { uid: Number(uid), gid: Number(gid) } : undefined;
  };
  const existing = read();
  if (existing) return existing;
  execFileSync(
    'useradd',
    [
      '--system',
      '--user-group',
      '--no-create-home',
      '--home-dir',
      '/nonexistent',
      '--shell',
      '/usr/sbin/nologin',
      'postgres',
    ],
    {
      stdio: 'inherit',
    },
  );
  const created = read();
  if (!created) throw new Error('could not create the `postgres` system user');
  return created;
}

/** argv that runs a server binary, as `postgres` when we are root. */
function asServerUser(binDir: string, bin: string, args: string[]): [string, string[]] {
  const exe = path.join(binDir, bin);
  return isRoot() ? ['runuser', ['-u', 'postgres', '--', exe, ...args]] : [exe, args];
}

async function run(binDir: string, bin: string, args: string[], cwd: string): Promise<string> {
  const [cmd, argv] = asServerUser(binDir, bin, args);
  try {
    const { stdout, stderr } = await execFileAsync(cmd, argv, { cwd, encoding: 'utf8', timeout: 120_000 });
    return stdout + stderr;
  } catch (err) {
    const e = err as Error & { stdout?: string; stderr?: string };
    throw new Error(`${bin} ${args.join(' ')} failed: ${e.message}\n${e.stdout ?? ''}${e.stderr ?? ''}`);
  }
}

// ---------------------------------------------------------------------------------------------
// Stopping and sweeping

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function postmasterPid(dataDir: string): number | undefined {
  try {
    const first = fs.readFileSync(path.join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0];
    const pid = Number(first);
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Synchronously stops the cluster in `baseDir` (if it runs) and deletes the directory. Safe to call
 * from an `exit` handler, twice, or on a cluster that is already gone.
 */
export function stopClusterSync(baseDir: string, binDir?: string): void {
  const dataDir = path.join(baseDir, 'data');
  const pid = postmasterPid(dataDir);
  if (pid !== undefined && pidAlive(pid)) {
    let dir = binDir;
    try {
      dir ??= findPostgresBinDir();
    } catch {
      dir = undefined;
    }
    if (dir) {
      const [cmd, argv] = asServerUser(dir, 'pg_ctl', ['stop', '-D', dataDir, '-m', 'immediate', '-w', '-t', '30']);
      spawnSync(cmd, argv, { cwd: baseDir, stdio: 'ignore', timeout: 40_000 });
    }
    // pg_ctl may be missing or have failed; the postmaster must not survive us either way.
    if (pidAlive(pid)) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        /* already gone */
      }
    }
  }
  fs.rmSync(baseDir, { recursive: true, force: true });
}

function readOwner(baseDir: string): OwnerInfo | undefined {
  try {
    return JSON.parse(fs.readFileSync(path.join(baseDir, 'owner.json'), 'utf8')) as OwnerInfo;
  } catch {
    return undefined;
  }
}

/** Stops and removes clusters under `parentDir` whose (non-detached) owner process has died. */
export function sweepStaleClusters(parentDir = os.tmpdir()): string[] {
  const swept: string[] = [];
  let entries: string[];
  try {
    entries = fs.readdirSync(parentDir).filter((e) => e.startsWith(DIR_PREFIX));
  } catch {
    return swept;
  }
  for (const entry of entries) {
    const baseDir = path.join(parentDir, entry);
    const owner = readOwner(baseDir);
    if (owner) {
      if (owner.detached || pidAlive(owner.pid)) continue;
    } else {
      // No owner file: a start that crashed half-way, or one still being set up. Leave young ones.
      try {
        if (Date.now() - fs.statSync(baseDir).mtimeMs < 10 * 60_000) continue;
      } catch {
        continue;
      }
    }
    try {
      stopClusterSync(baseDir);
      swept.push(baseDir);
    } catch {
      /* another sweeper got there first */
    }
  }
  return swept;
}

/**
 * A detached process that stops the cluster when `ownerPid` dies without cleaning up (SIGKILL,
 * a crash, Ctrl-C of a process group the postmaster is not in), and exits once the cluster is gone.
 */
function spawnWatchdog(ownerPid: number, baseDir: string, binDir: string): void {
  const script = `
const fs = require('node:fs'), path = require('node:path'), cp = require('node:child_process');
const [owner, base, bin, root] = process.argv.slice(1);
const data = path.join(base, 'data');
const alive = (pid) => { try { process.kill(pid, 0); return true; } catch (e) { return e.code === 'EPERM'; } };
const timer = setInterval(() => {
  if (!fs.existsSync(base)) { clearInterval(timer); return; }
  if (alive(Number(owner))) return;
  clearInterval(timer);
  if (fs.existsSync(path.join(data, 'postmaster.pid'))) {
    const exe = path.join(bin, 'pg_ctl');
    const args = ['stop', '-D', data, '-m', 'immediate', '-w', '-t', '30'];
    if (root === '1') cp.spawnSync('runuser', ['-u', 'postgres', '--', exe, ...args], { cwd: '/', stdio: 'ignore' });
    else cp.spawnSync(exe, args, { cwd: '/', stdio: 'ignore' });
  }
  fs.rmSync(base, { recursive: true, force: true });
}, 500);
`;
  const child = spawn(process.execPath, ['-e', script, String(ownerPid), baseDir, binDir, isRoot() ? '1' : '0'], {
    detached: true,
    stdio: 'ignore',
    cwd: '/',
  });
  child.unref();
}

// ---------------------------------------------------------------------------------------------
// Starting

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => (addr && typeof addr === 'object' ? resolve(addr.port) : reject(new Error('no port'))));
    });
  });
}

/** `url` with its database replaced by `database`. */
export function databaseUrl(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${encodeURIComponent(database)}`;
  return u.toString();
}

/** Starts a private cluster, or wraps TEST_DATABASE_URL when set. See the module comment. */
export async function startPostgres(opts: StartPostgresOptions = {}): Promise<PostgresServer> {
  const externalUrl = 'externalUrl' in opts ? opts.externalUrl : process.env.TEST_DATABASE_URL;
  if (externalUrl) {
    return { url: externalUrl, external: true, stop: async () => {} };
  }

  const binDir = findPostgresBinDir();
  const parentDir = opts.parentDir ?? os.tmpdir();
  fs.mkdirSync(parentDir, { recursive: true });
  sweepStaleClusters(parentDir);

  const baseDir = fs.mkdtempSync(path.join(parentDir, DIR_PREFIX));
  const dataDir = path.join(baseDir, 'data');
  const sockDir = path.join(baseDir, 'sock');
  const logFile = path.join(baseDir, 'postgres.log');
  const owner: OwnerInfo = { pid: process.pid, detached: !!opts.detached, createdAt: new Date().toISOString() };
  fs.writeFileSync(path.join(baseDir, 'owner.json'), JSON.stringify(owner));
  fs.mkdirSync(sockDir);

  let stopped = false;
  const onExit = () => {
    if (!stopped) stopClusterSync(baseDir, binDir);
  };
  if (!opts.detached) {
    process.on('exit', onExit);
    spawnWatchdog(process.pid, baseDir, binDir);
  }
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    process.off('exit', onExit);
    stopClusterSync(baseDir, binDir);
  };

  try {
    if (isRoot()) {
      const { uid, gid } = ensurePostgresUser();
      for (const p of [baseDir, sockDir, path.join(baseDir, 'owner.json')]) fs.chownSync(p, uid, gid);
    }
    const versionOut = await run(binDir, 'initdb', ['--version'], baseDir);
    const version = /(\d+(?:\.\d+)?)/.exec(versionOut)?.[1] ?? 'unknown';
    // C.UTF-8: byte-order collation like SQLite's BINARY, but UTF-8 aware lower()/upper().
    await run(
      binDir,
      'initdb',
      [
        '-D',
        dataDir,
        '-A',
        'trust',
        '-U',
        'postgres',
        '-E',
        'UTF8',
        '--locale=C.UTF-8',
        '--no-sync',
        '--no-instructions',
      ],
      baseDir,
    );

    let lastError: unknown;
    for (let attempt = 0; attempt < 5; attempt++) {
      const port = opts.port ?? (await freePort());
      const serverOpts = [
        `-p ${port}`,
        `-k ${sockDir}`,
        '-c listen_addresses=127.0.0.1',
        '-c fsync=off',
        '-c synchronous_commit=off',
        '-c full_page_writes=off',
        '-c max_connections=200',
        '-c max_wal_size=1GB',
      ].join(' ');
      try {
        await run(
          binDir,
          'pg_ctl',
          ['start', '-D', dataDir, '-l', logFile, '-w', '-t', '60', '-o', serverOpts],
          baseDir,
        );
        const url = `postgres://postgres@127.0.0.1:${port}/postgres`;
        await ping(url);
        return { url, external: false, baseDir, port, version, stop };
      } catch (err) {
        lastError = err;
        const log = fs.existsSync(logFile) ? fs.readFileSync(logFile, 'utf8') : '';
        // Someone took the port between our probe and the bind: try another one.
        if (opts.port === undefined && /could not (bind|create listen socket)|already in use/i.test(log)) {
          fs.rmSync(logFile, { force: true });
          continue;
        }
        throw new Error(`${(err as Error).message}\n--- ${logFile} ---\n${log}`);
      }
    }
    throw lastError;
  } catch (err) {
    await stop();
    throw err;
  }
}

async function ping(url: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query('SELECT 1');
  } finally {
    await client.end();
  }
}

// ---------------------------------------------------------------------------------------------
// Database administration on a server URL

function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/** Runs `fn` with a short-lived connection to `url`. */
export async function withAdminClient<T>(url: string, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/**
 * Creates database `name` on the server of `serverUrl` (optionally as a copy of `template`) and
 * returns its URL.
 */
export async function createDatabase(serverUrl: string, name: string, template?: string): Promise<string> {
  await withAdminClient(serverUrl, (c) =>
    c.query(`CREATE DATABASE ${quoteIdent(name)}${template ? ` TEMPLATE ${quoteIdent(template)}` : ''}`),
  );
  return databaseUrl(serverUrl, name);
}

/**
 * Drops database `name`, terminating any connection still open on it. Drops templates too.
 */
export async function dropDatabase(serverUrl: string, name: string): Promise<void> {
  await withAdminClient(serverUrl, async (c) => {
    const { rows } = await c.query<{ datistemplate: boolean }>(
      'SELECT datistemplate FROM pg_database WHERE datname = $1',
      [name],
    );
    if (rows[0]?.datistemplate) await c.query(`ALTER DATABASE ${quoteIdent(name)} WITH IS_TEMPLATE false`);
    await c.query(`DROP DATABASE IF EXISTS ${quoteIdent(name)} WITH (FORCE)`);
  });
}
