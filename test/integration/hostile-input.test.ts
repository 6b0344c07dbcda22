/**
 * Text no endpoint can store or compare is refused with a 400 naming its field, wherever it comes
 * from — path, query, body, token — and before anything looks it up, on both dialects (PostgreSQL
 * failed with a 500 on a NUL; SQLite stored it). So are names that display as something else,
 * dates read leniently, and paging past any sane bound.
 */
import { describe, expect, it } from 'vitest';
import { buildApp } from '../../src/app.js';
import { signHs256 } from '../../src/domain/tenancy/jwt.js';
import { agentlessSample } from '../fixtures/kore-samples.js';
import { ALWAYS, addContacts, createCampaign, trigger } from '../support/engine-harness.js';
import { captureLogs } from '../support/captured-logs.js';
import { expectEnvelope } from '../support/failure-envelope.js';
import { useTestApp } from '../support/test-app.js';
import { DIALECTS } from '../support/test-db.js';

const ADMIN_TOKEN = 'hostile-input-admin-token';
const NUL = '\u0000';
const LONE = '\ud800';
const RLO = '\u202e';

describe.each(DIALECTS)('hostile input on %s', (dialect) => {
  const t = useTestApp(dialect, { env: { ADMIN_TOKEN } });

  const campaignBody = (over: Record<string, unknown> = {}) => ({
    ...agentlessSample,
    dialingStrategy: { ...agentlessSample.dialingStrategy, callingHours: ALWAYS },
    ...over,
  });

  it('refuses a NUL or a lone surrogate in a path id or the query with a 400 naming it', async () => {
    for (const [path, field] of [
      [`/campaign/cd-x${encodeURIComponent(NUL)}`, 'campaignId'],
      [`/campaign/contactList/cl-x${encodeURIComponent(NUL)}`, 'contactListId'],
      [`/campaign/cd-x%ED%A0%80`, undefined], // %ED%A0%80 is not UTF-8: a lone surrogate's bytes
    ] as const) {
      const res = await t().kore('GET', path);
      const body = expectEnvelope(res, 400);
      if (field) expect(body.errors[0]).toMatchObject({ field, code: 'VALIDATION_ERROR' });
    }
    const q = await t().kore('POST', '/campaign/getAllCampaignDetails', {}, { query: { accountId: `a${NUL}` } });
    expect(expectEnvelope(q, 400).errors[0]).toMatchObject({ field: 'accountId' });
    const admin = await t().app.inject({
      method: 'GET',
      url: `/admin/v1/imports/imp-x${encodeURIComponent(NUL)}`,
      headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
    });
    expect(expectEnvelope(admin, 400).errors[0]).toMatchObject({ field: 'id' });
    // A query escape that does not decode would otherwise reach the handler as its raw text.
    for (const query of ['accountId=%ED%A0%80', 'accountId=50%', 'x=%zz&accountId=a']) {
      const raw = await t().kore('POST', `/campaign/getAllCampaignDetails?${query}`, {});
      expect(expectEnvelope(raw, 400).errors[0]).toMatchObject({ code: 'BAD_URL' });
    }
  });

  it('refuses a NUL or a lone surrogate anywhere in a JSON body, keys included, with a 400 naming the field, and stores nothing', async () => {
    const cases: [unknown, string][] = [
      [campaignBody({ name: `Bad${NUL}name` }), 'name'],
      [campaignBody({ name: `Bad${LONE}name` }), 'name'],
      [campaignBody({ description: `x${NUL}` }), 'description'],
      [
        campaignBody({
          dialingStrategy: { ...agentlessSample.dialingStrategy, callingHours: { ...ALWAYS, timezone: `UTC${NUL}` } },
        }),
        'dialingStrategy.callingHours.timezone',
      ],
      [{ ...campaignBody(), [`x${NUL}`]: 1 }, 'body'],
    ];
    for (const [body, field] of cases) {
      // JSON.stringify writes a lone surrogate as the escape \ud800, as a hostile client would.
      const res = await t().kore('POST', '/campaign?campaignType=voice', JSON.stringify(body));
      const env = expectEnvelope(res, 400);
      expect(env.errors[0]!.field, JSON.stringify(body).slice(0, 80)).toBe(field);
    }
    const list = await t().kore('POST', '/campaign/contactList/createContactList', { name: `List${NUL}` });
    expect(expectEnvelope(list, 400).errors[0]).toMatchObject({ field: 'name' });
    const contacts = await t().kore('POST', '/campaign/contactList/addContacts', {
      contact_list_name: 'Recent Buyers - Q2 2025',
      data: [{ phoneNumber: '+14155550100' }, { phoneNumber: '+14155550101', firstName: `A${LONE}` }],
    });
    expect(expectEnvelope(contacts, 400).errors[0]).toMatchObject({ field: 'data[1].firstName' });
    const stored = await t()
      .db.kysely.selectFrom('campaigns')
      .select('name')
      .where('account_id', '=', t().tenant.accountId)
      .execute();
    expect(stored.filter((c) => c.name.startsWith('Bad'))).toEqual([]);
  });

  it('refuses bidirectional overrides and control characters in names people read', async () => {
    const campaign = await t().kore(
      'POST',
      '/campaign?campaignType=voice',
      campaignBody({ name: `Invoice${RLO}fdp.exe` }),
    );
    expect(expectEnvelope(campaign, 400).errors[0]).toMatchObject({ field: 'name' });
    expect(campaign.json().message).toContain('bidirectional');
    const list = await t().kore('POST', '/campaign/contactList/createContactList', { name: 'Two\nlines' });
    expect(expectEnvelope(list, 400).errors[0]).toMatchObject({ field: 'name' });
    const { accountId, iid } = t().tenant;
    for (const path of ['/flows', '/queues', '/templates', '/apps']) {
      const res = await t().app.inject({
        method: 'POST',
        url: `/admin/v1${path}`,
        headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
        payload: { accountId, iid, name: `x\u2066y`, channel: 'voice', message: 'm' },
      });
      expect(expectEnvelope(res, 400).errors[0], path).toMatchObject({ field: 'name' });
    }
    // Right-to-left text itself is fine: only the invisible controls are refused.
    const hebrew = await t().kore('POST', '/campaign/contactList/createContactList', { name: 'רשימת לקוחות' });
    expect(hebrew.statusCode, hebrew.body).toBe(200);
  });

  it('reads startDate and endDate as ISO 8601 only, and bounds skip and page', async () => {
    for (const bad of ["' OR '1'='1", '2026-02-31', '2026-06-01 12:00', 'yesterday', '12:00']) {
      const res = await t().kore('POST', '/campaign/getAllCampaignDetails', { startDate: bad });
      expect(expectEnvelope(res, 400).errors[0], bad).toMatchObject({ field: 'startDate' });
    }
    for (const good of ['2026-06-01', '2026-06-01T12:00:00Z', '2026-06-01T12:00:00.5+05:30']) {
      expect((await t().kore('POST', '/campaign/getAllCampaignDetails', { startDate: good })).statusCode, good).toBe(
        200,
      );
    }
    for (const [field, value] of [
      ['skip', 1e308],
      ['page', 1e308],
      ['skip', 1e20],
      ['page', 10_000_001],
    ] as const) {
      const res = await t().kore('POST', '/campaign/getAllCampaignDetails', { [field]: value });
      expect(expectEnvelope(res, 400).errors[0], `${field}=${value}`).toMatchObject({ field });
    }
    const far = await t().kore('POST', '/campaign/getAllCampaignDetails', { skip: 1_000_000_000 });
    expect(far.json().data).toMatchObject({ results: [], skip: 1_000_000_000 });
  });

  it('answers a call-back time that is not a real date, or more than a year ahead, per item', async () => {
    const list = await t().addList('Hostile call-backs');
    await addContacts(t(), list, [{ phone: '+15557200001', uniqueId: 'cb-1' }]);
    const id = await createCampaign(t(), { name: 'Hostile call-backs', contactLists: ['Hostile call-backs'] });
    const instanceId = (await trigger(t(), id, 'play')).campaignInstanceId as string;
    const res = await t().kore('POST', `/campaign/${instanceId}/callContactAt`, [
      { campaignDialingListId: 'cb-1', timeToContact: '9999-12-31T00:00:00Z' },
      { campaignDialingListId: 'cb-1', timeToContact: '2026-02-31T10:00:00Z' },
      { campaignDialingListId: 'cb-1', timeToContact: '2026-06-02T10:00:00Z' },
    ]);
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json().data.map((r: { status: string; reason?: string }) => r.reason ?? r.status)).toEqual([
      'time_too_far',
      'invalid_time',
      'success',
    ]);
  });

  it('refuses a token whose appId or jti could not be an id with a 401, without logging an error', async () => {
    const { log, lines } = captureLogs();
    const app = await buildApp({
      config: t().config,
      db: t().db,
      clock: t().clock,
      services: t().services,
      logger: log,
    });
    try {
      const { accountId, iid, clientSecret } = t().tenant;
      const tokens = [
        signHs256({ appId: `cs-x${NUL}` }, clientSecret),
        signHs256({ appId: 'x'.repeat(10_000) }, clientSecret),
        signHs256({ appId: t().tenant.clientId, jti: `j${NUL}` }, clientSecret),
        signHs256({ appId: t().tenant.clientId, exp: 1e308 }, clientSecret),
      ];
      for (let i = 0; i < 200; i++) {
        const res = await app.inject({
          method: 'GET',
          url: `/agentassist/api/v1/public/${iid}/campaign/cd-x`,
          headers: { auth: tokens[i % tokens.length]!, accountId },
        });
        expect(expectEnvelope(res, 401).errors[0]!.code).toBe('UNAUTHORIZED');
      }
      expect(lines().filter((l) => Number(l.level) >= 50)).toEqual([]);
    } finally {
      await app.close();
    }
  });
});
