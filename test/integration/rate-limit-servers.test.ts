/**
 * Two real `campaignd` server processes on one PostgreSQL database, as behind one load balancer:
 * the per-account rate limit (RATE_LIMIT_PER_MINUTE) holds across both, not once per process.
 * The servers run on the system clock, so the requests are made well inside one minute (checked).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signHs256 } from '../../src/domain/tenancy/jwt.js';
import { createServices } from '../../src/services.js';
import { systemClock } from '../../src/shared/clock.js';
import { loadConfig } from '../../src/shared/config.js';
import { newId } from '../../src/shared/ids.js';
import { pollUntil, START_DEADLINE_MS } from '../support/engine-processes.js';
import { createTestDb, type TestDb } from '../support/test-db.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
const LIMIT = 10;
const RATE_LIMIT_MESSAGE = "You've exceeded the per-minute rate limit. Please wait for sometime before retrying.";

/** `node --import tsx src/start/server.ts` (through tsx, so a stale dist/ is never what is tested). */
class ServerProcess {
  output = '';
  exitCode: number | null | undefined = undefined;
  readonly exited: Promise<void>;
  private readonly child: ChildProcess;

  constructor(vars: Record<string, string>) {
    const env: NodeJS.ProcessEnv = {};
    for (const k of ['PATH', 'HOME', 'TMPDIR', 'LANG']) if (process.env[k] !== undefined) env[k] = process.env[k];
    this.child = spawn(process.execPath, ['--import', 'tsx', 'src/start/server.ts'], {
      cwd: ROOT,
      env: { ...env, ...vars },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    for (const s of [this.child.stdout!, this.child.stderr!])
      s.setEncoding('utf8').on('data', (d: string) => (this.output += d));
    this.exited = new Promise((resolve) =>
      this.child.on('close', (code) => {
        this.exitCode = code;
        resolve();
      }),
    );
  }

  /** The address from the start-up line. */
  async address(): Promise<string> {
    let found: string | undefined;
    await pollUntil(
      'the server to listen',
      () => {
        if (this.exitCode !== undefined) throw new Error(`server exited (${this.exitCode}):\n${this.output}`);
        found = /"address":"([^"]+)","msg":"campaignd listening"/.exec(this.output)?.[1];
        return found !== undefined;
      },
      START_DEADLINE_MS,
      50,
    );
    return found!;
  }

  async stop(): Promise<void> {
    if (this.exitCode === undefined) this.child.kill('SIGTERM');
    await this.exited;
  }
}

interface Account {
  accountId: string;
  iid: string;
  token: string;
}

describe('the per-account rate limit with two server processes on one PostgreSQL database', () => {
  let db: TestDb;
  let servers: ServerProcess[] = [];
  let urls: string[] = [];
  let accounts: Account[] = [];

  beforeAll(async () => {
    db = await createTestDb('postgres');
    const services = createServices(db, systemClock, loadConfig({ DATA_DIR: '/nonexistent', LOG_LEVEL: 'silent' }));
    accounts = await Promise.all(
      [1, 2].map(async (i) => {
        const accountId = `${i}`.repeat(24);
        const iid = newId('st');
        const app = await services.admin.createApp({ accountId, iid, name: `account ${i}` });
        return { accountId, iid, token: signHs256({ sub: '1', appId: app.clientId }, app.clientSecret) };
      }),
    );
    const env = {
      DATABASE_URL: db.url!,
      SECRETS_KEY: db.secretsKey,
      PORT: '0',
      HOST: '127.0.0.1',
      DEMO: 'false',
      ENGINE: 'false',
      LOG_LEVEL: 'info',
      RATE_LIMIT_PER_MINUTE: String(LIMIT),
    };
    servers = [new ServerProcess(env), new ServerProcess(env)];
    urls = await Promise.all(servers.map((s) => s.address()));
  }, 2 * START_DEADLINE_MS);

  afterAll(async () => {
    await Promise.all(servers.map((s) => s.stop()));
    await db?.dispose();
  });

  const list = (server: number, who: Account) =>
    fetch(`${urls[server]}/agentassist/api/v1/public/${who.iid}/campaign/getAllCampaignDetails`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', auth: who.token, accountId: who.accountId },
      body: JSON.stringify({ type: 'voice' }),
    });

  async function expectRateLimited(res: Response): Promise<void> {
    expect(res.status).toBe(429);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    expect(await res.json()).toEqual({
      status: 'failure',
      message: RATE_LIMIT_MESSAGE,
      errors: [{ msg: RATE_LIMIT_MESSAGE, code: 'RATE_LIMITED' }],
    });
    const retryAfter = Number(res.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(60);
  }

  it('admits exactly RATE_LIMIT_PER_MINUTE requests of an account between both servers, then 429 from either', async () => {
    const [a, b] = accounts as [Account, Account];
    const started = Date.now();
    for (let i = 0; i < LIMIT; i++) {
      const res = await list(i % 2, a);
      expect(res.status, await res.clone().text()).toBe(200);
      await res.body?.cancel();
    }
    // Each server has seen only half the limit; together they have seen all of it.
    await expectRateLimited(await list(0, a));
    await expectRateLimited(await list(1, a));
    // Another account has its own budget, on both servers.
    for (let i = 0; i < LIMIT; i++) {
      const res = await list(1 - (i % 2), b);
      expect(res.status).toBe(200);
      await res.body?.cancel();
    }
    await expectRateLimited(await list(1, b));
    // All of it inside one window, or the counts above would prove nothing.
    expect(Date.now() - started).toBeLessThan(60_000);
  });
});
