import { describe, expect, it } from 'vitest';
import { DIALECTS } from '../support/test-db.js';
import { useTestApp } from '../support/test-app.js';
import {
  agentlessSample,
  previewSample,
  progressiveSample,
  smsAdvancedSample,
  smsSimpleSample,
} from '../fixtures/kore-samples.js';

type Body = Record<string, unknown>;
const withStrategy = (patch: Body): Body => ({
  ...agentlessSample,
  dialingStrategy: { ...agentlessSample.dialingStrategy, ...patch },
});
const withHours = (patch: Body): Body =>
  withStrategy({ callingHours: { ...agentlessSample.dialingStrategy.callingHours, ...patch } });
const without = (body: Body, key: string): Body => Object.fromEntries(Object.entries(body).filter(([k]) => k !== key));

/** [what, body, field the error must name, campaignType query]. */
const cases: [string, Body, string, string?][] = [
  ['name longer than 48', { ...agentlessSample, name: 'x'.repeat(49) }, 'name'],
  ['blank name', { ...agentlessSample, name: '   ' }, 'name'],
  ['missing name', without(agentlessSample, 'name'), 'name'],
  ['description longer than 256', { ...agentlessSample, description: 'd'.repeat(257) }, 'description'],
  ['no contact lists', { ...agentlessSample, contactLists: [] }, 'contactLists'],
  ['unknown contact list', { ...agentlessSample, contactLists: ['Nope'] }, 'contactLists'],
  [
    'a list named twice',
    { ...agentlessSample, contactLists: ['Recent Buyers - Q2 2025', 'recent buyers - q2 2025'] },
    'contactLists',
  ],
  ['priority 0', { ...agentlessSample, priority: '0' }, 'priority'],
  ['priority 6', { ...agentlessSample, priority: 6 }, 'priority'],
  ['priority not a number', { ...agentlessSample, priority: 'high' }, 'priority'],
  ['unknown dialing mode', { ...agentlessSample, dialingMode: 'Power' }, 'dialingMode'],
  ['missing dialing mode', without(agentlessSample, 'dialingMode'), 'dialingMode'],
  [
    'caller id not E.164',
    withStrategy({ callerId: { phoneNumber: '5101234567' } }),
    'dialingStrategy.callerId.phoneNumber',
  ],
  ['unknown frequency', withHours({ frequency: 'HOURLY' }), 'dialingStrategy.callingHours.frequency'],
  ['unknown time zone', withHours({ timezone: 'Mars/Olympus' }), 'dialingStrategy.callingHours.timezone'],
  [
    'bad day code',
    withHours({ days: [{ day: 'MON', start: '9:00 AM', end: '6:00 PM' }] }),
    'dialingStrategy.callingHours.days[0].day',
  ],
  [
    '24-hour time',
    withHours({ days: [{ day: 'MO', start: '13:00', end: '6:00 PM' }] }),
    'dialingStrategy.callingHours.days[0].start',
  ],
  [
    '13 PM',
    withHours({ days: [{ day: 'MO', start: '9:00 AM', end: '13:00 PM' }] }),
    'dialingStrategy.callingHours.days[0].end',
  ],
  [
    'empty window',
    withHours({ days: [{ day: 'MO', start: '9:00 AM', end: '9:00 AM' }] }),
    'dialingStrategy.callingHours.days[0]',
  ],
  ['no days', withHours({ days: [] }), 'dialingStrategy.callingHours.days'],
  ['bad dialing order', withStrategy({ dialingOrder: 'RANDOM' }), 'dialingStrategy.dialingOrder'],
  ['0 attempts', withStrategy({ maxAttemptsPerRecord: 0 }), 'dialingStrategy.maxAttemptsPerRecord'],
  ['101 attempts', withStrategy({ maxAttemptsPerRecord: 101 }), 'dialingStrategy.maxAttemptsPerRecord'],
  ['retry period 1441', withStrategy({ defaultRetryPeriod: 1441 }), 'dialingStrategy.defaultRetryPeriod'],
  ['ring time 4', withStrategy({ maxRingTime: 4 }), 'dialingStrategy.maxRingTime'],
  ['ring time 121', withStrategy({ maxRingTime: 121 }), 'dialingStrategy.maxRingTime'],
  ['fractional attempts', withStrategy({ maxAttemptsPerRecord: 2.5 }), 'dialingStrategy.maxAttemptsPerRecord'],
  ['Agentless without flow', without(agentlessSample, 'experienceFlowName'), 'experienceFlowName'],
  ['unknown flow', { ...agentlessSample, experienceFlowName: 'No Such Flow' }, 'experienceFlowName'],
  [
    'SMS flow on a voice campaign',
    { ...agentlessSample, experienceFlowName: 'SMS Support Flow' },
    'experienceFlowName',
  ],
  ['Progressive without queue', without(progressiveSample(), 'queue_name'), 'queue_name'],
  ['unknown queue', { ...progressiveSample(), queue_name: 'Nowhere' }, 'queue_name'],
  ['Preview without maxSkips', without(previewSample(), 'maxSkips'), 'maxSkips'],
  ['AMD on Progressive', { ...progressiveSample(), enableMachineDetect: true }, 'enableMachineDetect'],
  ['unknown AMD mode', { ...agentlessSample, enableMachineDetect: 'maybe' }, 'enableMachineDetect'],
  ['unknown DNC list', { ...agentlessSample, dncLists: { name: 'No DNC' } }, 'dncLists'],
  ['unknown campaign type', { ...agentlessSample, campaignType: 'fax' }, 'campaignType'],
  ['SMS without format', without(smsSimpleSample, 'format'), 'format', 'sms'],
  ['simple SMS without message', { ...smsSimpleSample, message: { templateId: '' } }, 'message.message', 'sms'],
  [
    'unknown SMS template',
    { ...smsSimpleSample, message: { template_name: 'Nope', message: '' } },
    'message.template_name',
    'sms',
  ],
  ['advanced SMS without flow', without(smsAdvancedSample, 'experienceFlowName'), 'experienceFlowName', 'sms'],
  [
    'voice flow on an SMS campaign',
    { ...smsAdvancedSample, experienceFlowName: 'Voice Survey Entry Flow' },
    'experienceFlowName',
    'sms',
  ],
];

describe.each(DIALECTS)('campaign validation on %s', (dialect) => {
  const t = useTestApp(dialect);

  it.each(cases)(
    'rejects %s with 400 naming the field, and stores nothing',
    async (_what, body, field, type = 'voice') => {
      const res = await t().kore('POST', `/campaign?campaignType=${type}`, body);
      expect(res.statusCode, res.body).toBe(400);
      const json = res.json();
      expect(json.status).toBe('failure');
      expect(json.errors.map((e: { field?: string }) => e.field)).toContain(field);
      expect(json.message).toContain(field.replace(/\[\d+\].*$/, ''));
      const list = await t().kore('POST', '/campaign/getAllCampaignDetails', {});
      expect(list.json().data.totalResults).toBe(0);
    },
  );

  it('reports every semantic problem of a body at once', async () => {
    const body = {
      ...withHours({ frequency: 'HOURLY', timezone: 'Nowhere/City' }),
      priority: '9',
      contactLists: ['Missing list'],
    };
    const res = await t().kore('POST', '/campaign?campaignType=voice', body);
    expect(res.statusCode).toBe(400);
    const fields = res.json().errors.map((e: { field: string }) => e.field);
    expect(fields).toEqual(
      expect.arrayContaining([
        'priority',
        'dialingStrategy.callingHours.frequency',
        'dialingStrategy.callingHours.timezone',
      ]),
    );
  });

  it('needs a campaign type from the query or the body', async () => {
    const res = await t().kore('POST', '/campaign', without(agentlessSample, 'campaignType'));
    expect(res.statusCode).toBe(400);
    expect(res.json().errors[0].field).toBe('campaignType');
  });
});
