/**
 * Setup for the agents benchmark (agents-bench.ts): a migrated database on either dialect, one
 * tenant with a queue, N agents created through the admin service (Offline until the bench logs
 * them in), one Progressive campaign played through the real lifecycle, and its dial records
 * bulk-seeded the way engine-setup.ts seeds them.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { CampaignInput } from '../src/contract/campaign.js';
import { ManualClock } from '../src/shared/clock.js';
import { newHex24, newId } from '../src/shared/ids.js';
import { SecretBox } from '../src/shared/secret-box.js';
import { createServices } from '../src/services.js';
import { openDb, type Db, type DialectName } from '../src/storage/db.js';
import { migrate } from '../src/storage/migrations/index.js';
import { createDatabase, dropDatabase, startPostgres, type PostgresServer } from '../test/support/postgres-server.js';
import { ALL_DAY, T0, seedRecords, type BenchDb } from './engine-setup.js';

export { T0 };

export interface AgentsSetup extends BenchDb {
  /** Agent ids, in the order of the traffic's agent indexes. */
  agentIds: string[];
  wrapUpMs: number;
}

let pg: PostgresServer | undefined;

/** One throwaway PostgreSQL 15 per run (BENCH_PG_URL: use that server instead). */
async function pgServer(): Promise<PostgresServer> {
  pg ??= await startPostgres({ externalUrl: process.env.BENCH_PG_URL });
  return pg;
}

export async function stopAgentsPostgres(): Promise<void> {
  await pg?.stop();
  pg = undefined;
}

export async function openAgentsDb(
  dialect: DialectName,
  o: { agents: number; records: number; wrapUpSec: number },
): Promise<AgentsSetup> {
  let db: Db;
  let cleanup: () => Promise<void>;
  if (dialect === 'sqlite') {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'campaignd-agents-bench-'));
    db = openDb({ sqliteFile: path.join(dir, 'bench.sqlite'), secrets: SecretBox.ephemeral() });
    cleanup = async () => fs.rmSync(dir, { recursive: true, force: true });
  } else {
    const server = await pgServer();
    const name = `agents_bench_${crypto.randomBytes(4).toString('hex')}`;
    db = openDb({ databaseUrl: await createDatabase(server.url, name), poolSize: 10, secrets: SecretBox.ephemeral() });
    cleanup = () => dropDatabase(server.url, name);
  }
  try {
    await migrate(db);
    const clock = new ManualClock(T0);
    const services = createServices(db, clock, { defaultCountry: 'US' });

    const accountId = newHex24();
    const iid = newId('st');
    const t = { accountId, botId: iid };
    await services.admin.createApp({ accountId, iid, name: 'agents bench' });
    await services.admin.createQueue({ accountId, iid, name: 'Bench Queue' });
    await services.contactLists.create(t, { name: 'Bench List' });
    const agentIds: string[] = [];
    for (let i = 0; i < o.agents; i++) {
      const a = await services.agentAdmin.create({ accountId, iid, name: `Agent ${i + 1}`, queues: ['Bench Queue'] });
      agentIds.push(a.id);
    }
    const body = {
      name: 'Bench Progressive',
      contactLists: ['Bench List'],
      priority: '3',
      dialingMode: 'Progressive',
      campaignType: 'voice',
      queue_name: 'Bench Queue',
      agentSettings: { wrapUpSec: o.wrapUpSec },
      dialingStrategy: {
        callerId: { phoneNumber: '+15101234567' },
        callingHours: ALL_DAY,
        dialingOrder: 'FIFO',
        maxAttemptsPerRecord: 3,
        defaultRetryPeriod: 30,
        maxRingTime: 30,
      },
    } as CampaignInput;
    const c = await services.campaigns.create(t, body, 'voice', 'v1');
    const started = await services.instances.trigger(t, c.id, 'play');
    const b: AgentsSetup = {
      db,
      dialect,
      clock,
      services,
      instances: [{ id: started.campaignInstanceId!, campaignId: c.id }],
      campaignCap: o.agents,
      seeded: 0,
      doneBelow: 0,
      agentIds,
      wrapUpMs: o.wrapUpSec * 1000,
      dispose: async () => {
        await db.close();
        await cleanup();
      },
    };
    await seedRecords(b, o.records, 0, T0);
    return b;
  } catch (err) {
    await db.close();
    await cleanup();
    throw err;
  }
}
