/**
 * Real engine processes against a database the test also reads: for the "never twice, never lost"
 * tests (several `campaignd worker`s on one PostgreSQL, kill -9 and restart).
 *
 * - `createSharedDbApp(dialect)`: a TestApp (so test/support/engine-harness.ts helpers work) whose
 *   database a child process can open too: PostgreSQL by URL, SQLite as `DATA_DIR/campaignd.sqlite`
 *   (the file name the runtime uses). `childDbEnv` is what a child needs to find it.
 * - `EngineProcess`: `node --import tsx src/start/worker.ts` (like cli.test.ts, through tsx so a
 *   stale dist/ is never what is tested), its stderr collected, its owner id read from the
 *   start-up line, killable with any signal; `gated` ones load and then wait for `release()`
 *   (worker-gate.ts), to take over right after a kill.
 * - `pollUntil`: a condition with a deadline, never a sleep used as an assertion.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { buildApp } from '../../src/app.js';
import { ManualClock } from '../../src/shared/clock.js';
import { loadConfig } from '../../src/shared/config.js';
import { signHs256 } from '../../src/domain/tenancy/jwt.js';
import { newId } from '../../src/shared/ids.js';
import { createServices, type Services } from '../../src/services.js';
import { SecretBox } from '../../src/shared/secret-box.js';
import { openDb } from '../../src/storage/db.js';
import { migrate } from '../../src/storage/migrations/index.js';
import type { Database } from '../../src/storage/schema.js';
import { addContacts, createCampaign, type ContactSpec } from './engine-harness.js';
import { insertList, koreCaller, reposOf, type TestApp, type TestTenant } from './test-app.js';
import { createTestDb, type DialectName, type TestDb } from './test-db.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
const WORKER = ['--import', 'tsx', 'src/start/worker.ts'];
const GATED_WORKER = ['--import', 'tsx', '--import', './test/support/worker-gate.ts', 'src/start/worker.ts'];
/** Child processes start slowly on a busy machine (tsx compiles on the fly): a deadline, never a sleep. */
export const START_DEADLINE_MS = 90_000;

export interface SharedDbApp extends TestApp {
  /** Environment a child process needs to open the same database. */
  childDbEnv: Record<string, string>;
  dispose(): Promise<void>;
}

/** A SQLite database at `DATA_DIR/campaignd.sqlite`, so a `campaignd worker` with that DATA_DIR opens the same file. */
async function sqliteInDataDir(): Promise<{ db: TestDb; dataDir: string }> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'campaignd-engine-'));
  const file = path.join(dataDir, 'campaignd.sqlite');
  const secretsKey = randomBytes(32).toString('base64');
  const raw = openDb({ sqliteFile: file, secrets: new SecretBox(Buffer.from(secretsKey, 'base64')) });
  await migrate(raw);
  let closed: Promise<void> | undefined;
  const close = () => (closed ??= raw.close());
  let disposed: Promise<void> | undefined;
  const dispose = () => (disposed ??= close().then(() => fs.rmSync(dataDir, { recursive: true, force: true })));
  return { db: { ...raw, close, file, dispose, secretsKey }, dataDir };
}

async function seedTenant(services: Services): Promise<TestTenant> {
  const accountId = Math.random().toString(16).slice(2).padEnd(24, '0').slice(0, 24);
  const iid = newId('st');
  const app = await services.admin.createApp({ accountId, iid, name: 'engine process test app' });
  await services.admin.createFlow({ accountId, iid, name: 'Voice Survey Entry Flow', channel: 'voice' });
  const token = signHs256({ sub: '1234567890', appId: app.clientId }, app.clientSecret);
  return { accountId, iid, clientId: app.clientId, clientSecret: app.clientSecret, token };
}

/**
 * An in-process app (no engine: buildApp never starts one) on a database shared with child
 * processes. Its ManualClock starts at the real time, because the children run on the system clock.
 */
export async function createSharedDbApp(dialect: DialectName): Promise<SharedDbApp> {
  let db: TestDb;
  let childDbEnv: Record<string, string>;
  if (dialect === 'postgres') {
    db = await createTestDb('postgres');
    childDbEnv = { DATABASE_URL: db.url!, SECRETS_KEY: db.secretsKey };
  } else {
    const s = await sqliteInDataDir();
    db = s.db;
    childDbEnv = { DATA_DIR: s.dataDir, SECRETS_KEY: db.secretsKey };
  }
  const clock = new ManualClock(Date.now());
  const config = loadConfig({ DATA_DIR: '/nonexistent', RATE_LIMIT_PER_MINUTE: '0', LOG_LEVEL: 'silent' });
  const services = createServices(db, clock, config);
  const app = await buildApp({ config, db, clock, services });
  const tenant = await seedTenant(services);
  const headers = (t: TestTenant = tenant) => ({ auth: t.token, accountId: t.accountId, iid: t.iid });
  const addList = (name: string, t: TestTenant = tenant) => insertList(db, clock, name, t);
  return {
    app,
    db,
    clock,
    services,
    config,
    tenant,
    headers,
    addList,
    childDbEnv,
    repos: reposOf(db),
    addTenant: () => Promise.reject(new Error('not needed by the engine process tests')),
    kore: koreCaller(app, headers, tenant),
    dispose: async () => {
      await app.close();
      await db.dispose();
    },
  };
}

/** Only what a process needs plus the given configuration: nothing leaks in from the test runner's environment. */
function childEnv(vars: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const k of ['PATH', 'HOME', 'TMPDIR', 'LANG']) if (process.env[k] !== undefined) env[k] = process.env[k];
  return { ...env, ...vars };
}

const live = new Set<EngineProcess>();
let exitHook = false;

/** SIGKILLs the given workers, if still running, and waits until they are gone (call from afterAll). */
export async function killEngineProcesses(procs: Iterable<EngineProcess>): Promise<void> {
  await Promise.all([...procs].map((p) => p.kill9()));
}

export interface EngineProcessOptions {
  /**
   * Load everything but hold the worker's entry point until `release()` (test/support/worker-gate.ts):
   * a stand-by that takes over right after another process is killed. Default false.
   */
  gated?: boolean;
}

/** One `campaignd worker` process. */
export class EngineProcess {
  stderr = '';
  exitCode: number | null | undefined = undefined;
  signal: NodeJS.Signals | null = null;
  readonly exited: Promise<void>;
  private readonly child: ChildProcess;

  constructor(vars: Record<string, string>, opts: EngineProcessOptions = {}) {
    this.child = spawn(process.execPath, opts.gated ? GATED_WORKER : WORKER, {
      cwd: ROOT,
      env: childEnv(vars),
      stdio: [opts.gated ? 'pipe' : 'ignore', 'ignore', 'pipe'],
    });
    live.add(this);
    if (!exitHook) {
      // Last resort: a worker must not outlive the test process (it would dial on forever).
      exitHook = true;
      process.once('exit', () => {
        for (const p of live) p.kill('SIGKILL');
      });
    }
    this.child.stderr!.setEncoding('utf8').on('data', (d: string) => (this.stderr += d));
    this.exited = new Promise((resolve) =>
      this.child.on('close', (code, signal) => {
        live.delete(this);
        this.exitCode = code;
        this.signal = signal;
        resolve();
      }),
    );
  }

  get pid(): number {
    return this.child.pid!;
  }

  /** Waits for `re` on stderr; fails if the process exits first. */
  private async waitFor(what: string, re: RegExp, deadlineMs: number): Promise<RegExpExecArray> {
    let m: RegExpExecArray | null = null;
    await pollUntil(
      `worker ${this.pid} ${what}`,
      () => {
        if (this.exitCode !== undefined)
          throw new Error(`worker exited (${this.exitCode ?? this.signal}) before ${what}:\n${this.stderr}`);
        m = re.exec(this.stderr);
        return m !== null;
      },
      deadlineMs,
      20,
    );
    return m!;
  }

  /** The engine owner id (lease_owner / attempts.worker) from the start-up line. */
  async started(deadlineMs = START_DEADLINE_MS): Promise<string> {
    return (await this.waitFor('to start', /"owner":"([^"]+)"[^\n]*"msg":"runtime started"/, deadlineMs))[1]!;
  }

  /** Gated: resolves once the modules are loaded and the entry point waits for `release()`. */
  async gateReady(deadlineMs = START_DEADLINE_MS): Promise<void> {
    await this.waitFor('to load', /"msg":"worker gate ready"/, deadlineMs);
  }

  /** Gated: lets the worker's entry point run. */
  release(): void {
    this.child.stdin!.end('go\n');
  }

  kill(signal: NodeJS.Signals): void {
    if (this.exitCode === undefined) this.child.kill(signal);
  }

  /** SIGKILL and wait until the process is really gone (its connections dropped, its timers dead). */
  async kill9(): Promise<void> {
    this.kill('SIGKILL');
    await this.exited;
  }
}

/**
 * Polls `cond` every `everyMs` until it returns true; throws at the deadline with `what`.
 * `cond` may throw to fail fast (e.g. a worker died).
 */
export async function pollUntil(
  what: string,
  cond: () => boolean | Promise<boolean>,
  deadlineMs: number,
  everyMs = 100,
): Promise<void> {
  const end = Date.now() + deadlineMs;
  for (;;) {
    if (await cond()) return;
    if (Date.now() > end) throw new Error(`timed out after ${deadlineMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/** Dial records of an instance by state, e.g. `{ done: 36, in_flight: 4, pending: 80 }`. */
export async function recordCounts(
  db: Kysely<Database>,
  instanceId: string,
): Promise<Record<string, number | undefined>> {
  const rows = await db
    .selectFrom('dial_records')
    .select((eb) => ['state', eb.fn.countAll<number>().as('n')])
    .where('instance_id', '=', instanceId)
    .groupBy('state')
    .execute();
  return Object.fromEntries(rows.map((r) => [r.state, Number(r.n)]));
}

/**
 * A list `name` of `count` contacts numbered from +1555 `first` on, and a voice campaign of that name
 * over it allowing 2 attempts a minute apart (not played yet). Returns the campaign id.
 */
export async function twoAttemptCampaign(
  t: TestApp,
  name: string,
  count: number,
  first: number,
  ringSec: number,
): Promise<string> {
  const list = await t.addList(name);
  const contacts: ContactSpec[] = Array.from({ length: count }, (_, i) => ({
    phone: `+1555${String(first + i).padStart(7, '0')}`,
  }));
  await addContacts(t, list, contacts);
  return createCampaign(
    t,
    { name, contactLists: [name] },
    { maxAttemptsPerRecord: 2, defaultRetryPeriod: 1, maxRingTime: ringSec },
  );
}

/**
 * Makes waiting retries of an instance due now rather than in a minute (only rows still waiting are
 * touched), at most every 200 ms: on SQLite every write of the test waits for, and holds up, the engine's.
 */
export function retriesDueNow(db: Kysely<Database>, instanceId: string): () => Promise<void> {
  let movedAt = 0;
  return async () => {
    if (Date.now() - movedAt < 200) return;
    movedAt = Date.now();
    await db
      .updateTable('dial_records')
      .set({ next_at: movedAt })
      .where('instance_id', '=', instanceId)
      .where('state', '=', 'pending')
      .where('attempts', '>', 0)
      .where('next_at', '>', movedAt)
      .execute();
  };
}
