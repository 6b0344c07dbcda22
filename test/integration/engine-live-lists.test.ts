/**
 * Live lists (issue #14 item 4): contacts that join a list of a running campaign through Kore's
 * addContacts are dialed in the same run, after DNC, without duplicates, in the campaign's order;
 * contacts added after the run ended are not.
 */
import { describe, expect, it } from 'vitest';
import { DIALECTS } from '../support/test-db.js';
import { T0, useTestApp } from '../support/test-app.js';
import { createCampaign, engineHarness, trigger } from '../support/engine-harness.js';
import { LIVE_BATCH } from '../../src/domain/engine/live-lists.js';

const MIN = 60_000;

describe.each(DIALECTS)('live lists on %s', (dialect) => {
  const t = useTestApp(dialect);

  /** Kore's addContacts, then the import run to its end (its contacts become visible). */
  async function add(list: string, phones: string[]): Promise<void> {
    const res = await t().kore('POST', '/campaign/contactList/addContacts', {
      contact_list_name: list,
      data: phones.map((phoneNumber) => ({ phoneNumber })),
    });
    expect(res.statusCode, res.body).toBe(200);
    await t().services.imports.whenIdle();
  }
  const newList = async (name: string, phones: string[]) => {
    await t().addList(name);
    if (phones.length > 0) await add(name, phones);
  };
  const recordsOf = (campaignId: string) =>
    t()
      .db.kysely.selectFrom('dial_records')
      .selectAll()
      .where('campaign_id', '=', campaignId)
      .orderBy('order_key')
      .execute();
  const statusOf = async (id: string) =>
    (await t().kore('POST', `/campaign/${id}/status?view=status`)).json().data.status as string;
  const stopAll = async () => {
    const rows = await t()
      .db.kysely.selectFrom('campaigns')
      .select(['id', 'status'])
      .where('status', 'in', ['Active', 'Paused'])
      .execute();
    for (const r of rows) await trigger(t(), r.id, 'stop');
  };

  it('dials a contact added mid-run within one tick; the run does not complete before it, and explain knows it', async () => {
    await stopAll();
    t().clock.set(T0);
    await newList('Live one', ['+14155550101', '+14155550102']);
    const id = await createCampaign(t(), { name: 'Live one', contactLists: ['Live one'] }, { maxAttemptsPerRecord: 1 });
    await trigger(t(), id, 'play');
    const h = engineHarness(t(), { profile: { mix: { 'no-answer': 1 } } });
    await h.engine.tick();
    expect(h.started.map((s) => s.req.to)).toEqual(['+14155550101', '+14155550102']);

    await add('Live one', ['+14155550103']);
    // Both calls end: every record is final, but the list holds a contact the run has not taken in.
    await h.deliver();
    expect(await statusOf(id)).toBe('Active');

    t().clock.set(T0 + MIN);
    await h.step();
    expect(h.started.map((s) => [s.req.to, s.at])).toEqual([
      ['+14155550101', T0],
      ['+14155550102', T0],
      ['+14155550103', T0 + MIN],
    ]);
    const rows = await recordsOf(id);
    expect(rows.map((r) => r.phone_e164)).toEqual(['+14155550101', '+14155550102', '+14155550103']);
    const inst = await t()
      .db.kysely.selectFrom('campaign_instances')
      .selectAll()
      .where('campaign_id', '=', id)
      .execute();
    expect(inst.map((i) => [i.total_records, i.excluded_records])).toEqual([[3, 0]]);

    const explain = await t().kore('GET', `/campaign/${id}/contacts/${rows[2]!.contact_id}/explain`);
    expect(explain.statusCode, explain.body).toBe(200);
    expect(explain.json().data.rules.find((r: { rule: string }) => r.rule === 'record')).toBeDefined();

    await h.step();
    expect(await statusOf(id)).toBe('Completed');
    const view = (await t().kore('POST', `/campaign/${id}/status?view=contacts`)).json().data;
    expect(view.totalResults).toBe(3);
  });

  it('scrubs live additions against the campaign and global DNC lists and never adds a number twice', async () => {
    await stopAll();
    t().clock.set(T0);
    await newList('Live DNC', ['+14155550199']);
    await newList('Live dedup', ['+14155550110']);
    const globalRes = await t().kore('POST', '/campaign/contactList/createContactList', {
      name: 'Live global',
      isGlobalDNC: true,
    });
    expect(globalRes.statusCode, globalRes.body).toBe(200);
    await add('Live global', ['+14155550198']);
    const id = await createCampaign(
      t(),
      { name: 'Live dedup', contactLists: ['Live dedup'], dncLists: { name: 'Live DNC' } },
      { maxAttemptsPerRecord: 1 },
    );
    await trigger(t(), id, 'play');
    const h = engineHarness(t(), { profile: { mix: { 'no-answer': 1 } } });
    await h.engine.tick();

    await add('Live dedup', ['+14155550199', '+14155550110', '+14155550111', '+14155550198']);
    await h.deliver();
    await h.step();
    await h.step();
    expect(h.started.map((s) => s.req.to).sort()).toEqual(['+14155550110', '+14155550111']);
    const rows = await recordsOf(id);
    expect(rows.map((r) => [r.phone_e164, r.final_outcome])).toEqual([
      ['+14155550110', 'no-answer'],
      ['+14155550199', 'dnc'],
      ['+14155550111', 'no-answer'],
      ['+14155550198', 'dnc'],
    ]);
    expect(rows[1]!.excluded_reason).toBe("on campaign DNC list 'Live DNC'");
    expect(rows[3]!.excluded_reason).toBe("on global DNC list 'Live global'");
    const view = (await t().kore('POST', `/campaign/${id}/status?view=contacts`)).json().data.results as {
      phoneNumber: string;
      dialerOutcome: string;
    }[];
    expect(view.find((r) => r.phoneNumber === '14155550199')?.dialerOutcome).toBe('dnc_excluded');
    const inst = await t()
      .db.kysely.selectFrom('campaign_instances')
      .selectAll()
      .where('campaign_id', '=', id)
      .execute();
    expect(inst.map((i) => [i.total_records, i.excluded_records])).toEqual([[4, 2]]);
    // Each live exclusion is a contact.excluded in the outbox, as an exclusion at play is.
    const excluded = await t()
      .db.kysely.selectFrom('events')
      .select('data')
      .where('type', '=', 'contact.excluded')
      .where('campaign_id', '=', id)
      .orderBy('id')
      .execute();
    expect(excluded.map((e) => JSON.parse(e.data) as Record<string, unknown>)).toEqual([
      expect.objectContaining({
        phoneNumber: '+14155550199',
        reason: 'dnc',
        recordId: rows[1]!.id,
        detail: rows[1]!.excluded_reason,
      }),
      expect.objectContaining({
        phoneNumber: '+14155550198',
        reason: 'dnc',
        recordId: rows[3]!.id,
        detail: rows[3]!.excluded_reason,
      }),
    ]);
    expect(await statusOf(id)).toBe('Completed');
    // The global list is the account's: leave it for no other test.
    await t()
      .db.kysely.updateTable('contact_lists')
      .set({ is_global_dnc: 0 })
      .where('name', '=', 'Live global')
      .execute();
  });

  it('FIFO over two lists: live additions dial after every record of the run, lists in campaign order', async () => {
    await stopAll();
    t().clock.set(T0);
    await newList('Fifo A', ['+14155550201', '+14155550202']);
    await newList('Fifo B', ['+14155550211']);
    const id = await createCampaign(
      t(),
      { name: 'Fifo live', contactLists: ['Fifo A', 'Fifo B'] },
      { maxAttemptsPerRecord: 1, dialingOrder: 'FIFO' },
    );
    await trigger(t(), id, 'play');
    const h = engineHarness(t(), { profile: { mix: { 'no-answer': 1 } }, engine: { maxConcurrentCalls: 1 } });
    await h.step();
    await add('Fifo B', ['+14155550212']);
    await add('Fifo A', ['+14155550203']);
    for (let i = 1; i <= 5; i++) {
      t().clock.set(T0 + i * MIN);
      await h.step();
    }
    expect(h.started.map((s) => s.req.to)).toEqual([
      '+14155550201',
      '+14155550202',
      '+14155550211',
      '+14155550203',
      '+14155550212',
    ]);
    expect(await statusOf(id)).toBe('Completed');
  });

  it('LIFO: live additions dial before the records of the run, the newest first', async () => {
    await stopAll();
    t().clock.set(T0);
    await newList('Lifo A', ['+14155550301', '+14155550302']);
    await newList('Lifo B', ['+14155550311']);
    const id = await createCampaign(
      t(),
      { name: 'Lifo live', contactLists: ['Lifo A', 'Lifo B'] },
      { maxAttemptsPerRecord: 1, dialingOrder: 'LIFO' },
    );
    await trigger(t(), id, 'play');
    const h = engineHarness(t(), { profile: { mix: { 'no-answer': 1 } }, engine: { maxConcurrentCalls: 1 } });
    await h.step();
    await add('Lifo A', ['+14155550303', '+14155550304']);
    for (let i = 1; i <= 5; i++) {
      t().clock.set(T0 + i * MIN);
      await h.step();
    }
    expect(h.started.map((s) => s.req.to)).toEqual([
      '+14155550311',
      '+14155550304',
      '+14155550303',
      '+14155550302',
      '+14155550301',
    ]);
  });

  it('takes in contacts added while Paused once the run resumes', async () => {
    await stopAll();
    t().clock.set(T0);
    await newList('Live paused', ['+14155550601']);
    const id = await createCampaign(
      t(),
      { name: 'Live paused', contactLists: ['Live paused'] },
      { maxAttemptsPerRecord: 1 },
    );
    await trigger(t(), id, 'play');
    const h = engineHarness(t(), { profile: { mix: { 'no-answer': 1 } } });
    await h.engine.tick();
    await trigger(t(), id, 'pause');
    await add('Live paused', ['+14155550602']);
    await h.deliver();
    await h.step();
    expect(await statusOf(id)).toBe('Paused');
    expect(h.started.map((s) => s.req.to)).toEqual(['+14155550601']);
    await trigger(t(), id, 'resume');
    await h.step();
    expect(h.started.map((s) => s.req.to)).toEqual(['+14155550601', '+14155550602']);
    await h.step();
    expect(await statusOf(id)).toBe('Completed');
  });

  it('does not dial contacts added after the run stopped or completed; the next play does', async () => {
    await stopAll();
    t().clock.set(T0);
    await newList('Live ended', ['+14155550401']);
    const id = await createCampaign(
      t(),
      { name: 'Live ended', contactLists: ['Live ended'] },
      { maxAttemptsPerRecord: 1 },
    );
    await trigger(t(), id, 'play');
    const h = engineHarness(t(), { profile: { mix: { 'no-answer': 1 } } });
    await h.step();
    await h.step();
    expect(await statusOf(id)).toBe('Completed');
    await add('Live ended', ['+14155550402']);
    await h.step();
    expect(h.started.map((s) => s.req.to)).toEqual(['+14155550401']);
    expect((await recordsOf(id)).map((r) => r.phone_e164)).toEqual(['+14155550401']);

    // A new run takes the whole list; stopping it freezes it again.
    await trigger(t(), id, 'play');
    await trigger(t(), id, 'stop');
    await add('Live ended', ['+14155550403']);
    await h.step();
    expect(h.started.map((s) => s.req.to)).toEqual(['+14155550401']);
    const all = await recordsOf(id);
    expect(all.filter((r) => r.phone_e164 === '+14155550403')).toEqual([]);
    expect(all.filter((r) => r.phone_e164 === '+14155550402').map((r) => r.final_outcome)).toEqual(['cancelled']);
  });

  it('takes a large addition in batches, and completes only once all of it is in', async () => {
    await stopAll();
    t().clock.set(T0);
    await newList('Live big', ['+14155550501']);
    const id = await createCampaign(t(), { name: 'Live big', contactLists: ['Live big'] }, { maxAttemptsPerRecord: 1 });
    await trigger(t(), id, 'play');
    const h = engineHarness(t(), { profile: { mix: { 'no-answer': 1 } }, engine: { maxConcurrentCalls: 0 } });
    const phones = Array.from({ length: LIVE_BATCH + 5 }, (_, i) => `+1212${String(2000000 + i).padStart(7, '0')}`);
    await add('Live big', phones);
    await h.step();
    expect(await recordsOf(id)).toHaveLength(1 + LIVE_BATCH);
    await h.step();
    expect(await recordsOf(id)).toHaveLength(1 + LIVE_BATCH + 5);
    await trigger(t(), id, 'stop');
  });
});
