/**
 * An advanced SMS campaign (format advanced: an experience flow, no text) hands its flow to the
 * provider and never a placeholder text; a plain one still sends its text (both dialects).
 */
import { describe, expect, it } from 'vitest';
import { addContacts, createCampaign, engineHarness, trigger } from '../support/engine-harness.js';
import { T0, useTestApp } from '../support/test-app.js';
import { DIALECTS } from '../support/test-db.js';

describe.each(DIALECTS)('advanced SMS campaigns on %s', (dialect) => {
  const t = useTestApp(dialect);

  it('give the provider the experience flow and no message', async () => {
    t().clock.set(T0);
    const l = await t().addList('Advanced sms');
    await addContacts(t(), l, [{ phone: '+15554500001' }, { phone: '+15554500002' }]);
    const flow = await t()
      .db.kysely.selectFrom('flows')
      .select(['id', 'name'])
      .where('bot_id', '=', t().tenant.iid)
      .where('lname', '=', 'sms support flow')
      .executeTakeFirstOrThrow();
    const id = await createCampaign(
      t(),
      {
        name: 'Advanced sms',
        campaignType: 'sms',
        contactLists: ['Advanced sms'],
        format: 'advanced',
        dialingMode: undefined,
        experienceFlowName: 'SMS Support Flow',
        message: undefined,
      },
      { callerId: { phoneNumber: '+15101234567' } },
    );
    await trigger(t(), id, 'play');
    const h = engineHarness(t(), { profile: { mix: { 'sms-sent': 1 } } });
    await h.step();
    await h.step();
    expect(h.started).toHaveLength(2);
    for (const s of h.started) {
      expect(s.req).toMatchObject({
        channel: 'sms',
        campaignId: id,
        from: '+15101234567',
        experienceFlowId: flow.id,
        experienceFlowName: 'SMS Support Flow',
      });
      expect(s.req).not.toHaveProperty('message');
      expect(JSON.stringify(s.req)).not.toContain('[flow:');
    }
    expect(h.started.map((s) => s.req.to).sort()).toEqual(['+15554500001', '+15554500002']);
    const records = await t()
      .db.kysely.selectFrom('dial_records')
      .select(['final_outcome', 'bot_session_id'])
      .where('campaign_id', '=', id)
      .execute();
    // The simulated flow ran a bot session, as a voice flow does.
    expect(records).toEqual([
      { final_outcome: 'sms-sent', bot_session_id: expect.stringMatching(/^[0-9a-f]{24}$/) },
      { final_outcome: 'sms-sent', bot_session_id: expect.stringMatching(/^[0-9a-f]{24}$/) },
    ]);
  });

  it('a plain SMS campaign still sends its text and no flow', async () => {
    t().clock.set(T0);
    const l = await t().addList('Plain sms');
    await addContacts(t(), l, [{ phone: '+15554600001' }]);
    const id = await createCampaign(
      t(),
      {
        name: 'Plain sms',
        campaignType: 'sms',
        contactLists: ['Plain sms'],
        format: 'simple',
        dialingMode: undefined,
        experienceFlowName: undefined,
        message: { templateId: '', message: 'Your order has shipped' },
      },
      { callerId: { phoneNumber: '+15101234567' } },
    );
    await trigger(t(), id, 'play');
    const h = engineHarness(t(), { profile: { mix: { 'sms-sent': 1 } } });
    await h.step();
    expect(h.started.map((s) => s.req)).toEqual([
      expect.objectContaining({ channel: 'sms', message: 'Your order has shipped' }),
    ]);
    expect(h.started[0]!.req).not.toHaveProperty('experienceFlowId');
  });
});
