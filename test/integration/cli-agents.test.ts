/**
 * `campaignd agents create|list|update|remove` and `campaignd simulate agents` as a user runs them:
 * real child processes (through tsx, like cli.test.ts) on a SQLite DATA_DIR that this test also
 * opens. The credential is printed once and stored hashed; the simulator logs its agents in through
 * the real agent API of a real HTTP server (listening on a port, with the runtime dialing a
 * Progressive campaign through the simulated network), takes the calls and gives dispositions.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/app.js';
import { ensureSimulatedAgents } from '../../src/cli/simulate-agents.js';
import { SimulatorProvider } from '../../src/domain/telephony/simulator.js';
import { Runtime } from '../../src/runtime/runtime.js';
import { createServices } from '../../src/services.js';
import { systemClock } from '../../src/shared/clock.js';
import { loadConfig } from '../../src/shared/config.js';
import { silentLogger } from '../../src/shared/logger.js';
import { progressiveSample } from '../fixtures/kore-samples.js';
import { addContacts, ALWAYS } from '../support/engine-harness.js';
import { createSharedDbApp, pollUntil, type SharedDbApp } from '../support/engine-processes.js';
import { koreCaller } from '../support/test-app.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
const CLI = ['--import', 'tsx', 'src/cli/index.ts'];
/** Child processes start slowly on a busy machine; a deadline, never a sleep. */
const DEADLINE_MS = 120_000;
const SLOW = 240_000;

interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

let s: SharedDbApp;

/** The CLI on the test's database, with nothing of the test runner's environment but PATH and HOME. */
function cli(...args: string[]): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const env = { PATH: process.env.PATH, HOME: process.env.HOME, LOG_LEVEL: 'silent', ...s.childDbEnv };
    const child = spawn(process.execPath, [...CLI, ...args], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`campaignd ${args.join(' ')}: no exit within ${DEADLINE_MS} ms\n${stdout}\n${stderr}`));
    }, DEADLINE_MS);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

const tenantArgs = () => ['--account-id', s.tenant.accountId, '--iid', s.tenant.iid];

/** `key  value` lines of the human output. */
const field = (out: string, key: string) => new RegExp(`^${key} +(.*)$`, 'm').exec(out)?.[1];

const me = (credential: string) =>
  s.app.inject({ method: 'GET', url: '/agent/v1/me', headers: { authorization: `Bearer ${credential}` } });

const agentRow = (id: string) => s.db.kysely.selectFrom('agents').selectAll().where('id', '=', id).executeTakeFirst();

beforeAll(async () => {
  s = await createSharedDbApp('sqlite');
  for (const name of ['Sales', 'Support'])
    await s.services.admin.createQueue({ accountId: s.tenant.accountId, iid: s.tenant.iid, name });
});

afterAll(async () => {
  await s?.dispose();
});

describe('campaignd agents (CLI, SQLite)', () => {
  it(
    'creates an agent printing its credential once (stored only as a hash), lists, resets the credential, removes',
    { timeout: SLOW },
    async () => {
      const created = await cli(
        'agents',
        'create',
        ...tenantArgs(),
        '--name',
        'Ann Agent',
        '--queue',
        'Sales',
        '--queue',
        'support',
        '--external-id',
        'crm-ann',
        '--extension',
        '101',
      );
      expect(created.code, created.stderr).toBe(0);
      expect(created.stderr).toBe('');
      const id = field(created.stdout, 'id')!;
      const credential = field(created.stdout, 'credential')!;
      expect(id).toMatch(/^ag-/);
      expect(credential.startsWith(`${id}.`)).toBe(true);
      expect(field(created.stdout, 'queues')).toBe('Sales, Support');
      expect(field(created.stdout, 'state')).toBe('Offline');
      expect(created.stdout).toMatch(/^The credential is shown this once and will not be shown again/m);

      // Stored hashed: the row holds its SHA-256 and nowhere the credential or its secret part.
      const row = (await agentRow(id))!;
      expect(row).toMatchObject({ name: 'Ann Agent', external_id: 'crm-ann', extension: '101', state: 'Offline' });
      expect(row.credential_hash).toBe(createHash('sha256').update(credential).digest('hex'));
      expect(JSON.stringify(row)).not.toContain(credential.split('.')[1]);
      const mine = await me(credential);
      expect(mine.statusCode, mine.body).toBe(200);
      expect(mine.json()).toMatchObject({ id, name: 'Ann Agent', queues: ['Sales', 'Support'] });

      // --json: one object on stdout (credential included), the note on stderr.
      const bob = await cli('agents', 'create', ...tenantArgs(), '--name', 'Bob Agent', '--queue', 'Support', '--json');
      expect(bob.code, bob.stderr).toBe(0);
      expect(bob.stdout.trimEnd().split('\n')).toHaveLength(1);
      const bobAgent = JSON.parse(bob.stdout) as { id: string; credential: string; queues: string[]; externalId: null };
      expect(bobAgent).toMatchObject({ queues: ['Support'], externalId: null, state: 'Offline' });
      expect(bob.stderr).toMatch(/^The credential is shown this once and will not be shown again/);
      expect((await me(bobAgent.credential)).statusCode).toBe(200);

      const [all, sales, salesJson] = await Promise.all([
        cli('agents', 'list', ...tenantArgs()),
        cli('agents', 'list', ...tenantArgs(), '--queue', 'SALES'),
        cli('agents', 'list', ...tenantArgs(), '--queue', 'Sales', '--json'),
      ]);
      for (const r of [all, sales, salesJson]) expect(r.code, r.stderr).toBe(0);
      const lines = all.stdout.trimEnd().split('\n');
      expect(lines).toHaveLength(2);
      expect(lines.find((l) => l.startsWith(id))).toMatch(/^ag-\S+ +Ann Agent +Offline +Sales, Support$/);
      expect(lines.find((l) => l.startsWith(bobAgent.id))).toMatch(/Bob Agent +Offline +Support$/);
      expect(
        sales.stdout
          .trimEnd()
          .split('\n')
          .map((l) => l.split(/\s+/)[0]),
      ).toEqual([id]);
      const listed = JSON.parse(salesJson.stdout) as { results: { id: string; credential?: string }[] };
      expect(listed.results.map((a) => a.id)).toEqual([id]);
      // The credential is never shown again, not even in a listing.
      expect(all.stdout + salesJson.stdout).not.toContain(credential.split('.')[1]);

      // A reset gives a new credential; the old one is refused from now on. --queue replaces the queues.
      const reset = await cli(
        'agents',
        'update',
        id,
        ...tenantArgs(),
        '--reset-credential',
        '--name',
        'Ann B. Agent',
        '--queue',
        'Support',
        '--json',
      );
      expect(reset.code, reset.stderr).toBe(0);
      const after = JSON.parse(reset.stdout) as { credential: string; name: string; queues: string[] };
      expect(after).toMatchObject({ name: 'Ann B. Agent', queues: ['Support'], externalId: 'crm-ann' });
      expect(after.credential).not.toBe(credential);
      expect(after.credential.startsWith(`${id}.`)).toBe(true);
      expect(reset.stderr).toMatch(/will not be shown again/);
      expect((await me(credential)).statusCode).toBe(401);
      expect((await me(after.credential)).statusCode).toBe(200);
      expect((await agentRow(id))!.credential_hash).toBe(createHash('sha256').update(after.credential).digest('hex'));

      // Without --reset-credential no credential is printed; '' clears the external id.
      const renamed = await cli('agents', 'update', id, ...tenantArgs(), '--external-id', '');
      expect(renamed.code, renamed.stderr).toBe(0);
      expect(field(renamed.stdout, 'credential')).toBeUndefined();
      expect(renamed.stdout).not.toMatch(/shown again/);
      expect((await agentRow(id))!.external_id).toBeNull();
      expect((await me(after.credential)).statusCode).toBe(200);

      const removed = await cli('agents', 'remove', id, ...tenantArgs());
      expect(removed.code, removed.stderr).toBe(0);
      expect(field(removed.stdout, 'removed')).toBe(id);
      expect(await agentRow(id)).toBeUndefined();
      expect((await me(after.credential)).statusCode).toBe(401);
      expect((await agentRow(bobAgent.id))?.name).toBe('Bob Agent');
    },
  );

  it(
    'refuses an unknown queue, an unknown agent and a missing option with one line and exit 1',
    { timeout: SLOW },
    async () => {
      const unknown = 'ag-00000000-0000-4000-8000-000000000000';
      const before = await s.db.kysely.selectFrom('agents').select('id').execute();
      const [queue, update, remove, noQueue] = await Promise.all([
        cli('agents', 'create', ...tenantArgs(), '--name', 'Cy', '--queue', 'Sales', '--queue', 'Nope'),
        cli('agents', 'update', unknown, ...tenantArgs(), '--name', 'X'),
        cli('agents', 'remove', unknown, ...tenantArgs(), '--json'),
        cli('agents', 'create', ...tenantArgs(), '--name', 'Cy'),
      ]);
      expect(queue).toEqual({
        code: 1,
        stdout: '',
        stderr: "campaignd: queues: no queue named 'Nope' (campaignd queues create makes one)\n",
      });
      expect(update).toEqual({ code: 1, stdout: '', stderr: `campaignd: Agent ${unknown} not found\n` });
      expect(remove).toEqual({ code: 1, stdout: '', stderr: `campaignd: Agent ${unknown} not found\n` });
      expect(noQueue.code).toBe(1);
      expect(noQueue.stderr).toMatch(/required option '--queue <name>' not specified/);
      expect(await s.db.kysely.selectFrom('agents').select('id').execute()).toEqual(before);
    },
  );

  it('simulate agents reuses its agents on a second run, with a new credential each time', async () => {
    const o = { ...s.tenant, queue: 'Sales', count: 2, handleTime: 0, acceptRate: 1, seed: 1 };
    const first = await ensureSimulatedAgents(s.services, o);
    expect(first.map((a) => a.name)).toEqual(['Sim Agent 1', 'Sim Agent 2']);
    const again = await ensureSimulatedAgents(s.services, { ...o, count: 3 });
    expect(again.map((a) => a.id).slice(0, 2)).toEqual(first.map((a) => a.id));
    expect(again[2]!.name).toBe('Sim Agent 3');
    expect((await me(first[0]!.credential)).statusCode).toBe(401);
    expect((await me(again[0]!.credential)).statusCode).toBe(200);
    // The same numbers in another queue are other agents: a simulator per queue never steals another's.
    const support = await ensureSimulatedAgents(s.services, { ...o, queue: 'Support', count: 1 });
    expect(support[0]!.id).not.toBe(first[0]!.id);
    expect((await me(support[0]!.credential)).json()).toMatchObject({ name: 'Sim Agent 1', queues: ['Support'] });
  });
});

describe('campaignd simulate agents (end to end, SQLite)', () => {
  // Predictive calls are placed for the queue and reach an agent only when answered (docs/pacing.md):
  // the simulated agents take them all the same.
  it.each(['Progressive', 'Predictive'] as const)(
    'logs the agents in over HTTP, takes the %s calls, ends them, gives dispositions, logs out after --calls',
    { timeout: SLOW },
    async (mode) => {
      const { accountId, iid } = s.tenant;
      const queue = `Simulated Desk ${mode}`;
      await s.services.admin.createQueue({ accountId, iid, name: queue });
      // A server of its own on the real clock (the simulator's agents live in real time), dialing
      // through a network where everyone answers and would talk for a long time: the calls end
      // because the agents end them.
      const config = loadConfig({ DATA_DIR: '/nonexistent', RATE_LIMIT_PER_MINUTE: '0', LOG_LEVEL: 'silent' });
      const services = createServices(s.db, systemClock, config);
      const provider = new SimulatorProvider({
        sink: services.outcomes,
        clock: systemClock,
        mix: { completed: 1 },
        machineRate: 0,
        ringSec: [1, 1],
        talkSec: [600, 600],
        speed: 0.05,
      });
      const app = await buildApp({ config, db: s.db, clock: systemClock, services, provider });
      const runtime = new Runtime({
        services,
        provider,
        clock: systemClock,
        log: silentLogger,
        dialing: {
          tickMs: 100,
          provider,
          maxConcurrentCalls: 10,
          callsPerSecond: 100,
          leaseMs: 30_000,
          outcomeTimeoutMs: 120_000,
          precall: null,
        },
      });
      try {
        const url = await app.listen({ port: 0, host: '127.0.0.1' });
        await runtime.start();
        const listName = `Simulated desk list ${mode}`;
        const listId = await s.addList(listName);
        await addContacts(
          s,
          listId,
          Array.from({ length: 20 }, (_, i) => ({
            phone: `+1212555${String((mode === 'Progressive' ? 100 : 200) + i).padStart(4, '0')}`,
          })),
        );
        const kore = koreCaller(app, s.headers, s.tenant);
        const sample = { ...progressiveSample(`Simulated desk campaign ${mode}`), dialingMode: mode };
        const codes = ['Sale', 'Call Back Later', 'Not Interested'];
        const created = await kore('POST', '/campaign?campaignType=voice', {
          ...sample,
          contactLists: [listName],
          queue_name: queue,
          agentSettings: { dispositionCodes: codes },
          dialingStrategy: { ...sample.dialingStrategy, callingHours: ALWAYS },
        });
        expect(created.statusCode, created.body).toBe(200);
        const campaignId = created.json().id as string;
        const played = await kore('POST', `/campaign/${campaignId}?trigger=play`, {});
        expect(played.statusCode, played.body).toBe(200);

        const run = await cli(
          'simulate',
          'agents',
          ...tenantArgs(),
          '--queue',
          queue,
          '--count',
          '2',
          '--calls',
          '2',
          '--handle-time',
          '0s',
          '--seed',
          '7',
          '--url',
          url,
        );
        expect(run.code, `${run.stdout}\n${run.stderr}`).toBe(0);
        expect(run.stderr).toBe('');
        const handled = Number(/stopped: (\d+) calls handled/.exec(run.stdout)?.[1]);
        expect(handled).toBeGreaterThanOrEqual(2);

        const agents = await s.db.kysely
          .selectFrom('agents')
          .selectAll()
          .where('external_id', 'like', `sim:${queue.toLowerCase()}:%`)
          .orderBy('name')
          .execute();
        expect(agents.map((a) => a.name)).toEqual(['Sim Agent 1', 'Sim Agent 2']);
        // --calls ended the run with every agent logged out (a call in progress ended first).
        expect(agents.map((a) => a.state)).toEqual(['Offline', 'Offline']);
        for (const a of agents) expect(run.stdout).toMatch(new RegExp(`${a.name} +logged out$`, 'm'));

        // Every call was for one of them, and each connected call got its agent's disposition,
        // drawn from the campaign's codes that the wrap-up event carried.
        const attempts = await s.db.kysely
          .selectFrom('attempts')
          .select(['id', 'agent_id', 'connected_at', 'disposition', 'record_id'])
          .where('instance_id', '=', played.json().campaignInstanceId as string)
          .execute();
        const ids = new Set(agents.map((a) => a.id));
        // Progressive: every call was placed for one of them. Predictive: every call that reached an
        // agent reached one of them (a call answered as the agents logged out was abandoned instead).
        const reached = attempts.filter((a) => a.agent_id !== null);
        expect(reached.every((a) => ids.has(a.agent_id!))).toBe(true);
        if (mode === 'Progressive') expect(reached).toHaveLength(attempts.length);
        else expect(reached.length).toBeGreaterThanOrEqual(handled);
        const disposed = attempts.filter((a) => a.disposition !== null);
        expect(disposed.length).toBe(handled);
        for (const a of disposed) {
          expect(a.connected_at).not.toBeNull();
          const d = JSON.parse(a.disposition!) as { by: string; codes: string[] };
          expect(d.by).toBe(a.agent_id);
          expect(d.codes).toHaveLength(1);
          expect(codes).toContain(d.codes[0]);
          expect(run.stdout).toContain(`${a.id}: disposition ${d.codes[0]}`);
        }
        // The agents' SSE streams carried the calls: the simulator printed them.
        expect(run.stdout).toMatch(
          new RegExp(
            `call\\.connected \\+1212555\\d{4} \\(Simulated desk campaign ${mode}\\) att-\\S+: talking for 0\\.0 s$`,
            'm',
          ),
        );

        // The Kore contacts view shows the dispositions, and that the agent ended each call.
        await pollUntil(
          'the dispositions in view=contacts',
          async () => {
            const view = await kore('POST', `/campaign/${campaignId}/status?view=contacts`, { page: 1, limit: 100 });
            const rows = view.json().data.results as { agentDispositionCodes: string[]; botOutboundStatus: string }[];
            const withCodes = rows.filter((r) => r.agentDispositionCodes.length > 0);
            if (withCodes.length < handled) return false;
            for (const r of withCodes) {
              expect(codes).toContain(r.agentDispositionCodes[0]);
              expect(r.botOutboundStatus).toBe('agentHangUp');
            }
            return true;
          },
          DEADLINE_MS,
        );
      } finally {
        await runtime.stop();
        await app.close();
      }
    },
  );
});
