/**
 * The admin agents API (`/admin/v1/agents`) and the agent API (`/agent/v1`) through HTTP on both
 * dialects: the credential shown once and stored hashed, validation naming the field, changes that
 * reach the dialer's agent leg, removal, history; who the agent API admits, the state machine's
 * refusals with the stored row unchanged, and tenant isolation in both APIs.
 */
import { createHash } from 'node:crypto';
import type { LightMyRequestResponse } from 'fastify';
import { describe, expect, it } from 'vitest';
import { agentHarness, type AgentHarness, type TestAgent } from '../support/agent-harness.js';
import { addContacts } from '../support/engine-harness.js';
import { expectEnvelope, type FailureBody } from '../support/failure-envelope.js';
import { useTestApp, type TestApp, type TestTenant } from '../support/test-app.js';
import { DIALECTS } from '../support/test-db.js';

const ADMIN_TOKEN = 'test-admin-token-agents-0123456789';
const sha256 = (s: string) => createHash('sha256').update(s, 'utf8').digest('hex');
const unique = (prefix: string) => `${prefix} ${Math.random().toString(36).slice(2, 8)}`;

interface AgentBody {
  id: string;
  accountId: string;
  iid: string;
  name: string;
  externalId: string | null;
  extension: string | null;
  queues: string[];
  state: string;
  reason: string | null;
  since: string;
  present: boolean;
  work: Record<string, unknown> | null;
  createdAt: string;
  credential?: string;
}

function expectFailure(res: LightMyRequestResponse, status: number, code: string, field?: string): FailureBody {
  const body = expectEnvelope(res, status);
  expect(body.errors).toEqual([field === undefined ? { msg: body.message, code } : { msg: body.message, code, field }]);
  return body;
}

describe.each(DIALECTS)('agents API on %s', (dialect) => {
  const t = useTestApp(dialect, { env: { ADMIN_TOKEN } });

  const tq = (tn: TestTenant = t().tenant) => `accountId=${tn.accountId}&iid=${encodeURIComponent(tn.iid)}`;

  function admin(method: 'GET' | 'POST' | 'PATCH' | 'DELETE', path: string, body?: unknown, token = ADMIN_TOKEN) {
    return t().app.inject({
      method,
      url: `/admin/v1${path}`,
      headers: {
        authorization: `Bearer ${token}`,
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
      },
      ...(body !== undefined ? { payload: JSON.stringify(body) } : {}),
    });
  }

  function agentApi(credential: string | undefined, method: 'GET' | 'POST', path: string, body?: unknown) {
    return t().app.inject({
      method,
      url: `/agent/v1${path}`,
      headers: {
        ...(credential !== undefined ? { authorization: credential } : {}),
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
      },
      ...(body !== undefined ? { payload: JSON.stringify(body) } : {}),
    });
  }
  const bearer = (credential: string) => `Bearer ${credential}`;

  /** A queue of the test's own, so campaigns of other tests never reserve its agents. */
  async function newQueue(tn: TestTenant = t().tenant): Promise<string> {
    const name = unique('Queue');
    await t().services.admin.createQueue({ accountId: tn.accountId, iid: tn.iid, name });
    return name;
  }

  async function createAgent(over: Record<string, unknown> = {}, tn: TestTenant = t().tenant): Promise<AgentBody> {
    const res = await admin('POST', '/agents', {
      accountId: tn.accountId,
      iid: tn.iid,
      name: unique('Agent'),
      queues: ['Default Queue'],
      ...over,
    });
    expect(res.statusCode, res.body).toBe(201);
    return res.json<AgentBody>();
  }

  const row = (id: string) => t().db.kysely.selectFrom('agents').selectAll().where('id', '=', id).executeTakeFirst();
  const historyRows = (id: string) =>
    t().db.kysely.selectFrom('agent_state_history').selectAll().where('agent_id', '=', id).orderBy('id').execute();
  const agentCount = async () =>
    Number(
      (
        await t()
          .db.kysely.selectFrom('agents')
          .select((eb) => eb.fn.countAll().as('n'))
          .executeTakeFirstOrThrow()
      ).n,
    );

  /** A TestApp acting as another tenant (its Kore calls and the agent harness's campaigns). */
  function as(tn: TestTenant): TestApp {
    const base = t();
    return { ...base, tenant: tn, kore: (m, p, b, o = {}) => base.kore(m, p, b, { ...o, tenant: tn }) };
  }

  /** An agent harness on a fresh queue with `contacts` numbers on a fresh list, for tenant `tn`. */
  async function dialingSetup(tn: TestTenant = t().tenant, contacts = 3) {
    const queue = await newQueue(tn);
    const tt = as(tn);
    const h = agentHarness(tt, { queue });
    const listId = await t().addList(unique('Agents API list'), tn);
    const base = 1000 + Math.floor(Math.random() * 8000);
    await addContacts(
      t(),
      listId,
      Array.from({ length: contacts }, (_, i) => ({ phone: `+1415666${String(base + i).padStart(4, '0')}` })),
    );
    return { h, queue, listId, tt };
  }

  /** Progressive: `agent` is dialed for and the person answers; answers the attempt id. */
  async function onCall(h: AgentHarness, agent: TestAgent, listId: string): Promise<string> {
    await h.online(agent);
    const c = await h.campaign('Progressive', listId);
    await h.tick();
    const call = h.phone.calls.find((x) => x.req.agent?.id === agent.id && x.req.campaignId === c.id);
    expect(call, 'a call for the agent').toBeDefined();
    await h.phone.answer(call!.req.attemptId);
    expect((await h.row(agent)).state).toBe('OnCall');
    return call!.req.attemptId;
  }

  describe('admin: /admin/v1/agents', () => {
    it('creates an agent (201) with a credential shown once and stored only as its hash', async () => {
      const before = t().clock.now();
      const name = unique('Ann');
      const res = await admin('POST', '/agents', {
        accountId: t().tenant.accountId,
        iid: t().tenant.iid,
        name: `  ${name} `,
        // The same queue twice (names are case-insensitive) is one membership.
        queues: ['Default Queue', 'default queue'],
        externalId: 'crm-ann-1',
        extension: 'sip:ann@pbx.example',
      });
      expect(res.statusCode, res.body).toBe(201);
      const created = res.json<AgentBody>();
      expect(created).toEqual({
        id: expect.stringMatching(/^ag-[0-9a-f-]{36}$/),
        accountId: t().tenant.accountId,
        iid: t().tenant.iid,
        name,
        externalId: 'crm-ann-1',
        extension: 'sip:ann@pbx.example',
        queues: ['Default Queue'],
        state: 'Offline',
        reason: null,
        since: new Date(before).toISOString(),
        present: false,
        work: null,
        createdAt: new Date(before).toISOString(),
        credential: expect.any(String),
      });
      const credential = created.credential!;
      expect(credential).toMatch(new RegExp(`^${created.id}\\.[A-Za-z0-9_-]{43}$`));
      const secret = credential.split('.')[1]!;

      // The database holds the SHA-256 of the credential and nothing from which it can be read back.
      const stored = await row(created.id);
      expect(stored!.credential_hash).toBe(sha256(credential));
      expect(JSON.stringify(stored)).not.toContain(secret);
      const memberships = await t()
        .db.kysely.selectFrom('agent_queues')
        .select('agent_id')
        .where('agent_id', '=', created.id)
        .execute();
      expect(memberships).toHaveLength(1);

      // Never shown again: not by GET one, the list, or a PATCH that does not reset it.
      const one = await admin('GET', `/agents/${created.id}?${tq()}`);
      const list = await admin('GET', `/agents?${tq()}`);
      const patched = await admin('PATCH', `/agents/${created.id}`, {
        accountId: t().tenant.accountId,
        iid: t().tenant.iid,
        extension: '204',
      });
      for (const r of [one, list, patched]) {
        expect(r.statusCode, r.body).toBe(200);
        expect(r.body).not.toContain(secret);
        expect(r.body).not.toContain('credential');
      }
      const { credential: _c, ...shown } = created;
      expect(one.json()).toEqual(shown);
      expect(patched.json()).toEqual({ ...shown, extension: '204' });
      expect(list.json<{ results: AgentBody[] }>().results).toContainEqual(shown);

      // And it works on the agent API.
      const me = await agentApi(bearer(credential), 'GET', '/me');
      expect(me.statusCode, me.body).toBe(200);
      expect(me.json()).toEqual({ ...shown, extension: '204' });
    });

    it('refuses bad bodies with a 400 naming the field, and creates nothing', async () => {
      const base = {
        accountId: t().tenant.accountId,
        iid: t().tenant.iid,
        name: 'Valid Name',
        queues: ['Default Queue'],
      };
      const cases: [Record<string, unknown>, string, RegExp][] = [
        [{ name: '   ' }, 'name', /^name must be 1-/],
        [{ name: '' }, 'name', /^name: /],
        [{ name: 'Ann\u202Egnp.exe' }, 'name', /bidirectional control/],
        [{ name: 'Ann\u0007' }, 'name', /control character/],
        [{ name: undefined }, 'name', /^name: is required$/],
        [{ queues: [] }, 'queues', /^queues: /],
        [{ queues: undefined }, 'queues', /^queues: is required$/],
        [{ queues: ['No Such Queue'] }, 'queues', /^queues: no queue named 'No Such Queue' \(/],
        [{ queues: ['Default Queue', 'Ghost', 'Phantom'] }, 'queues', /^queues: no queue named 'Ghost', 'Phantom' \(/],
        [{ externalId: 'crm\u202Ex' }, 'externalId', /bidirectional control/],
        [{ extension: 'ext\u0000' }, 'extension', /NUL/],
        [{ extension: 'x'.repeat(41) }, 'extension', /^extension: /],
      ];
      const before = await agentCount();
      for (const [over, field, message] of cases) {
        const res = await admin('POST', '/agents', { ...base, ...over });
        const body = expectFailure(res, 400, 'VALIDATION_ERROR', field);
        expect(body.message, JSON.stringify(over)).toMatch(message);
      }
      expect(await agentCount()).toBe(before);
    });

    it('refuses a second agent of the bot with the same externalId (409 on externalId)', async () => {
      const externalId = unique('crm');
      const first = await createAgent({ externalId });
      const before = await agentCount();
      const dup = await admin('POST', '/agents', {
        accountId: t().tenant.accountId,
        iid: t().tenant.iid,
        name: 'Twin',
        queues: ['Default Queue'],
        externalId,
      });
      expectFailure(dup, 409, 'CONFLICT', 'externalId');
      expect(await agentCount()).toBe(before);
      // Changing another agent to it is the same conflict, and changes nothing.
      const other = await createAgent();
      const patch = await admin('PATCH', `/agents/${other.id}`, {
        accountId: t().tenant.accountId,
        iid: t().tenant.iid,
        name: 'Renamed',
        externalId,
      });
      expectFailure(patch, 409, 'CONFLICT', 'externalId');
      expect(await row(other.id)).toMatchObject({ name: other.name, external_id: null });
      expect((await row(first.id))!.external_id).toBe(externalId);
    });

    it('needs the admin token, and a bot of the account named', async () => {
      const noToken = await admin('GET', `/agents?${tq()}`, undefined, 'wrong-token');
      expectFailure(noToken, 401, 'UNAUTHORIZED');
      const created = await createAgent();
      const other = await t().addTenant();
      // The bot exists but is another account's: as if it did not exist.
      const foreignBot = await admin('GET', `/agents?accountId=${other.accountId}&iid=${t().tenant.iid}`);
      expectFailure(foreignBot, 404, 'NOT_FOUND');
      expect(foreignBot.body).not.toContain(created.id);
    });

    it("lists the bot's agents in creation order, and only them", async () => {
      const other = await t().addTenant();
      // A millisecond apart: agents created in the same one are listed by id.
      t().clock.advance(1);
      const first = await createAgent();
      t().clock.advance(1);
      const mine = [first, await createAgent()];
      const theirs = await createAgent({}, other);
      const list = await admin('GET', `/agents?${tq()}`);
      expect(list.statusCode, list.body).toBe(200);
      const ids = list.json<{ results: AgentBody[] }>().results.map((a) => a.id);
      expect(ids.slice(-2)).toEqual(mine.map((a) => a.id));
      expect(ids).not.toContain(theirs.id);
      const theirList = await admin('GET', `/agents?${tq(other)}`);
      expect(theirList.json<{ results: AgentBody[] }>().results.map((a) => a.id)).toEqual([theirs.id]);
    });

    it('changes name, queues, externalId and extension, and the dialer uses the new ones', async () => {
      const { h, queue, listId } = await dialingSetup();
      const created = await createAgent({ externalId: unique('crm-old'), extension: '100' });
      const res = await admin('PATCH', `/agents/${created.id}`, {
        accountId: t().tenant.accountId,
        iid: t().tenant.iid,
        name: 'Bea Renamed',
        queues: [queue],
        externalId: 'crm-bea-2',
        extension: 'sip:bea@pbx.example',
      });
      expect(res.statusCode, res.body).toBe(200);
      expect(res.json()).toMatchObject({
        id: created.id,
        name: 'Bea Renamed',
        queues: [queue],
        externalId: 'crm-bea-2',
        extension: 'sip:bea@pbx.example',
      });
      expect(res.json()).not.toHaveProperty('credential');
      expect(await row(created.id)).toMatchObject({
        name: 'Bea Renamed',
        external_id: 'crm-bea-2',
        extension: 'sip:bea@pbx.example',
        credential_hash: sha256(created.credential!),
      });

      // The new queue's campaign dials for them, and the provider is told where they take calls.
      const agent = { id: created.id, name: 'Bea Renamed', credential: created.credential! };
      await h.online(agent);
      const c = await h.campaign('Progressive', listId);
      await h.tick();
      const calls = h.phone.calls.filter((x) => x.req.campaignId === c.id);
      expect(calls).toHaveLength(1);
      expect(calls[0]!.req.queue).toBe(queue);
      expect(calls[0]!.req.agent).toEqual({
        id: created.id,
        name: 'Bea Renamed',
        extension: 'sip:bea@pbx.example',
        externalId: 'crm-bea-2',
      });

      // null clears externalId and extension; queues omitted stay as they are.
      const cleared = await admin('PATCH', `/agents/${created.id}`, {
        accountId: t().tenant.accountId,
        iid: t().tenant.iid,
        externalId: null,
        extension: null,
      });
      expect(cleared.statusCode, cleared.body).toBe(200);
      expect(cleared.json()).toMatchObject({ externalId: null, extension: null, queues: [queue] });
      expect(await row(created.id)).toMatchObject({ external_id: null, extension: null });

      // An unknown queue in a PATCH is a 400 and leaves the memberships alone.
      const bad = await admin('PATCH', `/agents/${created.id}`, {
        accountId: t().tenant.accountId,
        iid: t().tenant.iid,
        name: 'Not applied',
        queues: ['Nowhere'],
      });
      expectFailure(bad, 400, 'VALIDATION_ERROR', 'queues');
      expect(await row(created.id)).toMatchObject({ name: 'Bea Renamed' });
      const again = await admin('GET', `/agents/${created.id}?${tq()}`);
      expect(again.json()).toMatchObject({ name: 'Bea Renamed', queues: [queue] });
    });

    it('resetCredential answers a new credential once; the old one is refused from then on', async () => {
      const created = await createAgent();
      const old = created.credential!;
      expect((await agentApi(bearer(old), 'GET', '/me')).statusCode).toBe(200);
      const res = await admin('PATCH', `/agents/${created.id}`, {
        accountId: t().tenant.accountId,
        iid: t().tenant.iid,
        resetCredential: true,
      });
      expect(res.statusCode, res.body).toBe(200);
      const fresh = res.json<AgentBody>().credential!;
      expect(fresh).toMatch(new RegExp(`^${created.id}\\.[A-Za-z0-9_-]{43}$`));
      expect(fresh).not.toBe(old);
      expect((await row(created.id))!.credential_hash).toBe(sha256(fresh));

      const refused = await agentApi(bearer(old), 'GET', '/me');
      expect(expectFailure(refused, 401, 'UNAUTHORIZED').message).toBe('Invalid agent credential');
      const me = await agentApi(bearer(fresh), 'GET', '/me');
      expect(me.statusCode, me.body).toBe(200);
      expect(me.json()).toMatchObject({ id: created.id });
      // resetCredential: false changes nothing and shows nothing.
      const noReset = await admin('PATCH', `/agents/${created.id}`, {
        accountId: t().tenant.accountId,
        iid: t().tenant.iid,
        resetCredential: false,
      });
      expect(noReset.json()).not.toHaveProperty('credential');
      expect((await agentApi(bearer(fresh), 'GET', '/me')).statusCode).toBe(200);
    });

    it('removes an agent: answered once, then 404, their credential refused, their history kept', async () => {
      const created = await createAgent();
      expect((await agentApi(bearer(created.credential!), 'POST', '/login', {})).statusCode).toBe(200);
      const res = await admin('DELETE', `/agents/${created.id}?${tq()}`);
      expect(res.statusCode, res.body).toBe(200);
      expect(res.json()).toMatchObject({ id: created.id, state: 'Available' });
      expect(res.json()).not.toHaveProperty('credential');
      expect(await row(created.id)).toBeUndefined();
      const memberships = await t()
        .db.kysely.selectFrom('agent_queues')
        .select('agent_id')
        .where('agent_id', '=', created.id)
        .execute();
      expect(memberships).toEqual([]);
      expect((await historyRows(created.id)).map((r) => r.state)).toEqual(['Available']);

      expectFailure(await admin('GET', `/agents/${created.id}?${tq()}`), 404, 'NOT_FOUND');
      expectFailure(await admin('DELETE', `/agents/${created.id}?${tq()}`), 404, 'NOT_FOUND');
      expectFailure(await admin('GET', `/agents/${created.id}/history?${tq()}`), 404, 'NOT_FOUND');
      const refused = await agentApi(bearer(created.credential!), 'GET', '/me');
      expect(expectFailure(refused, 401, 'UNAUTHORIZED').message).toBe('Invalid agent credential');
    });

    it('refuses to remove an agent on a call, in its wrap-up or holding an offer (409), and leaves them as they are', async () => {
      const { h, listId } = await dialingSetup(t().tenant, 2);
      const onCallAgent = await h.createAgent(unique('Caller'));
      const attemptId = await onCall(h, onCallAgent, listId);
      const removing = await admin('DELETE', `/agents/${onCallAgent.id}?${tq()}`);
      const body = expectFailure(removing, 409, 'ILLEGAL_STATE');
      expect(body.message).toMatch(/is on a call, wrapping one up or holding an offer/);
      expect(await row(onCallAgent.id)).toMatchObject({ state: 'OnCall', work_attempt_id: attemptId });
      expect((await h.api(onCallAgent, 'GET', '/me')).statusCode).toBe(200);
      // The wrap-up still owes the call its disposition.
      await h.phone.end(attemptId, 'completed');
      expect(await row(onCallAgent.id)).toMatchObject({ state: 'WrapUp', work_attempt_id: attemptId });
      expectFailure(await admin('DELETE', `/agents/${onCallAgent.id}?${tq()}`), 409, 'ILLEGAL_STATE');
      expect(await row(onCallAgent.id)).toMatchObject({ state: 'WrapUp', work_attempt_id: attemptId });

      const preview = await dialingSetup(t().tenant, 1);
      const offered = await preview.h.createAgent(unique('Previewer'));
      await preview.h.online(offered);
      await preview.h.campaign('Preview', preview.listId);
      await preview.h.tick();
      expect(await preview.h.row(offered)).toMatchObject({ state: 'Reserved', work_kind: 'offer' });
      expectFailure(await admin('DELETE', `/agents/${offered.id}?${tq()}`), 409, 'ILLEGAL_STATE');
      expect(await preview.h.row(offered)).toMatchObject({ state: 'Reserved', work_kind: 'offer' });
    });

    it('reads history between from and to (default: the 24 hours before now), oldest first', async () => {
      const created = await createAgent();
      const cred = bearer(created.credential!);
      const t0 = t().clock.now();
      expect((await agentApi(cred, 'POST', '/login', {})).statusCode).toBe(200);
      t().clock.advance(60_000);
      expect((await agentApi(cred, 'POST', '/state', { state: 'NotReady', reason: 'Lunch' })).statusCode).toBe(200);
      t().clock.advance(60_000);
      expect((await agentApi(cred, 'POST', '/logout')).statusCode).toBe(200);
      const iso = (ms: number) => new Date(ms).toISOString();
      const all = [
        { state: 'Available', reason: null, at: iso(t0), campaignId: null, attemptId: null },
        { state: 'NotReady', reason: 'Lunch', at: iso(t0 + 60_000), campaignId: null, attemptId: null },
        { state: 'Offline', reason: 'logged-out', at: iso(t0 + 120_000), campaignId: null, attemptId: null },
      ];
      const h = await admin('GET', `/agents/${created.id}/history?${tq()}`);
      expect(h.statusCode, h.body).toBe(200);
      expect(h.json()).toEqual({ agentId: created.id, results: all });

      // from inclusive, to exclusive.
      const window = await admin(
        'GET',
        `/agents/${created.id}/history?${tq()}&from=${iso(t0 + 60_000)}&to=${iso(t0 + 120_000)}`,
      );
      expect(window.json().results).toEqual([all[1]]);

      // The default window is the 24 hours up to now: a day after the NotReady, only the Offline is in it.
      t().clock.advance(86_400_000 - 60_000);
      expect((await admin('GET', `/agents/${created.id}/history?${tq()}`)).json().results).toEqual([all[2]]);
      const explicit = await admin('GET', `/agents/${created.id}/history?${tq()}&from=${iso(t0)}`);
      expect(explicit.json().results).toEqual(all);

      expect(
        expectFailure(
          await admin('GET', `/agents/${created.id}/history?${tq()}&from=yesterday`),
          400,
          'VALIDATION_ERROR',
          'from',
        ).message,
      ).toBe("from: 'yesterday' is not an ISO 8601 date");
      expectFailure(await admin('GET', `/agents/${created.id}/history?${tq()}&to=soon`), 400, 'VALIDATION_ERROR', 'to');
      expectFailure(
        await admin('GET', `/agents/${created.id}/history?${tq()}&from=${iso(t0 + 1)}&to=${iso(t0)}`),
        400,
        'VALIDATION_ERROR',
        'from',
      );
    });
  });

  describe('agent API: /agent/v1', () => {
    it('refuses missing, garbled and forged credentials with one indistinguishable 401', async () => {
      const created = await createAgent();
      const removed = await createAgent();
      expect((await admin('DELETE', `/agents/${removed.id}?${tq()}`)).statusCode).toBe(200);
      const secretOf = (c: string) => c.split('.')[1]!;
      const flipped = secretOf(created.credential!).replace(/^./, (ch) => (ch === 'A' ? 'B' : 'A'));
      const attempts: (string | undefined)[] = [
        undefined,
        '',
        'Bearer',
        'Bearer garbage',
        `Basic ${Buffer.from(`x:${created.credential}`).toString('base64')}`,
        // Right id, wrong secret (of the right shape).
        bearer(`${created.id}.${flipped}`),
        // Right secret under another id.
        bearer(`${removed.id}.${secretOf(created.credential!)}`),
        // Shape wrong: short secret, or the credential with trailing bytes.
        bearer(`${created.id}.${secretOf(created.credential!).slice(1)}`),
        bearer(`${created.credential}x`),
        // A removed agent's own credential.
        bearer(removed.credential!),
      ];
      for (const credential of attempts) {
        for (const [method, path, body] of [
          ['GET', '/me', undefined],
          ['POST', '/login', {}],
          ['GET', '/events', undefined],
        ] as const) {
          const res = await agentApi(credential, method, path, body);
          const failure = expectFailure(res, 401, 'UNAUTHORIZED');
          expect(failure.message, `${String(credential)} ${path}`).toBe('Invalid agent credential');
        }
      }
      // Nothing was done as the agent.
      expect(await row(created.id)).toMatchObject({ state: 'Offline', stream_seen_at: null });
      expect(await historyRows(created.id)).toEqual([]);
      // Scheme is case-insensitive; the real credential gets in.
      expect((await agentApi(`bearer ${created.credential}`, 'GET', '/me')).statusCode).toBe(200);
    });

    it('logs in and out and sets state, keeping a history row per change', async () => {
      const created = await createAgent();
      const cred = bearer(created.credential!);
      const t0 = t().clock.now();

      // Logged out: setting a state is a 409 naming why.
      const early = await agentApi(cred, 'POST', '/state', { state: 'Available' });
      expect(expectFailure(early, 409, 'ILLEGAL_STATE').message).toMatch(/is logged out: log in first$/);
      expect(await row(created.id)).toMatchObject({ state: 'Offline', state_since: t0 });

      // No body at all is a plain login, like `{}`.
      const login = await agentApi(cred, 'POST', '/login');
      expect(login.statusCode, login.body).toBe(200);
      expect(login.json()).toMatchObject({ state: 'Available', reason: null, since: new Date(t0).toISOString() });
      // Logging in again changes nothing (no new history row, same since).
      t().clock.advance(1_000);
      const again = await agentApi(cred, 'POST', '/login', { state: 'NotReady', reason: 'Ignored' });
      expect(again.json()).toMatchObject({ state: 'Available', since: new Date(t0).toISOString() });

      // NotReady without a reason gets the reason NotReady.
      t().clock.advance(1_000);
      const notReady = await agentApi(cred, 'POST', '/state', { state: 'notready' });
      expect(notReady.statusCode, notReady.body).toBe(200);
      expect(notReady.json()).toMatchObject({ state: 'NotReady', reason: 'NotReady' });
      // A new reason is a new history row; the same state and reason again is none.
      t().clock.advance(1_000);
      expect((await agentApi(cred, 'POST', '/state', { state: 'NotReady', reason: 'Break' })).json()).toMatchObject({
        state: 'NotReady',
        reason: 'Break',
      });
      expect((await agentApi(cred, 'POST', '/state', { state: 'NotReady', reason: 'Break' })).statusCode).toBe(200);

      for (const [body, field] of [
        [{ state: 'Busy' }, 'state'],
        [{ state: 'OnCall' }, 'state'],
        [{}, 'state'],
        [{ state: 'NotReady', reason: '' }, 'reason'],
        [{ state: 'NotReady', reason: 'Lunch\u202E' }, 'reason'],
      ] as const) {
        expectFailure(await agentApi(cred, 'POST', '/state', body), 400, 'VALIDATION_ERROR', field);
      }
      expectFailure(await agentApi(cred, 'POST', '/login', { state: 'Away' }), 400, 'VALIDATION_ERROR', 'state');
      expect(await row(created.id)).toMatchObject({ state: 'NotReady', state_reason: 'Break' });

      t().clock.advance(1_000);
      const available = await agentApi(cred, 'POST', '/state', { state: 'Available', reason: 'dropped' });
      expect(available.json()).toMatchObject({ state: 'Available', reason: null });
      t().clock.advance(1_000);
      const out = await agentApi(cred, 'POST', '/logout');
      expect(out.statusCode, out.body).toBe(200);
      expect(out.json()).toMatchObject({ state: 'Offline', reason: 'logged-out', work: null });
      // Logging out when out is no change either.
      expect((await agentApi(cred, 'POST', '/logout')).json()).toMatchObject({ state: 'Offline' });

      // Logged in again as NotReady with a reason.
      t().clock.advance(1_000);
      const back = await agentApi(cred, 'POST', '/login', { state: 'NotReady', reason: 'Meeting' });
      expect(back.json()).toMatchObject({ state: 'NotReady', reason: 'Meeting' });

      const history = (await historyRows(created.id)).map((r) => [r.state, r.reason, r.at - t0]);
      expect(history).toEqual([
        ['Available', null, 0],
        ['NotReady', 'NotReady', 2_000],
        ['NotReady', 'Break', 3_000],
        ['Available', null, 4_000],
        ['Offline', 'logged-out', 5_000],
        ['NotReady', 'Meeting', 6_000],
      ]);
      const events = await t()
        .db.kysely.selectFrom('agent_events')
        .select(['type', 'data'])
        .where('agent_id', '=', created.id)
        .orderBy('id')
        .execute();
      expect(events.map((e) => [e.type, (JSON.parse(e.data) as { state: string }).state])).toEqual(
        history.map(([state]) => ['state', state]),
      );
    });

    it('refuses to leave a call: Available, NotReady and logout are 409 while the call is placed or on', async () => {
      const { h, listId } = await dialingSetup(t().tenant, 2);
      const ann = await h.createAgent(unique('Ann'));
      await h.online(ann);
      const c = await h.campaign('Progressive', listId);
      await h.tick();
      const call = h.phone.calls.find((x) => x.req.agent?.id === ann.id && x.req.campaignId === c.id)!;
      const attemptId = call.req.attemptId;

      const tryAll = async (state: string) => {
        const rowBefore = await h.row(ann);
        const historyBefore = (await historyRows(ann.id)).length;
        for (const [path, body] of [
          ['/state', { state: 'Available' }],
          ['/state', { state: 'NotReady', reason: 'Break' }],
          ['/logout', undefined],
        ] as const) {
          const res = await h.api(ann, 'POST', path, body);
          const failure = expectFailure(res, 409, 'ILLEGAL_STATE');
          expect(failure.message).toBe(`Agent ${ann.name} is on a call (${attemptId}): end it first`);
        }
        expect(await h.row(ann)).toEqual(rowBefore);
        expect(rowBefore.state).toBe(state);
        expect(await historyRows(ann.id)).toHaveLength(historyBefore);
      };
      await tryAll('Reserved'); // being placed
      await h.phone.answer(attemptId);
      await tryAll('OnCall');

      // Once it is over (wrap-up), going NotReady ends the wrap-up with the system's disposition.
      await h.phone.end(attemptId, 'completed');
      expect((await h.row(ann)).state).toBe('WrapUp');
      const res = await h.api(ann, 'POST', '/state', { state: 'NotReady', reason: 'Break' });
      expect(res.statusCode, res.body).toBe(200);
      expect(await h.row(ann)).toMatchObject({ state: 'NotReady', state_reason: 'Break', work_attempt_id: null });
      const attempt = await t()
        .db.kysely.selectFrom('attempts')
        .select('disposition')
        .where('id', '=', attemptId)
        .executeTakeFirstOrThrow();
      expect(JSON.parse(attempt.disposition!)).toMatchObject({ codes: ['System Generated'], by: 'system' });
      expect((await h.events(ann)).slice(-2)).toEqual([
        ['state', { state: 'NotReady', reason: 'Break', since: new Date(t().clock.now()).toISOString(), work: null }],
        ['wrapup.ended', { attemptId, by: 'agent' }],
      ]);
    });

    it("cannot touch another account's offer or call: the same answer as for one that does not exist", async () => {
      const other = await t().addTenant();
      // Account B: Bea holds a Preview offer, Bob is on a Progressive call.
      const preview = await dialingSetup(other, 1);
      const bea = await preview.h.createAgent(unique('Bea'));
      await preview.h.online(bea);
      await preview.h.campaign('Preview', preview.listId);
      await preview.h.tick();
      const beaRow = await preview.h.row(bea);
      expect(beaRow).toMatchObject({ state: 'Reserved', work_kind: 'offer' });
      const offerId = beaRow.work_record_id!;
      const progressive = await dialingSetup(other, 1);
      const bob = await progressive.h.createAgent(unique('Bob'));
      const attemptId = await onCall(progressive.h, bob, progressive.listId);

      // Account A: Ann, logged in, with nothing of her own.
      const ann = await createAgent();
      const cred = bearer(ann.credential!);
      expect((await agentApi(cred, 'POST', '/login', {})).statusCode).toBe(200);
      const beaBefore = await preview.h.row(bea);
      const bobBefore = await progressive.h.row(bob);
      const stored = () =>
        t().db.kysely.selectFrom('attempts').selectAll().where('id', '=', attemptId).executeTakeFirstOrThrow();
      const attemptBefore = await stored();

      const answers = async (offer: string, call: string) => [
        await agentApi(cred, 'POST', `/offers/${offer}/accept`),
        await agentApi(cred, 'POST', `/offers/${offer}/skip`),
        await agentApi(cred, 'POST', `/calls/${call}/end`),
        await agentApi(cred, 'POST', `/calls/${call}/disposition`, { codes: ['Sale'] }),
      ];
      const foreign = await answers(offerId, attemptId);
      const missing = await answers(
        'dr-00000000-0000-0000-0000-000000000000',
        'att-00000000-0000-0000-0000-000000000000',
      );
      const shape = (r: LightMyRequestResponse, id: string, missingId: string) => ({
        status: r.statusCode,
        body: r.body.replaceAll(id, '<id>').replaceAll(missingId, '<id>'),
      });
      for (let i = 0; i < foreign.length; i++) {
        const [id, missingId] =
          i < 2
            ? [offerId, 'dr-00000000-0000-0000-0000-000000000000']
            : [attemptId, 'att-00000000-0000-0000-0000-000000000000'];
        expect(shape(foreign[i]!, id, missingId)).toEqual(shape(missing[i]!, id, missingId));
        expect(foreign[i]!.statusCode).toBeGreaterThanOrEqual(400);
      }
      // An offer that is not yours is a 404 like a missing one; ending a call that is not yours a
      // 409 (not in progress for you), and its disposition a 404, whether it exists elsewhere or not.
      expect(foreign.map((r) => r.statusCode)).toEqual([404, 404, 409, 404]);
      expect(expectFailure(foreign[0]!, 404, 'NOT_FOUND').message).toBe(`Offer ${offerId} not found`);
      expect(expectFailure(foreign[2]!, 409, 'ILLEGAL_STATE').message).toBe(
        `Call ${attemptId} is not in progress for you`,
      );
      expect(expectFailure(foreign[3]!, 404, 'NOT_FOUND').message).toBe(`Call ${attemptId} not found`);

      // Nothing of account B moved.
      expect(await preview.h.row(bea)).toEqual(beaBefore);
      expect(await progressive.h.row(bob)).toEqual(bobBefore);
      expect(await stored()).toEqual(attemptBefore);
      expect(attemptBefore).toMatchObject({ hangup_requested_at: null, disposition: null });
      const offered = await t()
        .db.kysely.selectFrom('dial_records')
        .select(['state', 'agent_id', 'skips'])
        .where('id', '=', offerId)
        .executeTakeFirstOrThrow();
      expect(offered).toEqual({ state: 'offered', agent_id: bea.id, skips: 0 });
      // Bea herself can still accept it.
      expect((await preview.h.api(bea, 'POST', `/offers/${offerId}/accept`)).json()).toEqual({
        offerId,
        status: 'accepted',
      });
    });

    it('admin calls for the wrong account or bot cannot see or change an agent (404)', async () => {
      const other = await t().addTenant();
      const created = await createAgent({ externalId: unique('crm') });
      const before = await row(created.id);
      const wrong = [
        { accountId: other.accountId, iid: other.iid }, // another tenant altogether
        { accountId: other.accountId, iid: t().tenant.iid }, // our bot under another account
        { accountId: t().tenant.accountId, iid: other.iid }, // another account's bot under ours
      ];
      for (const tn of wrong) {
        const q = `accountId=${tn.accountId}&iid=${encodeURIComponent(tn.iid)}`;
        const res = [
          await admin('GET', `/agents/${created.id}?${q}`),
          await admin('GET', `/agents/${created.id}/history?${q}`),
          await admin('PATCH', `/agents/${created.id}`, { ...tn, name: 'Hijacked', resetCredential: true }),
          await admin('DELETE', `/agents/${created.id}?${q}`),
        ];
        for (const r of res) {
          expectFailure(r, 404, 'NOT_FOUND');
          expect(r.body).not.toContain('credential');
        }
        const list = await admin('GET', `/agents?${q}`);
        if (list.statusCode === 200) expect(list.body).not.toContain(created.id);
        else expectFailure(list, 404, 'NOT_FOUND');
      }
      expect(await row(created.id)).toEqual(before);
      expect((await agentApi(bearer(created.credential!), 'GET', '/me')).statusCode).toBe(200);
    });
  });
});
