import { describe, expect, it } from 'vitest';
import {
  isE164Format,
  precheck,
  type CampaignDialRequest,
  type OutboundSmsRequest,
} from '../../../src/domain/telephony/provider.js';
import { SimulatorProvider, createSimulatedOutcome } from '../../../src/domain/telephony/simulator.js';
import { ManualClock } from '../../../src/shared/clock.js';

const sms = (over: Partial<CampaignDialRequest> = {}): CampaignDialRequest => ({
  attemptId: 'att-1',
  campaignId: 'cd-1',
  instanceId: 'cid-1',
  channel: 'sms',
  to: '+15551230000',
  from: '+15550000000',
  context: {},
  ...over,
});

const adHoc: OutboundSmsRequest = {
  attemptId: 'att-2',
  channel: 'sms',
  to: '+911234567890',
  from: '+19876543210',
  experienceFlowId: 'cf-1',
  experienceFlowName: 'Outbound',
  context: { phoneNumber: '+911234567890' },
};

const refusedSms = {
  accepted: false,
  outcome: 'sms-failed',
  detail: 'SMS has neither a message nor an experience flow',
};

describe('precheck of SMS', () => {
  it('accepts a text, a flow without text, or both', () => {
    expect(precheck(sms({ message: 'Hello' }))).toBeUndefined();
    expect(precheck(sms({ experienceFlowId: 'cf-1' }))).toBeUndefined();
    expect(precheck(sms({ experienceFlowId: 'cf-1', message: '' }))).toBeUndefined();
    expect(precheck(sms({ experienceFlowId: 'cf-1', message: 'Hi' }))).toBeUndefined();
  });

  it('accepts a Send Outbound SMS request, which names no campaign', () => {
    expect(precheck(adHoc)).toBeUndefined();
  });

  it.each([
    ['neither', {}],
    ['a blank text', { message: '  \n' }],
    ['an empty flow id', { experienceFlowId: '' }],
    ['a blank flow id and no text', { experienceFlowId: ' ' }],
  ])('refuses %s as sms-failed', (_what, over) => {
    expect(precheck(sms(over))).toEqual(refusedSms);
  });

  it('checks the destination before the content', () => {
    expect(precheck({ ...adHoc, to: '911234567890' })).toMatchObject({ accepted: false, outcome: 'invalid' });
    expect(precheck(sms({ to: '+0123' }))).toMatchObject({ outcome: 'invalid' });
  });

  it('a voice call needs no text or flow', () => {
    expect(precheck(sms({ channel: 'voice' }))).toBeUndefined();
  });
});

describe('isE164Format', () => {
  it.each([
    ['+19876543210', true],
    ['+911234567890', true],
    ['+2908999', true],
    ['+290899', false],
    ['+1234567890123456', false],
    ['19876543210', false],
    ['+0123456789', false],
    ['+1 987 654 3210', false],
    [19876543210, false],
    [undefined, false],
  ])('%j -> %s', (v, ok) => {
    expect(isE164Format(v)).toBe(ok);
  });
});

describe('the simulator and flow-driven SMS', () => {
  it('a flow-driven SMS that is sent ran a bot session; a plain one did not', () => {
    const profile = { mix: { 'sms-sent': 1 } };
    expect(createSimulatedOutcome(1, adHoc, profile)).toMatchObject({
      outcome: 'sms-sent',
      botSessionId: expect.stringMatching(/^[0-9a-f]{24}$/),
    });
    expect(createSimulatedOutcome(1, sms({ message: 'Hi' }), profile)).not.toHaveProperty('botSessionId');
    expect(createSimulatedOutcome(1, adHoc, { mix: { 'sms-failed': 1 } })).not.toHaveProperty('botSessionId');
  });

  it('accepts a Send Outbound SMS request and refuses an SMS with nothing to send', async () => {
    const reports: unknown[] = [];
    const jobs: (() => void)[] = [];
    const sim = new SimulatorProvider({
      sink: { report: (r) => void reports.push(r) },
      clock: new ManualClock(0),
      speed: 0,
      mix: { 'sms-sent': 1 },
      scheduler: (fn) => {
        jobs.push(fn);
        return () => {};
      },
    });
    expect(await sim.start(adHoc)).toEqual({ accepted: true });
    expect(await sim.start(sms({ attemptId: 'att-3' }))).toEqual(refusedSms);
    for (const fn of jobs.splice(0)) fn();
    await new Promise((r) => setImmediate(r));
    expect(reports).toEqual([expect.objectContaining({ attemptId: 'att-2', outcome: 'sms-sent' })]);
    await sim.close();
  });
});
