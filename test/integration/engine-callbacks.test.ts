/** Kore's callContactAt: call-backs for contacts of a running instance, on both dialects. */
import { describe, expect, it } from 'vitest';
import { CampaignPolicies } from '../../src/domain/engine/campaign-policies.js';
import { InstanceCompletion } from '../../src/domain/engine/instance-completion.js';
import { silentLogger } from '../../src/shared/logger.js';
import { CampaignsRepo } from '../../src/storage/repos/campaigns-repo.js';
import { DialRecordsRepo } from '../../src/storage/repos/dial-records-repo.js';
import { InstancesRepo } from '../../src/storage/repos/instances-repo.js';
import { addContacts, createCampaign, engineHarness, trigger } from '../support/engine-harness.js';
import { T0, useTestApp } from '../support/test-app.js';
import { DIALECTS } from '../support/test-db.js';

const MIN = 60_000;
const at = (ms: number) => new Date(ms).toISOString();

describe.each(DIALECTS)('call-backs on %s', (dialect) => {
  const t = useTestApp(dialect);
  const v2 = () => `/campaign/api/v2/public/${t().tenant.iid}`;
  const callbacks = (instanceId: string, body: unknown) =>
    t().kore('POST', `/campaign/${instanceId}/callContactAt`, body, { prefix: v2() });

  it('moves a waiting record, reopens a final one for one more attempt, and refuses DNC, in-flight, past and unknown contacts', async () => {
    t().clock.set(T0);
    const list = await t().addList('Callback list');
    const dnc = await t().addList('Callback DNC');
    await addContacts(t(), list, [
      { phone: '+15558800001', uniqueId: 'cb-a' },
      { phone: '+15558800002', uniqueId: 'cb-b', tz: 'Asia/Tokyo' }, // 21:00 there: outside 9–5
      { phone: '+15558800003', uniqueId: 'cb-c' },
      { phone: '+15558800004', uniqueId: 'cb-d' },
    ]);
    await addContacts(t(), dnc, [{ phone: '+15558800003' }]);
    const id = await createCampaign(
      t(),
      { name: 'Callback campaign', contactLists: ['Callback list'], dncLists: { name: 'Callback DNC' } },
      {
        callingHours: { frequency: 'DAILY', timezone: 'UTC', days: [{ day: 'MO', start: '9:00 AM', end: '5:00 PM' }] },
        maxAttemptsPerRecord: 1,
      },
    );
    const instanceId = (await trigger(t(), id, 'play')).campaignInstanceId as string;
    const h = engineHarness(t(), { profile: { mix: { completed: 1 } } });
    await h.engine.tick(); // a and d are out on calls, b waits for Tokyo's morning
    expect(h.started.map((s) => s.req.to)).toEqual(['+15558800001', '+15558800004']);

    const inFlight = await callbacks(instanceId, [{ campaignDialingListId: 'cb-a', timeToContact: at(T0 + 30 * MIN) }]);
    expect(inFlight.json()).toEqual({
      status: 'success',
      data: [{ campaignDialingListId: 'cb-a', status: 'failed', reason: 'call_in_progress' }],
    });
    await h.deliver(); // a and d completed: final

    const res = await callbacks(instanceId, [
      { campaignDialingListId: '15558800001', timeToContact: '2026-06-01T14:30:00+02:00' }, // a by phone: T0 + 30 min
      { campaignDialingListId: 'cb-b', timeToContact: at(T0 + 30 * MIN) },
      { campaignDialingListId: 'cb-c', timeToContact: at(T0 + 30 * MIN) },
      { campaignDialingListId: 'cb-d', timeToContact: at(T0 - MIN) },
      { campaignDialingListId: 'cb-d', timeToContact: '2026-06-01 12:30:00' },
      { campaignDialingListId: 'nobody', timeToContact: at(T0 + 30 * MIN) },
    ]);
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toEqual({
      status: 'success',
      data: [
        { campaignDialingListId: '15558800001', status: 'success', timeToContact: at(T0 + 30 * MIN) },
        { campaignDialingListId: 'cb-b', status: 'success', timeToContact: at(T0 + 30 * MIN) },
        { campaignDialingListId: 'cb-c', status: 'failed', reason: 'dnc_excluded' },
        { campaignDialingListId: 'cb-d', status: 'failed', reason: 'time_in_past' },
        { campaignDialingListId: 'cb-d', status: 'failed', reason: 'invalid_time' },
        { campaignDialingListId: 'nobody', status: 'failed', reason: 'contact_not_found' },
      ],
    });

    // Not before its time.
    t().clock.set(T0 + 29 * MIN);
    await h.step();
    expect(h.started).toHaveLength(2);
    // At its time: a again (a second, last attempt); b still waits for its calling window.
    t().clock.set(T0 + 30 * MIN);
    await h.step();
    expect(h.started.slice(2).map((s) => [s.req.to, s.at])).toEqual([['+15558800001', T0 + 30 * MIN]]);
    const view = (await t().kore('POST', `/campaign/${id}/status?view=contacts`, { limit: 10 })).json().data
      .results as Record<string, unknown>[];
    expect(view.find((r) => r.uniqueId === 'cb-a')).toMatchObject({
      dialerOutcome: 'completed',
      numberOfAttemptsSoFar: 2,
    });
    expect(view.find((r) => r.uniqueId === 'cb-b')).toMatchObject({ dialerOutcome: '', numberOfAttemptsSoFar: 0 });
    const explain = (await t().kore('GET', `/campaign/${id}/contacts/cb-b/explain`)).json().data;
    expect(explain.rules.find((r: { rule: string }) => r.rule === 'calling-window')).toMatchObject({ ok: false });
  });

  it('answers 409 for an instance that is not running, 404 for another tenant or an unknown id, 400 for a bad body', async () => {
    t().clock.set(T0);
    const list = await t().addList('Callback stopped list');
    await addContacts(t(), list, [{ phone: '+15558900001', uniqueId: 'st-a' }]);
    const id = await createCampaign(t(), { name: 'Callback stopped', contactLists: ['Callback stopped list'] });
    const instanceId = (await trigger(t(), id, 'play')).campaignInstanceId as string;
    const item = [{ campaignDialingListId: 'st-a', timeToContact: at(T0 + 60 * MIN) }];

    const other = await t().addTenant();
    const foreign = await t().kore('POST', `/campaign/${instanceId}/callContactAt`, item, {
      tenant: other,
      prefix: `/campaign/api/v2/public/${other.iid}`,
    });
    expect(foreign.statusCode).toBe(404);
    expect((await callbacks('cid-unknown', item)).statusCode).toBe(404);
    for (const bad of [
      {},
      [],
      [{ campaignDialingListId: 'st-a' }],
      [{ campaignDialingListId: '', timeToContact: at(T0) }],
      'x',
    ]) {
      const res = await callbacks(instanceId, bad);
      expect(res.statusCode, JSON.stringify(bad)).toBe(400);
      expect(res.json().status).toBe('failure');
    }

    await trigger(t(), id, 'stop');
    const stopped = await callbacks(instanceId, item);
    expect(stopped.statusCode).toBe(409);
    expect(stopped.json().message).toContain('is not running');
    const record = await t()
      .db.kysely.selectFrom('dial_records')
      .select(['state', 'next_at'])
      .where('instance_id', '=', instanceId)
      .executeTakeFirstOrThrow();
    expect(record.next_at).not.toBe(T0 + 60 * MIN);
  });

  it('never accepts a call-back for an instance that completes without dialing it (completion and call-back race)', async () => {
    t().clock.set(T0 + 60 * MIN);
    const tenant = { accountId: t().tenant.accountId, botId: t().tenant.iid };
    const db = t().db;
    const completion = new InstanceCompletion(
      new DialRecordsRepo(db),
      new InstancesRepo(db.kysely, db.dialect),
      new CampaignPolicies(new CampaignsRepo(db)),
      t().clock,
      silentLogger,
    );
    for (let trial = 0; trial < 8; trial++) {
      const list = await t().addList(`Race list ${trial}`);
      await addContacts(t(), list, [{ phone: `+155590000${10 + trial}`, uniqueId: `race-${trial}` }]);
      const id = await createCampaign(t(), { name: `Race ${trial}`, contactLists: [`Race list ${trial}`] });
      const instanceId = (await trigger(t(), id, 'play')).campaignInstanceId as string;
      // Its only record has just gone final; the engine is about to complete the instance.
      await t()
        .db.kysely.updateTable('dial_records')
        .set({ state: 'done', final_outcome: 'completed' })
        .where('instance_id', '=', instanceId)
        .execute();

      const [, answer] = await Promise.all([
        completion.completeIfDone(instanceId, id),
        t()
          .services.callbacks.schedule(tenant, instanceId, [
            { campaignDialingListId: `race-${trial}`, timeToContact: at(T0 + 90 * MIN) },
          ])
          .then(
            (r) => r[0]!.status,
            (err: Error) => `refused: ${err.message}`,
          ),
      ]);
      const campaign = await t()
        .db.kysely.selectFrom('campaigns')
        .select('status')
        .where('id', '=', id)
        .executeTakeFirstOrThrow();
      const record = await t()
        .db.kysely.selectFrom('dial_records')
        .select('state')
        .where('instance_id', '=', instanceId)
        .executeTakeFirstOrThrow();
      // Either the call-back won (the instance keeps running and will dial it) or completion did (the call-back is refused).
      if (answer === 'success')
        expect([campaign.status, record.state], `trial ${trial}`).toEqual(['Active', 'pending']);
      else
        expect([campaign.status, record.state, answer], `trial ${trial}`).toEqual([
          'Completed',
          'done',
          expect.stringMatching(/failed|refused/),
        ]);
    }
  });
});
