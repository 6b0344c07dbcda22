import { describe, expect, it } from 'vitest';
import { agentlessSample } from '../fixtures/kore-samples.js';
import { useTestApp } from '../support/test-app.js';
import { DIALECTS } from '../support/test-db.js';

/** Kore's Create Contact List sample body. */
const createSample = {
  name: 'Renewal Due - July 2025',
  description: 'Customers whose policy renews in July.',
  source: 'passiveApi',
  allowDuplicates: true,
};

describe.each(DIALECTS)('contact lists on %s', (dialect) => {
  const t = useTestApp(dialect);

  async function create(body: object, prefix?: string) {
    const res = await t().kore('POST', '/campaign/contactList/createContactList', body, prefix ? { prefix } : {});
    expect(res.statusCode, res.body).toBe(200);
    return res.json().data;
  }

  it('creates a list from the documented sample with every documented field', async () => {
    const res = await t().kore('POST', '/campaign/contactList/createContactList', createSample);
    expect(res.statusCode, res.body).toBe(200);
    const body = res.json();
    expect(body.status).toBe('success');
    expect(body.message).toBe('Contact list Renewal Due - July 2025 created successfully');
    expect(body.data._id).toMatch(/^cl-[0-9a-f-]{36}$/);
    expect(body.data).toMatchObject({
      id: body.data._id,
      name: 'Renewal Due - July 2025',
      lname: 'renewal due - july 2025',
      description: createSample.description,
      status: 'Ready',
      listType: 'call',
      totalRecordCount: 0,
      source: 'passiveApi',
      apiConfigurations: { dataSyncMode: 'allowDuplicates' },
      allowDuplicates: true,
      isListInUse: false,
      campaignInUse: [],
      isGlobalDNC: false,
      isDefault: false,
      iId: t().tenant.iid,
      accountId: t().tenant.accountId,
      mapping: {
        firstName: 'firstName',
        lastName: 'lastName',
        phoneNumber: 'phoneNumber',
        timeZone: 'timeZone',
        uniqueId: 'uniqueId',
        contactPriority: 'contactPriority',
      },
      files: [],
      createdAt: '2026-06-01T12:00:00.000Z',
    });
    const got = await t().kore('GET', `/campaign/contactList/${body.data._id}`);
    expect(got.statusCode).toBe(200);
    expect(got.json()).toEqual({ status: 'success', message: '', data: body.data });
  });

  it('tolerates the sample typos: name1 and source passiveApiIntegration; defaults description and allowDuplicates (docs/kore-compatibility.md, inconsistencies 13, 17)', async () => {
    const data = await create({ name1: 'Typo sample list', source: 'PassiveApiIntegration' });
    expect(data).toMatchObject({
      name: 'Typo sample list',
      description: '',
      source: 'passiveApiIntegration',
      allowDuplicates: false,
      apiConfigurations: { dataSyncMode: 'dontAllowDuplicates' },
    });
  });

  it('refuses an unknown source, a missing name, a long name and a duplicate name', async () => {
    const bad = await t().kore('POST', '/campaign/contactList/createContactList', { name: 'x', source: 'csvUpload' });
    expect(bad.statusCode).toBe(400);
    expect(bad.json()).toMatchObject({ status: 'failure', errors: [{ field: 'source' }] });
    const noName = await t().kore('POST', '/campaign/contactList/createContactList', { description: 'd' });
    expect(noName.statusCode).toBe(400);
    expect(noName.json().errors[0].field).toBe('name');
    const long = await t().kore('POST', '/campaign/contactList/createContactList', { name: 'n'.repeat(49) });
    expect(long.statusCode).toBe(400);
    await create({ name: 'Unique Name' });
    const dup = await t().kore('POST', '/campaign/contactList/createContactList', { name: 'unique name' });
    expect(dup.statusCode).toBe(409);
    expect(dup.json().message).toBe("Contact list name 'unique name' already exists");
  });

  it("answers 400 to the samples' broken JSON (docs/kore-compatibility.md, inconsistency 22)", async () => {
    const res = await t().kore('POST', '/campaign/contactList/createContactList', '{"name": "a" "description": "b"}');
    expect(res.statusCode).toBe(400);
    expect(res.json().status).toBe('failure');
  });

  it('lists every list with GET and POST, type=call optional, and rejects another type (docs/kore-compatibility.md, inconsistency 19)', async () => {
    const made = await create({ name: 'Listed list' });
    for (const method of ['GET', 'POST']) {
      for (const query of [{ type: 'call' }, {}, { type: 'CALL' }] as Record<string, string>[]) {
        const res = await t().kore(method, '/campaign/contactList/getAllListDetails', undefined, { query });
        expect(res.statusCode, res.body).toBe(200);
        const body = res.json();
        expect(body).toMatchObject({ status: 'success', message: '' });
        const item = body.data.find((l: { _id: string }) => l._id === made._id);
        expect(item).toEqual(made);
        expect(body.data.map((l: { name: string }) => l.name)).toContain('Recent Buyers - Q2 2025');
      }
    }
    const bad = await t().kore('GET', '/campaign/contactList/getAllListDetails', undefined, {
      query: { type: 'email' },
    });
    expect(bad.statusCode).toBe(400);
  });

  it('answers under every prefix, with accountId in the query and no iid header (docs/kore-compatibility.md, inconsistencies 3, 4)', async () => {
    const { iid, accountId, token } = t().tenant;
    for (const prefix of ['/campaign/api/v1/public', '/campaign/api/v2/public', '/api/v2/public', '/api/v1/public']) {
      const res = await t().app.inject({
        method: 'GET',
        url: `${prefix}/${iid}/campaign/contactList/getAllListDetails?accountId=${accountId}&type=call`,
        headers: { auth: token },
      });
      expect(res.statusCode, `${prefix}: ${res.body}`).toBe(200);
    }
  });

  it('updates name, description and allowDuplicates, answering both documented shapes', async () => {
    const made = await create({ name: 'Renewal Due - July', description: 'old' });
    t().clock.advance(1000);
    const res = await t().kore('PUT', `/campaign/contactList/${made._id}`, { name: 'Renewal Due - August 2025' });
    expect(res.statusCode, res.body).toBe(200);
    const body = res.json();
    expect(body.message).toBe('Contact list Renewal Due - August 2025 updated successfully');
    expect(body.data).toMatchObject({
      contactListId: made._id,
      body: {
        name: 'Renewal Due - August 2025',
        iId: t().tenant.iid,
        listType: 'call',
        accountId: t().tenant.accountId,
      },
      _id: made._id,
      name: 'Renewal Due - August 2025',
      lname: 'renewal due - august 2025',
      description: 'old',
      updatedAt: '2026-06-01T12:00:01.000Z',
    });
    const more = await t().kore('PUT', `/campaign/contactList/${made._id}`, {
      description: 'new',
      allowDuplicates: true,
    });
    expect(more.json().data).toMatchObject({
      name: 'Renewal Due - August 2025',
      description: 'new',
      allowDuplicates: true,
      apiConfigurations: { dataSyncMode: 'allowDuplicates' },
    });
    const taken = await t().kore('PUT', `/campaign/contactList/${made._id}`, { name: 'Recent Buyers - Q2 2025' });
    expect(taken.statusCode).toBe(409);
    expect(taken.json().message).toBe("Contact list name 'Recent Buyers - Q2 2025' already exists");
  });

  it('tolerates the update sample sent to the createContactList URL with POST (docs/kore-compatibility.md, inconsistency 18)', async () => {
    const made = await create({ name: 'Update sample list', description: 'old' });
    const count = async () => (await t().kore('GET', '/campaign/contactList/getAllListDetails')).json().data.length;
    const before = await count();
    // The sample's URL and method, its `name1` typo, and the list named in the body: an update.
    const byBody = await t().kore('POST', '/campaign/contactList/createContactList', {
      name1: 'Update sample list (August)',
      contactListId: made._id,
    });
    expect(byBody.statusCode, byBody.body).toBe(200);
    expect(byBody.json()).toMatchObject({
      status: 'success',
      message: 'Contact list Update sample list (August) updated successfully',
      data: {
        contactListId: made._id,
        _id: made._id,
        name: 'Update sample list (August)',
        description: 'old',
        body: { name: 'Update sample list (August)' },
      },
    });
    // ... or named in the query, or as _id; and POST on the update URL itself.
    const byQuery = await t().kore(
      'POST',
      '/campaign/contactList/createContactList',
      { description: 'new' },
      { query: { contactListId: made._id } },
    );
    expect(byQuery.json().data).toMatchObject({
      contactListId: made._id,
      name: 'Update sample list (August)',
      description: 'new',
    });
    const byUnderscoreId = await t().kore('POST', '/campaign/contactList/createContactList', {
      _id: made._id,
      allowDuplicates: true,
    });
    expect(byUnderscoreId.json().data).toMatchObject({ contactListId: made._id, allowDuplicates: true });
    const post = await t().kore('POST', `/campaign/contactList/${made._id}`, {
      name: 'Update sample list (September)',
    });
    expect(post.statusCode, post.body).toBe(200);
    expect(post.json()).toMatchObject({
      message: 'Contact list Update sample list (September) updated successfully',
      data: { contactListId: made._id },
    });
    expect(await count()).toBe(before);

    // An unknown or foreign list is 404 and creates nothing; a global-DNC switch is not an update.
    const unknown = await t().kore('POST', '/campaign/contactList/createContactList', {
      name1: 'Nope',
      contactListId: 'cl-00000000-0000-0000-0000-000000000000',
    });
    expect(unknown.statusCode).toBe(404);
    const other = await t().addTenant();
    const foreign = await t().kore(
      'POST',
      '/campaign/contactList/createContactList',
      { name: 'Theirs', contactListId: made._id },
      { tenant: other },
    );
    expect(foreign.statusCode).toBe(404);
    const dnc = await t().kore('POST', '/campaign/contactList/createContactList', {
      contactListId: made._id,
      isGlobalDNC: true,
    });
    expect(dnc.statusCode).toBe(400);
    expect(dnc.json().errors[0]).toMatchObject({ field: 'isGlobalDNC' });
    expect(await count()).toBe(before);

    // Without a list named, the create URL still creates (the Create Contact List sample, inconsistency 17).
    const created = await t().kore('POST', '/campaign/contactList/createContactList', {
      name1: 'Created by the sample URL',
    });
    expect(created.json()).toMatchObject({
      message: 'Contact list Created by the sample URL created successfully',
      data: { name: 'Created by the sample URL', totalRecordCount: 0 },
    });
    expect(created.json().data.contactListId).toBeUndefined();
  });

  it('refuses to rename or delete a list a campaign uses, naming the campaign; shows it in campaignInUse', async () => {
    const list = await create({ name: 'Used By Campaign' });
    const camp = await t().kore('POST', '/campaign?campaignType=voice', {
      ...agentlessSample,
      name: 'Uses the list',
      contactLists: ['used by campaign'],
    });
    expect(camp.statusCode, camp.body).toBe(200);
    const campId = camp.json().id;
    const got = (await t().kore('GET', `/campaign/contactList/${list._id}`)).json().data;
    expect(got.isListInUse).toBe(true);
    expect(got.campaignInUse).toEqual([{ id: campId, name: 'Uses the list' }]);

    const rename = await t().kore('PUT', `/campaign/contactList/${list._id}`, { name: 'Renamed' });
    expect(rename.statusCode).toBe(409);
    expect(rename.json().message).toBe(
      "Contact list Used By Campaign is used by campaign(s) 'Uses the list'; remove it from them before renaming",
    );
    // A change of letter case keeps the by-name reference valid, and a description change is harmless.
    const recase = await t().kore('PUT', `/campaign/contactList/${list._id}`, {
      name: 'USED BY CAMPAIGN',
      description: 'still used',
    });
    expect(recase.statusCode, recase.body).toBe(200);
    const del = await t().kore('DELETE', `/campaign/contactList/${list._id}`);
    expect(del.statusCode).toBe(409);
    expect(del.json().message).toBe(
      "Contact list USED BY CAMPAIGN is used by campaign(s) 'Uses the list'; remove it from them before deleting",
    );

    expect((await t().kore('DELETE', `/campaign/${campId}`)).statusCode).toBe(200);
    const after = (await t().kore('GET', `/campaign/contactList/${list._id}`)).json().data;
    expect(after).toMatchObject({ isListInUse: false, campaignInUse: [] });
    const ok = await t().kore('DELETE', `/campaign/contactList/${list._id}`);
    expect(ok.statusCode).toBe(200);
    expect(ok.json()).toMatchObject({
      status: 'success',
      message: 'Contact list USED BY CAMPAIGN deleted successfully',
      data: { _id: list._id },
    });
    expect((await t().kore('GET', `/campaign/contactList/${list._id}`)).statusCode).toBe(404);
  });

  it('creates one global DNC list per account (v2 isGlobalDNC) and refuses a second, even from another bot', async () => {
    const dnc = await create({ name: 'Global DNC', isGlobalDNC: true }, `/campaign/api/v2/public/${t().tenant.iid}`);
    expect(dnc.isGlobalDNC).toBe(true);
    const again = await t().kore('POST', '/campaign/contactList/createContactList', {
      name: 'Second DNC',
      isGlobalDNC: true,
    });
    expect(again.statusCode).toBe(409);
    expect(again.json().message).toBe(`Account already has a global DNC list: 'Global DNC' (${dnc._id})`);
    const notGlobal = await create({ name: 'Plain DNC list', isGlobalDNC: false });
    expect(notGlobal.isGlobalDNC).toBe(false);
  });

  it("hides other tenants' lists: get, update, delete and getAllContacts are 404, listing omits them", async () => {
    const other = await t().addTenant();
    const mine = await create({ name: 'Private list' });
    for (const [method, path, body] of [
      ['GET', `/campaign/contactList/${mine._id}`, undefined],
      ['PUT', `/campaign/contactList/${mine._id}`, { name: 'stolen' }],
      ['DELETE', `/campaign/contactList/${mine._id}`, undefined],
      ['GET', `/campaign/contactList/${mine._id}/getAllContacts`, undefined],
    ] as const) {
      const res = await t().kore(method, path, body, { tenant: other });
      expect(res.statusCode, `${method} ${path}`).toBe(404);
      expect(res.json()).toMatchObject({
        status: 'failure',
        message: `Contact list ${mine._id} not found`,
        errors: [{ code: 'CONTACT_LIST_NOT_FOUND' }],
      });
    }
    const list = (await t().kore('GET', '/campaign/contactList/getAllListDetails', undefined, { tenant: other })).json()
      .data;
    expect(list.map((l: { name: string }) => l.name)).toEqual(['Recent Buyers - Q2 2025']);
    expect((await t().kore('GET', `/campaign/contactList/${mine._id}`)).statusCode).toBe(200);
  });

  it('pages an empty list with the documented meta and validates paging parameters', async () => {
    const list = await create({ name: 'Empty list' });
    const res = await t().kore('GET', `/campaign/contactList/${list._id}/getAllContacts`, undefined, {
      query: { accountId: t().tenant.accountId },
    });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({
      status: 'success',
      message: 'Contacts retrieved successfully',
      data: { results: [], skip: 0, limit: 50, hasMore: false, totalPages: 0, totalResults: 0 },
    });
    for (const query of [{ limit: '0' }, { limit: '501' }, { page: '0' }, { skip: '-1' }, { limit: 'ten' }] as Record<
      string,
      string
    >[]) {
      const bad = await t().kore('GET', `/campaign/contactList/${list._id}/getAllContacts`, undefined, { query });
      expect(bad.statusCode, JSON.stringify(query)).toBe(400);
    }
  });
});
