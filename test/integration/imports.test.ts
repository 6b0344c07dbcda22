import { describe, expect, it } from 'vitest';
import { agentlessSample } from '../fixtures/kore-samples.js';
import { useTestApp, type TestTenant } from '../support/test-app.js';
import { DIALECTS } from '../support/test-db.js';

const ADMIN = 'admin-token-for-import-tests';

describe.each(DIALECTS)('addContacts, import jobs and DNC on %s', (dialect) => {
  const t = useTestApp(dialect, { env: { ADMIN_TOKEN: ADMIN } });

  async function createList(name: string, extra: object = {}, tenant?: TestTenant) {
    const res = await t().kore(
      'POST',
      '/campaign/contactList/createContactList',
      { name, description: '', source: 'passiveApi', ...extra },
      tenant ? { tenant } : {},
    );
    expect(res.statusCode, res.body).toBe(200);
    return res.json().data as { _id: string };
  }

  /** addContacts under /api/1.1 as documented; waits for the job (no sleeps: the service says when it is idle). */
  async function addContacts(
    listName: string,
    data: unknown[],
    tenant: TestTenant = t().tenant,
    prefix = '/api/1.1/public',
  ) {
    const res = await t().kore(
      'POST',
      '/campaign/contactList/addContacts',
      { contact_list_name: listName, data },
      { tenant, prefix: `${prefix}/${tenant.iid}` },
    );
    expect(res.statusCode, res.body).toBe(200);
    const body = res.json();
    expect(body).toEqual({
      status: 'success',
      message: 'Adding contacts to public list is in progress',
      importId: expect.stringMatching(/^imp-/),
    });
    await t().services.imports.whenIdle();
    return admin('GET', `/imports/${body.importId}`);
  }

  async function admin(method: string, path: string, payload?: string, headers: Record<string, string> = {}) {
    const res = await t().app.inject({
      method: method as 'GET',
      url: `/admin/v1${path}`,
      headers: { authorization: `Bearer ${ADMIN}`, ...headers },
      payload,
    });
    return { status: res.statusCode, body: res.json() };
  }

  async function contacts(listId: string, query: Record<string, string> = {}, tenant?: TestTenant) {
    const res = await t().kore('GET', `/campaign/contactList/${listId}/getAllContacts`, undefined, {
      query,
      ...(tenant ? { tenant } : {}),
    });
    expect(res.statusCode, res.body).toBe(200);
    return res.json().data;
  }

  it('adds the documented sample asynchronously and reports its invalid number as a rejected row', async () => {
    await createList('Renewal Due - July 2025');
    const job = await addContacts('Renewal Due - July 2025', [{ phoneNumber: '9122333445566' }]);
    expect(job.status).toBe(200);
    expect(job.body).toMatchObject({
      status: 'completed',
      source: 'api',
      totalRows: 1,
      imported: 0,
      duplicates: 0,
      rejected: 1,
    });
    const rejects = await admin('GET', `/imports/${job.body.id}/rejects`);
    expect(rejects.body).toEqual({
      importId: job.body.id,
      results: [
        { rowNumber: 1, column: 'phoneNumber', reason: 'invalid phone number "9122333445566": too long for US' },
      ],
      skip: 0,
      limit: 100,
      totalResults: 1,
    });
  });

  it('normalises numbers, keeps the original text and extra columns (keys with spaces), rejects garbage with row and reason', async () => {
    const list = await createList('Phone edge cases');
    const job = await addContacts('Phone edge cases', [
      { phoneNumber: '(415) 555-2671', 'first name': 'Ada', 'last name': 'Lovelace', email: 'ada@example.com' },
      {
        phoneNumber: '415-555-2672 ext. 42',
        firstName: 'Bob',
        timeZone: 'America/New_York',
        uniqueId: 'u-2',
        contactPriority: 3,
      },
      { phoneNumber: '+44 20 7946 0958' },
      { phoneNumber: '919876543210' },
      { phoneNumber: 'hello' },
      { phoneNumber: '12' },
      { firstName: 'no phone' },
      { phoneNumber: '4155552673', timeZone: 'Mars/Olympus' },
      'not an object',
    ]);
    expect(job.body).toMatchObject({ status: 'completed', totalRows: 9, imported: 4, rejected: 5, duplicates: 0 });
    const page = await contacts(list._id);
    expect(page).toMatchObject({ skip: 0, limit: 50, hasMore: false, totalPages: 1, totalResults: 4 });
    expect(
      page.results.map((c: { phoneNumber: string; phoneNumberE164: string }) => [c.phoneNumber, c.phoneNumberE164]),
    ).toEqual([
      ['(415) 555-2671', '+14155552671'],
      ['415-555-2672 ext. 42', '+14155552672'],
      ['+44 20 7946 0958', '+442079460958'],
      ['919876543210', '+919876543210'],
    ]);
    expect(page.results[0]).toMatchObject({
      'first name': 'Ada',
      'last name': 'Lovelace',
      email: 'ada@example.com',
      _id: expect.stringMatching(/^cc-/),
      createdAt: '2026-06-01T12:00:00.000Z',
    });
    expect(page.results[1]).toMatchObject({
      extension: '42',
      firstName: 'Bob',
      timeZone: 'America/New_York',
      uniqueId: 'u-2',
      contactPriority: 3,
    });
    const rejects = (await admin('GET', `/imports/${job.body.id}/rejects`)).body.results;
    expect(rejects).toEqual([
      { rowNumber: 5, column: 'phoneNumber', reason: 'invalid phone number "hello": contains letters' },
      { rowNumber: 6, column: 'phoneNumber', reason: 'invalid phone number "12": too short for US' },
      { rowNumber: 7, column: 'phoneNumber', reason: 'phone number is required' },
      { rowNumber: 8, column: 'timeZone', reason: 'unknown time zone "Mars/Olympus"' },
      { rowNumber: 9, column: '(row)', reason: 'a contact must be an object' },
    ]);
    // Paged through with query-string numbers; a bad one is a 400 naming it.
    const paged = (await admin('GET', `/imports/${job.body.id}/rejects?skip=1&limit=2`)).body;
    expect(paged).toMatchObject({ skip: 1, limit: 2, totalResults: 5 });
    expect(paged.results.map((r: { rowNumber: number }) => r.rowNumber)).toEqual([6, 7]);
    for (const bad of ['limit=0', 'limit=1001', 'skip=-1', 'skip=1.5']) {
      const res = await admin('GET', `/imports/${job.body.id}/rejects?${bad}`);
      expect(res.status, bad).toBe(400);
      expect(res.body.errors[0].field, bad).toBe(bad.split('=')[0]);
    }
    const got = (await t().kore('GET', `/campaign/contactList/${list._id}`)).json().data;
    expect(got).toMatchObject({ totalRecordCount: 4, status: 'Ready' });
  });

  it("reads numbers without + with the bot's default country", async () => {
    const other = await t().addTenant();
    await t().db.kysely.updateTable('bots').set({ default_country: 'IN' }).where('id', '=', other.iid).execute();
    const list = await createList('India list', {}, other);
    await addContacts('India list', [{ phoneNumber: '98765 43210' }], other);
    expect((await contacts(list._id, {}, other)).results[0].phoneNumberE164).toBe('+919876543210');
  });

  it('skips duplicates by normalised number unless the list allows them, across calls and within one', async () => {
    const strict = await createList('No duplicates');
    const first = await addContacts('No duplicates', [
      { phoneNumber: '4155552671' },
      { phoneNumber: '+1 (415) 555-2671' },
      { phoneNumber: '4155552680' },
    ]);
    expect(first.body).toMatchObject({ imported: 2, duplicates: 1 });
    const second = await addContacts('no duplicates', [{ phoneNumber: '415.555.2680' }, { phoneNumber: '4155552681' }]);
    expect(second.body).toMatchObject({ imported: 1, duplicates: 1 });
    expect((await contacts(strict._id)).totalResults).toBe(3);

    const loose = await createList('Duplicates welcome', { allowDuplicates: true });
    const dup = await addContacts(
      'Duplicates welcome',
      [{ phoneNumber: '4155552671' }, { phoneNumber: '+14155552671' }],
      t().tenant,
      '/api/public',
    );
    expect(dup.body).toMatchObject({ imported: 2, duplicates: 0 });
    const page = await contacts(loose._id);
    expect(page.results.map((c: { phoneNumberE164: string }) => c.phoneNumberE164)).toEqual([
      '+14155552671',
      '+14155552671',
    ]);
  });

  it('pages contacts with skip, page and limit and the documented meta', async () => {
    const list = await createList('Paged list');
    await addContacts(
      'Paged list',
      Array.from({ length: 7 }, (_, i) => ({ phoneNumber: `415555270${i}` })),
    );
    expect(await contacts(list._id, { limit: '3' })).toMatchObject({
      skip: 0,
      limit: 3,
      hasMore: true,
      totalPages: 3,
      totalResults: 7,
    });
    const p3 = await contacts(list._id, { limit: '3', page: '3' });
    expect(p3).toMatchObject({ skip: 6, hasMore: false });
    expect(p3.results.map((c: { phoneNumber: string }) => c.phoneNumber)).toEqual(['4155552706']);
    const skipped = await contacts(list._id, { skip: '5', limit: '50' });
    expect(skipped.results.map((c: { phoneNumber: string }) => c.phoneNumber)).toEqual(['4155552705', '4155552706']);
  });

  it('answers 404 for an unknown or foreign list name and 400 without data', async () => {
    const other = await t().addTenant();
    await createList('Only mine');
    const res = await t().kore(
      'POST',
      '/campaign/contactList/addContacts',
      { contact_list_name: 'Only mine', data: [] },
      { tenant: other, prefix: `/api/1.1/public/${other.iid}` },
    );
    expect(res.statusCode).toBe(404);
    expect(res.json().message).toBe("Contact list 'Only mine' not found");
    const noData = await t().kore(
      'POST',
      '/campaign/contactList/addContacts',
      { contact_list_name: 'Only mine' },
      { prefix: `/api/1.1/public/${t().tenant.iid}` },
    );
    expect(noData.statusCode).toBe(400);
    const noAuth = await t().app.inject({
      method: 'POST',
      url: `/api/1.1/public/${t().tenant.iid}/campaign/contactList/addContacts`,
      payload: { contact_list_name: 'Only mine', data: [] },
    });
    expect(noAuth.statusCode).toBe(401);
  });

  it('imports a streamed CSV upload through the admin API with a report of rejected rows', async () => {
    const list = await createList('CSV upload');
    const csv =
      'Phone,first name,Tz\n4155552671,Ada,America/Los_Angeles\nnot a number,Bob,\n4155552671,Dup,\n"4155552672",Eve,Nowhere/Zone\n';
    const q = `accountId=${t().tenant.accountId}&iid=${t().tenant.iid}&fileName=leads.csv&map=Phone%3DphoneNumber&map=Tz%3DtimeZone`;
    const res = await admin('POST', `/contact-lists/${list._id}/imports?${q}`, csv, { 'content-type': 'text/csv' });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      status: 'completed',
      source: 'csv',
      fileName: 'leads.csv',
      totalRows: 4,
      imported: 1,
      duplicates: 1,
      rejected: 2,
      listId: list._id,
    });
    const rejects = (await admin('GET', `/imports/${res.body.id}/rejects`)).body.results;
    expect(rejects).toEqual([
      { rowNumber: 3, column: 'Phone', reason: 'invalid phone number "not a number": contains letters' },
      { rowNumber: 5, column: 'Tz', reason: 'unknown time zone "Nowhere/Zone"' },
    ]);
    const got = (await t().kore('GET', `/campaign/contactList/${list._id}`)).json().data;
    expect(got).toMatchObject({ totalRecordCount: 1, files: [{ fileId: res.body.id, fileName: 'leads.csv' }] });
    expect((await contacts(list._id)).results[0]).toMatchObject({
      phoneNumber: '4155552671',
      'first name': 'Ada',
      timeZone: 'America/Los_Angeles',
    });

    const byName = await admin(
      'POST',
      `/imports?accountId=${t().tenant.accountId}&iid=${t().tenant.iid}&list=csv%20upload`,
      'phoneNumber\n4155552690\n',
      { 'content-type': 'text/csv' },
    );
    expect(byName.body).toMatchObject({ status: 'completed', imported: 1 });
  });

  it('fails a CSV job whose header is unusable, adding nothing', async () => {
    const list = await createList('Bad header');
    const res = await admin(
      'POST',
      `/contact-lists/${list._id}/imports?accountId=${t().tenant.accountId}&iid=${t().tenant.iid}`,
      'name,email\nAda,a@x\n',
      { 'content-type': 'text/csv' },
    );
    expect(res.status).toBe(400);
    expect(res.body.message).toMatch(/^CSV has no phone number column/);
    const rows = await t().db.kysely.selectFrom('imports').selectAll().where('list_id', '=', list._id).execute();
    expect(rows).toMatchObject([{ status: 'failed', imported: 0 }]);
    expect(rows[0]!.error).toMatch(/^CSV has no phone number column/);
    expect((await admin('GET', '/imports/imp-nope')).status).toBe(404);
  });

  it('checks DNC membership against the given lists and the account global DNC list', async () => {
    const other = await t().addTenant();
    const campaignDnc = await createList('Campaign DNC', {}, other);
    const global = await createList('Account DNC', { isGlobalDNC: true }, other);
    await addContacts('Campaign DNC', [{ phoneNumber: '4155552601' }], other);
    await addContacts('Account DNC', [{ phoneNumber: '4155552602' }], other);
    const dnc = t().services.dnc;
    const tenant = { accountId: other.accountId };
    expect(await dnc.isOnDnc(tenant, [campaignDnc._id], '+14155552601')).toBe(true);
    expect(await dnc.isOnDnc(tenant, [campaignDnc._id], '+14155552602')).toBe(true);
    expect(await dnc.isOnDnc(tenant, [], '+14155552602')).toBe(true);
    expect(await dnc.isOnDnc(tenant, [], '+14155552601')).toBe(false);
    expect(await dnc.isOnDnc(tenant, [campaignDnc._id], '+14155552603')).toBe(false);
    expect(
      [
        ...(await dnc.blockedNumbers(tenant, [campaignDnc._id], ['+14155552601', '+14155552602', '+14155552603'])),
      ].sort(),
    ).toEqual(['+14155552601', '+14155552602']);
    // Another account's global list does not apply.
    expect(await dnc.isOnDnc({ accountId: t().tenant.accountId }, [], '+14155552602')).toBe(false);
    expect(global._id).toMatch(/^cl-/);
  });

  it('lets a v2 campaign reference a DNC list by name, which then counts as in use', async () => {
    await createList('Voice DNC');
    const res = await t().kore(
      'POST',
      '/campaign?campaignType=voice',
      { ...agentlessSample, name: 'With DNC', dncLists: { name: 'Voice DNC' } },
      { prefix: `/campaign/api/v2/public/${t().tenant.iid}` },
    );
    expect(res.statusCode, res.body).toBe(200);
    const lists = (await t().kore('GET', '/campaign/contactList/getAllListDetails')).json().data;
    expect(lists.find((l: { name: string }) => l.name === 'Voice DNC')).toMatchObject({
      isListInUse: true,
      campaignInUse: [{ id: res.json().id, name: 'With DNC' }],
    });
  });
});
