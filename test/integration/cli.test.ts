/**
 * The real `campaignd` CLI and server as child processes (through tsx, so the tests never depend on
 * a stale dist/), on SQLite under a temporary DATA_DIR: output formats, exit codes, the demo banner,
 * a CLI command next to a running server, and a graceful SIGTERM.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { afterAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/app.js';
import { createCampaigndClient } from '../../src/client/index.js';
import { ManualClock } from '../../src/shared/clock.js';
import { loadConfig } from '../../src/shared/config.js';
import { DEMO_KEY } from '../../src/domain/tenancy/demo-tenant.js';
import { signHs256, verifySignature } from '../../src/domain/tenancy/jwt.js';
import { createServices } from '../../src/services.js';
import { openDb } from '../../src/storage/db.js';
import { migrate } from '../../src/storage/migrations/index.js';
import { openServices } from '../../src/start/boot.js';
import { secretBoxOf } from '../../src/start/secret-key.js';
import { silentLogger } from '../../src/shared/logger.js';
import { KvRepo } from '../../src/storage/repos/kv-repo.js';
import { insertList } from '../support/test-app.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
/** The secrets key the CLI and the server use for DATA_DIR `dir`: its key file. */
const keyOf = (dir: string) => secretBoxOf(loadConfig({ DATA_DIR: dir }));
const CLI = ['--import', 'tsx', 'src/cli/index.ts'];
const SERVER = ['--import', 'tsx', 'src/start/server.ts'];
/** Child processes start slowly on a busy machine; a deadline, never a sleep. */
const START_DEADLINE_MS = 120_000;
const SLOW = 240_000;

const tmpDirs: string[] = [];
const children = new Set<ChildProcess>();

function tempDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'campaignd-cli-'));
  tmpDirs.push(dir);
  return dir;
}

/** Migrates a new DATA_DIR in-process; returns it and the migrations applied (all of them, in order). */
async function migrateInProcess(): Promise<{ dir: string; applied: string[] }> {
  const dir = tempDir();
  const db = openDb({ dataDir: dir, secrets: keyOf(dir) });
  try {
    return { dir, applied: await migrate(db) };
  } finally {
    await db.close();
  }
}

/** A DATA_DIR whose database is already migrated, so parallel commands do not all migrate it. */
const migratedDir = async (): Promise<string> => (await migrateInProcess()).dir;

/** Only what a process needs plus the given configuration: nothing leaks in from the test runner's environment. */
function childEnv(vars: Record<string, string>): NodeJS.ProcessEnv {
  const keep = ['PATH', 'HOME', 'TMPDIR', 'LANG', 'SystemRoot'];
  const env: NodeJS.ProcessEnv = {};
  for (const k of keep) if (process.env[k] !== undefined) env[k] = process.env[k];
  return { ...env, ...vars };
}

interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

function cli(args: string[], vars: Record<string, string>): Promise<CliResult> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [...CLI, ...args],
      { cwd: ROOT, env: childEnv(vars), timeout: START_DEADLINE_MS },
      (err, stdout, stderr) => {
        const code = err
          ? typeof (err as { code?: unknown }).code === 'number'
            ? (err as { code: number }).code
            : -1
          : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

/** Exactly one JSON object on one line, nothing else on stdout. */
function oneJson<T = Record<string, unknown>>(r: CliResult): T {
  expect(r.stderr, r.stderr).toBe('');
  expect(r.code).toBe(0);
  const lines = r.stdout.split('\n');
  expect(lines).toHaveLength(2);
  expect(lines[1]).toBe('');
  const value = JSON.parse(lines[0]!) as unknown;
  expect(typeof value).toBe('object');
  expect(Array.isArray(value)).toBe(false);
  return value as T;
}

const claimsOf = (token: string) =>
  JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString('utf8')) as Record<string, unknown>;

/** A running server process whose output is collected as it arrives. */
class ServerProcess {
  stdout = '';
  stderr = '';
  exitCode: number | null | undefined = undefined;
  readonly exited: Promise<number | null>;
  private readonly child: ChildProcess;
  /** Called on every chunk of output and on exit. */
  private readonly waiters = new Set<() => void>();

  private readonly label: string;

  constructor(vars: Record<string, string>) {
    this.label = `server ${JSON.stringify(vars)}`;
    this.child = spawn(process.execPath, SERVER, { cwd: ROOT, env: childEnv(vars), stdio: ['ignore', 'pipe', 'pipe'] });
    children.add(this.child);
    const notify = () => {
      for (const w of this.waiters) w();
    };
    this.child.stdout!.setEncoding('utf8').on('data', (d: string) => {
      this.stdout += d;
      notify();
    });
    this.child.stderr!.setEncoding('utf8').on('data', (d: string) => (this.stderr += d));
    this.exited = new Promise((resolve) =>
      this.child.on('close', (code) => {
        children.delete(this.child);
        this.exitCode = code;
        resolve(code);
        notify();
      }),
    );
  }

  /** Resolves with the first match of `re` in stdout; fails on exit or at the deadline. */
  waitFor(re: RegExp, deadlineMs = START_DEADLINE_MS): Promise<RegExpMatchArray> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () =>
          done(
            new Error(
              `${this.label}: no ${re} within ${deadlineMs} ms\nstdout:\n${this.stdout}\nstderr:\n${this.stderr}`,
            ),
          ),
        deadlineMs,
      );
      const check = () => {
        const m = this.stdout.match(re);
        if (m) done(null, m);
        else if (this.exitCode !== undefined)
          done(
            new Error(
              `${this.label} exited (${this.exitCode}) before printing ${re}\nstdout:\n${this.stdout}\nstderr:\n${this.stderr}`,
            ),
          );
      };
      const done = (err: Error | null, m?: RegExpMatchArray) => {
        clearTimeout(timer);
        this.waiters.delete(check);
        if (err) reject(err);
        else resolve(m!);
      };
      this.waiters.add(check);
      check();
    });
  }

  /** SIGTERM and the exit code (fails at the deadline). */
  async stop(): Promise<number | null> {
    this.child.kill('SIGTERM');
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`server did not exit after SIGTERM\nstderr:\n${this.stderr}`)), 30_000);
    });
    try {
      return await Promise.race([this.exited, deadline]);
    } finally {
      clearTimeout(timer);
    }
  }
}

interface Banner {
  url: string;
  accountId: string;
  iid: string;
  clientId: string;
  clientSecret: string;
  jwt: string;
  createBody: Record<string, unknown>;
  createdNow: boolean;
}

async function waitForBanner(server: ServerProcess): Promise<Banner> {
  await server.waitFor(/^ {2}JWT \(24 h\) +\S+$/m);
  const field = (re: RegExp) => {
    const m = server.stdout.match(re);
    expect(m, `${re} in\n${server.stdout}`).not.toBeNull();
    return m![1]!;
  };
  return {
    url: field(/campaignd is listening on (http:\/\/\S+)/),
    accountId: field(/^ {2}accountId +(\S+)$/m),
    iid: field(/^ {2}iid \(bot\) +(\S+)$/m),
    clientId: field(/^ {2}clientId +(\S+)$/m),
    clientSecret: field(/^ {2}clientSecret +(\S+)$/m),
    jwt: field(/^ {2}JWT \(24 h\) +(\S+)$/m),
    createBody: JSON.parse(field(/ -d '(\{.*\})'/)) as Record<string, unknown>,
    createdNow: /^Demo tenant created:$/m.test(server.stdout),
  };
}

/**
 * The typed client presenting `jwt` itself (rather than signing its own from app credentials): the
 * tokens the banner, the CLI and `campaignd token` print are what these tests check.
 */
function kore(url: string, b: { iid: string; accountId: string }, jwt: string) {
  const client = createCampaigndClient({ baseUrl: url, headers: { auth: jwt, accountId: b.accountId, iid: b.iid } });
  const path = { iid: b.iid };
  return {
    list: (body: { type?: string } = {}) =>
      client.POST('/agentassist/api/v1/public/{iid}/campaign/getAllCampaignDetails', { params: { path }, body }),
    get: (campaignId: string) =>
      client.GET('/agentassist/api/v1/public/{iid}/campaign/{campaignId}', {
        params: { path: { ...path, campaignId } },
      }),
  };
}

afterAll(() => {
  for (const child of children) child.kill('SIGKILL');
  for (const dir of tmpDirs) fs.rmSync(dir, { recursive: true, force: true });
});

// Independent tests, each on its own DATA_DIR: run them side by side, child process start-up dominates.
describe.concurrent('campaignd CLI', () => {
  it('migrate --json prints one object and is idempotent', { timeout: SLOW }, async () => {
    const dir = tempDir();
    const { applied: all } = await migrateInProcess();
    const first = oneJson<{ database: string; applied: string[] }>(await cli(['migrate', '--json'], { DATA_DIR: dir }));
    expect(first).toEqual({ database: 'sqlite', applied: all });
    expect(all[0]).toBe('001-tenancy-and-campaigns');
    expect(fs.existsSync(path.join(dir, 'campaignd.sqlite'))).toBe(true);
    const again = oneJson<{ database: string; applied: string[] }>(await cli(['migrate', '--json'], { DATA_DIR: dir }));
    expect(again).toEqual({ database: 'sqlite', applied: [] });
  });

  it(
    'several processes starting together on a fresh DATA_DIR all migrate it without error',
    { timeout: SLOW },
    async () => {
      // The server, a worker and the CLI share openServices(): on a first start they race to migrate.
      const dirs = [tempDir(), tempDir()];
      const runs = await Promise.all(
        dirs.flatMap((dir) => Array.from({ length: 4 }, () => cli(['migrate', '--json'], { DATA_DIR: dir }))),
      );
      for (const r of runs) {
        expect(r.stderr).toBe('');
        expect(r.code).toBe(0);
      }
      const { applied: all } = await migrateInProcess();
      for (let i = 0; i < dirs.length; i++) {
        const applied = runs.slice(i * 4, i * 4 + 4).flatMap((r) => oneJson<{ applied: string[] }>(r).applied);
        // Every migration ran exactly once across the processes.
        expect([...applied].sort()).toEqual([...all].sort());
      }
    },
  );

  it(
    'several runtimes opened at once on a fresh DATA_DIR (server + CLI + worker) all migrate it',
    { timeout: SLOW },
    async () => {
      // The same race as above, deterministic: three connections to one new file, in one process, so
      // their migration steps interleave at every await. Each must end on a fully migrated database.
      const { applied: all } = await migrateInProcess();
      for (let round = 0; round < 3; round++) {
        const config = loadConfig({ DATA_DIR: tempDir(), LOG_LEVEL: 'silent' });
        const open = () => openServices(config, silentLogger);
        const opened = await Promise.allSettled([open(), open(), open()]);
        for (const o of opened) if (o.status === 'fulfilled') await o.value.db.close();
        expect(opened.map((o) => (o.status === 'rejected' ? String(o.reason) : 'ok'))).toEqual(['ok', 'ok', 'ok']);
        const db = openDb({ dataDir: config.dataDir, secrets: keyOf(config.dataDir) });
        try {
          const { rows } = await sql<{ name: string }>`select name from kysely_migration`.execute(db.kysely);
          expect(rows.map((r) => r.name).sort()).toEqual([...all].sort());
        } finally {
          await db.close();
        }
      }
    },
  );

  it('creates an app, a token, a flow, a queue and a template that the API accepts', { timeout: SLOW }, async () => {
    const dataDir = tempDir();
    const app = oneJson<{
      accountId: string;
      iid: string;
      clientId: string;
      clientSecret: string;
      enforceJti: boolean;
      scopes: string[];
    }>(await cli(['apps', 'create', '--account-id', 'A', '--iid', 'st-x', '--json'], { DATA_DIR: dataDir }));
    expect(app).toMatchObject({ accountId: 'A', iid: 'st-x', enforceJti: false, scopes: ['Campaign Management'] });
    expect(app.clientId).toMatch(/^cs-/);

    const [token, flow, queue, template] = await Promise.all([
      cli(['token', '--client-id', app.clientId, '--ttl', '1h'], { DATA_DIR: dataDir }),
      cli(
        [
          'flows',
          'create',
          '--account-id',
          'A',
          '--iid',
          'st-x',
          '--name',
          'CLI Voice Flow',
          '--channel',
          'voice',
          '--json',
        ],
        { DATA_DIR: dataDir },
      ),
      cli(['queues', 'create', '--account-id', 'A', '--iid', 'st-x', '--name', 'CLI Queue'], { DATA_DIR: dataDir }),
      cli(
        [
          'templates',
          'create',
          '--account-id',
          'A',
          '--iid',
          'st-x',
          '--name',
          'CLI Template',
          '--message',
          'Your bill is ready',
          '--json',
        ],
        { DATA_DIR: dataDir },
      ),
    ]);

    // `token` without --json prints the bare JWT.
    expect(token.stderr).toBe('');
    expect(token.code).toBe(0);
    expect(token.stdout).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+\n$/);
    const jwt = token.stdout.trim();
    const claims = claimsOf(jwt);
    expect(claims.appId).toBe(app.clientId);
    expect(Number(claims.exp) - Number(claims.iat)).toBe(3600);
    expect(Math.abs(Number(claims.iat) - Date.now() / 1000)).toBeLessThan(600);
    const [h, p, s] = jwt.split('.') as [string, string, string];
    expect(verifySignature(`${h}.${p}`, Buffer.from(s, 'base64url'), app.clientSecret)).toBe(true);

    expect(oneJson(flow)).toEqual({
      id: expect.stringMatching(/^cf-/),
      accountId: 'A',
      iid: 'st-x',
      name: 'CLI Voice Flow',
      channel: 'voice',
    });
    // Without --json: aligned `key  value` lines.
    expect(queue.stderr).toBe('');
    expect(queue.code).toBe(0);
    expect(queue.stdout).toMatch(/^id {9}\S+\naccountId {2}A\niid {8}st-x\nname {7}CLI Queue\n$/);
    expect(oneJson(template)).toEqual({
      id: expect.stringMatching(/^cmt-/),
      accountId: 'A',
      iid: 'st-x',
      name: 'CLI Template',
      message: 'Your bill is ready',
    });

    // The same database, served in-process: the CLI's token and flow work through the Kore API.
    const db = openDb({ dataDir, secrets: keyOf(dataDir) });
    try {
      const clock = new ManualClock(Date.now());
      const config = loadConfig({ DATA_DIR: dataDir, LOG_LEVEL: 'silent', RATE_LIMIT_PER_MINUTE: '0' });
      const services = createServices(db, clock, config);
      const server = await buildApp({ config, db, clock, services });
      await insertList(db, clock, 'CLI List', { accountId: 'A', iid: 'st-x' });
      const res = await server.inject({
        method: 'POST',
        url: '/agentassist/api/v1/public/st-x/campaign?campaignType=voice',
        headers: { auth: jwt, accountId: 'A', iid: 'st-x', 'content-type': 'application/json' },
        payload: JSON.stringify({
          name: 'CLI flow campaign',
          description: '',
          contactLists: ['CLI List'],
          priority: '5',
          dialingMode: 'Agentless',
          experienceFlowName: 'CLI Voice Flow',
          dialingStrategy: {
            callerId: { phoneNumber: '+15101234567' },
            callingHours: {
              frequency: 'WEEKLY',
              timezone: 'UTC',
              days: [{ day: 'MO', start: '9:00 AM', end: '6:00 PM' }],
            },
            dialingOrder: 'FIFO',
            maxAttemptsPerRecord: 3,
            defaultRetryPeriod: 10,
            maxRingTime: 30,
          },
          schedule: { isSchedulingEnabled: false },
          enableMachineDetect: false,
          campaignType: 'voice',
        }),
      });
      expect(res.statusCode, res.body).toBe(200);
      await server.close();
    } finally {
      await db.close();
    }
  });

  it("shows and configures a bot's default country and pre-call fetch", { timeout: SLOW }, async () => {
    const env = { DATA_DIR: tempDir() };
    oneJson(await cli(['apps', 'create', '--account-id', 'A', '--iid', 'st-b', '--json'], env));
    const configured = await cli(
      [
        'bots',
        'configure',
        '--account-id',
        'A',
        '--iid',
        'st-b',
        '--default-country',
        'gb',
        '--campaign-max-concurrent',
        '25',
        '--precall-url',
        'https://crm.example.com/pc',
        '--precall-header',
        'X-Api-Key: s3cret',
        '--precall-timeout-ms',
        '2000',
        '--json',
      ],
      env,
    );
    const want = {
      accountId: 'A',
      iid: 'st-b',
      defaultCountry: 'GB',
      campaignMaxConcurrent: 25,
      precall: { url: 'https://crm.example.com/pc', headerNames: ['X-Api-Key'], timeoutMs: 2000 },
      dispositionCodes: null,
      frequencyCaps: [],
      rulePacks: [],
    };
    expect(oneJson(configured)).toEqual(want);
    expect(configured.stdout).not.toContain('s3cret');
    expect(oneJson(await cli(['bots', 'show', '--account-id', 'A', '--iid', 'st-b', '--json'], env))).toEqual(want);
    const [off, badCountry, headerAlone, badCap, tooMany] = await Promise.all([
      cli(
        [
          'bots',
          'configure',
          '--account-id',
          'A',
          '--iid',
          'st-b',
          '--no-precall',
          '--campaign-max-concurrent',
          'default',
          '--json',
        ],
        env,
      ),
      cli(['bots', 'configure', '--account-id', 'A', '--iid', 'st-b', '--default-country', 'Narnia'], env),
      cli(['bots', 'configure', '--account-id', 'A', '--iid', 'st-b', '--precall-header', 'X: y'], env),
      cli(['bots', 'configure', '--account-id', 'A', '--iid', 'st-b', '--campaign-max-concurrent', 'lots'], env),
      cli(['bots', 'configure', '--account-id', 'A', '--iid', 'st-b', '--campaign-max-concurrent', '5000'], env),
    ]);
    expect(oneJson(off)).toEqual({ ...want, campaignMaxConcurrent: 10, precall: null });
    expect(badCap.code).toBe(1);
    expect(badCap.stderr).toContain("expected a number or 'default'");
    expect(tooMany).toEqual({
      code: 1,
      stdout: '',
      stderr: 'campaignd: campaignMaxConcurrent must be an integer from 1 to 1000, or null for the default (10)\n',
    });
    expect(badCountry).toEqual({
      code: 1,
      stdout: '',
      stderr: "campaignd: defaultCountry: 'Narnia' is not a supported ISO 3166-1 alpha-2 country code\n",
    });
    expect(headerAlone).toEqual({
      code: 1,
      stdout: '',
      stderr: 'campaignd: --precall-header and --precall-timeout-ms need --precall-url\n',
    });
  });

  it('fails with exit code 1 and one message on stderr', { timeout: SLOW }, async () => {
    const env = { DATA_DIR: await migratedDir() };
    const [badChannel, unknownClient, unknownBot, badTtl] = await Promise.all([
      cli(
        ['flows', 'create', '--account-id', 'A', '--iid', 'st-x', '--name', 'Fax Flow', '--channel', 'fax', '--json'],
        env,
      ),
      cli(['token', '--client-id', 'cs-does-not-exist'], env),
      cli(['queues', 'create', '--account-id', 'A', '--iid', 'st-nowhere', '--name', 'Lost Queue', '--json'], env),
      cli(['token', '--client-id', 'cs-any', '--ttl', 'soon'], env),
    ]);
    expect(badChannel).toEqual({ code: 1, stdout: '', stderr: 'campaignd: channel must be voice or sms\n' });
    expect(unknownClient).toEqual({ code: 1, stdout: '', stderr: 'campaignd: App cs-does-not-exist not found\n' });
    expect(unknownBot.code).toBe(1);
    expect(unknownBot.stdout).toBe('');
    expect(unknownBot.stderr).toMatch(/^campaignd: Bot st-nowhere in account A not found\n$/);
    // Option parsing errors come from commander, before any database work.
    expect(badTtl.code).toBe(1);
    expect(badTtl.stdout).toBe('');
    expect(badTtl.stderr).toMatch(/--ttl.*'soon' is invalid/);
  });

  it(
    'refuses an invalid configuration with exit code 1, naming every bad variable and no stack trace',
    { timeout: SLOW },
    async () => {
      const dir = tempDir();
      const bad = { DATA_DIR: dir, PORT: 'abc', LOG_LEVEL: 'loud' };
      const [apps, migrate] = await Promise.all([
        cli(['apps', 'create', '--account-id', 'A', '--iid', 'st-x', '--json'], bad),
        cli(['migrate', '--json'], bad),
      ]);
      for (const r of [apps, migrate]) {
        expect(r.code).toBe(1);
        expect(r.stdout).toBe('');
        expect(r.stderr).toContain('Invalid configuration');
        expect(r.stderr).toContain('PORT="abc" is not an integer');
        expect(r.stderr).toContain('LOG_LEVEL');
        expect(r.stderr).not.toMatch(/^\s+at /m);
      }
      // Nothing was created.
      expect(fs.existsSync(path.join(dir, 'campaignd.sqlite'))).toBe(false);
    },
  );
});

describe.concurrent('campaignd server', () => {
  it(
    'starts with DEMO=true, prints a working demo banner, serves a CLI-created app, exits 0 on SIGTERM, and reuses the demo tenant on restart',
    { timeout: SLOW },
    async () => {
      const dataDir = tempDir();
      const server = new ServerProcess({ DATA_DIR: dataDir, PORT: '0', HOST: '127.0.0.1', DEMO: 'true' });
      const b = await waitForBanner(server);
      expect(b.createdNow).toBe(true);
      expect(b.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect(b.accountId).toMatch(/^[0-9a-f]{24}$/);
      expect(b.iid).toMatch(/^st-/);
      expect(b.clientId).toMatch(/^cs-/);
      const claims = claimsOf(b.jwt);
      expect(claims.appId).toBe(b.clientId);
      expect(Number(claims.exp) - Number(claims.iat)).toBe(24 * 3600);
      const [h, p, s] = b.jwt.split('.') as [string, string, string];
      expect(verifySignature(`${h}.${p}`, Buffer.from(s, 'base64url'), b.clientSecret)).toBe(true);

      const health = await fetch(`${b.url}/healthz`);
      expect(health.status).toBe(200);
      expect(await health.json()).toEqual({ status: 'ok' });

      const list = await kore(b.url, b, b.jwt).list({ type: 'voice' });
      expect(list.response.status).toBe(200);
      expect(list.data).toMatchObject({ status: 'success', data: { results: [], totalResults: 0 } });

      // The copy-paste snippet in the banner (curl create, then curl get) works as printed.
      const snippet = server.stdout.split('Create a campaign, then get it:\n')[1]?.split('\n\n')[0]?.trim() ?? '';
      expect(snippet).toMatch(/^ID=\$\(curl /);
      const shell = await new Promise<CliResult>((resolve) =>
        execFile('bash', ['-c', snippet], { env: childEnv({}), timeout: START_DEADLINE_MS }, (err, stdout, stderr) =>
          resolve({ code: err ? 1 : 0, stdout, stderr }),
        ),
      );
      expect(shell.code, shell.stderr).toBe(0);
      const fetched = JSON.parse(shell.stdout) as {
        status: string;
        data: { _id: string; name: string; dialingMode: string };
      };
      expect(fetched.status).toBe('success');
      expect(fetched.data).toMatchObject({ name: b.createBody.name, dialingMode: 'Agentless' });
      const campaignId = fetched.data._id;
      expect(campaignId).toMatch(/^cd-/);
      const got = await kore(b.url, b, b.jwt).get(campaignId);
      expect(got.response.status).toBe(200);
      expect(got.data?.data.name).toBe(b.createBody.name);

      // A CLI command on the same DATA_DIR while the server runs; the server honours what it wrote.
      const cliApp = oneJson<{ accountId: string; iid: string; clientId: string; clientSecret: string }>(
        await cli(['apps', 'create', '--account-id', 'live-account', '--iid', 'st-live', '--json'], {
          DATA_DIR: dataDir,
        }),
      );
      const cliToken = signHs256({ sub: 'cli', appId: cliApp.clientId }, cliApp.clientSecret);
      const live = await kore(b.url, cliApp, cliToken).list();
      expect(live.response.status, JSON.stringify(live.error)).toBe(200);
      // ...and keeps the tenants apart.
      const foreign = await kore(b.url, b, cliToken).list();
      expect(foreign.response.status).toBe(403);
      expect(foreign.error).toMatchObject({ status: 'failure' });

      expect(await server.stop()).toBe(0);
      expect(server.stderr).not.toMatch(/error/i);
      await expect(fetch(`${b.url}/healthz`)).rejects.toThrow();

      // Restart on the same DATA_DIR: the same demo tenant, announced as an earlier one, and this
      // time without its secret or a token (they would land in every log of every start).
      const again = new ServerProcess({ DATA_DIR: dataDir, PORT: '0', HOST: '127.0.0.1', DEMO: 'yes' });
      await again.waitFor(/A new token: npx campaignd token --client-id \S+ --ttl 24h$/m);
      expect(again.stdout).toMatch(/^Demo tenant \(created on an earlier start\):$/m);
      expect(again.stdout).not.toMatch(/^Demo tenant created:$/m);
      expect(again.stdout).toContain(`  clientId      ${b.clientId}`);
      expect(again.stdout).toContain(`  accountId     ${b.accountId}`);
      expect(again.stdout).not.toContain(b.clientSecret);
      expect(again.stdout).not.toMatch(/JWT \(24 h\)|eyJ/);
      const url2 = again.stdout.match(/campaignd is listening on (http:\/\/\S+)/)![1]!;
      // The command it names gives a token that works.
      const fresh = await cli(['token', '--client-id', b.clientId, '--ttl', '24h'], { DATA_DIR: dataDir });
      expect(fresh.code, fresh.stderr).toBe(0);
      expect((await kore(url2, b, fresh.stdout.trim()).get(campaignId)).response.status).toBe(200);
      // The first start's token, its campaign and the CLI's app survive the restart.
      const kept = await kore(url2, b, b.jwt).get(campaignId);
      expect(kept.response.status).toBe(200);
      expect((await kore(url2, cliApp, cliToken).list()).response.status).toBe(200);

      expect(await again.stop()).toBe(0);
    },
  );

  it('with DEMO=false prints no banner and creates no demo tenant', { timeout: SLOW }, async () => {
    const dir = tempDir();
    const server = new ServerProcess({ DATA_DIR: dir, PORT: '0', HOST: '127.0.0.1', DEMO: 'false' });
    const m = await server.waitFor(/"msg":"campaignd listening"/);
    expect(m).toBeTruthy();
    const line = server.stdout.split('\n').find((l) => l.includes('"msg":"campaignd listening"'))!;
    const { address } = JSON.parse(line) as { address: string };
    expect(address).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const health = await fetch(`${address}/healthz`);
    expect(health.status).toBe(200);
    expect(server.stdout).not.toMatch(/Demo tenant|clientSecret|JWT \(24 h\)/);

    expect(await server.stop()).toBe(0);
    const db = openDb({ dataDir: dir, secrets: keyOf(dir) });
    try {
      expect(await new KvRepo(db.kysely, db.secrets).get(DEMO_KEY)).toBeUndefined();
      expect(await db.kysely.selectFrom('apps').select('id').execute()).toEqual([]);
    } finally {
      await db.close();
    }
  });

  it('exits 1 naming the bad variable when the configuration is invalid', { timeout: SLOW }, async () => {
    const server = new ServerProcess({ DATA_DIR: tempDir(), PORT: 'abc', HOST: '127.0.0.1' });
    expect(await server.exited).toBe(1);
    expect(server.stdout).toBe('');
    expect(server.stderr).toContain('PORT="abc" is not an integer');
    expect(server.stderr).not.toMatch(/^\s+at /m);
  });
});
