/**
 * What Send Outbound SMS needs configured: SMS flows' phone numbers and the Outbound SMS scope,
 * through the admin API (both dialects) and the CLI (a child process, SQLite).
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { LightMyRequestResponse } from 'fastify';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/shared/config.js';
import { secretBoxOf } from '../../src/start/secret-key.js';
import { openDb } from '../../src/storage/db.js';
import { migrate } from '../../src/storage/migrations/index.js';
import { expectEnvelope } from '../support/failure-envelope.js';
import { useTestApp, type TestApp } from '../support/test-app.js';
import { DIALECTS } from '../support/test-db.js';

const ADMIN_TOKEN = 'test-admin-token-0123456789abcdef';

function admin(t: TestApp, method: 'POST' | 'PUT', url: string, body: unknown): Promise<LightMyRequestResponse> {
  return t.app.inject({
    method,
    url: `/admin/v1${url}`,
    headers: { 'content-type': 'application/json', authorization: `Bearer ${ADMIN_TOKEN}` },
    payload: JSON.stringify(body),
  });
}

describe.each(DIALECTS)('flow numbers and app scopes through the admin API on %s', (dialect) => {
  const t = useTestApp(dialect, { env: { ADMIN_TOKEN } });
  const tenant = () => ({ accountId: t().tenant.accountId, iid: t().tenant.iid });
  const stored = (flowId: string) =>
    t()
      .db.kysely.selectFrom('flow_numbers')
      .select(['bot_id', 'phone_e164'])
      .where('flow_id', '=', flowId)
      .orderBy('phone_e164')
      .execute();

  it('creates an SMS flow with numbers, sorted and deduplicated, and stores them', async () => {
    const res = await admin(t(), 'POST', '/flows', {
      ...tenant(),
      name: 'Numbers A',
      channel: 'SMS',
      phoneNumbers: ['+19876543210', '+14155550100', '+19876543210'],
    });
    expect(res.statusCode, res.body).toBe(201);
    const flow = res.json();
    expect(flow).toEqual({
      id: expect.stringMatching(/^cf-/),
      ...tenant(),
      name: 'Numbers A',
      channel: 'sms',
      phoneNumbers: ['+14155550100', '+19876543210'],
    });
    expect(await stored(flow.id)).toEqual([
      { bot_id: t().tenant.iid, phone_e164: '+14155550100' },
      { bot_id: t().tenant.iid, phone_e164: '+19876543210' },
    ]);
  });

  it('refuses numbers on a voice flow, a bad number, and one another flow of the bot holds; nothing written', async () => {
    const voice = await admin(t(), 'POST', '/flows', {
      ...tenant(),
      name: 'Voice Numbers',
      channel: 'voice',
      phoneNumbers: ['+15550000001'],
    });
    expect(expectEnvelope(voice, 400).errors[0]).toMatchObject({ field: 'phoneNumbers', code: 'VALIDATION_ERROR' });
    const bad = await admin(t(), 'POST', '/flows', {
      ...tenant(),
      name: 'Bad Numbers',
      channel: 'sms',
      phoneNumbers: ['+15550000001', '5550000002'],
    });
    const badBody = expectEnvelope(bad, 400);
    expect(badBody.errors[0]).toMatchObject({ field: 'phoneNumbers' });
    expect(badBody.message).toMatch(/phoneNumbers\[1\]: "5550000002" is not an E.164 number/);
    await admin(t(), 'POST', '/flows', { ...tenant(), name: 'Holder', channel: 'sms', phoneNumbers: ['+15550000009'] });
    const taken = await admin(t(), 'POST', '/flows', {
      ...tenant(),
      name: 'Taker',
      channel: 'sms',
      phoneNumbers: ['+15550000009'],
    });
    const takenBody = expectEnvelope(taken, 409);
    expect(takenBody.errors[0]).toMatchObject({ field: 'phoneNumbers', code: 'CONFLICT' });
    expect(takenBody.message).toMatch(/\+15550000009 is already attached to experience flow 'Holder'/);
    const names = await t()
      .db.kysely.selectFrom('flows')
      .select('name')
      .where('bot_id', '=', t().tenant.iid)
      .where('name', 'in', ['Voice Numbers', 'Bad Numbers', 'Taker'])
      .execute();
    expect(names).toEqual([]);
    // Another bot may use the same number.
    const other = await t().addTenant();
    const elsewhere = await admin(t(), 'POST', '/flows', {
      accountId: other.accountId,
      iid: other.iid,
      name: 'Holder',
      channel: 'sms',
      phoneNumbers: ['+15550000009'],
    });
    expect(elsewhere.statusCode, elsewhere.body).toBe(201);
  });

  it('replaces and clears the numbers of an SMS flow', async () => {
    const flow = (
      await admin(t(), 'POST', '/flows', {
        ...tenant(),
        name: 'Changing',
        channel: 'sms',
        phoneNumbers: ['+15550001001'],
      })
    ).json();
    const put = await admin(t(), 'PUT', `/flows/${flow.id}/phone-numbers`, {
      ...tenant(),
      phoneNumbers: ['+15550001003', '+15550001002'],
    });
    expect(put.statusCode, put.body).toBe(200);
    expect(put.json()).toEqual({
      id: flow.id,
      ...tenant(),
      name: 'Changing',
      channel: 'sms',
      phoneNumbers: ['+15550001002', '+15550001003'],
    });
    expect((await stored(flow.id)).map((r) => r.phone_e164)).toEqual(['+15550001002', '+15550001003']);
    // Keeping one's own number is no conflict.
    const again = await admin(t(), 'PUT', `/flows/${flow.id}/phone-numbers`, {
      ...tenant(),
      phoneNumbers: ['+15550001002'],
    });
    expect(again.json().phoneNumbers).toEqual(['+15550001002']);
    const cleared = await admin(t(), 'PUT', `/flows/${flow.id}/phone-numbers`, { ...tenant(), phoneNumbers: [] });
    expect(cleared.json().phoneNumbers).toEqual([]);
    expect(await stored(flow.id)).toEqual([]);
  });

  it('refuses to change numbers of a voice flow, an unknown flow, or to a number another flow holds', async () => {
    const voice = (await admin(t(), 'POST', '/flows', { ...tenant(), name: 'Voice Only', channel: 'voice' })).json();
    expect(voice).not.toHaveProperty('phoneNumbers');
    expectEnvelope(
      await admin(t(), 'PUT', `/flows/${voice.id}/phone-numbers`, { ...tenant(), phoneNumbers: ['+15550002001'] }),
      400,
    );
    const unknown = await admin(t(), 'PUT', '/flows/cf-nope/phone-numbers', { ...tenant(), phoneNumbers: [] });
    expect(expectEnvelope(unknown, 404).message).toBe('Experience flow cf-nope not found');
    const a = (
      await admin(t(), 'POST', '/flows', { ...tenant(), name: 'Keeps', channel: 'sms', phoneNumbers: ['+15550002002'] })
    ).json();
    const b = (await admin(t(), 'POST', '/flows', { ...tenant(), name: 'Wants', channel: 'sms' })).json();
    expect(b.phoneNumbers).toEqual([]);
    expectEnvelope(
      await admin(t(), 'PUT', `/flows/${b.id}/phone-numbers`, { ...tenant(), phoneNumbers: ['+15550002002'] }),
      409,
    );
    expect((await stored(a.id)).map((r) => r.phone_e164)).toEqual(['+15550002002']);
    expect(await stored(b.id)).toEqual([]);
    // A flow of another account's bot reads as missing.
    const other = await t().addTenant();
    expectEnvelope(
      await admin(t(), 'PUT', `/flows/${a.id}/phone-numbers`, {
        accountId: other.accountId,
        iid: other.iid,
        phoneNumbers: [],
      }),
      404,
    );
  });

  it('creates apps with the scopes asked for; by default Campaign Management only', async () => {
    const scopesOf = async (clientId: string) =>
      (
        await t()
          .db.kysely.selectFrom('app_scopes')
          .select('scope')
          .where('app_id', '=', clientId)
          .orderBy('scope')
          .execute()
      ).map((r) => r.scope);
    const plain = (await admin(t(), 'POST', '/apps', { ...tenant() })).json();
    expect(plain.scopes).toEqual(['Campaign Management']);
    expect(await scopesOf(plain.clientId)).toEqual(['campaign_management']);
    const sms = (await admin(t(), 'POST', '/apps', { ...tenant(), scopes: ['Outbound SMS'] })).json();
    expect(sms.scopes).toEqual(['Outbound SMS']);
    expect(await scopesOf(sms.clientId)).toEqual(['outbound_sms']);
    const both = (
      await admin(t(), 'POST', '/apps', {
        ...tenant(),
        scopes: ['outbound-sms', 'CAMPAIGN_MANAGEMENT', 'outbound sms'],
      })
    ).json();
    expect(both.scopes).toEqual(['Outbound SMS', 'Campaign Management']);
    expect(await scopesOf(both.clientId)).toEqual(['campaign_management', 'outbound_sms']);
    const before = await t().db.kysely.selectFrom('apps').select('id').execute();
    for (const scopes of [['Configuration'], []]) {
      const res = await admin(t(), 'POST', '/apps', { ...tenant(), scopes });
      expect(expectEnvelope(res, 400).errors[0]).toMatchObject({ field: 'scopes', code: 'VALIDATION_ERROR' });
    }
    expect(await t().db.kysely.selectFrom('apps').select('id').execute()).toHaveLength(before.length);
  });

  it('adds Outbound SMS to an existing app, which may then send (after the 5 s scope cache)', async () => {
    const sendAs = () =>
      t().app.inject({
        method: 'POST',
        url: `/api/public/bot/${t().tenant.iid}/outboundsms`,
        headers: { 'content-type': 'application/json', auth: t().tenant.token },
        payload: JSON.stringify({ fromNo: '+15550000777', toNo: '+14155550123' }),
      });
    expect(expectEnvelope(await sendAs(), 403).errors[0]).toMatchObject({ code: 'FORBIDDEN' });

    const res = await admin(t(), 'POST', `/apps/${t().tenant.clientId}/scopes`, {
      ...tenant(),
      scopes: ['Outbound SMS', 'outbound-sms'],
    });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toEqual({
      clientId: t().tenant.clientId,
      ...tenant(),
      scopes: ['Campaign Management', 'Outbound SMS'],
    });
    t().clock.advance(5_001);
    // Past the scope check: the number it sends from is what is missing now.
    expect(expectEnvelope(await sendAs(), 400).errors[0]).toMatchObject({ field: 'fromNo' });
    // Granting again changes nothing.
    const again = await admin(t(), 'POST', `/apps/${t().tenant.clientId}/scopes`, {
      ...tenant(),
      scopes: ['outbound-sms'],
    });
    expect(again.json().scopes).toEqual(['Campaign Management', 'Outbound SMS']);

    const rows = () => t().db.kysely.selectFrom('app_scopes').selectAll().orderBy('scope').execute();
    const before = await rows();
    const refusals: [string, unknown, number, string][] = [
      [`/apps/cs-nope/scopes`, { ...tenant(), scopes: ['outbound-sms'] }, 404, 'NOT_FOUND'],
      [
        `/apps/${t().tenant.clientId}/scopes`,
        { accountId: 'acct-other', iid: t().tenant.iid, scopes: ['outbound-sms'] },
        404,
        'NOT_FOUND',
      ],
      [
        `/apps/${t().tenant.clientId}/scopes`,
        { ...tenant(), iid: 'st-no-such-bot', scopes: ['outbound-sms'] },
        404,
        'NOT_FOUND',
      ],
      [`/apps/${t().tenant.clientId}/scopes`, { ...tenant(), scopes: ['Configuration'] }, 400, 'VALIDATION_ERROR'],
      [`/apps/${t().tenant.clientId}/scopes`, { ...tenant(), scopes: [] }, 400, 'VALIDATION_ERROR'],
    ];
    for (const [url, body, status, code] of refusals) {
      const refused = await admin(t(), 'POST', url, body);
      expect(expectEnvelope(refused, status).errors[0], url).toMatchObject({ code });
    }
    expect(await rows()).toEqual(before);
  });
});

const ROOT = path.resolve(import.meta.dirname, '../..');
const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});

function cli(args: string[], dataDir: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', 'src/cli/index.ts', ...args],
      { cwd: ROOT, env: { PATH: process.env.PATH ?? '', HOME: os.tmpdir(), DATA_DIR: dataDir }, timeout: 120_000 },
      (err, stdout, stderr) =>
        resolve({ code: err ? Number((err as { code?: unknown }).code ?? -1) : 0, stdout, stderr }),
    );
  });
}

describe('the CLI', () => {
  it('apps create --scope, flows create --phone-number, flows set-phone-numbers', { timeout: 240_000 }, async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'campaignd-sms-cli-'));
    dirs.push(dir);
    const db = openDb({ dataDir: dir, secrets: secretBoxOf(loadConfig({ DATA_DIR: dir })) });
    await migrate(db);
    await db.close();
    const tenant = ['--account-id', 'acme', '--iid', 'st-sms-cli', '--json'];
    const app = await cli(['apps', 'create', ...tenant, '--scope', 'outbound-sms'], dir);
    expect(app.stderr).toBe('');
    expect(JSON.parse(app.stdout)).toMatchObject({ scopes: ['Outbound SMS'] });
    const flow = await cli(
      ['flows', 'create', ...tenant, '--name', 'CLI SMS', '--channel', 'sms', '--phone-number', '+19876543210'],
      dir,
    );
    expect(flow.stderr).toBe('');
    const created = JSON.parse(flow.stdout) as { id: string; phoneNumbers: string[] };
    expect(created.phoneNumbers).toEqual(['+19876543210']);
    const set = await cli(
      ['flows', 'set-phone-numbers', ...tenant, '--flow-id', created.id, '--phone-number', '+19876543211'],
      dir,
    );
    expect(JSON.parse(set.stdout)).toMatchObject({ id: created.id, phoneNumbers: ['+19876543211'] });
    const clear = await cli(['flows', 'set-phone-numbers', ...tenant, '--flow-id', created.id], dir);
    expect(JSON.parse(clear.stdout)).toMatchObject({ phoneNumbers: [] });
    const plain = JSON.parse((await cli(['apps', 'create', ...tenant], dir)).stdout) as { clientId: string };
    const granted = await cli(
      ['apps', 'grant', ...tenant, '--client-id', plain.clientId, '--scope', 'outbound-sms'],
      dir,
    );
    expect(granted.stderr).toBe('');
    expect(JSON.parse(granted.stdout)).toEqual({
      clientId: plain.clientId,
      accountId: 'acme',
      iid: 'st-sms-cli',
      scopes: ['Campaign Management', 'Outbound SMS'],
    });
    const bad = await cli(['apps', 'create', ...tenant, '--scope', 'nope'], dir);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toMatch(/scopes: 'nope' is not a scope/);
  });
});
