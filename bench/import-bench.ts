/**
 * `npm run bench -- import`: a generated CSV (IMPORT_BENCH_ROWS, default 1,000,000 rows) imported
 * by campaignd's CLI into a fresh SQLite database, and in the same run loaded by the sqlite3 shell's
 * `.import` into a bare table (no indexes, no validation): the floor of what SQLite can do with the
 * file. Prints rows/s for each, their ratio, and campaignd's peak RSS (GNU time's %M).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const ROWS = Number(process.env.IMPORT_BENCH_ROWS ?? 1_000_000);

/** Unique, valid US numbers written the way CRMs export them (national format, no +). */
export function writeCsv(file: string, rows: number): void {
  const fd = fs.openSync(file, 'w');
  try {
    fs.writeSync(fd, 'phoneNumber,firstName,lastName,email,timeZone\n');
    const chunk: string[] = [];
    for (let i = 0; i < rows; i++) {
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

function campaigndImport(dir: string, csv: string): { seconds: number; rssMb: number; imported: number } {
  const env = { ...process.env, DATA_DIR: path.join(dir, 'campaignd'), LOG_LEVEL: 'silent', DATABASE_URL: '' };
  const cli = ['--import', 'tsx', 'src/cli/index.ts'];
  execFileSync('node', [...cli, 'apps', 'create', '--account-id', 'b'.repeat(24), '--iid', 'st-bench', '--json'], { env, stdio: 'ignore' });
  const started = performance.now();
  const res = spawnSync('/usr/bin/time', ['-f', 'maxrss_kb=%M', 'node', ...cli, 'contacts', 'import', '--account-id', 'b'.repeat(24), '--iid', 'st-bench', '--list', 'Bench', '--create', '--json', csv], {
    env,
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  const seconds = (performance.now() - started) / 1000;
  if (res.status !== 0) throw new Error(`campaignd import failed: ${res.stderr}`);
  const job = JSON.parse(res.stdout.trim().split('\n').pop()!) as { imported: number; status: string };
  if (job.status !== 'completed') throw new Error(`import ended ${job.status}`);
  const kb = Number(/maxrss_kb=(\d+)/.exec(res.stderr)?.[1] ?? NaN);
  return { seconds, rssMb: kb / 1024, imported: job.imported };
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

export async function runImportBench(): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'campaignd-import-bench-'));
  try {
    const csv = path.join(dir, 'contacts.csv');
    writeCsv(csv, ROWS);
    console.log(`import: ${ROWS} rows, ${(fs.statSync(csv).size / 1e6).toFixed(1)} MB CSV`);
    const bare = sqliteShellImport(dir, csv);
    const ours = campaigndImport(dir, csv);
    if (ours.imported !== ROWS) throw new Error(`campaignd imported ${ours.imported} of ${ROWS} rows`);
    const bareRate = ROWS / bare;
    const ourRate = ROWS / ours.seconds;
    console.log(`  sqlite3 .import (bare table):  ${bare.toFixed(2)} s  ${Math.round(bareRate)} rows/s`);
    console.log(`  campaignd contacts import:     ${ours.seconds.toFixed(2)} s  ${Math.round(ourRate)} rows/s (process start included)`);
    console.log(`  ratio campaignd / sqlite3:     ${(ourRate / bareRate).toFixed(2)}  (target >= 0.5)`);
    console.log(`  campaignd peak RSS:            ${ours.rssMb.toFixed(0)} MB  (target < 256 MB)`);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
