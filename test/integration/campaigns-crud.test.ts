import { describe, expect, it } from 'vitest';
import { DIALECTS } from '../support/test-db.js';
import { useTestApp } from '../support/test-app.js';
import {
  agentlessSample,
  previewSample,
  progressiveSample,
  smsAdvancedSample,
  smsSimpleSample,
  smsTemplateSample,
} from '../fixtures/kore-samples.js';

describe.each(DIALECTS)('campaign CRUD on %s', (dialect) => {
  const t = useTestApp(dialect);

  async function create(body: object, type = 'voice') {
    const res = await t().kore('POST', `/campaign?campaignType=${type}`, body);
    expect(res.statusCode, res.body).toBe(200);
    return res.json();
  }

  it('creates an Agentless voice campaign from the documented sample and answers both response generations', async () => {
    const body = await create({ ...agentlessSample, name: 'Agentless sample' });
    expect(body.status).toBe('success');
    expect(body.message).toBe('Campaign Agentless sample creation in progress');
    expect(body.id).toMatch(/^cd-[0-9a-f-]{36}$/);
    expect(body.data.campId).toBe(body.id);
    expect(body.data.id).toBe(body.id);
    expect(body.data._id).toBe(body.id);
    expect(body.data.status).toBe('Preparing');
    expect(body.data.lname).toBe('agentless sample');
    expect(body.data.dialingMode).toBe('Agentless');
    expect(body.data.experienceFlow).toMatch(/^cf-/);
    expect(body.data.dialingStrategy).toEqual(agentlessSample.dialingStrategy);
    expect(body.data.contactLists).toEqual(['Recent Buyers - Q2 2025']);
    expect(body.data.enableMachineDetect).toBe(false);
    expect(body.data.createdAt).toBe('2026-06-01T12:00:00.000Z');

    const got = await t().kore('GET', `/campaign/${body.id}`);
    expect(got.statusCode).toBe(200);
    expect(got.json()).toMatchObject({
      status: 'success',
      message: 'Campaign Agentless sample retrieved successfully',
      data: {
        _id: body.id,
        id: body.id,
        status: 'Ready',
        priority: '5',
        experienceFlow: body.data.experienceFlow,
        schedule: { isSchedulingEnabled: false, isRecurrenceEnabled: false },
      },
    });
  });

  it('creates Progressive and Preview campaigns with their queue and skips', async () => {
    const prog = await create(progressiveSample('Progressive sample'));
    expect(prog.data.dialingMode).toBe('Progressive');
    expect(prog.data.experienceFlow).toBeUndefined();
    expect(prog.data.queue_name).toBe('Default Queue');
    const prev = await create(previewSample('Preview sample'));
    expect(prev.data).toMatchObject({ dialingMode: 'Preview', maxSkips: 3, queue_name: 'Default Queue' });
  });

  it('creates SMS campaigns: simple, with a template (resolved to cmt-…), and advanced', async () => {
    const simple = await create(smsSimpleSample, 'sms');
    expect(simple.data).toMatchObject({
      status: 'Ready',
      format: 'simple',
      message: { message: smsSimpleSample.message.message, templateId: '' },
    });
    expect(simple.data.dialingMode).toBeUndefined();
    const tpl = await create(smsTemplateSample, 'sms');
    expect(tpl.data.message.template_name).toBe('Payment Reminder Template');
    expect(tpl.data.message.templateId).toMatch(/^cmt-/);
    // Stored as received, URL-encoded Base64 included (docs/kore-compatibility.md, inconsistency 16).
    expect(tpl.data.message.message).toBe('VGhpcyBpcyBhIHJlbWluZGVyLg%3D%3D');
    const adv = await create(smsAdvancedSample, 'sms');
    expect(adv.data).toMatchObject({ format: 'advanced', direction: 'advanced', totalMessagesSent: 0 });
    expect(adv.data.experienceFlow).toMatch(/^cf-/);
    expect(adv.data.message).toBeUndefined();
  });

  it('fills a template-only SMS with the template text', async () => {
    const res = await create(
      { ...smsTemplateSample, name: 'Template only', message: { template_name: 'payment reminder template' } },
      'sms',
    );
    expect(res.data.message).toMatchObject({
      template_name: 'Payment Reminder Template',
      message: 'Your payment is due.',
    });
  });

  it('takes campaignType from the body when the query disagrees or is missing (docs/kore-compatibility.md, inconsistency 9)', async () => {
    const res = await t().kore('POST', '/campaign?campaignType=sms', { ...agentlessSample, name: 'Body type wins' });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json().data.campaignType).toBe('voice');
    const noQuery = await t().kore('POST', '/campaign', { ...smsAdvancedSample, name: 'No query type' });
    expect(noQuery.statusCode).toBe(200);
    expect(noQuery.json().data.campaignType).toBe('sms');
  });

  it('accepts enumerations in any case and priority as a number, answering canonical values', async () => {
    const body = {
      ...agentlessSample,
      name: 'Lower case enums',
      priority: 3,
      dialingMode: 'agentless',
      dialingStrategy: {
        ...agentlessSample.dialingStrategy,
        dialingOrder: 'lifo',
        callingHours: {
          frequency: 'weekly',
          timezone: 'Asia/Kolkata',
          days: [{ day: 'mo', start: '9:00 am', end: '6:00 pm' }],
        },
      },
      campaignType: 'VOICE',
    };
    const res = await create(body);
    expect(res.data.priority).toBe('3');
    expect(res.data.dialingMode).toBe('Agentless');
    expect(res.data.dialingStrategy.dialingOrder).toBe('LIFO');
    expect(res.data.dialingStrategy.callingHours).toEqual({
      frequency: 'WEEKLY',
      timezone: 'Asia/Kolkata',
      days: [{ day: 'MO', start: '9:00 AM', end: '6:00 PM' }],
    });
  });

  it('defaults the lenient fields (docs/kore-compatibility.md, inconsistency 13)', async () => {
    const { description: _d, priority: _p, enableMachineDetect: _e, schedule: _s, ...rest } = agentlessSample;
    const res = await create({ ...rest, name: 'Lenient defaults' });
    expect(res.data).toMatchObject({
      description: '',
      priority: '5',
      enableMachineDetect: false,
      schedule: { isSchedulingEnabled: false, isRecurrenceEnabled: false },
    });
  });

  it('maps v2 machine-detection strings and keeps the boolean in the response', async () => {
    const res = await create({
      ...agentlessSample,
      name: 'AMD disconnect',
      enableMachineDetect: 'Disconnect',
      dncLists: { name: 'Renewal Due - May/June 2025' },
    });
    expect(res.data.enableMachineDetect).toBe(true);
    expect(res.data.machineDetectMode).toBe('disconnect');
    expect(res.data.dncLists).toEqual({ id: expect.stringMatching(/^cl-/), name: 'Renewal Due - May/June 2025' });
  });

  it('refuses a second campaign with the same name in any case (409), and allows it in another bot', async () => {
    await create({ ...agentlessSample, name: 'Unique Name' });
    const dup = await t().kore('POST', '/campaign?campaignType=voice', { ...agentlessSample, name: 'UNIQUE name' });
    expect(dup.statusCode).toBe(409);
    expect(dup.json()).toMatchObject({ status: 'failure', errors: [{ code: 'CONFLICT', field: 'name' }] });
    const other = await t().addTenant();
    const ok = await t().kore(
      'POST',
      '/campaign?campaignType=voice',
      { ...agentlessSample, name: 'Unique Name' },
      { tenant: other },
    );
    expect(ok.statusCode).toBe(200);
  });

  it('replaces the configuration with PUT and answers the documented update shapes', async () => {
    const created = await create(previewSample('Billing Reminder Voice Campaign'));
    t().clock.advance(60_000);
    const body = {
      ...previewSample('Billing Reminder Voice Campaign'),
      description: 'Updated',
      maxSkips: 1,
      contactLists: ['Renewal Due - May/June 2025'],
    };
    const res = await t().kore('PUT', `/campaign/${created.id}?campaignType=voice`, body);
    expect(res.statusCode, res.body).toBe(200);
    const json = res.json();
    expect(json.message).toBe('Campaign Billing Reminder Voice Campaign details updated successfully');
    expect(json.id).toBe(created.id);
    expect(json.data).toMatchObject({
      id: created.id,
      description: 'Updated',
      maxSkips: 1,
      contactLists: ['Renewal Due - May/June 2025'],
      status: 'Ready',
    });
    expect(json.data.updatedAt).toBe('2026-06-01T12:01:00.000Z');
    expect(json.data.createdAt).toBe(created.data.createdAt);
    const got = (await t().kore('GET', `/campaign/${created.id}`)).json();
    expect(got.data.description).toBe('Updated');

    // A replace may switch the dialing mode; the old mode's fields go away.
    const toAgentless = await t().kore('PUT', `/campaign/${created.id}`, {
      ...agentlessSample,
      name: 'Billing Reminder Voice Campaign',
    });
    expect(toAgentless.statusCode, toAgentless.body).toBe(200);
    expect(toAgentless.json().data.maxSkips).toBeUndefined();
    expect(toAgentless.json().data.dialingMode).toBe('Agentless');
  });

  it('answers SMS updates without a top-level id', async () => {
    const created = await create({ ...smsSimpleSample, name: 'SMS to update' }, 'sms');
    const res = await t().kore('PUT', `/campaign/${created.id}?campaignType=sms`, {
      ...smsSimpleSample,
      name: 'SMS updated',
    });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json().id).toBeUndefined();
    expect(res.json().data._id).toBe(created.id);
    expect(res.json().data.name).toBe('SMS updated');
  });

  it('keeps the stored type on update even when the query says otherwise, and refuses a type change', async () => {
    const created = await create({ ...agentlessSample, name: 'Type kept' });
    // The v2 update-voice doc hard-codes campaignType=sms in the query (inconsistency 9).
    const ok = await t().kore('PUT', `/campaign/${created.id}?campaignType=sms`, {
      ...agentlessSample,
      name: 'Type kept',
    });
    expect(ok.statusCode, ok.body).toBe(200);
    const bad = await t().kore('PUT', `/campaign/${created.id}`, { ...smsSimpleSample, name: 'Type kept' });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().errors[0].field).toBe('campaignType');
  });

  it('answers a body-less PUT like a Get, as the XO Get Voice Campaign page documents (docs/kore-compatibility.md, inconsistency 1)', async () => {
    const created = await create({ ...agentlessSample, name: 'Get by PUT' });
    for (const payload of [undefined, '', '{}']) {
      const res = await t().app.inject({
        method: 'PUT',
        url: `/agentassist/api/v1/public/${t().tenant.iid}/campaign/${created.id}`,
        headers: { ...t().headers(), ...(payload !== undefined ? { 'content-type': 'application/json' } : {}) },
        payload,
      });
      expect(res.statusCode, res.body).toBe(200);
      expect(res.json().message).toBe('Campaign Get by PUT retrieved successfully');
      expect(res.json().data.id).toBe(created.id);
    }
    const missing = await t().kore('PUT', '/campaign/cd-missing');
    expect(missing.statusCode).toBe(404);
  });

  it('deletes a campaign, answering the deleted record, after which it is gone', async () => {
    const created = await create({ ...agentlessSample, name: 'To delete' });
    const res = await t().kore('DELETE', `/campaign/${created.id}?campaignType=voice`);
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({
      status: 'success',
      message: 'Campaign To delete deleted successfully',
      data: { _id: created.id, name: 'To delete' },
    });
    expect((await t().kore('GET', `/campaign/${created.id}`)).statusCode).toBe(404);
    expect((await t().kore('DELETE', `/campaign/${created.id}`)).statusCode).toBe(404);
    // The name is free again.
    await create({ ...agentlessSample, name: 'To delete' });
  });

  it('explains the documented placeholder path instead of a bare 404 (docs/kore-compatibility.md, inconsistency 7)', async () => {
    const res = await t().kore('DELETE', '/campaign/voice?campaignType=voice');
    expect(res.statusCode).toBe(400);
    expect(res.json().message).toContain('/campaign/{campaignId}');
  });

  it('answers 404 with the failure envelope for an unknown campaign', async () => {
    const res = await t().kore('GET', '/campaign/cd-00000000-0000-0000-0000-000000000000');
    expect(res.statusCode).toBe(404);
    expect(res.json()).toEqual({
      status: 'failure',
      message: 'Campaign cd-00000000-0000-0000-0000-000000000000 not found',
      errors: [{ msg: 'Campaign cd-00000000-0000-0000-0000-000000000000 not found', code: 'CAMPAIGN_NOT_FOUND' }],
    });
  });

  it('serves the same campaign under every documented prefix', async () => {
    const created = await create({ ...agentlessSample, name: 'Every prefix' });
    const iid = t().tenant.iid;
    for (const prefix of [
      `/campaign/api/v1/public/${iid}`,
      `/campaign/api/v2/public/${iid}`,
      `/api/v2/public/${iid}`,
      `/api/v1/public/${iid}`,
    ]) {
      const res = await t().kore('GET', `/campaign/${created.id}/`, undefined, { prefix });
      expect(res.statusCode, prefix).toBe(200);
      expect(res.json().data.id).toBe(created.id);
    }
  });

  it('requires a DNC list for voice campaigns on the v2 API only', async () => {
    const v2 = `/campaign/api/v2/public/${t().tenant.iid}`;
    const without = await t().kore(
      'POST',
      '/campaign?campaignType=voice',
      { ...agentlessSample, name: 'v2 no dnc' },
      { prefix: v2 },
    );
    expect(without.statusCode).toBe(400);
    expect(without.json().errors[0].field).toBe('dncLists');
    const withDnc = await t().kore(
      'POST',
      '/campaign?campaignType=voice',
      { ...agentlessSample, name: 'v2 dnc', dncLists: { name: 'Renewal Due - May/June 2025' } },
      { prefix: v2 },
    );
    expect(withDnc.statusCode, withDnc.body).toBe(200);
    const sms = await t().kore(
      'POST',
      '/campaign?campaignType=sms',
      { ...smsAdvancedSample, name: 'v2 sms no dnc' },
      { prefix: v2 },
    );
    expect(sms.statusCode).toBe(200);
  });
});
