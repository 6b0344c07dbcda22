/**
 * `campaignd webhooks add|list|pause|resume|deliveries|replay|delete` as a user runs it: real child
 * processes on a SQLite DATA_DIR this test also opens (like cli-dnc.test.ts); the use cases behind
 * them are tested on both dialects by event-webhooks.test.ts.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSharedDbApp, type SharedDbApp } from '../support/engine-processes.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
const CLI = ['--import', 'tsx', 'src/cli/index.ts'];
const DEADLINE_MS = 120_000;

let s: SharedDbApp;

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

beforeAll(async () => {
  s = await createSharedDbApp('sqlite');
});
afterAll(async () => {
  await s?.dispose();
});

describe('campaignd webhooks', () => {
  it(
    'adds (with a generated secret), lists, pauses, resumes, replays, shows deliveries and deletes',
    { timeout: 6 * DEADLINE_MS },
    async () => {
      const acct = ['--account-id', s.tenant.accountId];
      const add = await cli(
        'webhooks',
        'add',
        ...acct,
        '--url',
        'http://127.0.0.1:9/hook',
        '--events',
        'attempt.ended,instance.completed',
        '--json',
      );
      expect(add.code, add.stderr).toBe(0);
      const made = JSON.parse(add.stdout) as { id: string; secret: string; status: string; eventTypes: string[] };
      expect(made.secret).toMatch(/^whsec_/);
      expect(made).toMatchObject({ status: 'active', eventTypes: ['attempt.ended', 'instance.completed'] });
      const stored = await s.db.kysely.selectFrom('webhook_subscriptions').select('secret').executeTakeFirstOrThrow();
      expect(stored.secret).not.toContain(made.secret.slice(6));

      const list = await cli('webhooks', 'list', ...acct);
      expect(list.stdout).toContain(made.id);
      expect(list.stdout).not.toContain(made.secret);
      expect((await cli('webhooks', 'pause', made.id, ...acct)).stdout).toMatch(/paused/);
      expect((await cli('webhooks', 'resume', made.id, ...acct)).stdout).toMatch(/active/);
      expect((await cli('webhooks', 'replay', made.id, ...acct, '--from', '0', '--json')).stdout).toContain(
        '"cursor":0',
      );
      const log = await cli('webhooks', 'deliveries', made.id, ...acct, '--json');
      expect(JSON.parse(log.stdout)).toEqual({ deliveries: [] });
      const bad = await cli('webhooks', 'add', ...acct, '--url', 'http://127.0.0.1:9/x', '--events', 'no.such');
      expect(bad.code).not.toBe(0);
      expect(bad.stderr).toMatch(/unknown event type no\.such/);
      expect((await cli('webhooks', 'delete', made.id, ...acct)).code).toBe(0);
      const gone = await cli('webhooks', 'pause', made.id, ...acct);
      expect(gone.code).toBe(1);
      expect(gone.stderr).toMatch(/not found/);
    },
  );
});
