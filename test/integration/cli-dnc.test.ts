/**
 * `campaignd dnc add|remove|lookup` as a user runs it: real child processes (through tsx, like
 * cli-agents.test.ts) on a SQLite DATA_DIR this test also opens, so what the CLI reports is checked
 * against the stored rows and the same use cases the admin API calls (dnc-management.test.ts runs
 * those on both dialects).
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSharedDbApp, type SharedDbApp } from '../support/engine-processes.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
const CLI = ['--import', 'tsx', 'src/cli/index.ts'];
/** Child processes start slowly on a busy machine; a deadline, never a sleep. */
const DEADLINE_MS = 120_000;
const SLOW = 240_000;

let s: SharedDbApp;
let list: string;

function cli(...args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
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

const rows = async () =>
  (
    await s.db.kysely
      .selectFrom('contacts')
      .innerJoin('contact_lists', 'contact_lists.list_no', 'contacts.list_no')
      .select(['contacts.phone_e164', 'contacts.expires_at'])
      .where('contact_lists.id', '=', list)
      .orderBy('contacts.seq')
      .execute()
  ).map((r) => [r.phone_e164, r.expires_at === null ? null : Number(r.expires_at)]);

beforeAll(async () => {
  s = await createSharedDbApp('sqlite');
  list = await s.addList('Do Not Call');
});

afterAll(async () => {
  await s?.dispose();
});

describe('campaignd dnc (CLI, SQLite)', () => {
  it('adds with and without an expiry, looks up and removes, with a line per number', { timeout: SLOW }, async () => {
    const added = await cli(
      'dnc',
      'add',
      ...tenantArgs(),
      '--list',
      'do not call',
      '--expires',
      '2099-01-01',
      '+14155550700',
      '(415) 555-0701',
      'garbage',
    );
    // A number that is not one fails the command (exit 1) after the others were added.
    expect(added.code, added.stderr).toBe(1);
    expect(added.stdout.split('\n')).toEqual([
      '+14155550700    added    +14155550700  until 2099-01-01T00:00:00.000Z',
      '(415) 555-0701  added    +14155550701  until 2099-01-01T00:00:00.000Z',
      expect.stringMatching(/^garbage {9}invalid {16}\S/),
      `list Do Not Call (${list}): 2 added, 1 invalid`,
      '',
    ]);
    expect(await rows()).toEqual([
      ['+14155550700', Date.parse('2099-01-01T00:00:00Z')],
      ['+14155550701', Date.parse('2099-01-01T00:00:00Z')],
    ]);

    // For good (no --expires) changes the expiry of a number already there; --json is one object.
    const forGood = await cli('dnc', 'add', ...tenantArgs(), '--list', 'Do Not Call', '--json', '+14155550700');
    expect(forGood.code, forGood.stderr).toBe(0);
    expect(JSON.parse(forGood.stdout)).toMatchObject({
      listId: list,
      counts: { updated: 1 },
      results: [{ input: '+14155550700', number: '+14155550700', result: 'updated', expiresAt: null }],
    });

    const looked = await cli('dnc', 'lookup', ...tenantArgs(), '--json', '4155550701');
    expect(looked.code, looked.stderr).toBe(0);
    expect(JSON.parse(looked.stdout)).toEqual({
      number: '+14155550701',
      onDnc: false, // no campaign uses the list as its DNC list and it is not the global one
      lists: [
        {
          listId: list,
          listName: 'Do Not Call',
          isGlobalDNC: false,
          dncListOf: [],
          expiresAt: '2099-01-01T00:00:00.000Z',
          active: true,
        },
      ],
    });

    const removed = await cli(
      'dnc',
      'remove',
      ...tenantArgs(),
      '--list',
      'Do Not Call',
      '+14155550700',
      '+14155550799',
    );
    expect(removed.code, removed.stderr).toBe(0);
    expect(removed.stdout).toContain('+14155550700  removed    +14155550700');
    expect(removed.stdout).toContain('+14155550799  not_found  +14155550799');
    expect(removed.stdout).toContain(`list Do Not Call (${list}): 1 removed, 1 not_found`);
    expect(await rows()).toEqual([['+14155550701', Date.parse('2099-01-01T00:00:00Z')]]);
  });

  it(
    'refuses a bad date, an unknown list and a number that is not one, writing nothing',
    { timeout: SLOW },
    async () => {
      const before = await rows();
      const badDate = await cli(
        'dnc',
        'add',
        ...tenantArgs(),
        '--list',
        'Do Not Call',
        '--expires',
        'soon',
        '+14155550710',
      );
      expect(badDate.code).toBe(1);
      expect(badDate.stderr).toMatch(/^campaignd: expiresAt: must be a date/);
      const noList = await cli('dnc', 'remove', ...tenantArgs(), '--list', 'Nope', '+14155550701');
      expect(noList.code).toBe(1);
      expect(noList.stderr).toBe("campaignd: Contact list 'Nope' not found\n");
      const badNumber = await cli('dnc', 'lookup', ...tenantArgs(), 'hello');
      expect(badNumber.code).toBe(1);
      expect(badNumber.stderr).toMatch(/^campaignd: number: /);
      expect(await rows()).toEqual(before);
    },
  );
});
