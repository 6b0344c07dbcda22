/**
 * `npm run bench -- import`: a generated CSV (BENCH_ROWS, default 1,000,000 rows, numbers in
 * shuffled order) imported by campaignd's CLI (the compiled build, as `campaignd contacts import`
 * runs it) and, in the same run, loaded by the database's own bulk loader twice:
 * - into a table with the same keys, indexes and NOT NULLs as campaignd's contacts (the baseline
 *   the target is set against: no correct importer can skip maintaining them);
 *   - SQLite: a copy of campaignd's freshly migrated database, so its own `contacts` (WITHOUT
 *     ROWID, key (list_no, seq)) and `contact_phones` (key (list_no, phone_e164, seq), which is
 *     SQLite's number index: migration 011) tables: the sqlite3 shell's `.import` into an in-memory
 *     temporary table, then one INSERT … SELECT into each (the numbers sorted, as a CREATE INDEX
 *     would), in one transaction (WAL, synchronous=NORMAL, campaignd's checkpoint interval);
 *   - PostgreSQL (a throwaway PostgreSQL 15 cluster, or BENCH_PG_URL): psql's `\copy` into
 *     `CREATE TABLE … (LIKE contacts INCLUDING ALL)` of campaignd's migrated database: key
 *     (list_no, seq), index (list_no, phone_e164), NOT NULLs (list_no, seq and created_at filled
 *     by defaults; the per-statement list check of migration 010 is a trigger LIKE leaves out);
 * - into a bare table (no indexes, no validation): the old baseline, printed so history stays readable.
 * Prints rows/s for each, both ratios and campaignd's peak RSS (GNU time's %M) per dialect.
 * Target: ratio against the indexed load >= 0.5, peak RSS < 256 MB. BENCH_ROUNDS repeats the runs
 * (noisy machines); BENCH_ORDER=ascending writes the numbers in ascending order instead
 * (docs/benchmarks.md); BENCH_DIALECTS=sqlite or =postgres runs one; BENCH_PROFILE=<dir> writes
 * campaignd's CPU profiles.
 * Then the imported list is exported back as CSV over HTTP and timed against the database's own CSV
 * writer, with the server's idle and peak RSS: flat memory (export-check.ts, docs/reports.md).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  createDatabase,
  dropDatabase,
  findPostgresBinDir,
  startPostgres,
  type PostgresServer,
} from '../test/support/postgres-server.js';
import { fmt } from './support.js';
import { campaigndExport, psqlCopyOut, reportExport, sqliteShellExport } from './export-check.js';

const root = path.resolve(import.meta.dirname, '..');
const ROWS = Number(process.env.BENCH_ROWS ?? process.env.IMPORT_BENCH_ROWS ?? 1_000_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 1);
const SHUFFLED = process.env.BENCH_ORDER !== 'ascending';
const DIALECTS = (process.env.BENCH_DIALECTS ?? 'sqlite,postgres').split(',');
const ACCOUNT = 'b'.repeat(24);
const IID = 'st-bench';
const HEADER = 'phoneNumber,firstName,lastName,email,timeZone';

/**
 * Unique, valid US numbers written the way CRMs export them (national format, no +): in
 * ascending order, or `shuffled` (a fixed permutation), as a CRM's export by name or date would be.
 */
export function writeCsv(file: string, rows: number, shuffled = false): void {
  const order = Int32Array.from({ length: rows }, (_, i) => i);
  if (shuffled) {
    // Fisher-Yates with a fixed LCG: the same file every run.
    let seed = 42;
    for (let i = rows - 1; i > 0; i--) {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      const j = seed % (i + 1);
      [order[i], order[j]] = [order[j]!, order[i]!];
    }
  }
  const fd = fs.openSync(file, 'w');
  try {
    fs.writeSync(fd, `${HEADER}\n`);
    const chunk: string[] = [];
    for (let k = 0; k < rows; k++) {
      const i = order[k]!;
      const exchange = 200 + Math.floor(i / 10_000);
      const line = String(i % 10_000).padStart(4, '0');
      chunk.push(`415${exchange}${line},First${i},Last${i},user${i}@example.com,America/Los_Angeles\n`);
      if (chunk.length === 10_000) {
        fs.writeSync(fd, chunk.join(''));
        chunk.length = 0;
      }
    }
    if (chunk.length > 0) fs.writeSync(fd, chunk.join(''));
  } finally {
    fs.closeSync(fd);
  }
}

interface Run {
  seconds: number;
  rssMb: number;
  /** For the export check (export-check.ts): the app that imported and the list it filled. */
  clientId: string;
  listId: string;
}

const cli = (...args: string[]) => [path.join(root, 'dist/cli/index.js'), ...args];

/** A JWT app for the bench tenant; as every CLI command does, it first migrates the database. */
function createApp(env: NodeJS.ProcessEnv): string {
  const app = JSON.parse(
    execFileSync('node', cli('apps', 'create', '--account-id', ACCOUNT, '--iid', IID, '--json'), {
      env,
      encoding: 'utf8',
    }),
  ) as { clientId: string };
  return app.clientId;
}

/** `campaignd contacts import` into a new list; seconds include process start, as a user sees them. */
function campaigndImport(env: NodeJS.ProcessEnv, csv: string, label: string, clientId: string): Run {
  const profile = process.env.BENCH_PROFILE
    ? [`--cpu-prof`, `--cpu-prof-dir=${path.resolve(process.env.BENCH_PROFILE, label)}`]
    : [];
  const started = performance.now();
  const res = spawnSync(
    '/usr/bin/time',
    [
      '-f',
      'maxrss_kb=%M',
      'node',
      ...profile,
      ...cli('contacts', 'import', '--account-id', ACCOUNT, '--iid', IID, '--list', 'Bench', '--create', '--json', csv),
    ],
    {
      env,
      encoding: 'utf8',
      maxBuffer: 64 * 1024 * 1024,
    },
  );
  const seconds = (performance.now() - started) / 1000;
  if (res.status !== 0) throw new Error(`campaignd import (${label}) failed: ${res.stderr}`);
  const job = JSON.parse(res.stdout.trim().split('\n').pop()!) as { imported: number; status: string; listId: string };
  if (job.status !== 'completed' || job.imported !== ROWS)
    throw new Error(`campaignd import (${label}) ended ${job.status} with ${job.imported} of ${ROWS} rows`);
  const kb = Number(/maxrss_kb=(\d+)/.exec(res.stderr)?.[1] ?? NaN);
  return { seconds, rssMb: kb / 1024, clientId, listId: job.listId };
}

function sqliteShellImport(dir: string, csv: string): number {
  const db = path.join(dir, 'bare.sqlite');
  const script = [
    'PRAGMA journal_mode = WAL;',
    'PRAGMA synchronous = NORMAL;',
    'CREATE TABLE contacts (phoneNumber TEXT, firstName TEXT, lastName TEXT, email TEXT, timeZone TEXT);',
    `.import --csv --skip 1 ${csv} contacts`,
  ].join('\n');
  const started = performance.now();
  execFileSync('/usr/bin/sqlite3', [db], { input: script, stdio: ['pipe', 'ignore', 'inherit'] });
  return (performance.now() - started) / 1000;
}

/**
 * The sqlite3 shell's load into campaignd's own tables, in a copy of its migrated (and still
 * contact-free) database `campaignd.sqlite` in `dataDir`.
 */
function sqliteIndexedImport(dir: string, dataDir: string, csv: string): number {
  const db = path.join(dir, 'indexed.sqlite');
  fs.copyFileSync(path.join(dataDir, 'campaignd.sqlite'), db);
  const script = [
    'PRAGMA journal_mode = WAL;',
    'PRAGMA synchronous = NORMAL;',
    'PRAGMA wal_autocheckpoint = 16384;',
    'PRAGMA temp_store = MEMORY;',
    'CREATE TEMP TABLE staging (phoneNumber TEXT, firstName TEXT, lastName TEXT, email TEXT, timeZone TEXT);',
    `.import --csv --skip 1 --schema temp ${csv} staging`,
    'BEGIN;',
    `INSERT INTO contacts (list_no, seq, phone_e164, phone_raw, first_name, last_name, time_zone, extra, created_at)
       SELECT 1, rowid, '+1' || phoneNumber, phoneNumber, firstName, lastName, timeZone, json_object('email', email), 0
       FROM temp.staging;`,
    `INSERT INTO contact_phones (list_no, phone_e164, seq)
       SELECT list_no, phone_e164, seq FROM contacts WHERE list_no = 1 ORDER BY phone_e164, seq;`,
    'COMMIT;',
  ].join('\n');
  const started = performance.now();
  execFileSync('/usr/bin/sqlite3', ['-bail', db], { input: script, stdio: ['pipe', 'ignore', 'inherit'] });
  const seconds = (performance.now() - started) / 1000;
  for (const f of [db, `${db}-wal`, `${db}-shm`]) fs.rmSync(f, { force: true });
  return seconds;
}

const psqlRun = (url: string, sql: string) =>
  execFileSync(path.join(findPostgresBinDir(), 'psql'), ['-X', '-q', '-v', 'ON_ERROR_STOP=1', '-d', url, '-c', sql], {
    stdio: ['ignore', 'ignore', 'inherit'],
  });

/**
 * psql's `\copy` into a table made LIKE campaignd's `contacts` (migrated in this database): the
 * same key, index and NOT NULLs. The CSV's number goes into phone_e164 (indexed); list_no, seq and
 * created_at come from defaults, phone_raw is left empty.
 */
function psqlIndexedCopy(url: string, csv: string): number {
  psqlRun(url, 'CREATE TABLE indexed_contacts (LIKE contacts INCLUDING ALL)');
  psqlRun(
    url,
    `ALTER TABLE indexed_contacts ALTER list_no SET DEFAULT 1, ALTER seq ADD GENERATED BY DEFAULT AS IDENTITY (CACHE 1000),
       ALTER phone_raw SET DEFAULT '', ALTER created_at SET DEFAULT 0`,
  );
  const started = performance.now();
  psqlRun(
    url,
    `\\copy indexed_contacts (phone_e164, first_name, last_name, extra, time_zone) FROM '${csv}' WITH (FORMAT csv, HEADER true)`,
  );
  const seconds = (performance.now() - started) / 1000;
  // Untimed: campaignd's import runs next on the same cores and database.
  psqlRun(url, 'DROP TABLE indexed_contacts');
  psqlRun(url, 'CHECKPOINT');
  return seconds;
}

function psqlCopy(url: string, csv: string): number {
  const run = (sql: string) => psqlRun(url, sql);
  run('CREATE TABLE bare_contacts (phoneNumber text, firstName text, lastName text, email text, timeZone text)');
  const started = performance.now();
  run(`\\copy bare_contacts FROM '${csv}' WITH (FORMAT csv, HEADER true)`);
  const seconds = (performance.now() - started) / 1000;
  // Untimed: the autovacuum a million new rows trigger would otherwise run during campaignd's
  // import, on the same cores.
  run('VACUUM ANALYZE bare_contacts');
  return seconds;
}

interface Baselines {
  /** Label and seconds of the load into a table with campaignd's indexes and constraints. */
  indexed: [string, number];
  /** Label and seconds of the load into a bare table (the old baseline). */
  bare: [string, number];
}

function report(dialect: string, base: Baselines, ours: Run): void {
  const ourRate = ROWS / ours.seconds;
  const rate = (seconds: number) => ROWS / seconds;
  const line = (label: string, seconds: number, note = '') =>
    console.log(
      `    ${label.padEnd(34)} ${seconds.toFixed(2).padStart(6)} s  ${fmt(rate(seconds)).padStart(9)} rows/s${note}`,
    );
  console.log(`  ${dialect}:`);
  line(...base.indexed);
  line(...base.bare);
  line('campaignd contacts import', ours.seconds, ' (process start included)');
  console.log(
    `    ratio campaignd / indexed load:    ${(ourRate / rate(base.indexed[1])).toFixed(2)}  (target >= 0.5)`,
  );
  console.log(`    ratio campaignd / bare load (old): ${(ourRate / rate(base.bare[1])).toFixed(2)}`);
  console.log(`    campaignd peak RSS:                ${ours.rssMb.toFixed(0)} MB  (target < 256 MB)`);
}

export async function runImportBench(): Promise<void> {
  execFileSync('npx', ['tsc', '-p', 'tsconfig.build.json'], { cwd: root, stdio: 'inherit' });
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'campaignd-import-bench-'));
  let pg: PostgresServer | undefined;
  try {
    const csv = path.join(dir, 'contacts.csv');
    writeCsv(csv, ROWS, SHUFFLED);
    fs.chmodSync(dir, 0o755); // a PostgreSQL server running as another user may read it
    console.log(
      `import: ${fmt(ROWS)} rows${SHUFFLED ? ' (numbers shuffled)' : ''}, ${(fs.statSync(csv).size / 1e6).toFixed(1)} MB CSV, ${os.availableParallelism()} CPUs, load ${os.loadavg()[0]!.toFixed(1)}`,
    );
    if (DIALECTS.includes('postgres')) pg = await startPostgres({ externalUrl: process.env.BENCH_PG_URL });
    for (let round = 1; round <= ROUNDS; round++) {
      if (ROUNDS > 1) console.log(` round ${round}/${ROUNDS}`);
      if (DIALECTS.includes('sqlite')) {
        const dataDir = path.join(dir, `campaignd-${round}`);
        const env = { ...process.env, DATA_DIR: dataDir, LOG_LEVEL: 'silent', DATABASE_URL: '' };
        const clientId = createApp(env);
        const bare = sqliteShellImport(dir, csv);
        const indexed = sqliteIndexedImport(dir, dataDir, csv);
        const ours = campaigndImport(env, csv, `sqlite-${round}`, clientId);
        report(
          'SQLite',
          { indexed: ['sqlite3 .import (indexed tables)', indexed], bare: ['sqlite3 .import (bare table)', bare] },
          ours,
        );
        const target = { env, cli, accountId: ACCOUNT, iid: IID, rows: ROWS, ...ours };
        reportExport(ROWS, 'sqlite3 .mode csv (bare table)', sqliteShellExport(dir), await campaigndExport(target));
        fs.rmSync(path.join(dir, 'bare.sqlite'), { force: true });
        fs.rmSync(path.join(dir, 'bare.sqlite-wal'), { force: true });
        fs.rmSync(dataDir, { recursive: true, force: true });
      }
      if (pg) {
        const name = `import_bench_${process.pid}_${round}`;
        const url = await createDatabase(pg.url, name);
        try {
          const env = { ...process.env, DATA_DIR: path.join(dir, 'unused'), LOG_LEVEL: 'silent', DATABASE_URL: url };
          const clientId = createApp(env);
          const bare = psqlCopy(url, csv);
          const indexed = psqlIndexedCopy(url, csv);
          const ours = campaigndImport(env, csv, `postgres-${round}`, clientId);
          report(
            'PostgreSQL',
            { indexed: ['psql \\copy (indexed table)', indexed], bare: ['psql \\copy (bare table)', bare] },
            ours,
          );
          const target = { env, cli, accountId: ACCOUNT, iid: IID, rows: ROWS, ...ours };
          const bareOut = psqlCopyOut(path.join(findPostgresBinDir(), 'psql'), url, dir);
          reportExport(ROWS, 'psql \\copy TO (bare table)', bareOut, await campaigndExport(target));
        } finally {
          await dropDatabase(pg.url, name);
        }
      }
    }
  } finally {
    await pg?.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
