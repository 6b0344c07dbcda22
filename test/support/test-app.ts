/**
 * An app on a fresh database with one tenant ready, for integration tests through app.inject:
 *
 *   describe.each(DIALECTS)('%s', (dialect) => {
 *     const t = useTestApp(dialect);
 *     it('...', async () => { const res = await t().kore('GET', '/campaign/x'); });
 *   });
 */
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll } from 'vitest';
import { buildApp } from '../../src/app.js';
import { ManualClock } from '../../src/shared/clock.js';
import { loadConfig, type Config } from '../../src/shared/config.js';
import { signHs256 } from '../../src/domain/tenancy/jwt.js';
import { newId, nowIso } from '../../src/shared/ids.js';
import { createServices, type Services } from '../../src/services.js';
import type { Provider } from '../../src/domain/telephony/provider.js';
import type { Db } from '../../src/storage/db.js';
import { ContactListsRepo } from '../../src/storage/repos/contact-lists-repo.js';
import { DialRecordsRepo } from '../../src/storage/repos/dial-records-repo.js';
import { TenancyRepo } from '../../src/storage/repos/tenancy-repo.js';
import { createTestDb, type DialectName, type TestDb } from './test-db.js';

export const T0 = Date.parse('2026-06-01T12:00:00.000Z');

export interface TestTenant {
  accountId: string;
  iid: string;
  clientId: string;
  clientSecret: string;
  token: string;
}

/** Repositories over the test's database, for setting up and checking stored state directly. */
export interface TestRepos {
  tenancy: TenancyRepo;
  contactLists: ContactListsRepo;
  records: DialRecordsRepo;
}

export function reposOf(db: Db): TestRepos {
  return {
    tenancy: new TenancyRepo(db.kysely, db.secrets),
    contactLists: new ContactListsRepo(db.kysely),
    records: new DialRecordsRepo(db),
  };
}

export interface TestApp {
  app: FastifyInstance;
  db: TestDb;
  clock: ManualClock;
  services: Services;
  repos: TestRepos;
  config: Config;
  tenant: TestTenant;
  /** Standard Kore headers for a tenant (default: the main one). */
  headers(t?: TestTenant): Record<string, string>;
  /** A Kore call under `/agentassist/api/v1/public/{iid}` (or the given prefix) with the tenant's headers. */
  kore(
    method: string,
    path: string,
    body?: unknown,
    opts?: { tenant?: TestTenant; prefix?: string; headers?: Record<string, string>; query?: Record<string, string> },
  ): Promise<LightMyRequestResponse>;
  /** Another tenant (account + bot + app) with the demo-like resources. */
  addTenant(): Promise<TestTenant>;
  /** Creates a contact list header directly (the contact-list API is tested on its own). */
  addList(name: string, t?: TestTenant): Promise<string>;
}

/** TestApp.kore for `app`: a Kore call under the tenant's public prefix, with its headers. */
export function koreCaller(app: FastifyInstance, headers: TestApp['headers'], tenant: TestTenant): TestApp['kore'] {
  return (method, path, body, o = {}) => {
    const t = o.tenant ?? tenant;
    const prefix = o.prefix ?? `/agentassist/api/v1/public/${t.iid}`;
    return app.inject({
      method: method as 'GET',
      url: `${prefix}${path}`,
      query: o.query,
      headers: { ...headers(t), ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...o.headers },
      payload: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });
  };
}

/** Creates a contact list header directly (the contact-list API is tested on its own); returns its id. */
export async function insertList(
  db: Db,
  clock: ManualClock,
  name: string,
  t: Pick<TestTenant, 'accountId' | 'iid'>,
): Promise<string> {
  const id = newId('cl');
  const now = nowIso(clock.now());
  await new ContactListsRepo(db.kysely).insert({
    id,
    account_id: t.accountId,
    bot_id: t.iid,
    name,
    lname: name.toLowerCase(),
    description: '',
    source: 'passiveApi',
    allow_duplicates: 0,
    is_global_dnc: 0,
    status: 'Ready',
    total_record_count: 0,
    created_at: now,
    updated_at: now,
  });
  return id;
}

export interface TestAppOptions {
  env?: Record<string, string>;
  /** The telephony provider buildApp gets (Send Outbound SMS uses it); default none. */
  provider?: Provider;
}

async function seedTenant(services: Services): Promise<TestTenant> {
  const accountId = Math.random().toString(16).slice(2).padEnd(24, '0').slice(0, 24);
  const iid = newId('st');
  const app = await services.admin.createApp({ accountId, iid, name: 'test app' });
  await services.admin.createFlow({ accountId, iid, name: 'Voice Survey Entry Flow', channel: 'voice' });
  await services.admin.createFlow({ accountId, iid, name: 'SMS Support Flow', channel: 'sms' });
  await services.admin.createQueue({ accountId, iid, name: 'Default Queue' });
  await services.admin.createTemplate({
    accountId,
    iid,
    name: 'Payment Reminder Template',
    message: 'Your payment is due.',
  });
  const token = signHs256({ sub: '1234567890', appId: app.clientId }, app.clientSecret);
  return { accountId, iid, clientId: app.clientId, clientSecret: app.clientSecret, token };
}

export async function createTestApp(dialect: DialectName, opts: TestAppOptions = {}): Promise<TestApp> {
  const db = await createTestDb(dialect);
  const clock = new ManualClock(T0);
  const config = loadConfig({
    DATA_DIR: '/nonexistent',
    RATE_LIMIT_PER_MINUTE: '0',
    AUTH_FAILURES_PER_MINUTE: '0',
    LOG_LEVEL: 'silent',
    ...opts.env,
  });
  const services = createServices(db, clock, config);
  const app = await buildApp({ config, db, clock, services, ...(opts.provider ? { provider: opts.provider } : {}) });
  const headers = (t: TestTenant = tenant) => ({ auth: t.token, accountId: t.accountId, iid: t.iid });
  const addList = (name: string, t: TestTenant = tenant) => insertList(db, clock, name, t);
  const tenant = await seedTenant(services);
  await addList('Recent Buyers - Q2 2025');
  await addList('Renewal Due - May/June 2025');
  return {
    app,
    db,
    clock,
    services,
    config,
    tenant,
    headers,
    addList,
    repos: reposOf(db),
    addTenant: async () => {
      const t = await seedTenant(services);
      await addList('Recent Buyers - Q2 2025', t);
      return t;
    },
    kore: koreCaller(app, headers, tenant),
  };
}

export function useTestApp(dialect: DialectName, opts: TestAppOptions = {}): () => TestApp {
  let t: TestApp | undefined;
  beforeAll(async () => {
    t = await createTestApp(dialect, opts);
  });
  afterAll(async () => {
    await t?.app.close();
    await t?.db.dispose();
  });
  return () => {
    if (!t) throw new Error('test app not ready');
    return t;
  };
}
