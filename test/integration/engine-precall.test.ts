/**
 * Right before a dial: Kore's pre-call contact fetch against a real local HTTP server, and
 * the DNC check repeated for numbers put on a DNC list after play. Both dialects.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PrecallFetcher } from '../../src/domain/engine/precall-fetch.js';
import { addContacts, createCampaign, engineHarness, trigger } from '../support/engine-harness.js';
import { useTestApp } from '../support/test-app.js';
import { DIALECTS } from '../support/test-db.js';

interface Received {
  headers: http.IncomingHttpHeaders;
  body: { CampaignName: string; CampaignId: string; DialingId: string; contactData: Record<string, unknown> };
}

/** A CRM endpoint whose answer depends on the number it is asked about. */
function crmServer() {
  const received: Received[] = [];
  const held: http.ServerResponse[] = [];
  const server = http.createServer((req, res) => {
    let raw = '';
    req.on('data', (d: Buffer) => (raw += d.toString()));
    req.on('end', () => {
      const body = JSON.parse(raw) as Received['body'];
      received.push({ headers: req.headers, body });
      const json = (status: number, v: unknown) =>
        res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(v));
      switch (String(body.contactData.phoneNumber).slice(-2)) {
        case '01':
          return json(200, {
            contactHandling: { handle: 'call' },
            detailedContactData: { balance: 42, uniqueId: 'from-crm' },
          });
        case '02':
          return json(200, { contactHandling: { handle: 'SKIP', reason: 'customer opted out' } });
        case '03':
          return json(503, { contactHandling: { handle: 'CALL' } });
        case '04':
          return res.writeHead(200, { 'content-type': 'application/json' }).end('{"contactHandling": ');
        case '05':
          return json(200, { contactHandling: {} });
        default:
          held.push(res); // never answers: the fetch must time out
      }
    });
  });
  return {
    received,
    start: () =>
      new Promise<string>((resolve) =>
        server.listen(0, '127.0.0.1', () =>
          resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}/precall`),
        ),
      ),
    stop: () =>
      new Promise<void>((resolve) => {
        for (const r of held) r.destroy();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

describe.each(DIALECTS)('right before a dial on %s', (dialect) => {
  const t = useTestApp(dialect);
  const crm = crmServer();
  let url = '';
  beforeAll(async () => {
    url = await crm.start();
  });
  afterAll(() => crm.stop());

  const recordsOf = (campaignId: string) =>
    t()
      .db.kysely.selectFrom('dial_records')
      .selectAll()
      .where('campaign_id', '=', campaignId)
      .orderBy('order_key')
      .execute();

  it('asks the configured endpoint before each voice dial: CALL dials with the added fields, anything else skips with the reason', async () => {
    const { accountId, iid } = t().tenant;
    await t().services.admin.configureBot({
      accountId,
      iid,
      precall: { url, headers: { 'X-Api-Key': 'k-123' }, timeoutMs: 300 },
    });
    const list = await t().addList('Precall list');
    await addContacts(
      t(),
      list,
      ['01', '02', '03', '04', '05', '06'].map((n) => ({ phone: `+155566000${n}`, uniqueId: `u${n}` })),
    );
    const id = await createCampaign(t(), { name: 'Precall campaign', contactLists: ['Precall list'] });
    await trigger(t(), id, 'play');
    const precall = new PrecallFetcher(
      async (botId) => (await t().repos.tenancy.findBot(botId))?.precall_config,
      () => t().clock.now(),
    );
    const h = engineHarness(t(), { engine: { precall }, profile: { mix: { completed: 1 } } });
    await h.step();

    // Only the CALL contact was dialed, with the CRM's fields added and the record's own uniqueId kept.
    expect(h.started.map((s) => s.req.to)).toEqual(['+15556600001']);
    expect(h.started[0]!.req.context).toMatchObject({ balance: 42, uniqueId: 'u01' });

    expect(crm.received).toHaveLength(6);
    const first = crm.received.find((r) => r.body.contactData.phoneNumber === '+15556600001')!;
    expect(first.headers['x-api-key']).toBe('k-123');
    expect(first.headers['content-type']).toBe('application/json');
    expect(first.body).toMatchObject({
      CampaignName: 'Precall campaign',
      CampaignId: id,
      DialingId: h.started[0]!.req.attemptId,
    });

    const rows = await recordsOf(id);
    const attempts = await t()
      .db.kysely.selectFrom('attempts')
      .select(['record_id', 'outcome', 'detail'])
      .where(
        'record_id',
        'in',
        rows.map((r) => r.id),
      )
      .execute();
    const detailOf = (phone: string) =>
      attempts.find((a) => a.record_id === rows.find((r) => r.phone_e164 === phone)!.id)!;
    expect(detailOf('+15556600002')).toEqual(
      expect.objectContaining({ outcome: 'skipped-precall', detail: 'pre-call fetch: SKIP (customer opted out)' }),
    );
    expect(detailOf('+15556600003')).toEqual(
      expect.objectContaining({ outcome: 'skipped-precall', detail: 'pre-call fetch answered HTTP 503' }),
    );
    expect(detailOf('+15556600004')).toEqual(
      expect.objectContaining({ outcome: 'skipped-precall', detail: 'pre-call fetch answered malformed JSON' }),
    );
    expect(detailOf('+15556600005')).toEqual(
      expect.objectContaining({
        outcome: 'skipped-precall',
        detail: 'pre-call fetch answer has no contactHandling.handle CALL or SKIP',
      }),
    );
    expect(detailOf('+15556600006')).toEqual(
      expect.objectContaining({ outcome: 'skipped-precall', detail: 'pre-call fetch timed out' }),
    );

    // Skips are final and visible to the operator; the called contact completes; nothing is redialed.
    const view = (await t().kore('POST', `/campaign/${id}/status?view=contacts`, { limit: 10 })).json().data
      .results as Record<string, unknown>[];
    expect(view.find((r) => r.phoneNumber === '15556600002')).toMatchObject({
      dialerOutcome: 'filter_skipped',
      numberOfAttemptsSoFar: 1,
      botOutboundStatusDetail: 'pre-call fetch: SKIP (customer opted out)',
    });
    await h.step();
    expect(h.started).toHaveLength(1);
    expect(crm.received).toHaveLength(6);
    expect((await t().kore('POST', `/campaign/${id}/status?view=status`)).json().data.status).toBe('Completed');
    await t().services.admin.configureBot({ accountId, iid, precall: null });
  });

  it('never dials a number put on the campaign or the global DNC list after play', async () => {
    const list = await t().addList('Late DNC list');
    const dnc = await t().addList('Late DNC');
    const global = await t().addList('Late Global DNC');
    await t().db.kysely.updateTable('contact_lists').set({ is_global_dnc: 1 }).where('id', '=', global).execute();
    await addContacts(t(), list, [{ phone: '+15557700001' }, { phone: '+15557700002' }, { phone: '+15557700003' }]);
    const id = await createCampaign(t(), {
      name: 'Late DNC campaign',
      contactLists: ['Late DNC list'],
      dncLists: { name: 'Late DNC' },
    });
    await trigger(t(), id, 'play');
    expect((await recordsOf(id)).map((r) => r.state)).toEqual(['pending', 'pending', 'pending']);

    // The customers call in and ask to be left alone while the campaign runs.
    await addContacts(t(), dnc, [{ phone: '+15557700001' }]);
    await addContacts(t(), global, [{ phone: '+15557700003' }]);
    const h = engineHarness(t(), { profile: { mix: { completed: 1 } } });
    await h.step();

    expect(h.started.map((s) => s.req.to)).toEqual(['+15557700002']);
    expect((await recordsOf(id)).map((r) => [r.phone_e164, r.state, r.final_outcome])).toEqual([
      ['+15557700001', 'done', 'dnc'],
      ['+15557700002', 'done', 'completed'],
      ['+15557700003', 'done', 'dnc'],
    ]);
    const explain = await t().kore('GET', `/campaign/${id}/contacts/15557700001/explain`);
    expect(explain.statusCode, explain.body).toBe(200);
    expect(explain.json().data.rules.find((r: { rule: string }) => r.rule === 'dnc')).toMatchObject({ ok: false });
  });
});
