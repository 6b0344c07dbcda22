/**
 * `npm run bench -- import`: a generated CSV (BENCH_ROWS, default 1,000,000 rows) imported by
 * campaignd's CLI (the compiled build, as `campaignd contacts import` runs it) and, in the same
 * run, loaded by the database's own bulk loader into a bare table (no indexes, no validation):
 * - SQLite: the sqlite3 shell's `.import` (WAL, synchronous=NORMAL, like campaignd's database);
 * - PostgreSQL (a throwaway PostgreSQL 15 cluster, or BENCH_PG_URL): psql's `\copy`.
 * Prints rows/s for each, their ratio and campaignd's peak RSS (GNU time's %M) per dialect.
 * Target: ratio >= 0.5, peak RSS < 256 MB. BENCH_ROUNDS repeats the pairs (noisy machines);
 * BENCH_ORDER=shuffled writes the numbers in random order instead of ascending (docs/benchmarks.md);
 * BENCH_DIALECTS=sqlite or =postgres runs one; BENCH_PROFILE=<dir> writes campaignd's CPU profiles.
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
const SHUFFLED = process.env.BENCH_ORDER === 'shuffled';
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

/** `campaignd contacts import` into a new list; seconds include process start, as a user sees them. */
function campaigndImport(env: NodeJS.ProcessEnv, csv: string, label: string): Run {
  const app = JSON.parse(
    execFileSync('node', cli('apps', 'create', '--account-id', ACCOUNT, '--iid', IID, '--json'), {
      env,
      encoding: 'utf8',
    }),
  ) as { clientId: string };
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
  return { seconds, rssMb: kb / 1024, clientId: app.clientId, listId: job.listId };
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

function psqlCopy(url: string, csv: string): number {
  const psql = path.join(findPostgresBinDir(), 'psql');
  const run = (sql: string) =>
    execFileSync(psql, ['-X', '-q', '-v', 'ON_ERROR_STOP=1', '-d', url, '-c', sql], {
      stdio: ['ignore', 'ignore', 'inherit'],
    });
  run('CREATE TABLE bare_contacts (phoneNumber text, firstName text, lastName text, email text, timeZone text)');
  const started = performance.now();
  run(`\\copy bare_contacts FROM '${csv}' WITH (FORMAT csv, HEADER true)`);
  const seconds = (performance.now() - started) / 1000;
  // Untimed: the autovacuum a million new rows trigger would otherwise run during campaignd's
  // import, on the same cores.
  run('VACUUM ANALYZE bare_contacts');
  return seconds;
}

function report(dialect: string, baseline: string, bareSeconds: number, ours: Run): void {
  const bareRate = ROWS / bareSeconds;
  const ourRate = ROWS / ours.seconds;
  console.log(`  ${dialect}:`);
  console.log(
    `    ${baseline.padEnd(34)} ${bareSeconds.toFixed(2).padStart(6)} s  ${fmt(bareRate).padStart(9)} rows/s`,
  );
  console.log(
    `    ${'campaignd contacts import'.padEnd(34)} ${ours.seconds.toFixed(2).padStart(6)} s  ${fmt(ourRate).padStart(9)} rows/s (process start included)`,
  );
  console.log(`    ratio campaignd / bare load:       ${(ourRate / bareRate).toFixed(2)}  (target >= 0.5)`);
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
        const bare = sqliteShellImport(dir, csv);
        const dataDir = path.join(dir, `campaignd-${round}`);
        const ours = campaigndImport(
          { ...process.env, DATA_DIR: dataDir, LOG_LEVEL: 'silent', DATABASE_URL: '' },
          csv,
          `sqlite-${round}`,
        );
        report('SQLite', 'sqlite3 .import (bare table)', bare, ours);
        const exportEnv = { ...process.env, DATA_DIR: dataDir, LOG_LEVEL: 'silent', DATABASE_URL: '' };
        const target = { env: exportEnv, cli, accountId: ACCOUNT, iid: IID, rows: ROWS, ...ours };
        reportExport(ROWS, 'sqlite3 .mode csv (bare table)', sqliteShellExport(dir), await campaigndExport(target));
        fs.rmSync(path.join(dir, 'bare.sqlite'), { force: true });
        fs.rmSync(path.join(dir, 'bare.sqlite-wal'), { force: true });
        fs.rmSync(dataDir, { recursive: true, force: true });
      }
      if (pg) {
        const name = `import_bench_${process.pid}_${round}`;
        const url = await createDatabase(pg.url, name);
        try {
          const bare = psqlCopy(url, csv);
          const ours = campaigndImport(
            { ...process.env, DATA_DIR: path.join(dir, 'unused'), LOG_LEVEL: 'silent', DATABASE_URL: url },
            csv,
            `postgres-${round}`,
          );
          report('PostgreSQL', 'psql \\copy (bare table)', bare, ours);
          const exportEnv = {
            ...process.env,
            DATA_DIR: path.join(dir, 'unused'),
            LOG_LEVEL: 'silent',
            DATABASE_URL: url,
          };
          const target = { env: exportEnv, cli, accountId: ACCOUNT, iid: IID, rows: ROWS, ...ours };
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
