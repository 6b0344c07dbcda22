/**
 * Get Campaign under load: campaignd (real auth, compiled build) against a minimal Fastify server
 * that verifies the same HS256 token and returns the same bytes. Both run as child processes and
 * are loaded by autocannon from this process, alternately, so machine noise hits both; the ratio
 * is what counts.
 * - SQLite: campaignd on its embedded database against the in-memory baseline (baseline-server.ts).
 *   Target: ratio >= 0.9.
 * - PostgreSQL (a throwaway PostgreSQL 15, or BENCH_PG_URL): campaignd with DATABASE_URL against a
 *   baseline that also makes the one round trip a fresh answer needs, a primary-key read of the
 *   campaign row through a pg.Pool of campaignd's size (pg-baseline-server.ts). Get is never cached
 *   on PostgreSQL (other servers write the same database). Prints p99 latency too. Target: >= 0.8.
 * BENCH_DIALECTS=sqlite or =postgres runs one; BENCH_ROUNDS, BENCH_DURATION; BENCH_PROFILE=<dir>
 * writes campaignd's CPU profile.
 */
import { execFileSync } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import autocannon from 'autocannon';
import { createDatabase, dropDatabase, startPostgres } from '../test/support/postgres-server.js';
import { fmt, freePort, startChild, stopChild } from './support.js';

const root = path.resolve(import.meta.dirname, '..');
const DURATION_S = Number(process.env.BENCH_DURATION ?? 10);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 2);
const DIALECTS = (process.env.BENCH_DIALECTS ?? 'sqlite,postgres').split(',');
const CONNECTIONS = 50;
/** campaignd's pg pool: openDb's default in src/storage/db.ts, which no setting changes. */
const PG_POOL_SIZE = 10;

interface Load {
  rps: number;
  p99: number;
}

async function load(url: string, headers: Record<string, string>): Promise<Load> {
  const result = await autocannon({ url, headers, connections: CONNECTIONS, duration: DURATION_S, pipelining: 1 });
  if (result.non2xx > 0 || result.errors > 0)
    throw new Error(`${url}: ${result.non2xx} non-2xx, ${result.errors} errors`);
  return { rps: result.requests.average, p99: result.latency.p99 };
}

/** campaignd serving the demo tenant, with one voice campaign created and its Get answer recorded. */
interface Served {
  child: ChildProcess;
  headers: Record<string, string>;
  secret: string;
  getUrl: string;
  /** The Get path below the host, which the baselines serve too. */
  getPath: string;
  bytes: Buffer;
  bodyFile: string;
}

async function startCampaignd(dataDir: string, env: Record<string, string>): Promise<Served> {
  const port = await freePort();
  const profile = process.env.BENCH_PROFILE ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_PROFILE}`] : [];
  const campaignd = await startChild(
    'node',
    [...profile, path.join(root, 'dist/start/server.js')],
    {
      PORT: String(port),
      HOST: '127.0.0.1',
      DATA_DIR: dataDir,
      DEMO: 'true',
      RATE_LIMIT_PER_MINUTE: '0',
      LOG_LEVEL: 'warn',
      ENGINE: 'false',
      ...env,
    },
    /JWT \(24 h\)\s+\S+[\s\S]*curl -s/,
  );
  try {
    const banner = campaignd.output();
    const grab = (label: RegExp) => label.exec(banner)![1]!;
    const accountId = grab(/accountId\s+(\S+)/);
    const iid = grab(/iid \(bot\)\s+(\S+)/);
    const secret = grab(/clientSecret\s+(\S+)/);
    const token = grab(/JWT \(24 h\)\s+(\S+)/);
    const headers = { auth: token, accountId, iid, 'content-type': 'application/json' };
    const base = `http://127.0.0.1:${port}/agentassist/api/v1/public/${iid}/campaign`;
    const createBody = /-d '(\{.*\})'/.exec(banner)![1]!;
    const created = (await (
      await fetch(`${base}?campaignType=voice`, { method: 'POST', headers, body: createBody })
    ).json()) as { id: string };
    const getUrl = `${base}/${created.id}`;
    const bytes = Buffer.from(await (await fetch(getUrl, { headers })).arrayBuffer());
    const bodyFile = path.join(dataDir, 'get-response.json');
    fs.writeFileSync(bodyFile, bytes);
    const getPath = new URL(getUrl).pathname;
    return { child: campaignd.child, headers, secret, getUrl, getPath, bytes, bodyFile };
  } catch (err) {
    await stopChild(campaignd.child);
    throw err;
  }
}

/**
 * Starts the baseline script, checks it answers campaignd's bytes, warms both up and loads them in
 * alternating rounds, baseline first.
 */
async function compare(
  ours: Served,
  script: string,
  env: Record<string, string>,
): Promise<{ ours: Load[]; theirs: Load[] }> {
  const basePort = await freePort();
  // `node --import tsx` rather than `npx tsx`: a SIGTERM then reaches the server itself, whose
  // output pipes would otherwise keep this process from ever exiting.
  const baseline = await startChild(
    'node',
    ['--import', 'tsx', path.join(root, 'bench', script)],
    { PORT: String(basePort), SECRET: ours.secret, BODY_FILE: ours.bodyFile, ...env },
    /listening/,
  );
  try {
    const baselineUrl = `http://127.0.0.1:${basePort}${ours.getPath}`;
    const { headers } = ours;
    const check = Buffer.from(await (await fetch(baselineUrl, { headers })).arrayBuffer());
    if (!check.equals(ours.bytes)) throw new Error('baseline does not return the same bytes');
    // Warm both up (JIT, caches, pool connections) before measuring.
    await autocannon({ url: ours.getUrl, headers, connections: CONNECTIONS, duration: 2 });
    await autocannon({ url: baselineUrl, headers, connections: CONNECTIONS, duration: 2 });
    const result = { ours: [] as Load[], theirs: [] as Load[] };
    for (let i = 0; i < ROUNDS; i++) {
      result.theirs.push(await load(baselineUrl, headers));
      result.ours.push(await load(ours.getUrl, headers));
    }
    return result;
  } finally {
    await stopChild(baseline.child);
  }
}

const avg = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

async function runSqlite(): Promise<void> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'campaignd-bench-'));
  try {
    const served = await startCampaignd(dataDir, {});
    try {
      const { ours, theirs } = await compare(served, 'baseline-server.ts', {});
      const a = avg(ours.map((l) => l.rps));
      const b = avg(theirs.map((l) => l.rps));
      console.log(
        `\nGet Campaign (${served.bytes.length} B response, ${CONNECTIONS} connections, ${ROUNDS} x ${DURATION_S}s each, alternating)`,
      );
      console.log(`  campaignd (auth + SQLite)   ${fmt(a)} req/s   rounds: ${ours.map((l) => fmt(l.rps)).join(', ')}`);
      console.log(
        `  baseline (in-memory)        ${fmt(b)} req/s   rounds: ${theirs.map((l) => fmt(l.rps)).join(', ')}`,
      );
      console.log(`  ratio campaignd/baseline    ${(a / b).toFixed(3)}   (target >= 0.9)`);
    } finally {
      await stopChild(served.child);
    }
  } finally {
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

async function runPostgres(): Promise<void> {
  const pg = await startPostgres({ externalUrl: process.env.BENCH_PG_URL });
  const name = `get_bench_${process.pid}`;
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'campaignd-bench-'));
  try {
    const url = await createDatabase(pg.url, name);
    // DATA_DIR still holds campaignd's secrets key; the data is in PostgreSQL.
    const served = await startCampaignd(dataDir, { DATABASE_URL: url });
    try {
      const env = { DATABASE_URL: url, POOL_SIZE: String(PG_POOL_SIZE) };
      const { ours, theirs } = await compare(served, 'pg-baseline-server.ts', env);
      const a = avg(ours.map((l) => l.rps));
      const b = avg(theirs.map((l) => l.rps));
      const line = (label: string, loads: Load[], rps: number) =>
        `  ${label.padEnd(33)} ${fmt(rps)} req/s   p99 ${fmt(avg(loads.map((l) => l.p99)))} ms   rounds: ${loads.map((l) => `${fmt(l.rps)} (p99 ${l.p99} ms)`).join(', ')}`;
      console.log(
        `\nGet Campaign on PostgreSQL (${served.bytes.length} B response, ${CONNECTIONS} connections, pool ${PG_POOL_SIZE}, ${ROUNDS} x ${DURATION_S}s each, alternating)`,
      );
      console.log(line('campaignd (auth + PostgreSQL)', ours, a));
      console.log(line('baseline (HS256 + 1 pg PK lookup)', theirs, b));
      console.log(`  ratio campaignd/baseline          ${(a / b).toFixed(3)}   (target >= 0.8)`);
    } finally {
      await stopChild(served.child);
    }
  } finally {
    await dropDatabase(pg.url, name).catch(() => {});
    await pg.stop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

export async function runGetCampaignBench(): Promise<void> {
  execFileSync('npx', ['tsc', '-p', 'tsconfig.build.json'], { cwd: root, stdio: 'inherit' });
  if (DIALECTS.includes('sqlite')) await runSqlite();
  if (DIALECTS.includes('postgres')) await runPostgres();
}
