/**
 * `npm run bench -- engine`: the campaign engine's scheduler on SQLite and on PostgreSQL (a
 * throwaway PostgreSQL 15, or BENCH_PG_URL), with BENCH_RECORDS (default 1,000,000) dial records
 * spread over BENCH_CAMPAIGNS (default 50) Active campaigns started by play, all driven by the
 * real Engine.tick() on a ManualClock, the simulator at zero latency answering every call.
 *
 * (b) Cost of one tick when few records are due, at 1% / 10% / 100% of BENCH_RECORDS: one fresh
 *     database per size, half of its records final and half pending for another 7 days; before
 *     each measured tick 10 random pending records are made due (the tick must claim exactly
 *     those), and an idle tick (nothing due) follows. Median of BENCH_TICK_REPS (default 20),
 *     sizes measured in alternation. Baseline: the same tick on the smallest database; the ratio
 *     must stay ~1 (a tick costs O(due + in flight), not O(records)).
 * (a) Dial decisions per second on the largest database: the clock jumps so every pending record
 *     is due, and a tick claims up to BENCH_CAMPAIGN_CAP (default 40, Kore's default is 10)
 *     records per campaign. Counted: records claimed, attempted and handed to the provider per
 *     second of tick time, and per second of tick + outcome recording. Baseline, alternating
 *     round by round on the same database: a bare claim loop, one `UPDATE ... RETURNING *` of the
 *     same batch size per campaign (SKIP LOCKED on PostgreSQL). Runs until BENCH_SECONDS
 *     (default 15) of engine time, at least 2 rounds, per dialect.
 *
 * BENCH_DIALECTS=sqlite|postgres limits the run to one; BENCH_EXPLAIN=1 prints the plan of every
 * statement one tick runs, on both dialects, at the largest size.
 */
import { Kysely, PostgresDialect, sql, type LogEvent } from 'kysely';
import type { Db, DialectName } from '../src/storage/db.js';
import type { Database } from '../src/storage/schema.js';
import { CampaigndSqliteDialect } from '../src/storage/sqlite-dialect.js';
import {
  DAY,
  T0,
  benchEngine,
  makeDue,
  openBenchDb,
  seedRecords,
  stopPostgres,
  type BenchDb,
  type BenchEngine,
} from './engine-setup.js';
import { runScaleOutBench } from './scale-out-bench.js';
import { fmt } from './support.js';

const RECORDS = Number(process.env.BENCH_RECORDS ?? 1_000_000);
const CAMPAIGNS = Number(process.env.BENCH_CAMPAIGNS ?? 50);
const CAP = Number(process.env.BENCH_CAMPAIGN_CAP ?? 40);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 15);
const TICK_REPS = Number(process.env.BENCH_TICK_REPS ?? 20);
const DIALECTS = (process.env.BENCH_DIALECTS ?? 'sqlite,postgres').split(',').map((s) => s.trim()) as DialectName[];
const EXPLAIN = process.env.BENCH_EXPLAIN === '1';
const DUE = 10;
const SIZES = [...new Set([RECORDS / 100, RECORDS / 10, RECORDS].map((n) => Math.max(CAMPAIGNS * 4, Math.round(n))))];

interface TickRow {
  size: number;
  dueMs: number;
  idleMs: number;
  seedSec: number;
}

interface RateResult {
  rounds: number;
  claimed: number;
  tickMs: number;
  deliverMs: number;
  baseClaimed: number;
  baseMs: number;
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

/** A database of one size for (b), its engine, and the tick times measured on it. */
interface SizeRun {
  b: BenchDb;
  size: number;
  seedSec: number;
  engine: BenchEngine;
  due: number[];
  idle: number[];
}

/** One measured pair on `r`: a tick with DUE records due (then their outcomes), and an idle tick. */
async function measureTicks(r: SizeRun, record: boolean): Promise<void> {
  const { b, engine } = r;
  b.clock.advance(1000);
  const made = await makeDue(b, DUE);
  let t = performance.now();
  const rep = await engine.engine.tick();
  const dueMs = performance.now() - t;
  if (rep.claimed !== made || rep.accepted !== made)
    throw new Error(
      `${b.dialect}: ${made} records were due; the tick claimed ${rep.claimed}, accepted ${rep.accepted}`,
    );
  await engine.deliver();
  b.clock.advance(1000);
  t = performance.now();
  await engine.engine.tick();
  const idleMs = performance.now() - t;
  if (record) {
    r.due.push(dueMs);
    r.idle.push(idleMs);
  }
}

/**
 * (b): one fresh database per size (so each instance's records lie together, as play writes
 * them), half of the records final and half pending for 7 days more. The sizes are measured in
 * alternation, rep by rep, so machine noise hits them alike. Returns the rows and the largest
 * database, still open, for (a).
 */
async function tickCost(dialect: DialectName): Promise<{ rows: TickRow[]; largest: BenchDb }> {
  const runs: SizeRun[] = [];
  try {
    for (const size of SIZES) {
      const b = await openBenchDb(dialect, CAMPAIGNS, CAP);
      const started = performance.now();
      await seedRecords(b, size, Math.floor(size / 2), T0 + 7 * DAY);
      const seedSec = (performance.now() - started) / 1000;
      console.log(
        `  ${dialect}: ${fmt(size)} records seeded in ${seedSec.toFixed(1)} s (${fmt(size / seedSec)} rows/s)`,
      );
      runs.push({ b, size, seedSec, engine: benchEngine(b), due: [], idle: [] });
    }
    for (let w = 0; w < 2; w++) for (const r of runs) await measureTicks(r, false); // warm-up: JIT, policy cache, plans
    for (let i = 0; i < TICK_REPS; i++) for (const r of runs) await measureTicks(r, true);
  } catch (err) {
    for (const r of runs) await r.b.dispose();
    throw err;
  }
  for (const r of runs.slice(0, -1)) await r.b.dispose();
  const rows = runs.map((r) => ({ size: r.size, dueMs: median(r.due), idleMs: median(r.idle), seedSec: r.seedSec }));
  return { rows, largest: runs[runs.length - 1]!.b };
}

/** One baseline round: a bare claim of `batch` due records per campaign, one UPDATE ... RETURNING each. */
async function baselineRound(b: BenchDb, batch: number): Promise<number> {
  const now = b.clock.now();
  const lock = b.dialect === 'postgres' ? sql` FOR UPDATE SKIP LOCKED` : sql``;
  let n = 0;
  for (const inst of b.instances) {
    const res =
      await sql`UPDATE dial_records SET state = 'done', final_outcome = 'baseline', attempts = attempts + 1, updated_at = ${now}
      WHERE id IN (SELECT id FROM dial_records WHERE instance_id = ${inst.id} AND state = 'pending' AND next_at <= ${now}
                   ORDER BY next_at, order_key LIMIT ${batch}${lock})
      RETURNING *`.execute(b.db.kysely);
    n += res.rows.length;
  }
  return n;
}

/** (a): every record due; engine ticks and baseline rounds alternate until SECONDS of engine time. */
async function decisionRate(b: BenchDb): Promise<RateResult> {
  const { engine, deliver } = benchEngine(b);
  b.clock.set(T0 + 8 * DAY);
  const full = CAP * b.instances.length;
  const pending = await b.db.kysely
    .selectFrom('dial_records')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('state', '=', 'pending')
    .executeTakeFirstOrThrow();
  // Records per campaign left for full rounds (baseline + engine each take CAP per campaign).
  let left = Math.floor(Number(pending.n) / b.instances.length);
  const r: RateResult = { rounds: 0, claimed: 0, tickMs: 0, deliverMs: 0, baseClaimed: 0, baseMs: 0 };
  if (left < 4 * CAP)
    throw new Error(
      `${b.dialect}: ${fmt(Number(pending.n))} pending records are too few for ${CAP} claims per campaign and round; raise BENCH_RECORDS`,
    );
  // Warm-up round, not counted.
  await baselineRound(b, CAP);
  await engine.tick();
  await deliver();
  left -= 2 * CAP;
  while ((r.rounds < 2 || r.tickMs + r.deliverMs < SECONDS * 1000) && left >= 2 * CAP) {
    left -= 2 * CAP;
    b.clock.advance(1000);
    let t = performance.now();
    const nb = await baselineRound(b, CAP);
    r.baseMs += performance.now() - t;
    b.clock.advance(1000);
    t = performance.now();
    const rep = await engine.tick();
    const t2 = performance.now();
    await deliver();
    if (rep.accepted !== rep.claimed)
      throw new Error(`${b.dialect}: claimed ${rep.claimed} but the simulator accepted ${rep.accepted}`);
    r.tickMs += t2 - t;
    r.deliverMs += performance.now() - t2;
    r.rounds++;
    r.claimed += rep.claimed;
    r.baseClaimed += nb;
    if (rep.claimed !== full || nb !== full)
      throw new Error(`${b.dialect}: a round claimed ${rep.claimed} (engine) and ${nb} (baseline) of ${full}`);
  }
  // Every claimed record got exactly one attempt and its outcome; nothing is left out or leased.
  const open = await b.db.kysely
    .selectFrom('dial_records')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('state', 'in', ['leased', 'in_flight'])
    .executeTakeFirstOrThrow();
  const open2 = await b.db.kysely
    .selectFrom('attempts')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('outcome', 'is', null)
    .executeTakeFirstOrThrow();
  if (Number(open.n) !== 0 || Number(open2.n) !== 0)
    throw new Error(`${b.dialect}: ${open.n} records still out, ${open2.n} attempts without outcome`);
  return r;
}

/** Runs one tick (10 due) with every statement logged, then prints each distinct statement's plan. */
async function explainTick(b: BenchDb): Promise<void> {
  const seen = new Map<string, readonly unknown[]>();
  const log = (e: LogEvent) => {
    if (e.level === 'query' && !seen.has(e.query.sql)) seen.set(e.query.sql, e.query.parameters);
  };
  const kysely =
    b.dialect === 'sqlite'
      ? new Kysely<Database>({ dialect: new CampaigndSqliteDialect(b.db.sqlite!), log })
      : new Kysely<Database>({ dialect: new PostgresDialect({ pool: b.db.pool! }), log });
  const logged: Db = { ...b.db, kysely };
  const { engine, deliver } = benchEngine(b, logged);
  b.clock.advance(1000);
  await makeDue(b, DUE);
  await engine.tick();
  await deliver();
  console.log(`\n  ${b.dialect}: plans of the statements of one tick with ${DUE} due, ${fmt(b.seeded)} records`);
  for (const [text, params] of seen) {
    if (/^(begin|commit|rollback)/i.test(text.trim())) continue;
    console.log(`  > ${text.replace(/\s+/g, ' ').slice(0, 230)}`);
    let lines: string[];
    if (b.dialect === 'sqlite') {
      lines = (
        b.db.sqlite!.prepare(`EXPLAIN QUERY PLAN ${text}`).all(...(params as unknown[])) as { detail: string }[]
      ).map((r) => r.detail);
    } else {
      const analyze = /^\s*select/i.test(text) ? 'ANALYZE, TIMING OFF, ' : '';
      const res = await b.db.pool!.query<{ 'QUERY PLAN': string }>(
        `EXPLAIN (${analyze}COSTS OFF) ${text}`,
        params as unknown[],
      );
      lines = res.rows.map((r) => r['QUERY PLAN']);
    }
    for (const l of lines) console.log(`      ${l}`);
  }
}

async function runDialect(dialect: DialectName): Promise<{ ticks: TickRow[]; rate: RateResult }> {
  const { rows, largest } = await tickCost(dialect);
  try {
    if (EXPLAIN) await explainTick(largest);
    return { ticks: rows, rate: await decisionRate(largest) };
  } finally {
    await largest.dispose();
  }
}

const pad = (s: string, n: number): string => s.padStart(n);

export async function runEngineBench(): Promise<void> {
  console.log(
    `engine: ${fmt(RECORDS)} dial records over ${CAMPAIGNS} Active campaigns; dialects: ${DIALECTS.join(', ')}; sizes ${SIZES.map(fmt).join(' / ')}`,
  );
  const results = new Map<DialectName, { ticks: TickRow[]; rate: RateResult }>();
  try {
    for (const d of DIALECTS) results.set(d, await runDialect(d));
  } finally {
    await stopPostgres();
  }

  const names: Record<DialectName, string> = { sqlite: 'SQLite', postgres: 'PG' };
  console.log(
    `\nEngine (b): one scheduler tick, ${DUE} records due, the rest due in 7 days (median of ${TICK_REPS}; ratio = tick / tick at ${fmt(SIZES[0]!)})`,
  );
  const head = [
    'records'.padStart(10),
    ...DIALECTS.flatMap((d) => [
      pad(`${names[d]} tick ms`, 15),
      pad('ratio', 6),
      pad(`${names[d]} idle ms`, 15),
      pad('ratio', 6),
    ]),
  ];
  console.log(`  ${head.join(' | ')}`);
  for (let i = 0; i < SIZES.length; i++) {
    const cells = [fmt(SIZES[i]!).padStart(10)];
    for (const d of DIALECTS) {
      const rows = results.get(d)!.ticks;
      const row = rows[i]!;
      cells.push(
        pad(row.dueMs.toFixed(2), 15),
        pad((row.dueMs / rows[0]!.dueMs).toFixed(2), 6),
        pad(row.idleMs.toFixed(2), 15),
        pad((row.idleMs / rows[0]!.idleMs).toFixed(2), 6),
      );
    }
    console.log(`  ${cells.join(' | ')}`);
  }

  console.log(
    `\nEngine (a): dial decisions per second, every record due, up to ${CAP} claims per campaign per tick (${fmt(CAP * CAMPAIGNS)} per tick)`,
  );
  for (const d of DIALECTS) {
    const r = results.get(d)!.rate;
    const tickRate = (r.claimed * 1000) / r.tickMs;
    const fullRate = (r.claimed * 1000) / (r.tickMs + r.deliverMs);
    const baseRate = (r.baseClaimed * 1000) / r.baseMs;
    console.log(
      `  ${names[d]} (${r.rounds} rounds, ${fmt(r.claimed)} records dialed by the engine, ${fmt(r.baseClaimed)} claimed by the baseline)`,
    );
    console.log(`    engine, tick only (claim + attempt + dispatch)   ${pad(fmt(tickRate), 8)} decisions/s`);
    console.log(`    engine, tick + outcome recording                ${pad(fmt(fullRate), 8)} decisions/s`);
    console.log(`    baseline: bare UPDATE ... RETURNING claim loop  ${pad(fmt(baseRate), 8)} records/s`);
    console.log(`    ratio engine tick / baseline                    ${pad((tickRate / baseRate).toFixed(3), 8)}`);
    console.log(`    ratio engine incl. outcomes / baseline          ${pad((fullRate / baseRate).toFixed(3), 8)}`);
  }
  // P4: one and three `campaignd worker` processes on one PostgreSQL database (scale-out-bench.ts).
  if (DIALECTS.includes('postgres') && process.env.BENCH_SCALE_OUT !== '0') await runScaleOutBench();
}
