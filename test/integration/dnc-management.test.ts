/**
 * DNC management (docs/imports.md "DNC management"): add with an optional expiry, look up and
 * remove through the admin API, on both dialects, with per-number results and the stored rows
 * checked; and the engine honouring a removal or an expiry from the next dial on (ManualClock).
 */
import type { LightMyRequestResponse } from 'fastify';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { T0, useTestApp, type TestTenant } from '../support/test-app.js';
import { DIALECTS } from '../support/test-db.js';
import { expectEnvelope } from '../support/failure-envelope.js';
import { addContacts, createCampaign, engineHarness, trigger } from '../support/engine-harness.js';

const ADMIN_TOKEN = 'test-admin-token-dnc-0123456789abcdef';
const MIN = 60_000;
const HOUR = 60 * MIN;

describe.each(DIALECTS)('DNC management on %s', (dialect) => {
  const t = useTestApp(dialect, { env: { ADMIN_TOKEN } });

  const q = (tenant: TestTenant = t().tenant, extra: Record<string, string> = {}) =>
    new URLSearchParams({ accountId: tenant.accountId, iid: tenant.iid, ...extra }).toString();

  function admin(method: 'GET' | 'POST' | 'DELETE', path: string, body?: unknown): Promise<LightMyRequestResponse> {
    return t().app.inject({
      method,
      url: `/admin/v1${path}`,
      headers: {
        authorization: `Bearer ${ADMIN_TOKEN}`,
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
      },
      ...(body !== undefined ? { payload: JSON.stringify(body) } : {}),
    });
  }
  const add = (listId: string, body: unknown, tenant?: TestTenant) =>
    admin('POST', `/contact-lists/${listId}/dnc?${q(tenant)}`, body);
  const remove = (listId: string, body: unknown, tenant?: TestTenant) =>
    admin('DELETE', `/contact-lists/${listId}/dnc?${q(tenant)}`, body);
  const lookup = (number: string, tenant?: TestTenant) => admin('GET', `/dnc/lookup?${q(tenant, { number })}`);

  /** The list's stored rows: number and expiry, in list order. */
  const rowsOf = async (listId: string) =>
    (
      await t()
        .db.kysely.selectFrom('contacts')
        .innerJoin('contact_lists', 'contact_lists.list_no', 'contacts.list_no')
        .select(['contacts.phone_e164', 'contacts.expires_at'])
        .where('contact_lists.id', '=', listId)
        .orderBy('contacts.seq')
        .execute()
    ).map((r) => [r.phone_e164, r.expires_at === null ? null : Number(r.expires_at)]);
  const countOf = async (listId: string) =>
    Number(
      (
        await t()
          .db.kysely.selectFrom('contact_lists')
          .select('total_record_count')
          .where('id', '=', listId)
          .executeTakeFirstOrThrow()
      ).total_record_count,
    );

  it('adds numbers for good or until a date, with a result per number, and re-adding changes only the expiry', async () => {
    t().clock.set(T0);
    const list = await t().addList('DNC add');
    const until = '2027-01-01T00:00:00.000Z';
    const res = await add(list, {
      numbers: ['+14155550100', '(415) 555-0101', 'call me maybe', '+14155550100'],
      expiresAt: '2027-01-01',
    });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toEqual({
      listId: list,
      listName: 'DNC add',
      counts: { added: 2, already: 1, updated: 0, removed: 0, not_found: 0, invalid: 1 },
      results: [
        { input: '+14155550100', number: '+14155550100', result: 'added', expiresAt: until },
        { input: '(415) 555-0101', number: '+14155550101', result: 'added', expiresAt: until },
        { input: 'call me maybe', number: null, result: 'invalid', reason: expect.any(String) },
        // Given twice: the second finds the first's entry.
        { input: '+14155550100', number: '+14155550100', result: 'already', expiresAt: until },
      ],
    });
    expect(await rowsOf(list)).toEqual([
      ['+14155550100', Date.parse(until)],
      ['+14155550101', Date.parse(until)],
    ]);
    expect(await countOf(list)).toBe(2);

    // Same expiry: already; another (here: none, for good): updated; a new number: added for good.
    const again = await add(list, { numbers: ['+14155550100'], expiresAt: '2027-01-01T00:00:00Z' });
    expect(again.json().results).toEqual([
      { input: '+14155550100', number: '+14155550100', result: 'already', expiresAt: until },
    ]);
    const forGood = await add(list, { numbers: ['+14155550101', '+14155550102'] });
    expect(forGood.statusCode, forGood.body).toBe(200);
    expect(forGood.json().results.map((r: { result: string }) => r.result)).toEqual(['updated', 'added']);
    expect(await rowsOf(list)).toEqual([
      ['+14155550100', Date.parse(until)],
      ['+14155550101', null],
      ['+14155550102', null],
    ]);
    expect(await countOf(list)).toBe(3);
  });

  it('looks a number up across the bot’s lists and the global DNC list, with expiry and which campaigns use them', async () => {
    t().clock.set(T0);
    const own = await t().addList('DNC lookup own');
    const plain = await t().addList('DNC lookup plain');
    const global = await t().kore(
      'POST',
      '/campaign/contactList/createContactList',
      {
        name: 'Lookup Global',
        isGlobalDNC: true,
      },
      { prefix: `/campaign/api/v2/public/${t().tenant.iid}` },
    );
    expect(global.statusCode, global.body).toBe(200);
    const globalId = global.json().data._id as string;
    const campaign = await createCampaign(t(), {
      name: 'Lookup campaign',
      contactLists: ['DNC lookup plain'],
      dncLists: { name: 'DNC lookup own' },
    });
    const number = '+14155550200';
    expect((await add(own, { numbers: [number], expiresAt: new Date(T0 + HOUR).toISOString() })).statusCode).toBe(200);
    expect((await add(plain, { numbers: [number] })).statusCode).toBe(200);
    expect((await add(globalId, { numbers: ['415-555-0200'] })).statusCode).toBe(200);

    const res = await lookup('(415) 555-0200');
    expect(res.statusCode, res.body).toBe(200);
    const body = res.json();
    expect(body.number).toBe(number);
    expect(body.onDnc).toBe(true);
    const byName = Object.fromEntries(body.lists.map((l: { listName: string }) => [l.listName, l]));
    expect(Object.keys(byName).sort()).toEqual(['DNC lookup own', 'DNC lookup plain', 'Lookup Global']);
    expect(byName['DNC lookup own']).toEqual({
      listId: own,
      listName: 'DNC lookup own',
      isGlobalDNC: false,
      dncListOf: [{ id: campaign, name: 'Lookup campaign' }],
      expiresAt: new Date(T0 + HOUR).toISOString(),
      active: true,
    });
    expect(byName['DNC lookup plain']).toMatchObject({
      isGlobalDNC: false,
      dncListOf: [],
      expiresAt: null,
      active: true,
    });
    expect(byName['Lookup Global']).toMatchObject({ listId: globalId, isGlobalDNC: true, expiresAt: null });

    // After the expiry the campaign's entry is reported, inactive.
    t().clock.set(T0 + 2 * HOUR);
    const later = (await lookup(number)).json();
    expect(later.lists.find((l: { listId: string }) => l.listId === own)).toMatchObject({ active: false });
    // Only the global list still holds it for real.
    expect(later.onDnc).toBe(true);
    expect((await remove(globalId, { numbers: [number] })).json().counts.removed).toBe(1);
    expect((await lookup(number)).json().onDnc).toBe(false);

    // A number on no list.
    expect((await lookup('+14155550299')).json()).toEqual({ number: '+14155550299', onDnc: false, lists: [] });
  });

  it('removes numbers with a result per number, keeps the count right and leaves other lists alone', async () => {
    t().clock.set(T0);
    const list = await t().addList('DNC remove');
    const other = await t().addList('DNC remove other');
    await add(list, { numbers: ['+14155550300', '+14155550301', '+14155550302'] });
    await add(other, { numbers: ['+14155550300'] });
    const res = await remove(list, { numbers: ['+14155550300', '4155550302', '+14155550399', 'nope', '+14155550300'] });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({
      counts: { added: 0, already: 0, updated: 0, removed: 2, not_found: 2, invalid: 1 },
      results: [
        { input: '+14155550300', number: '+14155550300', result: 'removed' },
        { input: '4155550302', number: '+14155550302', result: 'removed' },
        { input: '+14155550399', number: '+14155550399', result: 'not_found' },
        { input: 'nope', number: null, result: 'invalid' },
        { input: '+14155550300', number: '+14155550300', result: 'not_found' },
      ],
    });
    expect(await rowsOf(list)).toEqual([['+14155550301', null]]);
    expect(await countOf(list)).toBe(1);
    expect(await rowsOf(other)).toEqual([['+14155550300', null]]);
    expect(await t().services.dnc.isOnDnc(t().tenant, [list], '+14155550300')).toBe(false);
    expect(await t().services.dnc.isOnDnc(t().tenant, [other], '+14155550300')).toBe(true);
    // Removing again finds nothing.
    const again = await remove(list, { numbers: ['+14155550300'] });
    expect(again.json().results[0].result).toBe('not_found');
    // A removed number can be added again.
    expect((await add(list, { numbers: ['+14155550300'] })).json().results[0].result).toBe('added');
  });

  it('refuses bad dates, bad bodies, limits and another tenant’s list with a 4xx naming the field, writing nothing', async () => {
    t().clock.set(T0);
    const list = await t().addList('DNC refusals');
    const expectField = (res: LightMyRequestResponse, status: number, field?: string) => {
      const body = expectEnvelope(res, status);
      if (field !== undefined) expect(body.errors[0]?.field, res.body).toBe(field);
      return body;
    };
    for (const expiresAt of ['tomorrow', '2027-02-30', '2027-01-01T00:00:00', '2026-05-01', new Date(T0).toISOString()])
      expect(expectField(await add(list, { numbers: ['+14155550400'], expiresAt }), 400, 'expiresAt').message).toMatch(
        /expiresAt/,
      );
    expectField(await add(list, { numbers: [] }), 400, 'numbers');
    expectField(await add(list, {}), 400, 'numbers');
    expectField(await add(list, { numbers: [14155550400] }), 400, 'numbers[0]');
    expectField(await add(list, { numbers: ['+14155550400'], expiresAt: 5 }), 400, 'expiresAt');
    const tooMany = Array.from({ length: 10_001 }, (_, i) => `+1415556${String(i).padStart(4, '0')}`);
    expectField(await add(list, { numbers: tooMany }), 400, 'numbers');
    expectField(await remove(list, { numbers: tooMany }), 400, 'numbers');
    expectField(await lookup('not a number'), 400, 'number');
    expectField(await admin('GET', `/dnc/lookup?${q()}`), 400, 'number');

    // Another tenant's list is unknown here, and the other way round; an unknown list too.
    const other = await t().addTenant();
    const theirs = await t().addList('DNC theirs', other);
    expectField(await add(theirs, { numbers: ['+14155550400'] }), 404);
    expectField(await remove(theirs, { numbers: ['+14155550400'] }), 404);
    expectField(await add(list, { numbers: ['+14155550400'] }, other), 404);
    expectField(await add('cl-00000000-0000-0000-0000-000000000000', { numbers: ['+14155550400'] }), 404);
    expect(await rowsOf(list)).toEqual([]);
    expect(await rowsOf(theirs)).toEqual([]);
    // Another tenant's lookup does not see this tenant's lists.
    await add(list, { numbers: ['+14155550401'] });
    expect((await lookup('+14155550401', other)).json().lists).toEqual([]);
  });

  it('answers any body with 200 and a result per number, or a 400 naming the field — never a 500', async () => {
    t().clock.set(T0);
    const list = await t().addList('DNC fuzz');
    const number = fc.oneof(
      fc.string({ maxLength: 20 }),
      fc.integer({ min: 0, max: 9999 }).map((n) => `+1415555${String(n).padStart(4, '0')}`),
      fc.integer({ min: 0, max: 9999 }).map((n) => `(415) 555-${String(n).padStart(4, '0')}`),
    );
    const body = fc.oneof(
      fc.record(
        {
          numbers: fc.oneof(fc.array(number, { maxLength: 8 }), fc.anything()),
          expiresAt: fc.oneof(fc.constant('2030-01-01'), fc.constant(null), fc.string(), fc.integer(), fc.anything()),
        },
        { requiredKeys: [] },
      ),
      fc.anything(),
    );
    await fc.assert(
      fc.asyncProperty(body, fc.boolean(), async (b, adding) => {
        const res = adding ? await add(list, b) : await remove(list, b);
        if (res.statusCode === 200) {
          const out = res.json();
          const given = (b as { numbers: unknown[] }).numbers;
          expect(out.results.map((r: { input: string }) => r.input)).toEqual(given);
          expect(Object.values(out.counts as Record<string, number>).reduce((x, y) => x + y, 0)).toBe(given.length);
        } else {
          expect(res.statusCode, res.body).toBe(400);
          expect(expectEnvelope(res, 400).errors[0]?.field).toMatch(/^(numbers|expiresAt|body)/);
        }
      }),
      { numRuns: 60, seed: 14 },
    );
  });

  it('takes the documented maximum of 10,000 numbers in one request', async () => {
    t().clock.set(T0);
    const list = await t().addList('DNC many');
    const numbers = Array.from({ length: 10_000 }, (_, i) => `+1415557${String(i).padStart(4, '0')}`);
    const res = await add(list, { numbers, expiresAt: '2030-01-01' });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json().counts).toMatchObject({ added: 10_000, invalid: 0 });
    expect(await countOf(list)).toBe(10_000);
    const expiries = await t()
      .db.kysely.selectFrom('contacts')
      .innerJoin('contact_lists', 'contact_lists.list_no', 'contacts.list_no')
      .select(['contacts.expires_at'])
      .distinct()
      .where('contact_lists.id', '=', list)
      .execute();
    expect(expiries.map((r) => Number(r.expires_at))).toEqual([Date.parse('2030-01-01T00:00:00Z')]);
    const gone = await remove(list, { numbers });
    expect(gone.json().counts).toMatchObject({ removed: 10_000 });
    expect(await countOf(list)).toBe(0);
  });

  describe('the engine', () => {
    const recordsOf = (campaignId: string) =>
      t()
        .db.kysely.selectFrom('dial_records')
        .select(['phone_e164', 'state', 'attempts', 'final_outcome', 'excluded_reason'])
        .where('campaign_id', '=', campaignId)
        .orderBy('order_key')
        .execute();
    const stopAll = async () => {
      const rows = await t()
        .db.kysely.selectFrom('campaigns')
        .select(['id', 'status'])
        .where('status', 'in', ['Active', 'Paused'])
        .execute();
      for (const r of rows) await trigger(t(), r.id, 'stop');
    };

    it('honours a removal and an expiry at the next dial, and an unexpired entry holds a retry back', async () => {
      await stopAll();
      t().clock.set(T0);
      const contacts = await t().addList('Engine DNC contacts');
      const dncList = await t().addList('Engine DNC list');
      const [A, B, C, D] = ['+14155554201', '+14155554202', '+14155554203', '+14155554204'];
      await addContacts(t(), contacts, [{ phone: A }, { phone: B }, { phone: C }, { phone: D }]);
      // D's entry has expired already when the campaign starts: it does not count at play.
      await add(dncList, { numbers: [D], expiresAt: new Date(T0 + MIN).toISOString() });
      t().clock.set(T0 + 2 * MIN);
      const id = await createCampaign(
        t(),
        { name: 'Engine DNC', contactLists: ['Engine DNC contacts'], dncLists: { name: 'Engine DNC list' } },
        { maxAttemptsPerRecord: 2, defaultRetryPeriod: 10 },
      );
      await trigger(t(), id, 'play');
      const h = engineHarness(t(), { profile: { mix: { 'no-answer': 1 } } });
      await h.step();
      expect(h.started.map((s) => s.req.to)).toEqual([A, B, C, D]);

      // Between the first attempt and the retry: A on for good then removed, B until T0+7m, C until T0+1h.
      t().clock.set(T0 + 3 * MIN);
      await add(dncList, { numbers: [A] });
      await add(dncList, { numbers: [B], expiresAt: new Date(T0 + 7 * MIN).toISOString() });
      await add(dncList, { numbers: [C], expiresAt: new Date(T0 + HOUR).toISOString() });
      expect((await remove(dncList, { numbers: [A] })).json().counts.removed).toBe(1);

      // Not before the retry period, and at it: A (removed) and B (expired) are dialed, C is not.
      t().clock.set(T0 + 6 * MIN);
      await h.step();
      expect(h.started).toHaveLength(4);
      t().clock.set(T0 + 12 * MIN);
      await h.step();
      expect(h.started.slice(4).map((s) => [s.req.to, s.at])).toEqual([
        [A, T0 + 12 * MIN],
        [B, T0 + 12 * MIN],
        [D, T0 + 12 * MIN],
      ]);
      const rows = await recordsOf(id);
      expect(rows.map((r) => [r.phone_e164, r.state, r.attempts, r.final_outcome])).toEqual([
        [A, 'done', 2, 'no-answer'],
        [B, 'done', 2, 'no-answer'],
        // Claimed for its second attempt, found on the list right before the dial: final, never dialed.
        [C, 'done', 2, 'dnc'],
        [D, 'done', 2, 'no-answer'],
      ]);
    });

    it('excludes at play a number whose entry holds, explains its expiry, and the next run dials it once expired', async () => {
      await stopAll();
      t().clock.set(T0);
      const contacts = await t().addList('Expiry run contacts');
      const dncList = await t().addList('Expiry run DNC');
      const [A, B] = ['+14155554301', '+14155554302'];
      await addContacts(t(), contacts, [{ phone: A }, { phone: B }]);
      const until = new Date(T0 + HOUR).toISOString();
      expect((await add(dncList, { numbers: [A], expiresAt: until })).json().counts.added).toBe(1);
      const id = await createCampaign(t(), {
        name: 'Expiry run',
        contactLists: ['Expiry run contacts'],
        dncLists: { name: 'Expiry run DNC' },
      });
      await trigger(t(), id, 'play');
      const h = engineHarness(t(), { profile: { mix: { completed: 1 } } });
      await h.step();
      expect(h.started.map((s) => s.req.to)).toEqual([B]);
      const first = await recordsOf(id);
      expect(first[0]).toMatchObject({ phone_e164: A, final_outcome: 'dnc' });
      expect(first[0]!.excluded_reason).toBe(`on campaign DNC list 'Expiry run DNC' until ${until}`);

      const explain = async () => {
        const res = await t().kore('GET', `/campaign/${id}/contacts/${encodeURIComponent(A)}/explain`);
        expect(res.statusCode, res.body).toBe(200);
        return (res.json().data.rules as { rule: string; detail: string; facts: object }[]).find(
          (r) => r.rule === 'dnc',
        );
      };
      const dncRule = await explain();
      expect(dncRule).toMatchObject({
        ok: false,
        detail: `on campaign DNC list 'Expiry run DNC' until ${until}`,
        facts: { onListNow: dncList, entryExpiresAt: until },
      });

      // Expired: this run keeps the record excluded (final), explain says the next run dials it.
      t().clock.set(T0 + 2 * HOUR);
      await h.step();
      expect(h.started).toHaveLength(1);
      const laterRule = (await explain())!;
      expect(laterRule.detail).toMatch(/no longer holds, so the next run dials it/);
      expect(laterRule.facts).toMatchObject({ onListNow: null, entryExpiresAt: null });

      await stopAll();
      await trigger(t(), id, 'play');
      await h.step();
      expect(h.started.slice(1).map((s) => [s.req.to, s.at])).toEqual([
        [A, T0 + 2 * HOUR],
        [B, T0 + 2 * HOUR],
      ]);
    });
  });
});
