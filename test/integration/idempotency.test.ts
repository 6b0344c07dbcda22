/**
 * `Idempotency-Key` on the Kore mutations (docs/kore-compatibility.md, "Idempotent requests"), on both
 * dialects: each mutation retried with one key has one effect and the retry is the first answer replayed;
 * another request with the key is 422, one while the first runs 409; keys are per account, kept 24 h;
 * malformed keys are 400; a 5xx frees the key.
 */
import type { LightMyRequestResponse } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { agentlessSample } from '../fixtures/kore-samples.js';
import { addContacts, createCampaign } from '../support/engine-harness.js';
import { expectEnvelope } from '../support/failure-envelope.js';
import { buildApp } from '../../src/app.js';
import { createServices } from '../../src/services.js';
import { koreCaller, T0, useTestApp, type TestTenant } from '../support/test-app.js';
import { DIALECTS } from '../support/test-db.js';

const HOUR = 3600_000;

describe.each(DIALECTS)('idempotent requests on %s', (dialect) => {
  const t = useTestApp(dialect);
  let n = 0;
  const newKey = () => `${dialect}-key-${++n}`;
  afterEach(() => t().clock.set(T0));

  type Opts = { prefix?: string; tenant?: TestTenant; headers?: Record<string, string> };
  const send = (method: string, path: string, body: unknown, key: string | undefined, o: Opts = {}) =>
    t().kore(method, path, body, {
      ...o,
      headers: { ...(key !== undefined ? { 'idempotency-key': key } : {}), ...o.headers },
    });

  /** The request twice with one key: the second answer is the first, replayed. */
  async function twice(method: string, path: string, body: unknown, o: Opts = {}) {
    const key = newKey();
    const first = await send(method, path, body, key, o);
    expect(first.statusCode, first.body).toBe(200);
    const again = await send(method, path, body, key, o);
    expectReplayOf(again, first);
    return { first, again, key };
  }
  function expectReplayOf(again: LightMyRequestResponse, first: LightMyRequestResponse): void {
    expect(first.headers['idempotency-replayed']).toBeUndefined();
    expect(again.headers['idempotency-replayed']).toBe('true');
    expect(again.statusCode).toBe(first.statusCode);
    expect(again.headers['content-type']).toBe(first.headers['content-type']);
    expect(again.body).toBe(first.body);
  }

  const campaignBody = (name: string, contactLists = ['Recent Buyers - Q2 2025']) => ({
    ...agentlessSample,
    name,
    contactLists,
  });
  const campaignsNamed = async (name: string, accountId = t().tenant.accountId) =>
    (
      await t()
        .db.kysely.selectFrom('campaigns')
        .select('id')
        .where('account_id', '=', accountId)
        .where('name', '=', name)
        .execute()
    ).length;
  const keyRows = () => t().db.kysely.selectFrom('idempotency_keys').selectAll().execute();

  it('create campaign: one campaign, the retry is the first answer replayed', async () => {
    const { first } = await twice('POST', '/campaign?campaignType=voice', campaignBody('Idem create'));
    expect(first.json()).toMatchObject({ status: 'success', data: { name: 'Idem create' } });
    expect(await campaignsNamed('Idem create')).toBe(1);
    // Without a key the same request is a second attempt (here refused: the name is taken).
    expect(
      (await send('POST', '/campaign?campaignType=voice', campaignBody('Idem create'), undefined)).statusCode,
    ).toBe(409);
  });

  it('update and delete campaign: applied once', async () => {
    const id = await createCampaign(t(), { name: 'Idem update', contactLists: ['Recent Buyers - Q2 2025'] });
    t().clock.advance(60_000);
    const key = newKey();
    const body = { ...campaignBody('Idem update'), description: 'changed once' };
    const first = await send('PUT', `/campaign/${id}`, body, key);
    expect(first.statusCode, first.body).toBe(200);
    t().clock.advance(60_000);
    expectReplayOf(await send('PUT', `/campaign/${id}`, body, key), first);
    const got = (await t().kore('GET', `/campaign/${id}`)).json().data;
    expect(got.description).toBe('changed once');
    expect(got.updatedAt).toBe(new Date(T0 + 60_000).toISOString()); // not the retry's time

    const del = await twice('DELETE', `/campaign/${id}`, undefined);
    expect(del.first.json().data._id).toBe(id);
    expect(await campaignsNamed('Idem update')).toBe(0);
    // Without a key a second delete finds nothing.
    expectEnvelope(await send('DELETE', `/campaign/${id}`, undefined, undefined), 404);
  });

  it('triggers: play, pause, resume and stop each applied once (a second would be 409)', async () => {
    const list = await t().addList('Idem trigger list');
    await addContacts(t(), list, [{ phone: '+15557700001' }, { phone: '+15557700002' }]);
    const id = await createCampaign(t(), { name: 'Idem trigger', contactLists: ['Idem trigger list'] });
    const play = await twice('POST', `/campaign/${id}?trigger=play`, {});
    const instanceId = play.first.json().campaignInstanceId as string;
    expect(instanceId).toMatch(/^cid-/);
    const instances = await t()
      .db.kysely.selectFrom('campaign_instances')
      .select('id')
      .where('campaign_id', '=', id)
      .execute();
    expect(instances.map((i) => i.id)).toEqual([instanceId]);
    for (const trigger of ['pause', 'resume', 'stop']) {
      const { key } = await twice('POST', `/campaign/${id}?trigger=${trigger}`, {});
      // The same trigger without the key is a second transition, which the campaign's state refuses.
      expectEnvelope(await send('POST', `/campaign/${id}?trigger=${trigger}`, {}, undefined), 409);
      // The v2 voice spelling is another route: another request for the key.
      const other = await send('POST', `/campaign/trigger/${id}?trigger=${trigger}`, {}, key);
      expect(expectEnvelope(other, 422).errors[0]!.code).toBe('IDEMPOTENCY_KEY_REUSED');
    }
  });

  it('schedule: enabled once; callContactAt: scheduled once', async () => {
    const list = await t().addList('Idem sched list');
    await addContacts(t(), list, [{ phone: '+15557700011', uniqueId: 'idem-1' }]);
    const id = await createCampaign(t(), { name: 'Idem sched', contactLists: ['Idem sched list'] });
    const v2 = `/campaign/api/v2/public/${t().tenant.iid}`;
    const body = {
      startDateTime: '2026-06-02 09:00:00',
      endDateTime: '2026-06-09 09:00:00',
      timezone: 'UTC',
      recurrenceObject: { recurType: 'Daily', dailyDetails: { onceEveryNdays: 1 } },
    };
    const sched = await twice('POST', '/campaign/schedule?enableSchedule=true&campaignName=Idem%20sched', body, {
      prefix: v2,
    });
    expect(sched.first.json()).toMatchObject({ status: 'success', id });
    const off = await twice(
      'POST',
      '/campaign/schedule?enableSchedule=false&campaignName=Idem%20sched',
      {},
      {
        prefix: v2,
      },
    );
    expect(off.first.json().message).toBe('Campaign Idem sched schedule has been disabled successfully');

    const play = await t().kore('POST', `/campaign/${id}?trigger=play`, {});
    const instanceId = play.json().campaignInstanceId as string;
    // Its record waits to be dialed: a call-back moves it.
    const at = new Date(T0 + 30 * 60_000).toISOString();
    const cb = await twice(
      'POST',
      `/campaign/${instanceId}/callContactAt`,
      [{ campaignDialingListId: 'idem-1', timeToContact: at }],
      {
        prefix: v2,
      },
    );
    expect(cb.first.json()).toEqual({
      status: 'success',
      data: [{ campaignDialingListId: 'idem-1', status: 'success', timeToContact: at }],
    });
    const record = await t()
      .db.kysely.selectFrom('dial_records')
      .select(['state', 'next_at'])
      .where('instance_id', '=', instanceId)
      .executeTakeFirstOrThrow();
    expect(record).toMatchObject({ state: 'pending', next_at: T0 + 30 * 60_000 });
    const later = new Date(T0 + 60 * 60_000).toISOString();
    const other = await send(
      'POST',
      `/campaign/${instanceId}/callContactAt`,
      [{ campaignDialingListId: 'idem-1', timeToContact: later }],
      cb.key,
      { prefix: v2 },
    );
    expect(expectEnvelope(other, 422).errors[0]!.code).toBe('IDEMPOTENCY_KEY_REUSED');
  });

  it('createContactList and addContacts: one list, its contacts added once', async () => {
    const created = await twice('POST', '/campaign/contactList/createContactList', {
      name: 'Idem list',
      allowDuplicates: true,
    });
    const listId = created.first.json().data._id as string;
    const lists = await t()
      .db.kysely.selectFrom('contact_lists')
      .select('id')
      .where('name', '=', 'Idem list')
      .execute();
    expect(lists.map((l) => l.id)).toEqual([listId]);

    const data = [{ phoneNumber: '+14155550121' }, { phoneNumber: '+14155550122' }];
    const add = await twice('POST', '/campaign/contactList/addContacts', { contact_list_name: 'Idem list', data });
    // Kore's other addContacts prefix is another path: another request.
    const other = await send(
      'POST',
      '/campaign/contactList/addContacts',
      { contact_list_name: 'Idem list', data },
      add.key,
      { prefix: `/api/1.1/public/${t().tenant.iid}` },
    );
    expectEnvelope(other, 422);
    await t().services.imports.whenIdle();
    const got = await t().kore('GET', `/campaign/contactList/${listId}`);
    expect(got.json().data.totalRecordCount).toBe(2); // a list that allows duplicates would hold 4 after two imports
  });

  it('the same key with another request is 422; field order and accountId placement do not matter', async () => {
    const key = newKey();
    const body = { name: 'Idem order', description: 'a', allowDuplicates: false };
    const first = await send('POST', '/campaign/contactList/createContactList', body, key);
    expect(first.statusCode).toBe(200);
    // Same fields in another order, and the account in the query as well: the same request.
    const reordered = { allowDuplicates: false, description: 'a', name: 'Idem order' };
    expectReplayOf(
      await send('POST', `/campaign/contactList/createContactList?accountId=${t().tenant.accountId}`, reordered, key),
      first,
    );
    const changed = await send('POST', '/campaign/contactList/createContactList', { ...body, description: 'b' }, key);
    const failure = expectEnvelope(changed, 422);
    expect(failure.errors).toEqual([
      { msg: failure.message, code: 'IDEMPOTENCY_KEY_REUSED', field: 'Idempotency-Key' },
    ]);
    expect(changed.headers['idempotency-replayed']).toBeUndefined();
    // Another method or path with the key is another request too.
    expectEnvelope(await send('DELETE', `/campaign/${'cd-nope'}`, undefined, key), 422);
    // Another prefix, too (v1 and v2 may answer differently).
    expectEnvelope(
      await send('POST', '/campaign/contactList/createContactList', body, key, {
        prefix: `/campaign/api/v2/public/${t().tenant.iid}`,
      }),
      422,
    );
  });

  it('a request still running with the key is 409; once it answers, retries replay it', async () => {
    const campaigns = t().services.campaigns;
    const create = campaigns.create.bind(campaigns);
    let entered!: () => void;
    const reached = new Promise<void>((r) => (entered = r));
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    campaigns.create = async (...args: Parameters<typeof create>) => {
      entered();
      await gate;
      return create(...args);
    };
    try {
      const key = newKey();
      const body = campaignBody('Idem slow');
      const slow = send('POST', '/campaign?campaignType=voice', body, key);
      await reached;
      const busy = await send('POST', '/campaign?campaignType=voice', body, key);
      const failure = expectEnvelope(busy, 409);
      expect(failure.errors[0]!.code).toBe('IDEMPOTENCY_KEY_IN_USE');
      expect(busy.headers['retry-after']).toBe('1');
      // Another request with the key is 422 even while the first runs.
      expectEnvelope(await send('POST', '/campaign?campaignType=voice', campaignBody('Idem other'), key), 422);
      release();
      const first = await slow;
      expect(first.statusCode, first.body).toBe(200);
      expectReplayOf(await send('POST', '/campaign?campaignType=voice', body, key), first);
      expect(await campaignsNamed('Idem slow')).toBe(1);
    } finally {
      release();
      campaigns.create = create;
    }
  });

  it('another server process sharing the database sees the key: 409 while it runs, then the replay', async () => {
    const { db, clock, config } = t();
    const otherServices = createServices(db, clock, config);
    const other = await buildApp({ config, db, clock, services: otherServices });
    const campaigns = t().services.campaigns;
    const create = campaigns.create.bind(campaigns);
    let entered!: () => void;
    const reached = new Promise<void>((r) => (entered = r));
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    campaigns.create = async (...args: Parameters<typeof create>) => {
      entered();
      await gate;
      return create(...args);
    };
    try {
      const key = newKey();
      const body = campaignBody('Idem two servers');
      const viaOther = koreCaller(other, t().headers, t().tenant);
      const opts = { headers: { 'idempotency-key': key } };
      const slow = send('POST', '/campaign?campaignType=voice', body, key);
      await reached;
      expectEnvelope(await viaOther('POST', '/campaign?campaignType=voice', body, opts), 409);
      release();
      const first = await slow;
      expect(first.statusCode, first.body).toBe(200);
      expectReplayOf(await viaOther('POST', '/campaign?campaignType=voice', body, opts), first);
      expect(await campaignsNamed('Idem two servers')).toBe(1);
    } finally {
      release();
      campaigns.create = create;
      await other.close();
    }
  });

  it('a key held by a process that died is taken over once stale', async () => {
    const key = newKey();
    const body = { name: 'Idem stale' };
    const first = await send('POST', '/campaign/contactList/createContactList', body, key);
    // As if the first request's process had died before answering: its row is left running.
    await t()
      .db.kysely.updateTable('idempotency_keys')
      .set({ state: 'running', status: null, body: null })
      .where('key', '=', key)
      .execute();
    expectEnvelope(await send('POST', '/campaign/contactList/createContactList', body, key), 409);
    t().clock.advance(5 * 60_000);
    // It runs again (the list exists by now: a 409 of the list's own, not a replay).
    const rerun = await send('POST', '/campaign/contactList/createContactList', body, key);
    expect(first.statusCode).toBe(200);
    expect(expectEnvelope(rerun, 409).errors[0]!.code).toBe('CONFLICT');
    expect(rerun.headers['idempotency-replayed']).toBeUndefined();
    // A 4xx is a final answer: stored and replayed.
    expectReplayOf(await send('POST', '/campaign/contactList/createContactList', body, key), rerun);
  });

  it('keys are per account: two accounts use one key independently', async () => {
    const other = await t().addTenant();
    const key = newKey();
    const mine = await send('POST', '/campaign?campaignType=voice', campaignBody('Idem shared key'), key);
    const theirs = await send('POST', '/campaign?campaignType=voice', campaignBody('Idem shared key'), key, {
      tenant: other,
    });
    expect(mine.statusCode, mine.body).toBe(200);
    expect(theirs.statusCode, theirs.body).toBe(200);
    expect(theirs.headers['idempotency-replayed']).toBeUndefined();
    expect(theirs.json().id).not.toBe(mine.json().id);
    expect(await campaignsNamed('Idem shared key')).toBe(1);
    expect(await campaignsNamed('Idem shared key', other.accountId)).toBe(1);
    // A different body in the other account is no business of this one's key.
    const third = await t().addTenant();
    expect(
      (await send('POST', '/campaign/contactList/createContactList', { name: 'Idem third' }, key, { tenant: third }))
        .statusCode,
    ).toBe(200);
  });

  it('keys are kept 24 h, then forgotten (and purged)', async () => {
    const key = newKey();
    const first = await send('POST', '/campaign/contactList/createContactList', { name: 'Idem day 1' }, key);
    expect(first.statusCode).toBe(200);
    t().clock.advance(24 * HOUR - 1);
    expectReplayOf(await send('POST', '/campaign/contactList/createContactList', { name: 'Idem day 1' }, key), first);
    t().clock.advance(1);
    const next = await send('POST', '/campaign/contactList/createContactList', { name: 'Idem day 2' }, key);
    expect(next.statusCode, next.body).toBe(200);
    expect(next.headers['idempotency-replayed']).toBeUndefined();
    expect(next.json().data.name).toBe('Idem day 2');
    // Expired keys are purged by the first keyed request once the purge is due (every 10 min).
    t().clock.advance(10 * 60_000);
    expect((await send('DELETE', '/campaign/cd-none', undefined, newKey())).statusCode).toBe(404);
    const now = t().clock.now();
    expect((await keyRows()).filter((r) => Number(r.expires_at) <= now)).toEqual([]);
  });

  it('a malformed key is 400 and nothing is done; quoted and unquoted keys are the same key', async () => {
    const bad = [
      '',
      '""',
      'two words',
      '"unterminated',
      'caf\u00e9',
      'a'.repeat(256),
      '"' + 'a'.repeat(256) + '"',
      'x,y',
    ];
    for (const key of bad) {
      const res = await send('POST', '/campaign/contactList/createContactList', { name: 'Idem never' }, key);
      const failure = expectEnvelope(res, 400);
      expect(failure.errors[0], key).toMatchObject({ code: 'INVALID_IDEMPOTENCY_KEY', field: 'Idempotency-Key' });
    }
    expect(
      await t().db.kysely.selectFrom('contact_lists').select('id').where('name', '=', 'Idem never').execute(),
    ).toEqual([]);
    const long = 'k'.repeat(255);
    const first = await send('POST', '/campaign/contactList/createContactList', { name: 'Idem quoted' }, long);
    expect(first.statusCode).toBe(200);
    expectReplayOf(
      await send('POST', '/campaign/contactList/createContactList', { name: 'Idem quoted' }, `"${long}"`),
      first,
    );
    const escaped = await send('POST', '/campaign/contactList/createContactList', { name: 'Idem esc' }, '"a\\"b"');
    expect(escaped.statusCode).toBe(200);
    expectReplayOf(
      await send('POST', '/campaign/contactList/createContactList', { name: 'Idem esc' }, '"a\\"b"'),
      escaped,
    );
    expect((await keyRows()).map((r) => r.key)).toContain('a"b');
  });

  it('a 5xx is not stored: the retry runs again', async () => {
    const lists = t().services.contactLists;
    const create = lists.create.bind(lists);
    lists.create = async () => {
      throw new Error('boom');
    };
    const key = newKey();
    const body = { name: 'Idem after 500' };
    try {
      expectEnvelope(await send('POST', '/campaign/contactList/createContactList', body, key), 500);
    } finally {
      lists.create = create;
    }
    expect((await keyRows()).filter((r) => r.key === key)).toEqual([]);
    const retry = await send('POST', '/campaign/contactList/createContactList', body, key);
    expect(retry.statusCode, retry.body).toBe(200);
    expect(retry.headers['idempotency-replayed']).toBeUndefined();
    expectReplayOf(await send('POST', '/campaign/contactList/createContactList', body, key), retry);
  });

  it('requests without a key store nothing', async () => {
    const before = (await keyRows()).length;
    const res = await send('POST', '/campaign/contactList/createContactList', { name: 'Idem keyless' }, undefined);
    expect(res.statusCode).toBe(200);
    expect((await keyRows()).length).toBe(before);
  });
});
