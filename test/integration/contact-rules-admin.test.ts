/**
 * The operator's contact-protection rules (docs/contact-protection.md, "Operator rules"): a bot's
 * frequency caps and rule packs (bot settings), rule packs (shipped and custom) and blackout dates,
 * through the admin API on both dialects, with the stored rows and what the engine's rule source
 * then resolves checked; and `campaignd bots configure|rule-packs|blackouts` as real child
 * processes on a database this test also opens (both dialects too).
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadShippedPacks } from '../../src/domain/rules/rule-pack.js';
import { createSharedDbApp, type SharedDbApp } from '../support/engine-processes.js';
import { expectEnvelope } from '../support/failure-envelope.js';
import { useTestApp, type TestTenant } from '../support/test-app.js';
import { DIALECTS } from '../support/test-db.js';

const ADMIN_TOKEN = 'test-admin-token-contact-rules-0123456789';

/** A valid operator pack; `over` replaces top-level fields. */
const customPack = (id: string, over: Record<string, unknown> = {}) => ({
  id,
  version: '2026-01-01',
  name: `House rules ${id}`,
  appliesTo: { countries: ['US'], regions: ['US-CA'] },
  source: { title: 'Company policy 7', url: 'https://example.com/policy' },
  hours: {
    frequency: 'weekly',
    days: [{ day: 'mo', start: '10:00 AM', end: '6:00 PM' }],
    cite: 'policy 7.1',
  },
  caps: [{ attempts: 2, hours: 48, cite: 'policy 7.2' }],
  holidays: { dates: [{ date: '2026-12-24', name: 'Christmas Eve' }], cite: 'policy 7.3' },
  ...over,
});

describe.each(DIALECTS)('operator contact rules on %s', (dialect) => {
  const t = useTestApp(dialect, { env: { ADMIN_TOKEN } });
  const unique = () => Math.random().toString(36).slice(2, 8);

  function admin(
    method: 'GET' | 'PUT' | 'POST' | 'PATCH' | 'DELETE',
    url: string,
    body?: unknown,
  ): Promise<LightMyRequestResponse> {
    return t().app.inject({
      method,
      url: `/admin/v1${url}`,
      headers: {
        authorization: `Bearer ${ADMIN_TOKEN}`,
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
      },
      ...(body !== undefined ? { payload: JSON.stringify(body) } : {}),
    });
  }
  const patchBot = (body: Record<string, unknown>, tenant: TestTenant = t().tenant) =>
    admin('PATCH', `/bots/${tenant.iid}`, { accountId: tenant.accountId, ...body });
  const showBot = (tenant: TestTenant = t().tenant) =>
    admin('GET', `/bots/${tenant.iid}?accountId=${tenant.accountId}`);
  const storedRules = async (tenant: TestTenant = t().tenant) =>
    (await t().repos.tenancy.findBot(tenant.iid))!.contact_rules;
  const resolved = (tenant: TestTenant = t().tenant) => t().services.contactRules.of(tenant.accountId, tenant.iid);

  describe('bot settings: frequencyCaps and rulePacks', () => {
    it('shows none by default, sets, shows and stores both, keeps them on other changes, and clears each', async () => {
      const other = await t().addTenant();
      const shown = await showBot(other);
      expect(shown.statusCode, shown.body).toBe(200);
      expect(shown.json()).toMatchObject({ frequencyCaps: [], rulePacks: [] });
      expect(await resolved(other)).toEqual({ caps: [], packs: [], blackouts: [] });

      const set = await patchBot(
        {
          frequencyCaps: [
            { attempts: 3, hours: 24 },
            { attempts: 10, hours: 168 },
          ],
          rulePacks: ['us-federal', 'us-fl'],
        },
        other,
      );
      expect(set.statusCode, set.body).toBe(200);
      expect(set.json()).toMatchObject({
        accountId: other.accountId,
        iid: other.iid,
        frequencyCaps: [
          { attempts: 3, hours: 24 },
          { attempts: 10, hours: 168 },
        ],
        rulePacks: ['us-federal', 'us-fl'],
      });
      expect((await showBot(other)).json()).toEqual(set.json());
      expect(JSON.parse((await storedRules(other))!)).toEqual({
        frequencyCaps: [
          { attempts: 3, hours: 24 },
          { attempts: 10, hours: 168 },
        ],
        rulePacks: ['us-federal', 'us-fl'],
      });
      // The engine's source sees the change at once (the bot-change callback cleared its cache).
      const rules = await resolved(other);
      expect(rules.caps).toEqual([
        { attempts: 3, hours: 24, source: 'bot' },
        { attempts: 10, hours: 168, source: 'bot' },
      ]);
      expect(rules.packs.map((p) => p.id)).toEqual(['us-federal', 'us-fl']);

      // Another field alone leaves them as they are.
      const country = await patchBot({ defaultCountry: 'CA' }, other);
      expect(country.json()).toMatchObject({ defaultCountry: 'CA', rulePacks: ['us-federal', 'us-fl'] });
      expect(country.json().frequencyCaps).toHaveLength(2);

      // null clears the caps, [] the packs; nothing left: the column is null again.
      const noCaps = await patchBot({ frequencyCaps: null }, other);
      expect(noCaps.statusCode, noCaps.body).toBe(200);
      expect(noCaps.json()).toMatchObject({ frequencyCaps: [], rulePacks: ['us-federal', 'us-fl'] });
      expect(JSON.parse((await storedRules(other))!)).toEqual({
        frequencyCaps: [],
        rulePacks: ['us-federal', 'us-fl'],
      });
      const noPacks = await patchBot({ rulePacks: [] }, other);
      expect(noPacks.json()).toMatchObject({ frequencyCaps: [], rulePacks: [] });
      expect(await storedRules(other)).toBeNull();
      expect(await resolved(other)).toEqual({ caps: [], packs: [], blackouts: [] });
    });

    it('refuses bad caps and unknown, repeated or too many packs with a 400 naming the field, and writes nothing', async () => {
      const keep = { frequencyCaps: [{ attempts: 5, hours: 24 }], rulePacks: ['us-federal'] };
      expect((await patchBot(keep)).statusCode).toBe(200);
      const caps = (n: number) => Array.from({ length: n }, (_, i) => ({ attempts: i + 1, hours: 24 }));
      const packIds = loadShippedPacks().map((p) => p.id);
      const cases: [Record<string, unknown>, string, string | RegExp][] = [
        [
          { frequencyCaps: [{ attempts: 0, hours: 24 }] },
          'frequencyCaps[0].attempts',
          /^frequencyCaps\[0\]\.attempts: /,
        ],
        [
          { frequencyCaps: [{ attempts: 1001, hours: 24 }] },
          'frequencyCaps[0].attempts',
          /^frequencyCaps\[0\]\.attempts/,
        ],
        [{ frequencyCaps: [{ attempts: 1, hours: 8761 }] }, 'frequencyCaps[0].hours', /^frequencyCaps\[0\]\.hours: /],
        [{ frequencyCaps: [{ attempts: 1, hours: 2.5 }] }, 'frequencyCaps[0].hours', /^frequencyCaps\[0\]\.hours: /],
        [{ frequencyCaps: [{ attempts: 1 }] }, 'frequencyCaps[0].hours', 'frequencyCaps[0].hours: is required'],
        [{ frequencyCaps: caps(11) }, 'frequencyCaps', /^frequencyCaps: /],
        [
          { rulePacks: ['us-federal', 'no-such-pack'] },
          'rulePacks[1]',
          'rulePacks[1]: "no-such-pack" is not a rule pack (GET /admin/v1/rule-packs, campaignd rule-packs list)',
        ],
        [{ rulePacks: ['us-fl', 'us-fl'] }, 'rulePacks[1]', "rulePacks[1]: 'us-fl' is listed twice"],
        [{ rulePacks: [...packIds, ...Array.from({ length: 21 }, (_, i) => `p-${i}`)] }, 'rulePacks', /^rulePacks: /],
        [{ rulePacks: 'us-fl' }, 'rulePacks', /^rulePacks: /],
      ];
      for (const [body, field, message] of cases) {
        // With a valid change beside it: a refused request writes nothing at all.
        const res = await patchBot({ ...body, defaultCountry: 'DE' });
        const failure = expectEnvelope(res, 400);
        expect(failure.errors[0], JSON.stringify(body)).toMatchObject({ code: 'VALIDATION_ERROR', field });
        if (typeof message === 'string') expect(failure.message, JSON.stringify(body)).toBe(message);
        else expect(failure.message, JSON.stringify(body)).toMatch(message);
      }
      expect(JSON.parse((await storedRules())!)).toEqual(keep);
      expect((await t().repos.tenancy.findBot(t().tenant.iid))!.default_country).toBe('US');

      // The use case itself (what the CLI calls, without the HTTP schema) says the same.
      const direct = (over: Record<string, unknown>) =>
        t().services.admin.configureBot({ accountId: t().tenant.accountId, iid: t().tenant.iid, ...over });
      await expect(direct({ frequencyCaps: [{ attempts: 0, hours: 24 }] })).rejects.toMatchObject({
        status: 400,
        field: 'frequencyCaps[0].attempts',
        message: 'frequencyCaps[0].attempts: must be a whole number from 1 to 1000',
      });
      await expect(direct({ frequencyCaps: [{ attempts: 1, hours: 9000 }] })).rejects.toMatchObject({
        field: 'frequencyCaps[0].hours',
        message: 'frequencyCaps[0].hours: must be a whole number of hours from 1 to 8760',
      });
      await expect(direct({ frequencyCaps: caps(11) })).rejects.toMatchObject({ field: 'frequencyCaps' });
      await expect(direct({ rulePacks: Array.from({ length: 21 }, () => 'us-fl') })).rejects.toMatchObject({
        field: 'rulePacks',
      });
      expect(JSON.parse((await storedRules())!)).toEqual(keep);
      await patchBot({ frequencyCaps: null, rulePacks: null });
    });

    it('is 404 for a bot of another account', async () => {
      const other = await t().addTenant();
      const res = await admin('PATCH', `/bots/${other.iid}`, {
        accountId: t().tenant.accountId,
        rulePacks: ['us-fl'],
      });
      expectEnvelope(res, 404);
      expect(await storedRules(other)).toBeNull();
    });
  });

  describe('rule packs', () => {
    it('lists every shipped pack as built in, with the bots that chose it, and shows a whole pack', async () => {
      const other = await t().addTenant();
      expect((await patchBot({ rulePacks: ['us-fl'] }, other)).statusCode).toBe(200);
      const res = await admin('GET', '/rule-packs');
      expect(res.statusCode, res.body).toBe(200);
      const { results } = res.json() as { results: Record<string, unknown>[] };
      const shipped = loadShippedPacks();
      expect(results.slice(0, shipped.length).map((p) => p.id)).toEqual(shipped.map((p) => p.id));
      const fl = results.find((p) => p.id === 'us-fl')!;
      const flPack = shipped.find((p) => p.id === 'us-fl')!;
      expect(fl).toEqual({
        id: 'us-fl',
        version: flPack.version,
        name: flPack.name,
        source: flPack.source,
        appliesTo: { countries: ['US'], regions: ['US-FL'] },
        builtIn: true,
        usedBy: [other.iid],
      });
      expect(results.find((p) => p.id === 'us-federal')).toMatchObject({ builtIn: true, usedBy: [] });

      const whole = await admin('GET', '/rule-packs/us-fl');
      expect(whole.statusCode, whole.body).toBe(200);
      // The file as shipped, field for field.
      expect(whole.json()).toEqual(JSON.parse(fs.readFileSync('rules/packs/us-fl.json', 'utf8')));

      expectEnvelope(await admin('GET', '/rule-packs/no-such-pack'), 404);
      await patchBot({ rulePacks: null }, other);
    });

    it('creates a custom pack (201), shows it, replaces it (200), and a bot may choose it', async () => {
      const id = `acme-${unique()}`;
      const created = await admin('PUT', `/rule-packs/${id}`, customPack(id));
      expect(created.statusCode, created.body).toBe(201);
      // Stored and shown canonical: enumerations upper case.
      const canonical = {
        ...customPack(id),
        hours: { frequency: 'WEEKLY', days: [{ day: 'MO', start: '10:00 AM', end: '6:00 PM' }], cite: 'policy 7.1' },
      };
      expect(created.json()).toEqual(canonical);
      expect((await admin('GET', `/rule-packs/${id}`)).json()).toEqual(canonical);
      const row = await t()
        .db.kysely.selectFrom('rule_packs')
        .selectAll()
        .where('id', '=', id)
        .executeTakeFirstOrThrow();
      expect(row.version).toBe('2026-01-01');
      expect(JSON.parse(row.body)).toEqual(canonical);
      expect(Number(row.created_at)).toBe(t().clock.now());
      const listed = (await admin('GET', '/rule-packs')).json().results as Record<string, unknown>[];
      expect(listed.find((p) => p.id === id)).toEqual({
        id,
        version: '2026-01-01',
        name: `House rules ${id}`,
        source: { title: 'Company policy 7', url: 'https://example.com/policy' },
        appliesTo: { countries: ['US'], regions: ['US-CA'] },
        builtIn: false,
        usedBy: [],
      });

      const replaced = await admin('PUT', `/rule-packs/${id}`, customPack(id, { version: '2026-02-01', caps: [] }));
      expect(replaced.statusCode, replaced.body).toBe(200);
      expect(replaced.json()).toMatchObject({ id, version: '2026-02-01', caps: [] });
      expect((await admin('GET', `/rule-packs/${id}`)).json()).toMatchObject({ version: '2026-02-01', caps: [] });
      const rows = await t().db.kysely.selectFrom('rule_packs').selectAll().where('id', '=', id).execute();
      expect(rows.map((r) => r.version)).toEqual(['2026-02-01']);

      const chosen = await patchBot({ rulePacks: ['us-federal', id] });
      expect(chosen.statusCode, chosen.body).toBe(200);
      expect((await resolved()).packs.map((p) => [p.id, p.version])).toEqual([
        ['us-federal', expect.any(String)],
        [id, '2026-02-01'],
      ]);
      await patchBot({ rulePacks: null });
    });

    it('refuses a body whose id differs from the path, an invalid pack naming the field, and a shipped id (409)', async () => {
      const id = `bad-${unique()}`;
      const mismatch = expectEnvelope(await admin('PUT', `/rule-packs/${id}`, customPack('other-id')), 400);
      expect(mismatch.errors[0]).toMatchObject({ field: 'id', code: 'VALIDATION_ERROR' });
      expect(mismatch.message).toBe(`id: the pack's id "other-id" must equal the id in the path, '${id}'`);
      const noId = expectEnvelope(await admin('PUT', `/rule-packs/${id}`, { name: 'x' }), 400);
      expect(noId.errors[0]).toMatchObject({ field: 'id' });

      const invalid: [Record<string, unknown>, string, string][] = [
        [
          { hours: { frequency: 'WEEKLY', days: [{ day: 'MO', start: '25:00', end: '6:00 PM' }], cite: 'c' } },
          'hours.days[0].start',
          'hours.days[0].start: must be a time of day h:mm AM/PM, e.g. "8:00 AM"',
        ],
        [{ caps: [{ attempts: 0, hours: 24, cite: 'c' }] }, 'caps[0].attempts', 'caps[0].attempts: must be at least 1'],
        [{ holiday: [] }, 'holiday', 'holiday: is not a known field'],
        [{ version: '' }, 'version', expect.stringMatching(/^version: is required/) as unknown as string],
        [
          { appliesTo: { countries: ['us'] } },
          'appliesTo.countries[0]',
          expect.stringMatching(/^appliesTo\.countries\[0\]: /) as unknown as string,
        ],
      ];
      for (const [over, field, message] of invalid) {
        const failure = expectEnvelope(await admin('PUT', `/rule-packs/${id}`, customPack(id, over)), 400);
        expect(failure.errors[0], JSON.stringify(over)).toMatchObject({ field, code: 'INVALID_RULE_PACK' });
        expect(failure.message, JSON.stringify(over)).toEqual(message);
      }
      expectEnvelope(await admin('PUT', `/rule-packs/${id}`, [customPack(id)]), 400);
      expectEnvelope(await admin('GET', `/rule-packs/${id}`), 404);
      expect(await t().db.kysely.selectFrom('rule_packs').selectAll().where('id', '=', id).execute()).toEqual([]);

      const flFile = JSON.parse(fs.readFileSync('rules/packs/us-fl.json', 'utf8')) as Record<string, unknown>;
      const shipped = expectEnvelope(
        await admin('PUT', '/rule-packs/us-fl', { ...flFile, version: '2099-01-01' }),
        409,
      );
      expect(shipped.message).toBe(
        'us-fl is a shipped rule pack: shipped packs cannot be replaced; copy it under a new id',
      );
      expect(shipped.errors[0]).toMatchObject({ code: 'CONFLICT', field: 'id' });
      expect((await admin('GET', '/rule-packs/us-fl')).json()).toMatchObject({ version: flFile.version });
    });

    it('deletes a custom pack (204): 404 unknown, 409 shipped, 409 while a bot uses it naming the bots', async () => {
      const id = `gone-${unique()}`;
      expect((await admin('PUT', `/rule-packs/${id}`, customPack(id))).statusCode).toBe(201);
      const [a, b] = [await t().addTenant(), await t().addTenant()];
      expect((await patchBot({ rulePacks: [id] }, a)).statusCode).toBe(200);
      expect((await patchBot({ rulePacks: ['us-federal', id] }, b)).statusCode).toBe(200);

      expectEnvelope(await admin('DELETE', `/rule-packs/none-${unique()}`), 404);
      const shipped = expectEnvelope(await admin('DELETE', '/rule-packs/us-federal'), 409);
      expect(shipped.message).toBe('us-federal is a shipped rule pack: shipped packs cannot be deleted');
      const used = expectEnvelope(await admin('DELETE', `/rule-packs/${id}`), 409);
      const bots = [a.iid, b.iid].sort();
      expect(used.message).toBe(
        `Rule pack ${id} is used by bots ${bots.join(', ')}; take it off their rulePacks first`,
      );
      expect((await admin('GET', '/rule-packs')).json().results.find((p: { id: string }) => p.id === id)).toMatchObject(
        { usedBy: bots },
      );

      await patchBot({ rulePacks: null }, a);
      const stillB = expectEnvelope(await admin('DELETE', `/rule-packs/${id}`), 409);
      expect(stillB.message).toBe(`Rule pack ${id} is used by bot ${b.iid}; take it off their rulePacks first`);
      await patchBot({ rulePacks: ['us-federal'] }, b);

      const deleted = await admin('DELETE', `/rule-packs/${id}`);
      expect(deleted.statusCode, deleted.body).toBe(204);
      expect(deleted.body).toBe('');
      expectEnvelope(await admin('GET', `/rule-packs/${id}`), 404);
      expect(await t().db.kysely.selectFrom('rule_packs').selectAll().where('id', '=', id).execute()).toEqual([]);
      expectEnvelope(await admin('DELETE', `/rule-packs/${id}`), 404);
      // And a bot can no longer choose it.
      expect(expectEnvelope(await patchBot({ rulePacks: [id] }, a), 400).errors[0]).toMatchObject({
        field: 'rulePacks[0]',
      });
    });
  });

  describe('blackouts', () => {
    const list = (tenant: Pick<TestTenant, 'accountId'> & { iid?: string }) =>
      admin(
        'GET',
        `/blackouts?${new URLSearchParams({ accountId: tenant.accountId, ...(tenant.iid ? { iid: tenant.iid } : {}) })}`,
      );

    it('adds account-wide and per-bot blackouts, lists them (per bot: its own and the account-wide), removes them', async () => {
      const ten = await t().addTenant();
      // A second bot of the same account.
      const iid2 = `st-${unique()}-second`;
      await t().services.admin.createApp({ accountId: ten.accountId, iid: iid2 });

      const wide = await admin('POST', '/blackouts', {
        accountId: ten.accountId,
        name: ' Company holiday ',
        from: '2026-12-24',
        to: '2026-12-26',
      });
      expect(wide.statusCode, wide.body).toBe(201);
      const w = wide.json();
      expect(w).toEqual({
        id: expect.stringMatching(/^blk-[0-9a-f-]{36}$/),
        accountId: ten.accountId,
        iid: null,
        name: 'Company holiday',
        from: '2026-12-24',
        to: '2026-12-26',
        createdAt: new Date(t().clock.now()).toISOString(),
      });
      const one = await admin('POST', '/blackouts', {
        accountId: ten.accountId,
        iid: ten.iid,
        name: 'Stocktake',
        from: '2026-07-01',
      });
      expect(one.statusCode, one.body).toBe(201);
      const o = one.json();
      expect(o).toMatchObject({ iid: ten.iid, from: '2026-07-01', to: '2026-07-01' });

      const all = await list(ten);
      expect(all.statusCode, all.body).toBe(200);
      expect(all.json()).toEqual({ results: [o, w] });
      expect((await list({ ...ten, iid: ten.iid })).json()).toEqual({ results: [o, w] });
      expect((await list({ accountId: ten.accountId, iid: iid2 })).json()).toEqual({ results: [w] });
      // Another account sees none of them.
      expect((await list(t().tenant)).json().results.map((b: { id: string }) => b.id)).not.toContain(w.id);

      const rows = await t().db.kysely.selectFrom('blackouts').selectAll().where('id', '=', w.id).execute();
      expect(rows.map((r) => ({ ...r, created_at: Number(r.created_at) }))).toEqual([
        {
          id: w.id,
          account_id: ten.accountId,
          bot_id: null,
          name: 'Company holiday',
          from_date: '2026-12-24',
          to_date: '2026-12-26',
          created_at: t().clock.now(),
        },
      ]);
      // The engine's source sees them at once.
      expect((await resolved(ten)).blackouts).toEqual([
        { id: o.id, name: 'Stocktake', from: '2026-07-01', to: '2026-07-01' },
        { id: w.id, name: 'Company holiday', from: '2026-12-24', to: '2026-12-26' },
      ]);

      // Removing needs the owning account.
      expectEnvelope(await admin('DELETE', `/blackouts/${w.id}?accountId=${t().tenant.accountId}`), 404);
      const removed = await admin('DELETE', `/blackouts/${w.id}?accountId=${ten.accountId}`);
      expect(removed.statusCode, removed.body).toBe(204);
      expect((await list(ten)).json()).toEqual({ results: [o] });
      expect((await resolved(ten)).blackouts.map((b) => b.id)).toEqual([o.id]);
      expectEnvelope(await admin('DELETE', `/blackouts/${w.id}?accountId=${ten.accountId}`), 404);
      expectEnvelope(await admin('DELETE', `/blackouts/blk-nope?accountId=${ten.accountId}`), 404);
    });

    it('refuses bad dates, a reversed or too long range, a bad name, naming the field; 404 for a foreign bot or unknown account', async () => {
      const ten = await t().addTenant();
      const base = { accountId: ten.accountId, name: 'Holiday', from: '2026-12-24' };
      const cases: [Record<string, unknown>, number, string | undefined, string | RegExp][] = [
        [{ from: '2026-02-30' }, 400, 'from', 'from: must be a calendar date YYYY-MM-DD, e.g. 2026-12-24'],
        [{ from: '24/12/2026' }, 400, 'from', /^from: /],
        [{ to: '2026-13-01' }, 400, 'to', /^to: must be a calendar date/],
        [{ to: '2026-12-23' }, 400, 'to', 'to: 2026-12-23 is before from (2026-12-24)'],
        [
          { from: '2026-01-01', to: '2027-01-02' },
          400,
          'to',
          'to: a blackout spans at most 366 days (2026-01-01 to 2027-01-02 is 367)',
        ],
        [{ name: '   ' }, 400, 'name', 'name must be 1-100 characters'],
        [{ name: 'x'.repeat(101) }, 400, 'name', 'name must be 1-100 characters'],
        [{ name: undefined }, 400, 'name', 'name: is required'],
        [{ from: undefined }, 400, 'from', 'from: is required'],
        [{ iid: t().tenant.iid }, 404, undefined, `Bot ${t().tenant.iid} in account ${ten.accountId} not found`],
        [{ iid: 'not-a-bot' }, 400, 'iid', 'iid must look like st-<id>'],
        [{ accountId: `nobody${unique()}` }, 404, undefined, /^Account nobody\w+ not found$/],
        [{ accountId: 'bad account!' }, 400, 'accountId', /^accountId must be/],
      ];
      for (const [over, status, field, message] of cases) {
        const failure = expectEnvelope(await admin('POST', '/blackouts', { ...base, ...over }), status);
        if (field) expect(failure.errors[0], JSON.stringify(over)).toMatchObject({ field });
        if (typeof message === 'string') expect(failure.message, JSON.stringify(over)).toBe(message);
        else expect(failure.message, JSON.stringify(over)).toMatch(message);
      }
      expect((await list(ten)).json()).toEqual({ results: [] });

      // 366 days (a leap year, both ends included) is the longest.
      const leap = await admin('POST', '/blackouts', { ...base, from: '2028-01-01', to: '2028-12-31' });
      expect(leap.statusCode, leap.body).toBe(201);
      expectEnvelope(await list({ accountId: `nobody${unique()}` }), 404);
      expectEnvelope(await list({ accountId: ten.accountId, iid: t().tenant.iid }), 404);
    });
  });
});

// -------------------------------------------------------------------------------------------------
// The CLI

const ROOT = path.resolve(import.meta.dirname, '../..');
/** Child processes start slowly on a busy machine; a deadline, never a sleep. */
const DEADLINE_MS = 120_000;
const SLOW = 300_000;

describe.each(DIALECTS)('campaignd bots configure|rule-packs|blackouts on %s', (dialect) => {
  let s: SharedDbApp;
  let dir: string;

  beforeAll(async () => {
    s = await createSharedDbApp(dialect);
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'campaignd-rules-cli-'));
  });
  afterAll(async () => {
    await s?.dispose();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  function cli(...args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
    return new Promise((resolve, reject) => {
      const env = { PATH: process.env.PATH, HOME: process.env.HOME, LOG_LEVEL: 'silent', ...s.childDbEnv };
      const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/index.ts', ...args], {
        cwd: ROOT,
        env,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stdout = '';
      let stderr = '';
      child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
      child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        reject(new Error(`campaignd ${args.join(' ')}: no exit within ${DEADLINE_MS} ms\n${stdout}\n${stderr}`));
      }, DEADLINE_MS);
      child.on('close', (code) => {
        clearTimeout(timer);
        resolve({ code, stdout, stderr });
      });
    });
  }
  const json = (r: { code: number | null; stdout: string; stderr: string }) => {
    expect(r.stderr, r.stderr).toBe('');
    expect(r.code).toBe(0);
    return JSON.parse(r.stdout) as Record<string, unknown>;
  };
  const bot = () => ['--account-id', s.tenant.accountId, '--iid', s.tenant.iid];

  it(
    'bots configure sets caps and packs from the option strings, clears them with none, and refuses bad ones',
    { timeout: SLOW },
    async () => {
      const set = json(
        await cli(
          'bots',
          'configure',
          ...bot(),
          '--frequency-caps',
          '3/24h, 10/7d',
          '--rule-packs',
          'us-federal,us-fl',
          '--json',
        ),
      );
      expect(set).toMatchObject({
        frequencyCaps: [
          { attempts: 3, hours: 24 },
          { attempts: 10, hours: 168 },
        ],
        rulePacks: ['us-federal', 'us-fl'],
      });
      expect(JSON.parse((await s.repos.tenancy.findBot(s.tenant.iid))!.contact_rules!)).toEqual({
        frequencyCaps: [
          { attempts: 3, hours: 24 },
          { attempts: 10, hours: 168 },
        ],
        rulePacks: ['us-federal', 'us-fl'],
      });

      const [shown, badFormat, unknownPack, outOfRange] = await Promise.all([
        cli('bots', 'show', ...bot(), '--json'),
        cli('bots', 'configure', ...bot(), '--frequency-caps', '3 per day'),
        cli('bots', 'configure', ...bot(), '--rule-packs', 'us-fl,nope'),
        cli('bots', 'configure', ...bot(), '--frequency-caps', '0/24h'),
      ]);
      expect(json(shown)).toEqual(set);
      expect(badFormat.code).toBe(1);
      expect(badFormat.stderr).toContain("expected caps like 3/24h,10/7d (attempts/hours or days) or 'none'");
      expect(unknownPack).toEqual({
        code: 1,
        stdout: '',
        stderr:
          'campaignd: rulePacks[1]: "nope" is not a rule pack (GET /admin/v1/rule-packs, campaignd rule-packs list)\n',
      });
      expect(outOfRange).toEqual({
        code: 1,
        stdout: '',
        stderr: 'campaignd: frequencyCaps[0].attempts: must be a whole number from 1 to 1000\n',
      });

      const cleared = json(
        await cli('bots', 'configure', ...bot(), '--frequency-caps', 'none', '--rule-packs', 'none', '--json'),
      );
      expect(cleared).toMatchObject({ frequencyCaps: [], rulePacks: [] });
      expect((await s.repos.tenancy.findBot(s.tenant.iid))!.contact_rules).toBeNull();

      const help = await cli('bots', 'configure', '--help');
      expect(help.stdout).toContain('--frequency-caps <caps>');
      expect(help.stdout).toContain('--rule-packs <ids>');
    },
  );

  it('rule-packs add|list|show|remove', { timeout: SLOW }, async () => {
    const id = `cli-${Math.random().toString(36).slice(2, 8)}`;
    const file = path.join(dir, `${id}.json`);
    fs.writeFileSync(file, JSON.stringify(customPack(id)));
    const added = await cli('rule-packs', 'add', file);
    expect(added.stderr).toBe('');
    expect(added.code).toBe(0);
    expect(added.stdout).toBe(`id       ${id}\nversion  2026-01-01\nname     House rules ${id}\nresult   created\n`);
    fs.writeFileSync(file, JSON.stringify(customPack(id, { version: '2026-03-01' })));
    expect(json(await cli('rule-packs', 'add', file, '--json'))).toEqual({
      id,
      version: '2026-03-01',
      name: `House rules ${id}`,
      result: 'replaced',
    });

    const badFile = path.join(dir, 'bad.json');
    fs.writeFileSync(badFile, JSON.stringify(customPack('bad-one', { caps: [{ attempts: 1, hours: 0, cite: 'c' }] })));
    const shippedFile = path.join(dir, 'us-fl.json');
    fs.copyFileSync(path.join(ROOT, 'rules/packs/us-fl.json'), shippedFile);
    const notJson = path.join(dir, 'not.json');
    fs.writeFileSync(notJson, '{ nope');

    expect(json(await cli('bots', 'configure', ...bot(), '--rule-packs', id, '--json'))).toMatchObject({
      rulePacks: [id],
    });
    const [listed, listedJson, shown, bad, shipped, broken, used] = await Promise.all([
      cli('rule-packs', 'list'),
      cli('rule-packs', 'list', '--json'),
      cli('rule-packs', 'show', id, '--json'),
      cli('rule-packs', 'add', badFile),
      cli('rule-packs', 'add', shippedFile),
      cli('rule-packs', 'add', notJson),
      cli('rule-packs', 'remove', id),
    ]);
    expect(listed.code, listed.stderr).toBe(0);
    expect(listed.stdout).toContain(`${id}  2026-03-01  custom  House rules ${id}  used by ${s.tenant.iid}\n`);
    expect(listed.stdout).toMatch(/^us-fl {2}2021-07-01 {2}shipped {2}Florida/m);
    const results = json(listedJson).results as { id: string; builtIn: boolean }[];
    expect(results.find((p) => p.id === id)).toMatchObject({ builtIn: false, usedBy: [s.tenant.iid] });
    expect(json(shown)).toMatchObject({ id, version: '2026-03-01', hours: { frequency: 'WEEKLY' } });
    expect(bad).toEqual({ code: 1, stdout: '', stderr: 'campaignd: caps[0].hours: must be at least 1\n' });
    expect(shipped).toEqual({
      code: 1,
      stdout: '',
      stderr: 'campaignd: us-fl is a shipped rule pack: shipped packs cannot be replaced; copy it under a new id\n',
    });
    expect(broken.code).toBe(1);
    expect(broken.stderr).toMatch(new RegExp(`^campaignd: ${notJson.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: `));
    expect(used).toEqual({
      code: 1,
      stdout: '',
      stderr: `campaignd: Rule pack ${id} is used by bot ${s.tenant.iid}; take it off their rulePacks first\n`,
    });

    json(await cli('bots', 'configure', ...bot(), '--rule-packs', 'none', '--json'));
    expect(json(await cli('rule-packs', 'remove', id, '--json'))).toEqual({ id, result: 'removed' });
    expect(await s.db.kysely.selectFrom('rule_packs').selectAll().where('id', '=', id).execute()).toEqual([]);
    const gone = await cli('rule-packs', 'show', id);
    expect(gone).toEqual({ code: 1, stdout: '', stderr: `campaignd: Rule pack ${id} not found\n` });
  });

  it('blackouts add|list|remove', { timeout: SLOW }, async () => {
    const acct = ['--account-id', s.tenant.accountId];
    const wide = json(
      await cli(
        'blackouts',
        'add',
        ...acct,
        '--name',
        'Company holiday',
        '--from',
        '2026-12-24',
        '--to',
        '2026-12-26',
        '--json',
      ),
    );
    expect(wide).toMatchObject({ accountId: s.tenant.accountId, iid: null, from: '2026-12-24', to: '2026-12-26' });
    const own = await cli('blackouts', 'add', ...bot(), '--name', 'Stocktake', '--from', '2026-07-01');
    expect(own.code, own.stderr).toBe(0);
    const ownId = /^id +(blk-\S+)$/m.exec(own.stdout)![1]!;
    expect(own.stdout).toContain(`iid        ${s.tenant.iid}\n`);

    const [listed, listedJson, reversed, foreign] = await Promise.all([
      cli('blackouts', 'list', ...acct),
      cli('blackouts', 'list', ...bot(), '--json'),
      cli('blackouts', 'add', ...acct, '--name', 'Oops', '--from', '2026-05-02', '--to', '2026-05-01'),
      cli('blackouts', 'remove', 'blk-unknown', ...acct),
    ]);
    expect(listed.stdout).toBe(
      `${ownId}  2026-07-01  ${s.tenant.iid}  Stocktake\n${wide.id as string}  2026-12-24..2026-12-26  every bot  Company holiday\n`,
    );
    expect((json(listedJson).results as { id: string }[]).map((b) => b.id)).toEqual([ownId, wide.id]);
    expect(reversed).toEqual({
      code: 1,
      stdout: '',
      stderr: 'campaignd: to: 2026-05-01 is before from (2026-05-02)\n',
    });
    expect(foreign).toEqual({ code: 1, stdout: '', stderr: 'campaignd: Blackout blk-unknown not found\n' });

    expect(json(await cli('blackouts', 'remove', ownId, ...acct, '--json'))).toEqual({ id: ownId, result: 'removed' });
    const rows = await s.db.kysely
      .selectFrom('blackouts')
      .select('id')
      .where('account_id', '=', s.tenant.accountId)
      .execute();
    expect(rows.map((r) => r.id)).toEqual([wide.id]);
  });
});
