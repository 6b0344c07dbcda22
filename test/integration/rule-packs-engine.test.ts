/**
 * Rule packs and blackouts in the engine (docs/contact-protection.md, docs/rule-packs.md), both
 * dialects, fake clock: a bot that chooses US federal and Florida calls a Florida number only when
 * the campaign's hours, TCPA's 8 AM–9 PM and Florida's 8 AM–8 PM all allow it in the number's zone,
 * and at most three times in 24 hours (Florida's cap, counted by the engine); a blackout date holds
 * everybody of the account; explain cites the pack, its version and the provision that decided.
 */
import type { LightMyRequestResponse } from 'fastify';
import { describe, expect, it } from 'vitest';
import { addContacts, createCampaign, engineHarness, trigger } from '../support/engine-harness.js';
import { useTestApp, type TestApp } from '../support/test-app.js';
import { DIALECTS } from '../support/test-db.js';

const ADMIN_TOKEN = 'test-admin-token-rule-packs-engine-0123';

function admin(
  t: TestApp,
  method: 'POST' | 'PATCH' | 'DELETE',
  path: string,
  body?: unknown,
): Promise<LightMyRequestResponse> {
  return t.app.inject({
    method,
    url: `/admin/v1${path}`,
    headers: { 'content-type': 'application/json', authorization: `Bearer ${ADMIN_TOKEN}` },
    ...(body === undefined ? {} : { payload: JSON.stringify(body) }),
  });
}

async function choosePacks(t: TestApp, rulePacks: string[]): Promise<void> {
  const res = await admin(t, 'PATCH', `/bots/${t.tenant.iid}`, { accountId: t.tenant.accountId, rulePacks });
  expect(res.statusCode, res.body).toBe(200);
}

const ruleOf = (ex: { rules: { rule: string }[] }, rule: string) =>
  ex.rules.find((r) => r.rule === rule) as {
    rule: string;
    ok: boolean;
    detail: string;
    facts: Record<string, unknown>;
  };

describe.each(DIALECTS)('rule packs in the engine on %s', (dialect) => {
  const t = useTestApp(dialect, { env: { ADMIN_TOKEN } });

  it('holds each number to the packs of its state, counts the state cap across attempts, and cites what decided', async () => {
    await choosePacks(t(), ['us-federal', 'us-fl']);
    // Monday 2026-06-01 11:30 UTC = 07:30 in Miami, 04:30 in San Francisco.
    t().clock.set(Date.parse('2026-06-01T11:30:00Z'));
    const list = await t().addList('Packs');
    await addContacts(t(), list, [
      { phone: '+13057891234', uniqueId: 'miami' },
      { phone: '+14157361234', uniqueId: 'san-francisco' },
      { phone: '+15555550100', uniqueId: 'unknown' },
    ]);
    const id = await createCampaign(
      t(),
      { name: 'Packs', contactLists: ['Packs'] },
      { maxAttemptsPerRecord: 6, defaultRetryPeriod: 1 },
    );
    await trigger(t(), id, 'play');
    const h = engineHarness(t(), { profile: { mix: { 'no-answer': 1 } } });
    const dials = (to: string) => h.started.filter((s) => s.req.to === to).map((s) => new Date(s.at).toISOString());

    await h.step();
    // A number of no known country has no pack: only the campaign's (all-day) hours hold it.
    expect(h.started.map((s) => s.req.to)).toEqual(['+15555550100']);
    const sf = (await t().kore('GET', `/campaign/${id}/contacts/san-francisco/explain`)).json().data;
    const jur = ruleOf(sf, 'jurisdiction');
    expect(jur.ok).toBe(false);
    expect(jur.detail).toContain('us-federal@');
    expect(jur.detail).toContain('47 CFR § 64.1200(c)(1)');
    expect(jur.facts).toMatchObject({ country: 'US', region: 'US-CA' });
    expect((jur.facts.packs as { id: string }[]).map((p) => p.id)).toEqual(['us-federal']);
    expect(sf.nextDialableAt).toBe('2026-06-01T15:00:00.000Z'); // 08:00 in San Francisco

    // 08:00 in Miami: three no-answers a minute apart, then Florida's cap holds the fourth.
    for (const at of ['12:00', '12:01', '12:02', '12:03', '12:04']) {
      t().clock.set(Date.parse(`2026-06-01T${at}:00Z`));
      await h.step();
    }
    expect(dials('+13057891234')).toEqual([
      '2026-06-01T12:00:00.000Z',
      '2026-06-01T12:01:00.000Z',
      '2026-06-01T12:02:00.000Z',
    ]);
    const miami = (await t().kore('GET', `/campaign/${id}/contacts/miami/explain`)).json().data;
    const caps = ruleOf(miami, 'frequency-caps');
    expect(caps.ok).toBe(false);
    expect(caps.detail).toContain('us-fl@2021-07-01: Fla. Stat. § 501.616(6)(b)');
    expect(caps.facts.until).toBe('2026-06-02T12:00:00.000Z');
    expect(miami.nextDialableAt).toBe('2026-06-02T12:00:00.000Z');

    // Florida ends at 8 PM, TCPA at 9 PM: at 20:30 in Miami only Florida's hours hold the call.
    t().clock.set(Date.parse('2026-06-02T00:30:00Z'));
    const evening = (await t().kore('GET', `/campaign/${id}/contacts/miami/explain`)).json().data;
    const blocks = ruleOf(evening, 'jurisdiction').facts.blocks as { pack: { id: string } }[];
    expect(blocks.map((b) => b.pack.id)).toEqual(['us-fl']);
    await h.step();
    expect(dials('+13057891234')).toHaveLength(3);
    // The next morning the cap has room again (the 12:00 attempt left the window at 12:00).
    t().clock.set(Date.parse('2026-06-02T12:00:00Z'));
    await h.step();
    expect(dials('+13057891234')).toHaveLength(4);
    await trigger(t(), id, 'stop');
    await h.deliver();
    await choosePacks(t(), []);
  });

  it('holds everybody of the account on a blackout date in their own zone, and lets them go the day after', async () => {
    // Tuesday 2026-06-02 is the company's day off; 14:00 UTC is 10:00 in New York.
    const off = await admin(t(), 'POST', '/blackouts', {
      accountId: t().tenant.accountId,
      name: 'Company day off',
      from: '2026-06-02',
    });
    expect(off.statusCode, off.body).toBe(201);
    t().clock.set(Date.parse('2026-06-02T14:00:00Z'));
    const list = await t().addList('Blackout');
    await addContacts(t(), list, [{ phone: '+12127365000', uniqueId: 'ny' }]);
    const id = await createCampaign(t(), { name: 'Blackout', contactLists: ['Blackout'] });
    await trigger(t(), id, 'play');
    const h = engineHarness(t(), { profile: { mix: { completed: 1 } } });
    await h.step();
    expect(h.started).toEqual([]);
    const ex = (await t().kore('GET', `/campaign/${id}/contacts/ny/explain`)).json().data;
    expect(ruleOf(ex, 'blackouts')).toMatchObject({ ok: false });
    expect(ruleOf(ex, 'blackouts').detail).toContain('Company day off');
    // Midnight in New York on the 3rd is 04:00 UTC.
    expect(ex.nextDialableAt).toBe('2026-06-03T04:00:00.000Z');
    t().clock.set(Date.parse('2026-06-03T03:59:00Z'));
    await h.step();
    expect(h.started).toEqual([]);
    t().clock.set(Date.parse('2026-06-03T04:00:00Z'));
    await h.step();
    expect(h.started.map((s) => s.req.to)).toEqual(['+12127365000']);
    expect(
      (await admin(t(), 'DELETE', `/blackouts/${off.json().id}?accountId=${t().tenant.accountId}`)).statusCode,
    ).toBe(204);
  });
});
