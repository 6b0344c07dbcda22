/**
 * Scale-out (issue 17, P4), the last part of `npm run bench -- engine` when PostgreSQL is among
 * BENCH_DIALECTS (BENCH_SCALE_OUT=0 skips it): ONE and then THREE `campaignd worker` processes (the
 * compiled build, the system clock, the simulator ending every call at once as `completed`) dial
 * BENCH_SCALE_RECORDS (default 20,000) records, all due now, of BENCH_CAMPAIGNS (50) Active campaigns
 * in one PostgreSQL database (a fresh one per configuration, set up as the engine bench does).
 *
 * Measured: wall time from the workers' spawn until every record is final (polled every 200 ms),
 * records per second, the CPU each process used (/proc utime + stime; PostgreSQL's postmaster and
 * its backends when the server is our own), and the ratio 3 workers / 1 worker (target >= 2.5 where
 * there are cores for four busy processes). Duplicates: every call ends `completed` at its first
 * attempt, so any second attempt of a record is a second dial of it; attempts of one record that
 * overlap in time are counted too. Either one throws.
 *
 * BENCH_CAMPAIGN_CAP (40, as the engine bench): calls out at once per campaign, the bench bot's
 * setting; BENCH_SCALE_TICK_MS (50): the workers' ENGINE_TICK_MS; BENCH_PG_URL: an external server.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type pg from 'pg';
import { ManualClock } from '../src/shared/clock.js';
import { SecretBox } from '../src/shared/secret-box.js';
import { createDatabase, dropDatabase, type PostgresServer } from '../test/support/postgres-server.js';
import { benchPgServer, openBenchDbAt, seedRecords, stopPostgres } from './engine-setup.js';
import { fmt, stopChild } from './support.js';

const root = path.resolve(import.meta.dirname, '..');
const RECORDS = Number(process.env.BENCH_SCALE_RECORDS ?? 20_000);
const CAMPAIGNS = Number(process.env.BENCH_CAMPAIGNS ?? 50);
const CAP = Number(process.env.BENCH_CAMPAIGN_CAP ?? 40);
const TICK_MS = Number(process.env.BENCH_SCALE_TICK_MS ?? 50);
/** No record finished for this long: give up and show what the workers printed. */
const STALL_MS = 60_000;
/** The bench campaigns' window is 12:00 AM–11:59 PM (engine-setup.ts ALL_DAY) in these zones. */
const WINDOW_ZONES = ['America/New_York', 'America/Chicago', 'America/Denver', 'America/Los_Angeles'];

let clockTicks: number | undefined;
const ticksPerSecond = (): number => {
  if (clockTicks === undefined) {
    try {
      clockTicks = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      clockTicks = 100;
    }
  }
  return clockTicks;
};

/** Fields of /proc/<pid>/stat after the command name, so index 0 is field 3 (state). */
function procStat(pid: number): string[] | undefined {
  try {
    const text = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return text.slice(text.lastIndexOf(')') + 2).split(' ');
  } catch {
    return undefined;
  }
}

/** CPU seconds `pid` used itself (utime + stime), and with its waited-for children (+ cutime + cstime). */
function cpuOf(pid: number): { own: number; withExited: number } | undefined {
  const f = procStat(pid);
  if (!f) return undefined;
  const [ut, st, cut, cst] = [11, 12, 13, 14].map((i) => Number(f[i]));
  return { own: (ut! + st!) / ticksPerSecond(), withExited: (ut! + st! + cut! + cst!) / ticksPerSecond() };
}

/** PostgreSQL's CPU so far: the postmaster, its exited backends (cutime/cstime) and its live children. */
function postgresCpu(postmaster: number | undefined): number | undefined {
  if (postmaster === undefined) return undefined;
  const self = cpuOf(postmaster);
  if (!self) return undefined;
  let total = self.withExited;
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const f = procStat(Number(entry));
    if (f && Number(f[1]) === postmaster) total += cpuOf(Number(entry))?.own ?? 0;
  }
  return total;
}

function postmasterPid(server: PostgresServer): number | undefined {
  if (server.external || !server.baseDir) return undefined;
  try {
    const pid = Number(fs.readFileSync(path.join(server.baseDir, 'data', 'postmaster.pid'), 'utf8').split('\n')[0]);
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The window closes for the last minute of each day in each zone the records use. A run that would
 * cross it would wait up to a minute for nothing: wait until the last such minute has passed instead.
 */
async function avoidWindowGap(): Promise<void> {
  const minuteOfDay = (zone: string): number => {
    const parts = new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      hour: '2-digit',
      minute: '2-digit',
      hourCycle: 'h23',
    }).formatToParts(new Date());
    const get = (t: string) => Number(parts.find((p) => p.type === t)!.value);
    return get('hour') * 60 + get('minute');
  };
  for (;;) {
    const close = WINDOW_ZONES.filter((z) => minuteOfDay(z) >= 23 * 60 + 54);
    if (close.length === 0) return;
    console.log(`    (waiting: the calling window closes at 11:59 PM in ${close.join(', ')})`);
    await new Promise((r) => setTimeout(r, 15_000));
  }
}

/** Busy and total CPU time of the whole machine so far (/proc/stat), in clock ticks. */
function machineCpu(): { busy: number; total: number } {
  const f = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1, 9).map(Number);
  const total = f.reduce((s, x) => s + x, 0);
  return { busy: total - f[3]! - f[4]!, total };
}

/**
 * What the workers' PostgreSQL sessions were doing, sampled at each poll: running (no wait), waiting
 * on a lock (with the statement), idle inside a transaction (waiting on the worker), or another wait.
 */
class SessionSamples {
  private readonly counts = new Map<string, number>();
  private readonly lockStatements = new Map<string, number>();
  private total = 0;

  async sample(pool: pg.Pool): Promise<void> {
    const { rows } = await pool.query<{ state: string; type: string | null; event: string | null; q: string }>(
      `SELECT state, wait_event_type AS type, wait_event AS event, left(regexp_replace(query, '\\s+', ' ', 'g'), 70) AS q
         FROM pg_stat_activity
        WHERE datname = current_database() AND pid <> pg_backend_pid() AND backend_type = 'client backend'
          AND state IN ('active', 'idle in transaction')`,
    );
    for (const r of rows) {
      const what = r.state !== 'active' ? 'idle in transaction' : r.type === null ? 'running' : `${r.type}:${r.event}`;
      this.counts.set(what, (this.counts.get(what) ?? 0) + 1);
      if (r.type === 'Lock') this.lockStatements.set(r.q, (this.lockStatements.get(r.q) ?? 0) + 1);
      this.total++;
    }
  }

  /** Share of the samples that waited on a lock, and the statement that waited most. */
  lockWait(): { share: number; statement: string | undefined } {
    const waits = [...this.counts].filter(([k]) => k.startsWith('Lock:')).reduce((s, [, n]) => s + n, 0);
    const top = [...this.lockStatements].sort((a, b) => b[1] - a[1])[0];
    return { share: this.total === 0 ? 0 : waits / this.total, statement: top?.[0] };
  }

  /** The three commonest states in per cent of samples, and the statement most often waiting on a lock. */
  summary(): string {
    if (this.total === 0) return 'no busy session sampled';
    const pct = (n: number) => `${((n * 100) / this.total).toFixed(0)} %`;
    const top = [...this.counts].sort((a, b) => b[1] - a[1]).slice(0, 3);
    const lock = [...this.lockStatements].sort((a, b) => b[1] - a[1])[0];
    return (
      top.map(([k, n]) => `${k} ${pct(n)}`).join(', ') +
      (lock ? `; most waited on a lock: "${lock[0]}" (${pct(lock[1])})` : '')
    );
  }
}

interface Worker {
  child: ChildProcess;
  output: () => string;
}

function startWorker(databaseUrl: string, key: string, i: number, dataDir: string): Worker {
  const child = spawn('node', [path.join(root, 'dist/start/worker.js')], {
    env: {
      ...process.env,
      DATABASE_URL: databaseUrl,
      SECRETS_KEY: key,
      DATA_DIR: path.join(dataDir, `worker-${i}`),
      DEMO: 'false',
      LOG_LEVEL: 'warn',
      TELEPHONY_PROVIDER: 'simulator',
      SIMULATOR_SPEED: '0',
      SIMULATOR_ANSWER_RATE: '1',
      SIMULATOR_MACHINE_RATE: '0',
      SIMULATOR_SEED: String(i + 1),
      ENGINE_TICK_MS: String(TICK_MS),
      MAX_CONCURRENT_CALLS: '100000',
      CALLS_PER_SECOND: '100000',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  const keep = (d: Buffer) => {
    out = (out + d.toString()).slice(-20_000);
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  return { child, output: () => out };
}

interface RunResult {
  workers: number;
  seconds: number;
  workerCpu: number[];
  postgresCpu: number | undefined;
  dialsPerWorker: number[];
  attempts: number;
  attempted: number;
  overlapping: number;
  notCompleted: number;
  /** Share of the machine's CPU time that was busy during the run (every process, ours or not). */
  machineBusy: number;
  sessions: SessionSamples;
}

/** One configuration: a fresh database, `n` workers from spawn until every record is final. */
async function runWorkers(server: PostgresServer, n: number): Promise<RunResult> {
  const name = `scale_out_bench_${n}_${crypto.randomBytes(4).toString('hex')}`;
  const url = await createDatabase(server.url, name);
  const keyBytes = crypto.randomBytes(32);
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'campaignd-scale-out-'));
  const workers: Worker[] = [];
  try {
    const b = await openBenchDbAt(url, new SecretBox(keyBytes), new ManualClock(Date.now()), CAMPAIGNS, CAP);
    try {
      // Due a second ago on the real clock, which the workers use.
      await seedRecords(b, RECORDS, 0, Date.now() - 1000);
      await avoidWindowGap();
      const pool = b.db.pool!;
      const pending = async () =>
        Number(
          (await pool.query<{ n: string }>(`SELECT count(*) AS n FROM dial_records WHERE state <> 'done'`)).rows[0]!.n,
        );
      const postmaster = postmasterPid(server);
      const pgBefore = postgresCpu(postmaster);
      const machineBefore = machineCpu();
      const sessions = new SessionSamples();
      const started = performance.now();
      for (let i = 0; i < n; i++) workers.push(startWorker(url, keyBytes.toString('base64'), i, dataDir));
      let left = RECORDS;
      let progressAt = performance.now();
      for (;;) {
        await new Promise((r) => setTimeout(r, 200));
        const now = await pending();
        if (now === 0) break;
        await sessions.sample(pool);
        const dead = workers.find((w) => w.child.exitCode !== null || w.child.signalCode !== null);
        if (dead)
          throw new Error(`a worker exited (${dead.child.exitCode}) with ${now} records left:\n${dead.output()}`);
        if (now < left) [left, progressAt] = [now, performance.now()];
        else if (performance.now() - progressAt > STALL_MS)
          throw new Error(
            `${n} workers: ${now} records still not final after ${STALL_MS / 1000} s without progress:\n${workers.map((w) => w.output()).join('\n')}`,
          );
      }
      const seconds = (performance.now() - started) / 1000;
      // CPU before stopping: shutdown work is not part of the run.
      const workerCpu = workers.map((w) => cpuOf(w.child.pid!)?.own ?? NaN);
      const pgAfter = postgresCpu(postmaster);
      const machineAfter = machineCpu();
      await Promise.all(workers.splice(0).map((w) => stopChild(w.child)));

      const { rows: perWorker } = await pool.query<{ n: string }>(
        'SELECT count(*) AS n FROM attempts GROUP BY worker ORDER BY count(*) DESC',
      );
      const { rows } = await pool.query<{ attempts: string; attempted: string; overlapping: string; other: string }>(
        `SELECT (SELECT count(*) FROM attempts) AS attempts,
                (SELECT count(DISTINCT record_id) FROM attempts) AS attempted,
                (SELECT count(*) FROM attempts a JOIN attempts o ON o.record_id = a.record_id AND o.id > a.id
                  WHERE a.started_at < COALESCE(o.ended_at, 9223372036854775807)
                    AND o.started_at < COALESCE(a.ended_at, 9223372036854775807)) AS overlapping,
                (SELECT count(*) FROM dial_records WHERE final_outcome IS DISTINCT FROM 'completed') AS other`,
      );
      const r = rows[0]!;
      return {
        workers: n,
        seconds,
        workerCpu,
        postgresCpu: pgBefore !== undefined && pgAfter !== undefined ? pgAfter - pgBefore : undefined,
        dialsPerWorker: perWorker.map((w) => Number(w.n)),
        attempts: Number(r.attempts),
        attempted: Number(r.attempted),
        overlapping: Number(r.overlapping),
        notCompleted: Number(r.other),
        machineBusy: (machineAfter.busy - machineBefore.busy) / (machineAfter.total - machineBefore.total),
        sessions,
      };
    } finally {
      await b.dispose();
    }
  } finally {
    await Promise.all(workers.map((w) => stopChild(w.child)));
    fs.rmSync(dataDir, { recursive: true, force: true });
    await dropDatabase(server.url, name);
  }
}

const secs = (x: number | undefined): string => (x === undefined || Number.isNaN(x) ? '?' : `${x.toFixed(1)} s`);

/** What the measurements say limits the three-worker run, in one line. */
function limitedBy(one: RunResult, three: RunResult, cores: number, load: string): string {
  const ours = (r: RunResult) => r.workerCpu.reduce((s, x) => s + x, 0) + (r.postgresCpu ?? 0);
  const perRecord = (r: RunResult) => ((ours(r) * 1000) / RECORDS).toFixed(2);
  const pct = (x: number) => `${(x * 100).toFixed(0)} %`;
  const oursShare = ours(three) / (three.seconds * cores);
  const cpu =
    `the machine's ${cores} cores were ${pct(three.machineBusy)} busy (3 workers + PostgreSQL ${pct(oursShare)}, ` +
    `other processes the rest; load average ${load} before)`;
  const cost = `CPU per record ${perRecord(one)} ms with 1 worker, ${perRecord(three)} ms with 3`;
  const lock = three.sessions.lockWait();
  const claims = lock.statement?.includes('pg_advisory_xact_lock')
    ? `claims serialised: ${pct(lock.share)} of the 3 workers' busy sessions waited on the engines' one claim lock ` +
      `(beginClaim's pg_advisory_xact_lock), held by a worker that waits for CPU`
    : lock.share >= 0.1
      ? `${pct(lock.share)} of the 3 workers' busy sessions waited on a lock ("${lock.statement}")`
      : undefined;
  const parts = three.machineBusy >= 0.9 ? [`CPU: ${cpu}`, claims, cost] : [claims ?? 'not CPU alone', cpu, cost];
  return parts.filter(Boolean).join('; ');
}

export async function runScaleOutBench(): Promise<void> {
  execFileSync('npx', ['tsc', '-p', 'tsconfig.build.json'], { cwd: root, stdio: 'inherit' });
  const load = fs.readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
  const cores = os.cpus().length;
  let one: RunResult;
  let three: RunResult;
  try {
    const server = await benchPgServer();
    one = await runWorkers(server, 1);
    three = await runWorkers(server, 3);
  } finally {
    await stopPostgres();
  }
  const rate = (r: RunResult) => RECORDS / r.seconds;
  const pgCpu = (r: RunResult) => (r.postgresCpu === undefined ? '' : `; postgres ${secs(r.postgresCpu)}`);
  const cpus = (r: RunResult) => r.workerCpu.map((c, i) => `worker ${i + 1} ${secs(c)}`).join(', ');
  const duplicates = three.attempts - three.attempted + (one.attempts - one.attempted);
  const overlapping = one.overlapping + three.overlapping;
  console.log(
    `\nscale-out (PostgreSQL, ${fmt(RECORDS)} records, ${CAMPAIGNS} campaigns, ${CAP} calls per campaign, ENGINE_TICK_MS=${TICK_MS})`,
  );
  for (const r of [one, three])
    console.log(
      `  ${`${r.workers} worker${r.workers > 1 ? 's' : ''}`.padEnd(10)} ${fmt(rate(r)).padStart(7)} records/s` +
        `   (${r.seconds.toFixed(2)} s; dials per worker ${r.dialsPerWorker.map(fmt).join(' / ')})   CPU: ${cpus(r)}${pgCpu(r)}`,
    );
  console.log(
    `  ratio 3 / 1 workers      ${(rate(three) / rate(one)).toFixed(2)}×   (target >= 2.5 with the cores for it; this machine has ${cores})`,
  );
  console.log(
    `  duplicate attempts       ${duplicates}   (${fmt(one.attempts + three.attempts)} attempts of ${fmt(one.attempted + three.attempted)} records; ${overlapping} overlapping)`,
  );
  for (const r of [one, three])
    console.log(
      `  sessions, ${r.workers} worker${r.workers > 1 ? 's' : ''}: ${r.sessions.summary()}; machine CPU ${(r.machineBusy * 100).toFixed(0)} % busy`,
    );
  console.log(`  limited by: ${limitedBy(one, three, cores, load)}`);
  if (duplicates > 0 || overlapping > 0)
    throw new Error(`scale-out: ${duplicates} duplicate attempts, ${overlapping} overlapping attempts`);
  const notDone = one.notCompleted + three.notCompleted;
  if (notDone > 0) throw new Error(`scale-out: ${notDone} records ended other than 'completed'`);
}
