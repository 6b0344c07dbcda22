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
import { createCampaigndClient } from '../../src/client/index.js';
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

    // Raw requests for what the typed client does not cover: routes outside the OpenAPI document.
    const call = async (method: string, url: string, headers: Record<string, string>, body?: unknown) => {
      const res = await fetch(`${base}${url}`, {
        method,
        headers: { ...headers, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      });
      await res.arrayBuffer();
      return { status: res.status };
    };
    const admin = createCampaigndClient({ baseUrl: base, adminToken: ADMIN_TOKEN });
    const why = (r: { error?: unknown }) => JSON.stringify(r.error);

    const accountId = 'a'.repeat(24);
    const iid = 'st-secrets-test';
    const app = await admin.POST('/admin/v1/apps', { body: { accountId, iid, name: 'secrets app' } });
    expect(app.response.status, why(app)).toBe(201);
    const { clientId, clientSecret } = app.data!;
    // A client secret sent where it does not belong is refused, and not logged either.
    const withSecret = { clientId, clientSecret };
    const misplaced = await admin.POST('/admin/v1/tokens', { body: withSecret });
    expect(misplaced.response.status).toBeLessThan(500);
    const issued = await admin.POST('/admin/v1/tokens', { body: { clientId, ttl: '1h' } });
    expect(issued.response.status, why(issued)).toBeLessThan(300);
    const issuedJwt = issued.data!.token;
    const jwt = signHs256({ sub: 'secrets-test', appId: clientId }, clientSecret);
    const flow = await admin.POST('/admin/v1/flows', {
      body: { accountId, iid, name: 'Voice Survey Entry Flow', channel: 'voice' },
    });
    expect(flow.response.status).toBe(201);
    const queue = await admin.POST('/admin/v1/queues', { body: { accountId, iid, name: 'Default Queue' } });
    expect(queue.response.status).toBe(201);
    const precall = await admin.PATCH('/admin/v1/bots/{iid}', {
      params: { path: { iid } },
      body: { accountId, precall: { url: `${crm}/precall`, headers: { 'X-Precall-Key': PRECALL_VALUE } } },
    });
    expect(precall.response.status, why(precall)).toBe(200);
    const wrongAdmin = createCampaigndClient({ baseUrl: base, adminToken: WRONG_ADMIN });
    expect((await wrongAdmin.POST('/admin/v1/apps', { body: { accountId, iid } })).response.status).toBe(401);

    const agent = await admin.POST('/admin/v1/agents', {
      body: { accountId, iid, name: 'Secret Agent', queues: ['Default Queue'] },
    });
    expect(agent.response.status, why(agent)).toBe(201);
    const credential = agent.data!.credential;
    const me = (c: string) => createCampaigndClient({ baseUrl: base, agentCredential: c }).GET('/agent/v1/me');
    expect((await me(credential)).response.status).toBe(200);
    expect((await me(WRONG_AGENT)).response.status).toBe(401);

    // Each Kore call but the last sends its token in one of the accepted forms by hand; the trigger
    // goes with a token the client signs itself, kept (like every token sent) to look for below.
    const sentTokens: string[] = [];
    const kore = createCampaigndClient({
      baseUrl: base,
      kore: { appId: clientId, clientSecret, accountId },
      fetch: (request) => {
        const token = request.headers.get('auth') ?? request.headers.get('authorization');
        if (token) sentTokens.push(token);
        return fetch(request);
      },
    });
    const list = await kore.POST('/agentassist/api/v1/public/{iid}/campaign/contactList/createContactList', {
      params: { path: { iid } },
      headers: { auth: jwt, accountId },
      body: { name: 'Secret list' },
    });
    expect(list.response.status, why(list)).toBe(200);
    const added = await kore.POST('/api/1.1/public/{iid}/campaign/contactList/addContacts', {
      params: { path: { iid } },
      headers: { authorization: `Bearer ${issuedJwt}`, accountId },
      body: { contact_list_name: 'Secret list', data: [{ phoneNumber: '+14155550111' }] },
    });
    expect(added.response.status, why(added)).toBe(200);
    const always = { frequency: 'DAILY', timezone: 'UTC', days: [{ day: 'MO', start: '12:00 AM', end: '11:59 PM' }] };
    const created = await kore.POST('/agentassist/api/v1/public/{iid}/campaign', {
      params: { path: { iid }, query: { campaignType: 'voice' } },
      headers: { auth: `Bearer ${jwt}`, accountId },
      body: {
        ...agentlessSample,
        name: 'Secret campaign',
        contactLists: ['Secret list'],
        dialingStrategy: { ...agentlessSample.dialingStrategy, callingHours: always },
      },
    });
    expect(created.response.status, why(created)).toBe(200);
    const campaignId = created.data!.id;
    for (const end = Date.now() + DEADLINE_MS; ;) {
      const job = await admin.GET('/admin/v1/imports/{id}', { params: { path: { id: added.data!.importId } } });
      if (job.data?.status === 'completed') break;
      if (Date.now() > end) throw new Error(`import not completed: ${JSON.stringify(job.data ?? job.error)}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    const played = await kore.POST('/agentassist/api/v1/public/{iid}/campaign/{campaignId}', {
      params: { path: { iid, campaignId }, query: { trigger: 'play' } },
      body: {},
    });
    expect(played.response.status, why(played)).toBe(200);
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

    expect(sentTokens).toHaveLength(4); // every Kore call went through the typed client
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
      ...Object.fromEntries(sentTokens.map((token, i) => [`Kore token ${i}`, token])),
    };
    for (const [name, value] of Object.entries(secrets)) {
      expect(value.length, name).toBeGreaterThan(8);
      const at = out.indexOf(value);
      expect(at, `${name} is in the output: …${out.slice(Math.max(0, at - 300), at + 100)}…`).toBe(-1);
    }
  });
});
