/**
 * A bot's disposition codes: set, shown and cleared through the admin API (`PATCH /admin/v1/bots/:iid`)
 * and `campaignd bots configure`, and enforced on an agent's disposition when the campaign names
 * none of its own. Admin API on both dialects; the CLI as a child process on SQLite.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { LightMyRequestResponse } from 'fastify';
import { afterAll, describe, expect, it } from 'vitest';
import { addContacts } from '../support/engine-harness.js';
import { agentHarness, type AgentHarness, type TestAgent } from '../support/agent-harness.js';
import { expectEnvelope } from '../support/failure-envelope.js';
import { useTestApp } from '../support/test-app.js';
import { DIALECTS } from '../support/test-db.js';

const ADMIN_TOKEN = 'test-admin-token-0123456789abcdef';

describe.each(DIALECTS)('bot disposition codes on %s', (dialect) => {
  const t = useTestApp(dialect, { env: { ADMIN_TOKEN } });
  const unique = () => Math.random().toString(36).slice(2, 8);

  const adminCall = (method: 'GET' | 'PATCH', url: string, body?: unknown): Promise<LightMyRequestResponse> =>
    t().app.inject({
      method,
      url: `/admin/v1${url}`,
      headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
      ...(body === undefined ? {} : { payload: JSON.stringify(body) }),
    });
  const patch = (body: Record<string, unknown>) =>
    adminCall('PATCH', `/bots/${t().tenant.iid}`, { accountId: t().tenant.accountId, ...body });
  const show = () => adminCall('GET', `/bots/${t().tenant.iid}?accountId=${t().tenant.accountId}`);
  const stored = async () => (await t().repos.tenancy.findBot(t().tenant.iid))!.disposition_codes;

  it('sets the list (trimmed, in the given order), shows it, leaves it alone when not named, and clears it with null', async () => {
    expect((await show()).json()).toMatchObject({ dispositionCodes: null });
    const set = await patch({ dispositionCodes: [' Sale ', 'No Sale', 'Call Back'] });
    expect(set.statusCode, set.body).toBe(200);
    expect(set.json()).toMatchObject({ dispositionCodes: ['Sale', 'No Sale', 'Call Back'] });
    expect((await show()).json()).toMatchObject({ dispositionCodes: ['Sale', 'No Sale', 'Call Back'] });
    expect(JSON.parse((await stored())!)).toEqual(['Sale', 'No Sale', 'Call Back']);

    const other = await patch({ defaultCountry: 'GB' });
    expect(other.json()).toMatchObject({ defaultCountry: 'GB', dispositionCodes: ['Sale', 'No Sale', 'Call Back'] });

    const cleared = await patch({ dispositionCodes: null });
    expect(cleared.statusCode, cleared.body).toBe(200);
    expect(cleared.json()).toMatchObject({ dispositionCodes: null, defaultCountry: 'GB' });
    expect(await stored()).toBeNull();
    await patch({ defaultCountry: 'US' });
  });

  it('refuses a list that is empty, too long, repeats a code (ignoring case) or holds a bad code, naming the field, and writes nothing', async () => {
    await patch({ dispositionCodes: ['Keep'] });
    const cases: [unknown, string, string][] = [
      [[], 'dispositionCodes', 'dispositionCodes: must NOT have fewer than 1 items'],
      [
        Array.from({ length: 101 }, (_, i) => `Code ${i}`),
        'dispositionCodes',
        'dispositionCodes: must NOT have more than 100 items',
      ],
      [['Sale', 'sale'], 'dispositionCodes[1]', "dispositionCodes[1]: 'sale' is listed twice"],
      [['Sale', '   '], 'dispositionCodes[1]', 'dispositionCodes[1]: must not be blank'],
      [['x'.repeat(65)], 'dispositionCodes[0]', 'dispositionCodes[0]: must NOT have more than 64 characters'],
      [['Bell\u0007'], 'dispositionCodes[0]', 'dispositionCodes[0]: contains a control character'],
      ['Sale', 'dispositionCodes', 'dispositionCodes: must be array'],
      [[7], 'dispositionCodes[0]', 'dispositionCodes[0]: must be string'],
    ];
    for (const [dispositionCodes, field, message] of cases) {
      // With a valid change beside it: a refused request writes nothing at all.
      const res = await patch({ dispositionCodes, defaultCountry: 'DE' });
      const failure = expectEnvelope(res, 400);
      expect(failure.errors[0], JSON.stringify(dispositionCodes)).toEqual({
        msg: message,
        code: 'VALIDATION_ERROR',
        field,
      });
    }
    expect(JSON.parse((await stored())!)).toEqual(['Keep']);
    expect((await t().repos.tenancy.findBot(t().tenant.iid))!.default_country).toBe('US');
    await patch({ dispositionCodes: null });
  });

  it('is 404 for a bot of another account', async () => {
    const other = await t().addTenant();
    const res = await adminCall('PATCH', `/bots/${other.iid}`, {
      accountId: t().tenant.accountId,
      dispositionCodes: ['Sale'],
    });
    expectEnvelope(res, 404);
    expect((await t().repos.tenancy.findBot(other.iid))!.disposition_codes).toBeNull();
  });

  describe("enforced on an agent's disposition", () => {
    /** An agent on a call of a Progressive campaign without its own codes, the call over: in wrap-up. */
    async function inWrapUp(h: AgentHarness, agent: TestAgent, over: Record<string, unknown> = {}) {
      const listId = await t().addList(`Codes list ${unique()}`);
      await addContacts(t(), listId, [{ phone: `+1415555${String(Math.floor(Math.random() * 9000) + 1000)}` }]);
      await h.online(agent);
      await h.campaign('Progressive', listId, over);
      await h.tick();
      const call = h.phone.calls.find((c) => c.req.agent?.id === agent.id && !c.ended)!.req.attemptId;
      await h.phone.answer(call);
      await h.phone.end(call, 'completed');
      expect((await h.row(agent)).state).toBe('WrapUp');
      return call;
    }

    it("refuses a code not in the bot's list (400 naming codes[0]), takes one in any case, and any code once cleared", async () => {
      const queue = `Queue ${unique()}`;
      await t().services.admin.createQueue({ accountId: t().tenant.accountId, iid: t().tenant.iid, name: queue });
      const h = agentHarness(t(), { queue });
      const ann = await h.createAgent(`Ann ${unique()}`);
      expect((await patch({ dispositionCodes: ['Sale', 'No Sale'] })).statusCode).toBe(200);

      const first = await inWrapUp(h, ann);
      const refused = await h.api(ann, 'POST', `/calls/${first}/disposition`, { codes: ['Maybe'] });
      const failure = expectEnvelope(refused, 400);
      expect(failure.errors[0]).toMatchObject({ code: 'VALIDATION_ERROR', field: 'codes[0]' });
      expect(failure.message).toBe("codes[0]: 'Maybe' is not one of 'Sale', 'No Sale'");
      expect((await h.row(ann)).state).toBe('WrapUp');
      const taken = await h.api(ann, 'POST', `/calls/${first}/disposition`, { codes: ['no sale'] });
      expect(taken.statusCode, taken.body).toBe(200);
      // Stored in the configured spelling.
      expect(taken.json()).toMatchObject({ codes: ['No Sale'] });

      // The campaign's own list wins over the bot's.
      const own = await inWrapUp(h, ann, { agentSettings: { dispositionCodes: ['Renewed'] } });
      const notOwn = await h.api(ann, 'POST', `/calls/${own}/disposition`, { codes: ['Sale'] });
      expect(expectEnvelope(notOwn, 400).message).toBe("codes[0]: 'Sale' is not one of 'Renewed'");
      expect((await h.api(ann, 'POST', `/calls/${own}/disposition`, { codes: ['Renewed'] })).statusCode).toBe(200);

      // Cleared: any code, seen at once (the list is not cached past the change).
      expect((await patch({ dispositionCodes: null })).statusCode).toBe(200);
      const later = await inWrapUp(h, ann);
      const anything = await h.api(ann, 'POST', `/calls/${later}/disposition`, { codes: ['Maybe'] });
      expect(anything.statusCode, anything.body).toBe(200);
      expect(anything.json()).toMatchObject({ codes: ['Maybe'] });
    });
  });
});

describe('campaignd bots configure --disposition-code', () => {
  const ROOT = path.resolve(import.meta.dirname, '../..');
  const dirs: string[] = [];
  afterAll(() => {
    for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
  });

  /** The real CLI through tsx, with only what it needs in its environment. */
  const cli = (args: string[], env: Record<string, string>) =>
    new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
      execFile(
        process.execPath,
        ['--import', 'tsx', 'src/cli/index.ts', ...args],
        { cwd: ROOT, env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env }, timeout: 120_000 },
        (err, stdout, stderr) =>
          resolve({ code: err ? (typeof err.code === 'number' ? err.code : -1) : 0, stdout, stderr }),
      );
    });
  const json = (r: { code: number; stdout: string; stderr: string }) => {
    expect(r.stderr, r.stderr).toBe('');
    expect(r.code).toBe(0);
    return JSON.parse(r.stdout) as Record<string, unknown>;
  };

  it(
    'sets the list from repeated options, shows it, clears it, and refuses what the admin API refuses',
    { timeout: 240_000 },
    async () => {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'campaignd-codes-'));
      dirs.push(dir);
      const env = { DATA_DIR: dir };
      const bot = ['--account-id', 'A', '--iid', 'st-codes'];
      json(await cli(['apps', 'create', ...bot, '--json'], env));

      const set = json(
        await cli(['bots', 'configure', ...bot, '--disposition-code', 'A', '--disposition-code', 'B', '--json'], env),
      );
      expect(set).toMatchObject({ accountId: 'A', iid: 'st-codes', dispositionCodes: ['A', 'B'] });
      expect(json(await cli(['bots', 'show', ...bot, '--json'], env))).toEqual(set);

      const [cleared, both, twice] = await Promise.all([
        cli(['bots', 'configure', ...bot, '--no-disposition-codes', '--json'], env),
        cli(['bots', 'configure', ...bot, '--no-disposition-codes', '--disposition-code', 'C'], env),
        cli(['bots', 'configure', ...bot, '--disposition-code', 'Sale', '--disposition-code', 'SALE'], env),
      ]);
      expect(json(cleared)).toEqual({ ...set, dispositionCodes: null });
      expect(both).toEqual({
        code: 1,
        stdout: '',
        stderr: 'campaignd: --disposition-code and --no-disposition-codes cannot be given together\n',
      });
      expect(twice).toEqual({
        code: 1,
        stdout: '',
        stderr: "campaignd: dispositionCodes[1]: 'SALE' is listed twice\n",
      });
      expect(json(await cli(['bots', 'show', ...bot, '--json'], env))).toMatchObject({ dispositionCodes: null });
    },
  );
});
