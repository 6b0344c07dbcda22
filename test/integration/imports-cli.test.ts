/**
 * The CLI import and the kill-during-import case, through real child processes on a temp SQLite
 * DATA_DIR or a PostgreSQL test database: `campaignd contacts import` is spawned exactly as a
 * user runs it.
 */
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { writeCsv } from '../../bench/import-bench.js';
import { ManualClock } from '../../src/shared/clock.js';
import { loadConfig } from '../../src/shared/config.js';
import { createServices } from '../../src/services.js';
import { secretBoxOf } from '../../src/start/secret-key.js';
import { openDb } from '../../src/storage/db.js';
import { createTestDb, DIALECTS, storedContacts, type TestDb } from '../support/test-db.js';

const ACCOUNT = 'c'.repeat(24);
const IID = 'st-cli-import';
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'campaignd-cli-import-'));
const env = { ...process.env, DATA_DIR: dir, LOG_LEVEL: 'silent', DATABASE_URL: '' };
const CLI = ['--import', 'tsx', 'src/cli/index.ts'];

function cli(...args: string[]) {
  return cliWith(env, ...args);
}

function cliWith(environment: NodeJS.ProcessEnv, ...args: string[]) {
  return spawnSync('node', [...CLI, ...args], { env: environment, encoding: 'utf8' });
}

afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('campaignd contacts import (CLI, SQLite)', () => {
  it('imports a CSV with --map into a list it creates, printing the job and plain progress lines', () => {
    expect(cli('apps', 'create', '--account-id', ACCOUNT, '--iid', IID, '--json').status).toBe(0);
    const csv = path.join(dir, 'leads.csv');
    fs.writeFileSync(csv, 'Mobile,Given name,notes\n(415) 555-2671,Ada,vip\n415 555 2671,Ada again,dup\nabc,Bob,\n');
    const noFile = cli(
      'contacts',
      'import',
      '--account-id',
      ACCOUNT,
      '--iid',
      IID,
      '--list',
      'CLI list',
      '--create',
      path.join(dir, 'absent.csv'),
    );
    expect(noFile.status).toBe(1);
    expect(noFile.stderr).toBe(`campaignd: ${path.join(dir, 'absent.csv')}: no such file\n`);
    const missing = cli('contacts', 'import', '--account-id', ACCOUNT, '--iid', IID, '--list', 'CLI list', csv);
    expect(missing.status).toBe(1);
    expect(missing.stderr).toContain("contact list 'CLI list' does not exist (use --create to create it)");

    const res = cli(
      'contacts',
      'import',
      '--account-id',
      ACCOUNT,
      '--iid',
      IID,
      '--list',
      'CLI list',
      '--create',
      '--map',
      'Mobile=phoneNumber',
      '--map',
      'Given name=firstName',
      '--json',
      csv,
    );
    expect(res.status, res.stderr).toBe(0);
    const job = JSON.parse(res.stdout);
    expect(job).toMatchObject({
      status: 'completed',
      source: 'csv',
      fileName: 'leads.csv',
      totalRows: 3,
      imported: 1,
      duplicates: 1,
      rejected: 1,
    });
    expect(res.stderr).toMatch(/^importing: 3 rows \(100%\), 1 imported, 1 duplicate, 1 rejected, \d+ rows\/s$/m);

    const badMap = cli(
      'contacts',
      'import',
      '--account-id',
      ACCOUNT,
      '--iid',
      IID,
      '--list',
      'CLI list',
      '--map',
      'Mobile=phone',
      csv,
    );
    expect(badMap.status).toBe(1);
    expect(badMap.stderr).toContain('Invalid --map');
  });
});

describe.each(DIALECTS)('campaignd contacts import killed mid-way (%s)', (dialect) => {
  let pg: TestDb | undefined;
  afterAll(() => pg?.dispose());

  it('leaves nothing partial when the importing process is killed, and recovery fails the job and frees the list', async () => {
    pg = dialect === 'postgres' ? await createTestDb('postgres') : undefined;
    const dataDir = fs.mkdtempSync(path.join(dir, `kill-${dialect}-`));
    const childEnv = { ...env, DATA_DIR: dataDir, DATABASE_URL: pg?.url ?? '' };
    expect(cliWith(childEnv, 'apps', 'create', '--account-id', ACCOUNT, '--iid', IID, '--json').status).toBe(0);
    const csv = path.join(dataDir, 'big.csv');
    writeCsv(csv, 200_000);
    const child = spawn(
      'node',
      [...CLI, 'contacts', 'import', '--account-id', ACCOUNT, '--iid', IID, '--list', 'Killed list', '--create', csv],
      { env: childEnv, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    const exited = new Promise<NodeJS.Signals | null>((resolve) =>
      child.on('exit', (_code, signal) => resolve(signal)),
    );
    let ended = false;
    let err = '';
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('exit', () => (ended = true));
    // The children's key: DATA_DIR's key file (start/secret-key.ts).
    const secrets = secretBoxOf(loadConfig({ DATA_DIR: dataDir }));
    const db = openDb(pg ? { databaseUrl: pg.url, secrets } : { dataDir, secrets });
    try {
      const k = db.kysely;
      // Killed once some batches are committed (progress lines can run a batch ahead of the commits:
      // PostgreSQL pipelines them), so rows are on disk.
      const committed = () =>
        k.selectFrom('imports').select('imported').where('status', '=', 'running').executeTakeFirst();
      while (!ended && !(Number((await committed())?.imported ?? 0) > 0))
        await new Promise((resolve) => setTimeout(resolve, 20));
      if (ended) throw new Error(`import ended before it could be killed: ${err}`);
      child.kill('SIGKILL');
      expect(await exited).toBe('SIGKILL');

      const tenant = { accountId: ACCOUNT, botId: IID };
      const services = createServices(db, new ManualClock(Date.now() + 120_000), loadConfig({ DATA_DIR: dataDir }));
      const list = await k
        .selectFrom('contact_lists')
        .selectAll()
        .where('name', '=', 'Killed list')
        .executeTakeFirstOrThrow();
      const job = await k.selectFrom('imports').selectAll().where('list_id', '=', list.id).executeTakeFirstOrThrow();
      expect(job.status).toBe('running');
      expect(Number(job.imported)).toBeGreaterThan(0);
      expect(Number(job.imported)).toBeLessThan(200_000);
      // Before recovery the written rows exist, beyond the list's visible_seq, so the list shows none of them.
      expect((await storedContacts(db, list.id)).length).toBe(Number(job.imported));
      expect([Number(list.total_record_count), Number(list.visible_seq)]).toEqual([0, 0]);
      expect(await services.contactLists.contactsPage(tenant, list.id, {})).toMatchObject({
        results: [],
        totalResults: 0,
      });
      expect(await services.dnc.blockedNumbers(tenant, [list.id], ['+14152000000'])).toEqual(new Set());

      expect(await services.imports.recoverAbandoned()).toEqual([job.id]);
      const after = await k.selectFrom('imports').selectAll().where('id', '=', job.id).executeTakeFirstOrThrow();
      expect(after).toMatchObject({ status: 'failed', imported: 0 });
      expect(after.error).toMatch(/^Import interrupted/);
      expect(await storedContacts(db, list.id)).toEqual([]);
      expect(await services.contactLists.contactsPage(tenant, list.id, {})).toMatchObject({
        results: [],
        totalResults: 0,
      });
      expect((await services.contactLists.get(tenant, list.id)).status).toBe('Ready');
      // A second sweep finds nothing: recovery is idempotent.
      expect(await services.imports.recoverAbandoned()).toEqual([]);
    } finally {
      await db.close();
    }

    // The list is free again: the next import starts at once, without waiting for the dead one.
    const small = path.join(dataDir, 'small.csv');
    fs.writeFileSync(small, 'phoneNumber\n4155552671\n4155552672\n');
    const again = cliWith(
      childEnv,
      'contacts',
      'import',
      '--account-id',
      ACCOUNT,
      '--iid',
      IID,
      '--list',
      'Killed list',
      '--json',
      small,
    );
    expect(again.status, again.stderr).toBe(0);
    expect(JSON.parse(again.stdout)).toMatchObject({ status: 'completed', imported: 2 });
    expect(again.stderr).not.toContain('waiting');
  });
});
