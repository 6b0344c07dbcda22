import { describe, expect, it } from 'vitest';
import { DIALECTS } from '../support/test-db.js';
import { useTestApp } from '../support/test-app.js';
import { addContacts, createCampaign, trigger } from '../support/engine-harness.js';
import { smsSimpleSample } from '../fixtures/kore-samples.js';

describe.each(DIALECTS)('campaign lifecycle on %s', (dialect) => {
  const t = useTestApp(dialect);

  async function records(instanceId: string) {
    return t()
      .db.kysely.selectFrom('dial_records')
      .selectAll()
      .where('instance_id', '=', instanceId)
      .orderBy('order_key')
      .execute();
  }

  it('play builds a de-duplicated, DNC-scrubbed instance and answers the documented voice shape', async () => {
    const a = await t().addList('Life A');
    const b = await t().addList('Life B');
    const dnc = await t().addList('Life DNC');
    const global = await t().addList('Life Global DNC');
    await t().db.kysely.updateTable('contact_lists').set({ is_global_dnc: 1 }).where('id', '=', global).execute();
    await addContacts(t(), a, [
      { phone: '+15550000001' },
      { phone: '+15550000002' },
      { phone: '+15550000003', uniqueId: 'u3' },
    ]);
    await addContacts(t(), b, [{ phone: '+15550000002' }, { phone: '+15550000004' }]);
    await addContacts(t(), dnc, [{ phone: '+15550000003' }]);
    await addContacts(t(), global, [{ phone: '+15550000004' }]);
    const id = await createCampaign(t(), {
      name: 'Life play',
      contactLists: ['Life A', 'Life B'],
      dncLists: { name: 'Life DNC' },
    });

    const res = await trigger(t(), id, 'play');
    expect(res).toEqual({
      status: 'Active',
      message: 'Campaign Started',
      totalCallsCompleted: 0,
      updatedAt: '2026-06-01T12:00:00.000Z',
      campaignInstanceId: expect.stringMatching(/^cid-/),
    });
    const iid = res.campaignInstanceId as string;
    const campaign = await t()
      .db.kysely.selectFrom('campaigns')
      .selectAll()
      .where('id', '=', id)
      .executeTakeFirstOrThrow();
    expect(campaign).toMatchObject({
      status: 'Active',
      instance_id: iid,
      instance_updated_at: '2026-06-01T12:00:00.000Z',
    });

    const rows = await records(iid);
    expect(rows.map((r) => [r.phone_e164, r.state, r.final_outcome])).toEqual([
      ['+15550000001', 'pending', null],
      ['+15550000002', 'pending', null],
      ['+15550000003', 'done', 'dnc'],
      ['+15550000004', 'done', 'dnc'],
    ]);
    expect(rows[2]!.excluded_reason).toBe("on campaign DNC list 'Life DNC'");
    expect(rows[3]!.excluded_reason).toBe("on global DNC list 'Life Global DNC'");

    const status = await t().kore('POST', `/campaign/${id}/status?view=status`);
    expect(status.json()).toEqual({ status: 'success', data: { id, status: 'Active', name: 'Life play' } });
    const contacts = await t().kore('POST', `/campaign/${id}/status?view=contacts`, { page: 1, limit: 3 });
    expect(contacts.statusCode, contacts.body).toBe(200);
    expect(contacts.json().data).toMatchObject({ page: 1, limit: 3, totalPages: 2, totalResults: 4 });
    expect(contacts.json().data.results[2]).toEqual({
      phoneNumber: '15550000003',
      uniqueId: 'u3',
      dialerOutcome: 'dnc_excluded',
      numberOfAttemptsSoFar: 0,
      botSessionId: '',
      agentDispositionCodes: [],
      botOutboundStatus: '',
      botOutboundStatusDetail: '',
    });
    const page2 = await t().kore('GET', `/campaign/${id}/status?view=contacts&page=2&limit=3`);
    expect(page2.json().data.results.map((r: { phoneNumber: string }) => r.phoneNumber)).toEqual(['15550000004']);
    expect((await t().kore('POST', `/campaign/${id}/status?view=contacts`, { limit: 101 })).statusCode).toBe(400);
    expect((await t().kore('POST', `/campaign/${id}/status?view=contacts`, { page: 0 })).statusCode).toBe(400);
    expect((await t().kore('GET', `/campaign/${id}/status?view=nope`)).statusCode).toBe(400);
  });

  it('enforces the transition table: pause, resume, stop, rerun; illegal triggers and edits are 409', async () => {
    const l = await t().addList('Life T');
    await addContacts(t(), l, [{ phone: '+15551000001' }, { phone: '+15551000002' }]);
    const id = await createCampaign(t(), { name: 'Life transitions', contactLists: ['Life T'] });
    const expect409 = async (what: string, msg: RegExp) => {
      const res = await t().kore('POST', `/campaign/${id}?trigger=${what}`, {});
      expect(res.statusCode, res.body).toBe(409);
      expect(res.json().message).toMatch(msg);
    };
    await expect409('stop', /is Ready and cannot be stopped/);
    await expect409('pause', /cannot be paused/);
    await expect409('resume', /cannot be resumed/);
    const first = (await trigger(t(), id, 'PLAY')).campaignInstanceId as string;
    await expect409('play', /already running/);
    await expect409('resume', /is Active and cannot be resumed/);
    expect((await t().kore('DELETE', `/campaign/${id}`)).statusCode).toBe(409);

    expect(await trigger(t(), id, 'pause')).toMatchObject({
      status: 'Paused',
      message: 'Campaign Paused',
      campaignInstanceId: first,
    });
    await expect409('play', /use trigger=resume/);
    expect(await trigger(t(), id, 'resume')).toMatchObject({ status: 'Active', message: 'Campaign Resumed' });
    expect(await trigger(t(), id, 'stop')).toEqual({
      status: 'Stopped',
      message: 'Campaign Stopped',
      updatedAt: '2026-06-01T12:00:00.000Z',
      campaignInstanceId: first,
    });
    expect((await records(first)).map((r) => [r.state, r.final_outcome])).toEqual([
      ['done', 'cancelled'],
      ['done', 'cancelled'],
    ]);
    const inst = await t()
      .db.kysely.selectFrom('campaign_instances')
      .selectAll()
      .where('id', '=', first)
      .executeTakeFirstOrThrow();
    expect(inst).toMatchObject({ status: 'Stopped', total_records: 2 });

    const second = (await trigger(t(), id, 'play')).campaignInstanceId as string;
    expect(second).not.toBe(first);
    expect((await records(second)).map((r) => r.state)).toEqual(['pending', 'pending']);
  });

  it('answers on every documented path variant, and 400 without a trigger', async () => {
    const l = await t().addList('Life P');
    await addContacts(t(), l, [{ phone: '+15552000001' }]);
    const id = await createCampaign(t(), { name: 'Life paths', contactLists: ['Life P'] });
    const { iid } = t().tenant;
    const call = (url: string) =>
      t().app.inject({
        method: 'POST',
        url,
        headers: { ...t().headers(), 'content-type': 'application/json' },
        payload: '{}',
      });
    expect((await call(`/campaign/api/v1/public/${iid}/campaign/${id}`)).statusCode).toBe(400);
    expect((await call(`/campaign/api/v1/public/${iid}/campaign/${id}?trigger=bogus`)).json().errors[0].field).toBe(
      'trigger',
    );
    expect(
      (await call(`/campaign/api/v1/public/${iid}/campaign/${id}?campaignType=voice&trigger=play`)).json().status,
    ).toBe('Active');
    expect(
      (await call(`/api/v2/public/${iid}/campaign/trigger/${id}?campaignType=voice&trigger=stop`)).json().status,
    ).toBe('Stopped');
    expect(
      (await call(`/campaign/api/v2/public/${iid}/campaign/${id}?campaignType=voice&trigger=play`)).json().status,
    ).toBe('Active');
    expect(
      (await call(`/campaign/api/v2/public/${iid}/campaign//trigger/${id}?campaignType=voice&trigger=stop`)).json()
        .status,
    ).toBe('Stopped');
    expect((await call(`/campaign/api/v1/public/${iid}/campaign/{{campaignType}}?trigger=stop`)).statusCode).toBe(400);
    expect((await call(`/campaign/api/v1/public/${iid}/campaign/cd-missing?trigger=play`)).statusCode).toBe(404);
    const other = await t().addTenant();
    const foreign = await t().app.inject({
      method: 'POST',
      url: `/campaign/api/v1/public/${other.iid}/campaign/${id}?trigger=play`,
      headers: t().headers(other),
    });
    expect(foreign.statusCode).toBe(404);
  });

  it('orders FIFO / LIFO by contactPriority then list order', async () => {
    const l = await t().addList('Life O');
    await addContacts(t(), l, [
      { phone: '+15553000001' },
      { phone: '+15553000002', priority: 1 },
      { phone: '+15553000003' },
      { phone: '+15553000004', priority: 5 },
    ]);
    const fifo = await createCampaign(t(), { name: 'Life FIFO', contactLists: ['Life O'] }, { dialingOrder: 'FIFO' });
    const lifo = await createCampaign(t(), { name: 'Life LIFO', contactLists: ['Life O'] }, { dialingOrder: 'LIFO' });
    const order = async (id: string) =>
      (await records((await trigger(t(), id, 'play')).campaignInstanceId as string)).map((r) => r.phone_e164.slice(-1));
    expect(await order(fifo)).toEqual(['4', '2', '1', '3']);
    expect(await order(lifo)).toEqual(['4', '2', '3', '1']);
  });

  it('answers the SMS play and stop shapes', async () => {
    const id = await createCampaign(t(), {
      ...smsSimpleSample,
      name: 'Life SMS',
      contactLists: ['Renewal Due - May/June 2025'],
    });
    expect(await trigger(t(), id, 'play')).toEqual({
      status: 'Active',
      message: 'Campaign Started',
      updatedAt: '2026-06-01T12:00:00.000Z',
    });
    expect(await trigger(t(), id, 'stop')).toEqual({
      status: 'Stopped',
      message: 'Campaign Stopped',
      updatedAt: '2026-06-01T12:00:00.000Z',
      campaignExecutionType: 'NORMAL',
    });
  });
});
