/** Kore's schedule API, recurring schedules: the API, and the engine playing each occurrence. Both dialects. */
import { describe, expect, it } from 'vitest';
import { addContacts, createCampaign, engineHarness, trigger } from '../support/engine-harness.js';
import { T0, useTestApp } from '../support/test-app.js';
import { DIALECTS } from '../support/test-db.js';
import { expectEnvelope } from '../support/failure-envelope.js';

const MIN = 60_000;
const DAY = 24 * 60 * MIN;
const daily = (start: string, end: string, n = 1) => ({
  startDateTime: start,
  endDateTime: end,
  recurrenceObject: { recurType: 'Daily', dailyDetails: { onceEveryNdays: n } },
});

describe.each(DIALECTS)('campaign schedules on %s', (dialect) => {
  const t = useTestApp(dialect);
  const schedule = (name: string, enable: boolean, body: unknown = {}) =>
    t().kore('POST', `/campaign/schedule?enableSchedule=${enable}&campaignName=${encodeURIComponent(name)}`, body, {
      prefix: `/campaign/api/v2/public/${t().tenant.iid}`,
    });
  const get = async (id: string) => (await t().kore('GET', `/campaign/${id}`)).json().data;

  async function campaign(name: string, phones: string[]): Promise<string> {
    const list = await t().addList(`${name} list`);
    await addContacts(
      t(),
      list,
      phones.map((phone) => ({ phone })),
    );
    return createCampaign(t(), { name, contactLists: [`${name} list`] });
  }

  it('enables a daily schedule by name, plays each occurrence as a new instance, and completes after the last', async () => {
    t().clock.set(T0); // Monday 2026-06-01 12:00 UTC
    const id = await campaign('Daily run', ['+15559100001', '+15559100002']);
    const res = await schedule('daily RUN', true, daily('2026-6-1 12:30:00', '2026-06-03 12:30:00'));
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toEqual({ status: 'success', message: 'Campaign Daily run scheduled successfully', id });
    expect(await get(id)).toMatchObject({
      status: 'Scheduled',
      schedule: {
        isSchedulingEnabled: true,
        isRecurrenceEnabled: true,
        startDateTime: '2026-06-01 12:30:00',
        endDateTime: '2026-06-03 12:30:00',
        timezone: 'UTC',
        recurrenceObject: { recurType: 'Daily', dailyDetails: { onceEveryNdays: 1 } },
      },
    });
    expect((await get(id)).schedule.enabledAt).toBeUndefined();

    const h = engineHarness(t(), { profile: { mix: { completed: 1 } } });
    await h.step();
    expect(h.started).toHaveLength(0);
    const instances: string[] = [];
    for (let day = 0; day < 3; day++) {
      t().clock.set(T0 + day * DAY + 30 * MIN);
      await h.step(); // plays, dials both, delivers their outcomes
      const after = await get(id);
      instances.push(after.campaignInstanceId as string);
      // Between runs it waits as Scheduled; after the last it is Completed.
      expect(after.status).toBe(day < 2 ? 'Scheduled' : 'Completed');
      await h.step(); // nothing more on the same day
    }
    expect(new Set(instances).size).toBe(3);
    expect(h.started.map((s) => [s.req.to, s.at - T0])).toEqual(
      [0, 1, 2].flatMap((d) => [
        ['+15559100001', d * DAY + 30 * MIN],
        ['+15559100002', d * DAY + 30 * MIN],
      ]),
    );
    t().clock.set(T0 + 5 * DAY);
    await h.step();
    expect(h.started).toHaveLength(6);
  });

  it('disables a schedule (Scheduled → Ready), never replays a stopped campaign, and expires a schedule with no run left', async () => {
    t().clock.set(T0);
    const off = await campaign('Switched off', ['+15559200001']);
    expect((await schedule('Switched off', true, daily('2026-06-01 13:00:00', '2026-06-10 13:00:00'))).statusCode).toBe(
      200,
    );
    const disabled = await schedule('Switched off', false);
    expect(disabled.json()).toEqual({
      status: 'success',
      message: 'Campaign Switched off schedule has been disabled successfully',
      id: off,
    });
    expect(await get(off)).toMatchObject({
      status: 'Ready',
      schedule: { isSchedulingEnabled: false, isRecurrenceEnabled: false },
    });

    const stopped = await campaign('Stopped run', ['+15559300001']);
    expect((await schedule('Stopped run', true, daily('2026-06-01 12:30:00', '2026-06-10 12:30:00'))).statusCode).toBe(
      200,
    );
    // Fridays only, but the schedule ends on Wednesday: it can never run.
    const never = await campaign('Never runs', ['+15559400001']);
    const weekly = {
      startDateTime: '2026-06-01 08:00:00',
      endDateTime: '2026-06-03 08:00:00',
      recurrenceObject: { recurType: 'Weekly', weeklyDetails: { onceEveryNweeks: 1, whichDays: ['Fri'] } },
    };
    expect((await schedule('Never runs', true, weekly)).statusCode).toBe(200);

    const h = engineHarness(t(), { profile: { mix: { 'no-answer': 1 } } });
    t().clock.set(T0 + 30 * MIN);
    await h.engine.tick();
    expect(h.started.map((s) => s.req.to)).toEqual(['+15559300001']);
    expect((await get(stopped)).status).toBe('Active');
    expect(await get(never)).toMatchObject({ status: 'Completed' });
    await trigger(t(), stopped, 'stop');
    await h.deliver();
    t().clock.set(T0 + DAY + 30 * MIN);
    await h.step();
    expect(h.started).toHaveLength(1);
    expect((await get(stopped)).status).toBe('Stopped');
    expect((await get(off)).status).toBe('Ready');
  });

  it('refuses bad requests with the field named, an unknown name with 404, and a running campaign with 409', async () => {
    t().clock.set(T0);
    const id = await campaign('Refusals', ['+15559500001']);
    expectEnvelope(
      await t().kore(
        'POST',
        '/campaign/schedule?campaignName=Refusals',
        daily('2026-06-02 09:00:00', '2026-06-09 09:00:00'),
      ),
      400,
    );
    const missing = expectEnvelope(
      await schedule('Refusals', true, { recurrenceObject: { recurType: 'Hourly' } }),
      400,
    );
    expect(missing.errors.map((e) => e.field)).toEqual(['startDateTime', 'endDateTime', 'recurrenceObject.recurType']);
    expect(
      expectEnvelope(await schedule('Refusals', true, daily('2026-05-01 09:00:00', '2026-05-09 09:00:00')), 400)
        .errors[0]!.field,
    ).toBe('endDateTime');
    expectEnvelope(await schedule('No such campaign', true, daily('2026-06-02 09:00:00', '2026-06-09 09:00:00')), 404);
    const other = await t().addTenant();
    const foreign = await t().kore(
      'POST',
      '/campaign/schedule?enableSchedule=true&campaignName=Refusals',
      daily('2026-06-02 09:00:00', '2026-06-09 09:00:00'),
      { tenant: other, prefix: `/campaign/api/v2/public/${other.iid}` },
    );
    expect(foreign.statusCode).toBe(404);
    await trigger(t(), id, 'play');
    const running = expectEnvelope(
      await schedule('Refusals', true, daily('2026-06-02 09:00:00', '2026-06-09 09:00:00')),
      409,
    );
    expect(running.message).toContain('Refusals is Active');
    expect((await get(id)).schedule).toEqual({ isSchedulingEnabled: false, isRecurrenceEnabled: false });
  });
});
