/**
 * No secret ever reaches a log line: a real `campaignd serve` at LOG_LEVEL=debug (every request
 * logged) is sent requests carrying each kind of secret — the admin token, the metrics token, an
 * app's client secret and its JWTs, a pre-call header value (sent to a CRM on 127.0.0.1 here), an
 * agent's credential, the telephony webhook secret and the secrets key — and its whole output
 * (stdout and stderr) is searched for each value.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { signHs256 } from '../../src/domain/tenancy/jwt.js';
import { agentlessSample } from '../fixtures/kore-samples.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
const SERVER = ['--import', 'tsx', 'src/start/server.ts'];
/** Child processes start slowly on a busy machine (tsx compiles on the fly): a deadline, never a sleep. */
const DEADLINE_MS = 90_000;

const secret = (what: string) => `${what}-${randomBytes(12).toString('hex')}`;
const ADMIN_TOKEN = secret('admin');
const METRICS_TOKEN = secret('metrics');
const WEBHOOK_SECRET = secret('webhook');
const PRECALL_VALUE = secret('precall');
const WRONG_ADMIN = secret('wrong-admin');
const WRONG_AGENT = secret('wrong-agent');
const SECRETS_KEY = randomBytes(32).toString('base64');

let child: ChildProcess | undefined;
let receiver: http.Server | undefined;
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'campaignd-secrets-'));

afterAll(async () => {
  if (child && child.exitCode === null) child.kill('SIGKILL');
  await new Promise<void>((resolve) => (receiver ? receiver.close(() => resolve()) : resolve()));
  fs.rmSync(dataDir, { recursive: true, force: true });
});

async function until<T>(what: string, probe: () => T | undefined): Promise<T> {
  const end = Date.now() + DEADLINE_MS;
  for (;;) {
    const v = probe();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('secrets in logs', () => {
  it('never logs a secret, even at debug level', { timeout: 4 * DEADLINE_MS }, async () => {
    // The CRM of the pre-call fetch and the telephony provider of the webhook adapter, in one.
    const received: { url: string; headers: http.IncomingHttpHeaders }[] = [];
    receiver = http.createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        received.push({ url: req.url ?? '', headers: req.headers });
        const answer = req.url === '/precall' ? { contactHandling: { handle: 'CALL' } } : {};
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(answer));
      });
    });
    await new Promise<void>((resolve) => receiver!.listen(0, '127.0.0.1', resolve));
    const crm = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;

    let out = '';
    child = spawn(process.execPath, SERVER, {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: {
        PATH: process.env.PATH,
        HOME: process.env.HOME,
        DATA_DIR: dataDir,
        HOST: '127.0.0.1',
        PORT: '0',
        LOG_LEVEL: 'debug',
        DEMO: 'false',
        ADMIN_TOKEN,
        METRICS_TOKEN,
        SECRETS_KEY,
        ENGINE_TICK_MS: '100',
        TELEPHONY_PROVIDER: 'webhook',
        TELEPHONY_WEBHOOK_URL: `${crm}/dial`,
        TELEPHONY_WEBHOOK_SECRET: WEBHOOK_SECRET,
      },
    });
    child.stdout!.setEncoding('utf8').on('data', (d: string) => (out += d));
    child.stderr!.setEncoding('utf8').on('data', (d: string) => (out += d));
    const exited = new Promise<number | null>((resolve) => child!.on('close', resolve));
    const base = await until('the server to listen', () => {
      const line = out.split('\n').find((l) => l.includes('"campaignd listening"'));
      return line ? (JSON.parse(line) as { address: string }).address.replace('localhost', '127.0.0.1') : undefined;
    });

    const call = async (method: string, url: string, headers: Record<string, string>, body?: unknown) => {
      const res = await fetch(`${base}${url}`, {
        method,
        headers: { ...headers, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      });
      const text = await res.text();
      const json = res.headers.get('content-type')?.startsWith('application/json');
      return { status: res.status, body: json ? (JSON.parse(text) as Record<string, unknown>) : {}, text };
    };
    const admin = (method: string, url: string, body?: unknown) =>
      call(method, `/admin/v1${url}`, { authorization: `Bearer ${ADMIN_TOKEN}` }, body);

    const accountId = 'a'.repeat(24);
    const iid = 'st-secrets-test';
    const app = await admin('POST', '/apps', { accountId, iid, name: 'secrets app' });
    expect(app.status, app.text).toBe(201);
    const clientId = app.body.clientId as string;
    const clientSecret = app.body.clientSecret as string;
    // A client secret sent where it does not belong is refused, and not logged either.
    const misplaced = await admin('POST', '/tokens', { clientId, clientSecret });
    expect(misplaced.status).toBeLessThan(500);
    const issued = await admin('POST', '/tokens', { clientId, ttl: '1h' });
    expect(issued.status, issued.text).toBeLessThan(300);
    const issuedJwt = issued.body.token as string;
    const jwt = signHs256({ sub: 'secrets-test', appId: clientId }, clientSecret);
    expect(
      (await admin('POST', '/flows', { accountId, iid, name: 'Voice Survey Entry Flow', channel: 'voice' })).status,
    ).toBe(201);
    expect((await admin('POST', '/queues', { accountId, iid, name: 'Default Queue' })).status).toBe(201);
    const precall = await admin('PATCH', `/bots/${iid}`, {
      accountId,
      precall: { url: `${crm}/precall`, headers: { 'X-Precall-Key': PRECALL_VALUE } },
    });
    expect(precall.status, precall.text).toBe(200);
    expect(
      (await call('POST', '/admin/v1/apps', { authorization: `Bearer ${WRONG_ADMIN}` }, { accountId, iid })).status,
    ).toBe(401);

    const agent = await admin('POST', '/agents', { accountId, iid, name: 'Secret Agent', queues: ['Default Queue'] });
    expect(agent.status, agent.text).toBe(201);
    const credential = agent.body.credential as string;
    expect((await call('GET', '/agent/v1/me', { authorization: `Bearer ${credential}` })).status).toBe(200);
    expect((await call('GET', '/agent/v1/me', { authorization: `Bearer ${WRONG_AGENT}` })).status).toBe(401);

    const kore = `/agentassist/api/v1/public/${iid}`;
    const list = await call(
      'POST',
      `${kore}/campaign/contactList/createContactList`,
      { auth: jwt, accountId },
      {
        name: 'Secret list',
      },
    );
    expect(list.status, list.text).toBe(200);
    const added = await call(
      'POST',
      `/api/1.1/public/${iid}/campaign/contactList/addContacts`,
      { authorization: `Bearer ${issuedJwt}`, accountId },
      { contact_list_name: 'Secret list', data: [{ phoneNumber: '+14155550111' }] },
    );
    expect(added.status, added.text).toBe(200);
    const always = { frequency: 'DAILY', timezone: 'UTC', days: [{ day: 'MO', start: '12:00 AM', end: '11:59 PM' }] };
    const created = await call(
      'POST',
      `${kore}/campaign?campaignType=voice`,
      { auth: `Bearer ${jwt}`, accountId },
      {
        ...agentlessSample,
        name: 'Secret campaign',
        contactLists: ['Secret list'],
        dialingStrategy: { ...agentlessSample.dialingStrategy, callingHours: always },
      },
    );
    expect(created.status, created.text).toBe(200);
    const campaignId = created.body.id as string;
    for (const end = Date.now() + DEADLINE_MS; ;) {
      const job = await admin('GET', `/imports/${added.body.importId as string}`);
      if (job.body.status === 'completed') break;
      if (Date.now() > end) throw new Error(`import not completed: ${job.text}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    const played = await call('POST', `${kore}/campaign/${campaignId}?trigger=play`, { auth: jwt, accountId }, {});
    expect(played.status, played.text).toBe(200);
    // The pre-call fetch carried its header, then the dial went out signed with the webhook secret.
    await until('the dial', () => (received.some((r) => r.url === '/dial') ? true : undefined));
    expect(received.find((r) => r.url === '/precall')?.headers['x-precall-key']).toBe(PRECALL_VALUE);
    const forged = await call(
      'POST',
      '/telephony/v1/callbacks',
      { 'x-campaignd-signature': `t=1,v1=${WEBHOOK_SECRET}` },
      {
        attemptId: 'att-x',
        outcome: 'completed',
      },
    );
    expect(forged.status).toBe(401);

    expect((await call('GET', '/metrics', { authorization: `Bearer ${METRICS_TOKEN}` })).status).toBe(200);
    expect((await call('GET', '/metrics', { authorization: `Bearer ${WRONG_ADMIN}` })).status).toBe(401);

    child.kill('SIGTERM');
    expect(await exited).toBe(0);

    // Debug logging was really on: request lines were written, and the campaign's transition.
    const lines = out
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines.some((l) => l.msg === 'incoming request')).toBe(true);
    expect(lines.find((l) => l.transition === 'play')).toMatchObject({ accountId, botId: iid, campaignId });

    const secrets = {
      ADMIN_TOKEN,
      METRICS_TOKEN,
      WEBHOOK_SECRET,
      SECRETS_KEY,
      PRECALL_VALUE,
      WRONG_ADMIN,
      WRONG_AGENT,
      clientSecret,
      jwt,
      jwtSignature: jwt.split('.')[2]!,
      issuedJwt,
      issuedJwtSignature: issuedJwt.split('.')[2]!,
      credential,
    };
    for (const [name, value] of Object.entries(secrets)) {
      expect(value.length, name).toBeGreaterThan(8);
      const at = out.indexOf(value);
      expect(at, `${name} is in the output: …${out.slice(Math.max(0, at - 300), at + 100)}…`).toBe(-1);
    }
  });
});
