/**
 * Contact protection across campaigns (docs/contact-protection.md), on both dialects with a manual
 * clock: one call per number per account at a time, frequency caps over rolling windows, a held
 * record delayed and never lost, and explain naming the rule that holds it and until when.
 */
import { describe, expect, it } from 'vitest';
import { addContacts, createCampaign, engineHarness, trigger, type EngineHarness } from '../support/engine-harness.js';
import { attemptSpans, capViolations, numbersHeldTwice, overlappingAttempts } from '../support/protection-checks.js';
import { T0, useTestApp, type TestApp } from '../support/test-app.js';
import { DIALECTS } from '../support/test-db.js';

const MIN = 60_000;
const HOUR = 60 * MIN;

/** Sets the bot's frequency caps as the admin API stores them, and forgets the cached rules. */
async function setCaps(t: TestApp, caps: { attempts: number; hours: number }[]): Promise<void> {
  await t.db.kysely
    .updateTable('bots')
    .set({ contact_rules: JSON.stringify({ frequencyCaps: caps, rulePacks: [] }) })
    .where('id', '=', t.tenant.iid)
    .execute();
  t.services.contactRules.clear();
}

const dialed = (h: EngineHarness) => h.started.map((s) => s.req.to);

describe.each(DIALECTS)('contact protection on %s', (dialect) => {
  const t = useTestApp(dialect);

  it('never rings one number for two campaigns at once; the second waits and is dialed once the first call ends', async () => {
    t().clock.set(T0);
    await setCaps(t(), []);
    const a = await t().addList('Busy A');
    const b = await t().addList('Busy B');
    const shared = ['+15557100001', '+15557100002', '+15557100003'];
    await addContacts(
      t(),
      a,
      shared.map((phone) => ({ phone })),
    );
    await addContacts(
      t(),
      b,
      [...shared, '+15557100004'].map((phone) => ({ phone })),
    );
    const first = await createCampaign(t(), { name: 'Busy A', contactLists: ['Busy A'], priority: 5 });
    const second = await createCampaign(t(), { name: 'Busy B', contactLists: ['Busy B'], priority: 1 });
    await trigger(t(), first, 'play');
    await trigger(t(), second, 'play');

    const h = engineHarness(t(), { profile: { mix: { completed: 1 } } });
    await h.engine.tick();
    // A (higher priority) has the three shared numbers; B may only call the one nobody else holds.
    expect(dialed(h).sort()).toEqual([...shared, '+15557100004'].sort());
    expect(await numbersHeldTwice(t().db.kysely, t().tenant.accountId)).toEqual([]);

    const ex = (await t().kore('GET', `/campaign/${second}/contacts/+15557100001/explain`)).json().data;
    expect(ex.dialableNow).toBe(false);
    expect(ex.rules.find((r: { rule: string }) => r.rule === 'number-busy')).toMatchObject({
      ok: false,
      facts: { heldBy: [{ campaignId: first, state: 'in_flight' }] },
    });

    // While A's calls go on, B keeps waiting (rechecked every 30 s), however often the engine ticks.
    t().clock.advance(45_000);
    await h.engine.tick();
    expect(h.started).toHaveLength(4);

    await h.deliver();
    t().clock.advance(30_000);
    await h.engine.tick();
    const counts = new Map<string, number>();
    for (const n of dialed(h)) counts.set(n, (counts.get(n) ?? 0) + 1);
    expect(Object.fromEntries(counts)).toEqual({
      '+15557100001': 2,
      '+15557100002': 2,
      '+15557100003': 2,
      '+15557100004': 1,
    });
    await h.deliver();
    expect(overlappingAttempts(await attemptSpans(t().db.kysely, t().tenant.accountId))).toEqual([]);
    for (const id of [first, second])
      expect((await t().kore('POST', `/campaign/${id}/status?view=status`)).json().data.status).toBe('Completed');
  });

  it('caps attempts per number across campaigns in a rolling window, delays the rest, and explain says until when', async () => {
    t().clock.set(T0 + 10 * 24 * HOUR);
    await setCaps(t(), [{ attempts: 2, hours: 24 }]);
    const l1 = await t().addList('Cap one');
    const l2 = await t().addList('Cap two');
    await addContacts(t(), l1, [{ phone: '+15557200001' }]);
    await addContacts(t(), l2, [{ phone: '+15557200001' }]);
    const retrying = { maxAttemptsPerRecord: 3, defaultRetryPeriod: 1 };
    const one = await createCampaign(t(), { name: 'Cap one', contactLists: ['Cap one'], priority: 5 }, retrying);
    const two = await createCampaign(t(), { name: 'Cap two', contactLists: ['Cap two'], priority: 1 }, retrying);
    await trigger(t(), one, 'play');
    await trigger(t(), two, 'play');
    const start = t().clock.now();

    const h = engineHarness(t(), { profile: { mix: { 'no-answer': 1 } } });
    for (let i = 0; i < 10; i++) {
      await h.step();
      t().clock.advance(MIN);
    }
    // Two attempts (campaign one's first, then whichever came next); the cap holds everything else.
    expect(h.started).toHaveLength(2);
    const firstStart = h.started[0]!.at;
    const held = (await t().kore('GET', `/campaign/${two}/contacts/+15557200001/explain`)).json().data;
    const capRule = held.rules.find((r: { rule: string }) => r.rule === 'frequency-caps');
    expect(capRule).toMatchObject({
      ok: false,
      facts: { caps: [{ attempts: 2, hours: 24, source: 'bot', used: 2 }] },
    });
    expect(capRule.facts.until).toBe(new Date(firstStart + 24 * HOUR).toISOString());
    expect(capRule.detail).toContain('cap of 2 per 24 h');

    // Once the first attempt leaves the window, the next one may go: delayed, not lost.
    t().clock.set(firstStart + 24 * HOUR);
    await h.step();
    expect(h.started).toHaveLength(3);
    expect(h.started[2]!.at).toBe(start + 24 * HOUR);
    for (let i = 0; i < 6; i++) {
      t().clock.advance(12 * HOUR);
      await h.step();
    }
    // Six attempts in all (three per campaign), never more than two in any 24 hours.
    const spans = await attemptSpans(t().db.kysely, t().tenant.accountId);
    const mine = spans.filter((s) => s.phone === '+15557200001');
    expect(mine).toHaveLength(6);
    expect(capViolations(mine, [{ attempts: 2, hours: 24 }])).toEqual([]);
    await setCaps(t(), []);
  });
});
