/**
 * Zones from numbers (docs/contact-protection.md, docs/phone-zones.md): a contact without a
 * `timeZone` is called in the hours of the zone its number says, not the campaign's; where the
 * number allows several zones the call waits until every one of them allows it; a contact's own
 * zone still wins; explain lists the candidates and the table's version. Both dialects, fake clock.
 */
import { describe, expect, it } from 'vitest';
import { addContacts, createCampaign, engineHarness, trigger } from '../support/engine-harness.js';
import { useTestApp } from '../support/test-app.js';
import { DIALECTS } from '../support/test-db.js';

/** 9 AM–5 PM every day, in UTC: the campaign's zone is never where these contacts live. */
const NINE_TO_FIVE_UTC = {
  frequency: 'DAILY',
  timezone: 'UTC',
  days: [{ day: 'MO', start: '9:00 AM', end: '5:00 PM' }],
};

describe.each(DIALECTS)('zones from numbers on %s', (dialect) => {
  const t = useTestApp(dialect);

  it('calls each contact in the hours of its number, every candidate zone of an ambiguous one, its own zone first', async () => {
    // Monday 2026-06-01 13:00 UTC = 09:00 New York, 06:00 Los Angeles, 05:00 Anchorage, 04:00 Adak.
    t().clock.set(Date.parse('2026-06-01T13:00:00Z'));
    const list = await t().addList('Zones');
    await addContacts(t(), list, [
      { phone: '+12127365000', uniqueId: 'new-york' },
      { phone: '+14157361234', uniqueId: 'los-angeles' },
      { phone: '+19075550100', uniqueId: 'alaska' }, // 907: Anchorage or Adak (one hour apart)
      { phone: '+14157361235', uniqueId: 'own-zone', tz: 'Europe/Berlin' }, // 15:00 in Berlin
      { phone: '+15555550100', uniqueId: 'unknown' }, // no such area code: the campaign's zone
    ]);
    const id = await createCampaign(
      t(),
      { name: 'Zones', contactLists: ['Zones'] },
      { callingHours: NINE_TO_FIVE_UTC },
    );
    await trigger(t(), id, 'play');
    const h = engineHarness(t(), { profile: { mix: { completed: 1 } } });
    const dialedAt = new Map<string, string>();
    const step = async (iso: string) => {
      t().clock.set(Date.parse(iso));
      await h.step();
      for (const s of h.started) if (!dialedAt.has(s.req.to)) dialedAt.set(s.req.to, new Date(s.at).toISOString());
    };
    await step('2026-06-01T13:00:00Z');
    expect([...dialedAt.keys()].sort()).toEqual(['+12127365000', '+14157361235', '+15555550100']);

    const ex = (await t().kore('GET', `/campaign/${id}/contacts/alaska/explain`)).json().data;
    const win = ex.rules.find((r: { rule: string }) => r.rule === 'calling-window');
    expect(win).toMatchObject({
      ok: false,
      facts: {
        zoneSource: 'number',
        zones: ['America/Adak', 'America/Anchorage'],
        number: { country: 'US', region: 'US-AK', prefix: '1907', candidates: ['America/Adak', 'America/Anchorage'] },
        perZone: [
          { zone: 'America/Adak', inWindow: false },
          { zone: 'America/Anchorage', inWindow: false },
        ],
      },
    });
    expect(win.facts.number.table.version).toMatch(/libphonenumber/);
    expect(win.detail).toContain('every zone the number may be in (America/Adak, America/Anchorage)');
    // Anchorage opens at 17:00 UTC, Adak an hour later: the later one decides.
    expect(ex.nextDialableAt).toBe('2026-06-01T18:00:00.000Z');

    await step('2026-06-01T16:00:00Z'); // 09:00 Los Angeles
    expect(dialedAt.get('+14157361234')).toBe('2026-06-01T16:00:00.000Z');
    await step('2026-06-01T17:00:00Z'); // 09:00 Anchorage, 08:00 Adak: not yet
    expect(dialedAt.has('+19075550100')).toBe(false);
    await step('2026-06-01T18:00:00Z');
    expect(dialedAt.get('+19075550100')).toBe('2026-06-01T18:00:00.000Z');
  });
});
