/**
 * Setup for the engine benchmark (engine-bench.ts): a migrated database on either dialect, one
 * tenant with N Active campaigns started through the real lifecycle (play), dial records bulk-seeded
 * straight into the real `dial_records` table, and an engine on a ManualClock whose simulated
 * outcomes wait in a queue until `deliver()`, like test/support/engine-harness.ts.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { ManualClock } from '../src/shared/clock.js';
import { SecretBox } from '../src/shared/secret-box.js';
import type { Engine } from '../src/domain/engine/engine.js';
import type { OutcomeReport } from '../src/domain/telephony/provider.js';
import { SimulatorProvider } from '../src/domain/telephony/simulator.js';
import type { CampaignInput } from '../src/contract/campaign.js';
import { newHex24, newId } from '../src/shared/ids.js';
import { createServices, type Services } from '../src/services.js';
import { openDb, type Db, type DialectName } from '../src/storage/db.js';
import { filterOnly } from '../src/storage/dialect.js';
import { migrate } from '../src/storage/migrations/index.js';
import { manualScheduler } from '../test/support/manual-scheduler.js';
import { createDatabase, dropDatabase, startPostgres, type PostgresServer } from '../test/support/postgres-server.js';

/** All day, every day, in the campaign zone or the contact's own: the window never blocks a due record. */
export const ALL_DAY = {
  frequency: 'DAILY',
  timezone: 'America/New_York',
  days: [{ day: 'MO', start: '12:00 AM', end: '11:59 PM' }],
};

/** Monday 2026-06-01 12:00 UTC: inside the campaigns' calling hours in every zone the records use. */
export const T0 = Date.parse('2026-06-01T12:00:00.000Z');
export const DAY = 24 * 3600_000;

/** Zones the seeded records cycle through; every fifth record has none (campaign zone applies). */
const ZONES = ['America/New_York', 'America/Chicago', 'America/Denver', 'America/Los_Angeles'];

export interface BenchInstance {
  id: string;
  campaignId: string;
}

export interface BenchDb {
  db: Db;
  dialect: DialectName;
  clock: ManualClock;
  services: Services;
  instances: BenchInstance[];
  /** Calls out at once per campaign (the bench bot's setting). */
  campaignCap: number;
  /** Records seeded; record n has id `dr-bench-n` and order_key n. */
  seeded: number;
  /** Records below this n are final; the others pending. */
  doneBelow: number;
  dispose(): Promise<void>;
}

let pg: PostgresServer | undefined;

/** One throwaway PostgreSQL 15 per run (BENCH_PG_URL: use that server instead). */
async function pgServer(): Promise<PostgresServer> {
  pg ??= await startPostgres({ externalUrl: process.env.BENCH_PG_URL });
  return pg;
}

export async function stopPostgres(): Promise<void> {
  await pg?.stop();
  pg = undefined;
}

/** `campaignCap`: the bench bot's campaign_max_concurrent, calls out at once per campaign (Kore's default is 10). */
export async function openBenchDb(dialect: DialectName, campaigns: number, campaignCap: number): Promise<BenchDb> {
  let db: Db;
  let cleanup: () => Promise<void>;
  if (dialect === 'sqlite') {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'campaignd-engine-bench-'));
    db = openDb({ sqliteFile: path.join(dir, 'bench.sqlite'), secrets: SecretBox.ephemeral() });
    cleanup = async () => fs.rmSync(dir, { recursive: true, force: true });
  } else {
    const server = await pgServer();
    const name = `engine_bench_${crypto.randomBytes(4).toString('hex')}`;
    db = openDb({ databaseUrl: await createDatabase(server.url, name), poolSize: 10, secrets: SecretBox.ephemeral() });
    cleanup = () => dropDatabase(server.url, name);
  }
  await migrate(db);
  const clock = new ManualClock(T0);
  const services = createServices(db, clock, { defaultCountry: 'US' });
  const instances = await startCampaigns(services, campaigns, campaignCap);
  return {
    db,
    dialect,
    clock,
    services,
    instances,
    campaignCap,
    seeded: 0,
    doneBelow: 0,
    dispose: async () => {
      await db.close();
      await cleanup();
    },
  };
}

/** A tenant and `n` Agentless campaigns created and played through the real services (on an empty list). */
async function startCampaigns(services: Services, n: number, campaignCap: number): Promise<BenchInstance[]> {
  const accountId = newHex24();
  const iid = newId('st');
  await services.admin.createApp({ accountId, iid, name: 'engine bench' });
  await services.admin.configureBot({ accountId, iid, campaignMaxConcurrent: campaignCap });
  await services.admin.createFlow({ accountId, iid, name: 'Bench Flow', channel: 'voice' });
  const t = { accountId, botId: iid };
  await services.contactLists.create(t, { name: 'Bench List' });
  const out: BenchInstance[] = [];
  for (let i = 0; i < n; i++) {
    const body: CampaignInput = {
      name: `Bench Campaign ${i}`,
      contactLists: ['Bench List'],
      priority: String(1 + (i % 5)),
      dialingMode: 'Agentless',
      campaignType: 'voice',
      experienceFlowName: 'Bench Flow',
      dialingStrategy: {
        callerId: { phoneNumber: '+15101234567' },
        callingHours: ALL_DAY,
        dialingOrder: 'FIFO',
        maxAttemptsPerRecord: 3,
        defaultRetryPeriod: 10,
        maxRingTime: 30,
      },
    } as CampaignInput;
    const c = await services.campaigns.create(t, body, 'voice', 'v1');
    const started = await services.instances.trigger(t, c.id, 'play');
    out.push({ id: started.campaignInstanceId!, campaignId: c.id });
  }
  return out;
}

/**
 * Writes `total` records the way play does: each instance's records in one contiguous run, in
 * order_key order, spread round-robin (record n belongs to instance n % campaigns, order_key n).
 * Records with n < doneBelow are final (dialed once earlier, `completed`, with that attempt); the
 * rest are pending with `next_at = nextAt`. One INSERT ... SELECT per instance over a generated
 * series (recursive CTE on SQLite, generate_series on PostgreSQL): the rows never pass through
 * JavaScript.
 */
export async function seedRecords(b: BenchDb, total: number, doneBelow: number, nextAt: number): Promise<void> {
  const step = b.instances.length;
  const zone = `CASE n % 5 ${ZONES.map((z, i) => `WHEN ${i} THEN '${z}'`).join(' ')} ELSE NULL END`;
  const phone = `'+1' || (2000000000 + n)`;
  const cols =
    'id, instance_id, campaign_id, contact_id, phone_e164, unique_id, time_zone, order_key, state, attempts, next_at, last_outcome, final_outcome, contact_data, updated_at';
  type Param = 'instance' | 'campaign' | 'nextAt' | 'now' | 'doneBelow';
  const values = (p: (name: Param) => string) =>
    `'dr-bench-' || n, ${p('instance')}, ${p('campaign')}, NULL, ${phone}, 'u' || n, ${zone}, n, ` +
    `CASE WHEN n < ${p('doneBelow')} THEN 'done' ELSE 'pending' END, CASE WHEN n < ${p('doneBelow')} THEN 1 ELSE 0 END, ${p('nextAt')}, ` +
    `CASE WHEN n < ${p('doneBelow')} THEN 'completed' END, CASE WHEN n < ${p('doneBelow')} THEN 'completed' END, ` +
    `'{"phoneNumber":"' || ${phone} || '","firstName":"First' || n || '"}', ${p('now')}`;
  const pgParams: Record<Param, string> = {
    instance: '$1',
    campaign: '$2',
    nextAt: '$3::bigint',
    now: '$4::bigint',
    doneBelow: '$5::bigint',
  };
  const now = b.clock.now();
  for (let k = 0; k < step && k < total; k++) {
    const inst = b.instances[k]!;
    if (b.dialect === 'sqlite') {
      b.db
        .sqlite!.prepare(
          // better-sqlite3 binds JS numbers as REAL: cast, or n would print as '12.0' in the text columns.
          `WITH RECURSIVE s(n) AS (SELECT CAST(@first AS INTEGER) UNION ALL SELECT n + CAST(@step AS INTEGER) FROM s WHERE n + @step < @end)
           INSERT INTO dial_records (${cols}) SELECT ${values((name) => `@${name}`)} FROM s`,
        )
        .run({ first: k, step, end: total, instance: inst.id, campaign: inst.campaignId, nextAt, now, doneBelow });
    } else {
      await b.db.pool!.query(
        `INSERT INTO dial_records (${cols}) SELECT ${values((name) => pgParams[name])} FROM generate_series($6::bigint, $7::bigint - 1, $8::bigint) AS n`,
        [inst.id, inst.campaignId, nextAt, now, doneBelow, k, total, step],
      );
    }
  }
  // A final record was dialed: its attempt is there, as in a run half done, so the engine inserts
  // and finishes attempts in a table (and indexes) of that size, not in an empty one. The ids sort
  // before every new one (`att-0-…` against version 7 `att-019…`), as older attempts' ids do.
  const dialedAt = now - DAY;
  await sql`INSERT INTO attempts (id, record_id, instance_id, attempt_no, channel, worker, started_at, ended_at, outcome, provider_outcome, account_id, phone_e164)
    SELECT 'att-0-' || r.id, r.id, r.instance_id, 1, 'voice', 'bench', ${dialedAt}, ${dialedAt + 60_000}, 'completed', 'completed', i.account_id, r.phone_e164
    FROM dial_records r JOIN campaign_instances i ON i.id = r.instance_id WHERE r.state = 'done'`.execute(b.db.kysely);
  b.seeded = total;
  b.doneBelow = doneBelow;
  await sql`UPDATE campaign_instances SET total_records = (SELECT count(*) FROM dial_records d WHERE d.instance_id = campaign_instances.id)`.execute(
    b.db.kysely,
  );
  // Autovacuum would analyze a table that grew this much within a minute; do it now so plans are steady-state.
  if (b.dialect === 'postgres') await sql`ANALYZE`.execute(b.db.kysely);
}

/** Makes `count` random pending records due now; returns how many were made due. */
export async function makeDue(b: BenchDb, count: number): Promise<number> {
  let made = 0;
  for (let tries = 0; made < count && tries < 20; tries++) {
    const pick = () => b.doneBelow + Math.floor(Math.random() * (b.seeded - b.doneBelow));
    const ids = Array.from({ length: count - made }, () => `dr-bench-${pick()}`);
    const res = await b.db.kysely
      .updateTable('dial_records')
      .set({ next_at: b.clock.now() })
      .where('id', 'in', [...new Set(ids)])
      // Found by key: without statistics SQLite would walk an index of every pending record (dialect.ts).
      .where(filterOnly('state'), '=', 'pending')
      .where('next_at', '>', b.clock.now())
      .executeTakeFirst();
    made += Number(res.numUpdatedRows);
  }
  return made;
}

export interface BenchEngine {
  engine: Engine;
  /** Delivers every queued simulated outcome and waits until all are stored. */
  deliver(): Promise<number>;
}

/**
 * The real engine and outcome handler on `db` (services.createEngine: DNC re-check and pre-call
 * lookup included; the bench bot has no pre-call URL), the simulator at zero latency always
 * answering (`completed`, final), the bot's per-campaign cap as openBenchDb set it, and line and
 * rate caps high enough never to be the limit. `db` defaults to the bench database; explain passes
 * one whose Kysely logs every statement.
 */
export function benchEngine(b: BenchDb, db: Db = b.db): BenchEngine {
  const services = db === b.db ? b.services : createServices(db, b.clock, { defaultCountry: 'US' });
  const { queue, scheduler } = manualScheduler();
  const stored: Promise<void>[] = [];
  const sink = {
    report: (r: OutcomeReport) => {
      const p = services.outcomes.report(r);
      stored.push(p);
      return p;
    },
  };
  const provider = new SimulatorProvider({
    sink,
    clock: b.clock,
    speed: 0,
    scheduler,
    mix: { completed: 1 },
    machineRate: 0,
  });
  const engine = services.createEngine({
    provider,
    maxConcurrentCalls: b.campaignCap * b.instances.length,
    callsPerSecond: 1e9,
    leaseMs: 120_000,
  });
  return {
    engine,
    deliver: async () => {
      const n = queue.length;
      for (const fn of queue.splice(0)) fn();
      await new Promise((r) => setImmediate(r));
      await Promise.all(stored.splice(0));
      return n;
    },
  };
}

/** The run's throwaway PostgreSQL 15 (or BENCH_PG_URL), started on first use; stopPostgres() stops it. */
export function benchPgServer(): Promise<PostgresServer> {
  return pgServer();
}

/**
 * openBenchDb's setup on an existing, empty PostgreSQL database at `databaseUrl` (the caller creates
 * and drops it), with secrets sealed by `secrets` and the campaigns played at `clock`'s time: for a
 * bench whose database other processes open too (scale-out-bench.ts), which need the same key
 * (SECRETS_KEY) and dial on the real clock. `dispose` only closes the connection.
 */
export async function openBenchDbAt(
  databaseUrl: string,
  secrets: SecretBox,
  clock: ManualClock,
  campaigns: number,
  campaignCap: number,
): Promise<BenchDb> {
  const db = openDb({ databaseUrl, poolSize: 10, secrets });
  await migrate(db);
  const services = createServices(db, clock, { defaultCountry: 'US' });
  const instances = await startCampaigns(services, campaigns, campaignCap);
  return {
    db,
    dialect: 'postgres',
    clock,
    services,
    instances,
    campaignCap,
    seeded: 0,
    doneBelow: 0,
    dispose: () => db.close(),
  };
}
