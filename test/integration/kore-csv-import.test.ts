import { describe, expect, it } from 'vitest';
import { useTestApp, type TestTenant } from '../support/test-app.js';
import { DIALECTS } from '../support/test-db.js';

describe.each(DIALECTS)('Kore CSV upload and import jobs on %s', (dialect) => {
  const t = useTestApp(dialect);

  async function createList(name: string, tenant?: TestTenant): Promise<string> {
    const res = await t().kore(
      'POST',
      '/campaign/contactList/createContactList',
      { name, description: '' },
      tenant ? { tenant } : {},
    );
    expect(res.statusCode, res.body).toBe(200);
    return (res.json().data as { _id: string })._id;
  }

  function upload(
    listId: string,
    csv: string,
    o: { tenant?: TestTenant; prefix?: string; headers?: Record<string, string>; query?: Record<string, string> } = {},
  ) {
    return t().kore('POST', `/campaign/contactList/${listId}/contacts.csv`, csv, {
      ...o,
      headers: { 'content-type': 'text/csv', ...o.headers },
    });
  }

  it('imports an uploaded CSV, reports each rejected row and adds the good ones to the list', async () => {
    const listId = await createList('Kore CSV upload');
    const csv =
      'Phone,firstName,timeZone\n4155552671,Ada,America/Los_Angeles\nnot a number,Bob,\n4155552671,Dup,\n"4155552672",Eve,Nowhere/Zone\n4155552673,Grace,\n';
    const res = await upload(listId, csv, { query: { fileName: 'leads.csv', map: 'Phone=phoneNumber' } });
    expect(res.statusCode, res.body).toBe(201);
    const job = res.json();
    expect(job).toMatchObject({
      id: expect.stringMatching(/^imp-/),
      accountId: t().tenant.accountId,
      iid: t().tenant.iid,
      listId,
      source: 'csv',
      fileName: 'leads.csv',
      status: 'completed',
      totalRows: 5,
      imported: 2,
      duplicates: 1,
      rejected: 2,
    });

    const again = await t().kore('GET', `/campaign/imports/${job.id}`);
    expect(again.statusCode, again.body).toBe(200);
    expect(again.json()).toEqual(job);

    const rejects = await t().kore('GET', `/campaign/imports/${job.id}/rejects`);
    expect(rejects.statusCode, rejects.body).toBe(200);
    expect(rejects.json()).toEqual({
      importId: job.id,
      results: [
        { rowNumber: 3, column: 'Phone', reason: 'invalid phone number "not a number": contains letters' },
        { rowNumber: 5, column: 'timeZone', reason: 'unknown time zone "Nowhere/Zone"' },
      ],
      skip: 0,
      limit: 100,
      totalResults: 2,
    });
    const paged = await t().kore('GET', `/campaign/imports/${job.id}/rejects`, undefined, {
      query: { skip: '1', limit: '1' },
    });
    expect(paged.json()).toMatchObject({ results: [{ rowNumber: 5 }], skip: 1, limit: 1, totalResults: 2 });
    const badLimit = await t().kore('GET', `/campaign/imports/${job.id}/rejects`, undefined, { query: { limit: '0' } });
    expect(badLimit.statusCode).toBe(400);

    const contacts = await t().kore('GET', `/campaign/contactList/${listId}/getAllContacts`);
    expect(contacts.statusCode, contacts.body).toBe(200);
    const results = contacts.json().data.results as { phoneNumber: string; firstName?: string; timeZone?: string }[];
    expect(results.map((c) => [c.phoneNumber, c.firstName])).toEqual([
      ['4155552671', 'Ada'],
      ['4155552673', 'Grace'],
    ]);
    const list = (await t().kore('GET', `/campaign/contactList/${listId}`)).json().data;
    expect(list).toMatchObject({ totalRecordCount: 2, files: [{ fileId: job.id, fileName: 'leads.csv' }] });
  });

  it('serves the upload under the other prefixes and keeps the GET export at the same path', async () => {
    const listId = await createList('Kore CSV prefixes');
    const res = await upload(listId, 'phoneNumber\n4155552690\n', {
      prefix: `/campaign/api/v2/public/${t().tenant.iid}`,
    });
    expect(res.statusCode, res.body).toBe(201);
    expect(res.json()).toMatchObject({ status: 'completed', imported: 1, fileName: 'upload.csv' });
    const exported = await t().kore('GET', `/campaign/contactList/${listId}/contacts.csv`);
    expect(exported.statusCode).toBe(200);
    expect(exported.headers['content-type']).toMatch(/^text\/csv/);
    expect(exported.body).toContain('4155552690');
  });

  it('numbers a rejected row by its CSV line, counting line breaks inside quotes and blank lines', async () => {
    const listId = await createList('Kore CSV lines');
    const res = await upload(listId, 'phoneNumber,notes\n4155552671,"one\ntwo"\n\nbad,x\n');
    expect(res.json()).toMatchObject({ imported: 1, rejected: 1 });
    const rejects = await t().kore('GET', `/campaign/imports/${res.json().id}/rejects`);
    expect(rejects.json().results).toMatchObject([{ rowNumber: 5, column: 'phoneNumber' }]);
  });

  it('reads job ids of addContacts too', async () => {
    await createList('Kore addContacts job');
    const res = await t().kore('POST', '/campaign/contactList/addContacts', {
      contact_list_name: 'Kore addContacts job',
      data: [{ phoneNumber: '4155552601' }, { phoneNumber: 'nope' }],
    });
    expect(res.statusCode, res.body).toBe(200);
    await t().services.imports.whenIdle();
    const { importId } = res.json();
    const job = await t().kore('GET', `/campaign/imports/${importId}`);
    expect(job.json()).toMatchObject({ status: 'completed', source: 'api', imported: 1, rejected: 1 });
    const rejects = await t().kore('GET', `/campaign/imports/${importId}/rejects`);
    expect(rejects.json().results).toMatchObject([{ rowNumber: 2, column: 'phoneNumber' }]);
  });

  it("answers 404 for another tenant's job and list, and for an unknown job", async () => {
    const listId = await createList('Kore CSV tenancy');
    const job = (await upload(listId, 'phoneNumber\n4155552680\n')).json();
    const other = await t().addTenant();
    for (const path of [`/campaign/imports/${job.id}`, `/campaign/imports/${job.id}/rejects`]) {
      const res = await t().kore('GET', path, undefined, { tenant: other });
      expect(res.statusCode, path).toBe(404);
      expect(res.json()).toMatchObject({ status: 'failure', errors: [{ code: 'NOT_FOUND' }] });
    }
    expect((await t().kore('GET', '/campaign/imports/imp-nope')).statusCode).toBe(404);
    const foreignList = await upload(listId, 'phoneNumber\n4155552681\n', { tenant: other });
    expect(foreignList.statusCode).toBe(404);
    const unknownList = await upload('cl-nope', 'phoneNumber\n4155552681\n');
    expect(unknownList.statusCode).toBe(404);
  });

  it('refuses a body that is not text/csv (415), a request without a token (401) and an unusable header (400)', async () => {
    const listId = await createList('Kore CSV refusals');
    const path = `/campaign/contactList/${listId}/contacts.csv`;
    const json = await t().kore('POST', path, { phoneNumber: '4155552671' });
    expect(json.statusCode).toBe(415);
    expect(json.json()).toMatchObject({ status: 'failure', errors: [{ code: 'UNSUPPORTED_MEDIA_TYPE' }] });
    const plain = await t().kore('POST', path, 'phoneNumber\n4155552671\n', {
      headers: { 'content-type': 'text/plain' },
    });
    expect(plain.statusCode).toBe(415);
    // Other Kore routes do not take CSV: the parser is this route's own.
    const elsewhere = await t().kore('POST', '/campaign/contactList/createContactList', 'name\nx\n', {
      headers: { 'content-type': 'text/csv' },
    });
    expect(elsewhere.statusCode).toBe(415);

    const noToken = await t().app.inject({
      method: 'POST',
      url: `/agentassist/api/v1/public/${t().tenant.iid}${path}`,
      headers: { accountId: t().tenant.accountId, 'content-type': 'text/csv' },
      payload: 'phoneNumber\n4155552671\n',
    });
    expect(noToken.statusCode).toBe(401);
    const noTokenJob = await t().app.inject({
      method: 'GET',
      url: `/agentassist/api/v1/public/${t().tenant.iid}/campaign/imports/imp-x`,
      headers: { accountId: t().tenant.accountId },
    });
    expect(noTokenJob.statusCode).toBe(401);

    const badHeader = await upload(listId, 'name,email\nAda,a@x\n');
    expect(badHeader.statusCode).toBe(400);
    expect(badHeader.json().message).toMatch(/^CSV has no phone number column/);
    const list = (await t().kore('GET', `/campaign/contactList/${listId}`)).json().data;
    expect(list.totalRecordCount).toBe(0);
  });

  it('honours Idempotency-Key: a retried upload replays the first job', async () => {
    const listId = await createList('Kore CSV idempotent');
    const csv = 'phoneNumber\n4155552691\n4155552692\n';
    const first = await upload(listId, csv, { headers: { 'idempotency-key': 'upload-1' } });
    expect(first.statusCode, first.body).toBe(201);
    const retry = await upload(listId, csv, { headers: { 'idempotency-key': 'upload-1' } });
    expect(retry.statusCode).toBe(201);
    expect(retry.headers['idempotency-replayed']).toBe('true');
    expect(retry.json()).toEqual(first.json());
    const other = await upload(listId, 'phoneNumber\n4155552693\n', { headers: { 'idempotency-key': 'upload-1' } });
    expect(other.statusCode).toBe(422);
    const list = (await t().kore('GET', `/campaign/contactList/${listId}`)).json().data;
    expect(list.totalRecordCount).toBe(2);
  });
});
