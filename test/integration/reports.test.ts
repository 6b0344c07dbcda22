import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { parse } from 'csv-parse/sync';
import { describe, expect, it, vi } from 'vitest';
import { ReportsRepo } from '../../src/storage/repos/reports-repo.js';
import type { DialRequest, OutcomeReport, Provider } from '../../src/domain/telephony/provider.js';
import { DIALECTS } from '../support/test-db.js';
import { T0, useTestApp, type TestApp } from '../support/test-app.js';
import { addContacts, createCampaign, engineHarness, trigger } from '../support/engine-harness.js';

const MIN = 60_000;
const N = (i: number) => `+1415200000${i}`;
type Scripted = Omit<OutcomeReport, 'attemptId' | 'at'>;

/** A provider that accepts every call; the test reports each outcome itself, chosen per number. */
function scriptedProvider(started: DialRequest[]): Provider {
  return {
    name: 'scripted',
    start: (req) => {
      started.push(req);
      return Promise.resolve({ accepted: true });
    },
    close: () => Promise.resolve(),
  };
}

async function dialAndReport(t: TestApp, script: Record<string, Scripted>): Promise<void> {
  const started: DialRequest[] = [];
  const h = engineHarness(t, { provider: () => scriptedProvider(started) });
  await h.engine.tick();
  expect(started.map((r) => r.to).sort()).toEqual(Object.keys(script).sort());
  for (const req of started)
    await t.services.outcomes.report({ attemptId: req.attemptId, at: t.clock.now(), ...script[req.to]! });
}

/** Contacts with chosen names and extra columns, straight into a list (visible, as a completed import leaves them). */
async function addRichContacts(
  t: TestApp,
  listId: string,
  rows: { phone: string; first?: string; last?: string; extra?: Record<string, string> }[],
  firstSeq = 1,
): Promise<void> {
  const { list_no } = await t.db.kysely
    .selectFrom('contact_lists')
    .select('list_no')
    .where('id', '=', listId)
    .executeTakeFirstOrThrow();
  const values = rows.map((r, i) => ({
    list_no,
    seq: firstSeq + i,
    phone_e164: r.phone,
    phone_raw: r.phone,
    extension: null,
    first_name: r.first ?? null,
    last_name: r.last ?? null,
    time_zone: null,
    unique_id: null,
    contact_priority: null,
    extra: r.extra ? JSON.stringify(r.extra) : null,
    created_at: T0,
  }));
  for (let i = 0; i < values.length; i += 1000)
    await t.db.kysely
      .insertInto('contacts')
      .values(values.slice(i, i + 1000))
      .execute();
  await t.db.kysely
    .updateTable('contact_lists')
    .set({ visible_seq: firstSeq + rows.length - 1 })
    .where('id', '=', listId)
    .execute();
}

const parseCsv = (body: string) => parse(body, { columns: true, bom: false }) as Record<string, string>[];

describe.each(DIALECTS)('reports on %s', (dialect) => {
  const t = useTestApp(dialect);
  let campaignId = '';
  let run1 = '';
  let run2 = '';

  it('reports the history of two runs exactly', async () => {
    t().clock.set(T0);
    const l = await t().addList('Reports');
    await addContacts(
      t(),
      l,
      [1, 2, 3, 4].map((i) => ({ phone: N(i), uniqueId: `u${i}` })),
    );
    campaignId = await createCampaign(
      t(),
      { name: 'Reports', contactLists: ['Reports'] },
      { maxAttemptsPerRecord: 2, defaultRetryPeriod: 10 },
    );
    await trigger(t(), campaignId, 'play');
    await dialAndReport(t(), {
      [N(1)]: { outcome: 'completed', ringSec: 5, talkSec: 30 },
      [N(2)]: { outcome: 'no-answer', ringSec: 20, talkSec: 0 },
      [N(3)]: { outcome: 'busy', ringSec: 0 },
      [N(4)]: { outcome: 'machine', ringSec: 4, talkSec: 10 },
    });
    t().clock.set(T0 + 10 * MIN);
    await dialAndReport(t(), {
      [N(2)]: { outcome: 'completed', ringSec: 6, talkSec: 50 },
      [N(3)]: { outcome: 'failed', detail: 'carrier said =cmd|"/c calc"!A1' },
    });
    // Its last outcome leaves the run with nothing to do: it completed then.
    t().clock.set(T0 + 60 * MIN);
    await trigger(t(), campaignId, 'play');
    await dialAndReport(t(), {
      [N(1)]: { outcome: 'invalid' },
      [N(2)]: { outcome: 'completed', ringSec: 10, talkSec: 20 },
      [N(3)]: { outcome: 'completed', ringSec: 2, talkSec: 40 },
      [N(4)]: { outcome: 'no-answer', ringSec: 30 },
    });

    const res = await t().kore('GET', `/campaign/${campaignId}/runs`);
    expect(res.statusCode, res.body).toBe(200);
    const body = res.json();
    expect(body.status).toBe('success');
    const [second, first] = body.data;
    expect(body.data).toHaveLength(2);
    run1 = first.instanceId;
    run2 = second.instanceId;
    expect(first).toEqual({
      instanceId: run1,
      campaignId,
      type: 'voice',
      status: 'Completed',
      startedAt: new Date(T0).toISOString(),
      endedAt: new Date(T0 + 10 * MIN).toISOString(),
      records: {
        total: 4,
        excluded: 0,
        finished: 4,
        open: 0,
        byOutcome: { completed: 2, 'machine-completed': 1, failed: 1 },
        byDialerOutcome: { completed: 2, machine_detected: 1, failed: 1 },
      },
      attempts: {
        total: 6,
        ended: 6,
        byOutcome: { completed: 2, 'no-answer': 1, busy: 1, 'machine-completed': 1, failed: 1 },
        byDialerOutcome: { completed: 2, 'no-answer': 1, busy: 1, machine_detected: 1, failed: 1 },
      },
      connected: 3,
      connectRate: 0.5,
      machine: 1,
      machineRate: 0.3333,
      avgRingSec: 7, // (5 + 20 + 0 + 4 + 6) / 5: the failed attempt reported none
      avgTalkSec: 30, // (30 + 10 + 50) / 3 connected
    });
    expect(second).toEqual({
      instanceId: run2,
      campaignId,
      type: 'voice',
      status: 'Active',
      startedAt: new Date(T0 + 60 * MIN).toISOString(),
      endedAt: null,
      records: {
        total: 4,
        excluded: 0,
        finished: 3,
        open: 1,
        byOutcome: { invalid: 1, completed: 2 },
        byDialerOutcome: { invalid: 1, completed: 2 },
      },
      attempts: {
        total: 4,
        ended: 4,
        byOutcome: { invalid: 1, completed: 2, 'no-answer': 1 },
        byDialerOutcome: { invalid: 1, completed: 2, 'no-answer': 1 },
      },
      connected: 2,
      connectRate: 0.5,
      machine: 0,
      machineRate: 0,
      avgRingSec: 14,
      avgTalkSec: 30,
    });
  });

  it('pages a run’s attempts by cursor, newest or oldest first', async () => {
    const path = `/campaign/${campaignId}/runs/${run1}/attempts`;
    const seen: string[] = [];
    let cursor: string | undefined;
    const starts: string[] = [];
    for (let page = 0; page < 5; page++) {
      const res = await t().kore('GET', path, undefined, { query: { limit: '4', ...(cursor ? { cursor } : {}) } });
      expect(res.statusCode, res.body).toBe(200);
      const { data } = res.json();
      seen.push(...data.results.map((r: { attemptId: string }) => r.attemptId));
      starts.push(...data.results.map((r: { startedAt: string }) => r.startedAt));
      if (!data.hasMore) {
        expect(data.nextCursor).toBeNull();
        break;
      }
      cursor = data.nextCursor;
    }
    expect(seen).toHaveLength(6);
    expect(new Set(seen).size).toBe(6);
    expect(starts).toEqual([...starts].sort().reverse());
    expect(starts[0]).toBe(new Date(T0 + 10 * MIN).toISOString());

    const oldest = (await t().kore('GET', path, undefined, { query: { order: 'OLDEST', limit: '500' } })).json().data;
    expect(oldest.results.map((r: { attemptId: string }) => r.attemptId)).toEqual([...seen].reverse());
    expect(oldest.hasMore).toBe(false);
    const one = oldest.results.find((r: { phoneNumber: string; attemptNo: number }) => r.phoneNumber === N(4));
    expect(one).toMatchObject({
      uniqueId: 'u4',
      attemptNo: 1,
      channel: 'voice',
      outcome: 'machine-completed',
      dialerOutcome: 'machine_detected',
      providerOutcome: 'machine',
      ringSec: 4,
      talkSec: 10,
      startedAt: new Date(T0).toISOString(),
    });
  });

  it('filters attempts by outcome, dialerOutcome, number and time range', async () => {
    const path = `/campaign/${campaignId}/runs/${run1}/attempts`;
    const get = async (query: Record<string, string>) => {
      const res = await t().kore('GET', path, undefined, { query });
      expect(res.statusCode, res.body).toBe(200);
      return res.json().data.results as { phoneNumber: string; outcome: string; attemptNo: number }[];
    };
    expect((await get({ outcome: 'completed' })).map((r) => r.phoneNumber).sort()).toEqual([N(1), N(2)]);
    expect((await get({ outcome: 'busy,FAILED' })).map((r) => [r.outcome, r.attemptNo])).toEqual([
      ['failed', 2],
      ['busy', 1],
    ]);
    expect((await get({ dialerOutcome: 'machine_detected' })).map((r) => r.phoneNumber)).toEqual([N(4)]);
    expect(await get({ outcome: 'busy', dialerOutcome: 'completed' })).toEqual([]);
    expect((await get({ number: '(415) 200-0002' })).map((r) => r.outcome)).toEqual(['completed', 'no-answer']);
    expect(await get({ from: new Date(T0 + 5 * MIN).toISOString() })).toHaveLength(2);
    expect(await get({ to: new Date(T0 + 5 * MIN).toISOString() })).toHaveLength(4);
    expect(await get({ from: '2026-06-01T12:00:00Z', to: '2026-06-01T12:10:00Z' })).toHaveLength(4);
  });

  it('answers 400 naming the field, and 404 for another tenant or run', async () => {
    const path = `/campaign/${campaignId}/runs/${run1}/attempts`;
    for (const [query, field] of [
      [{ limit: '0' }, 'limit'],
      [{ limit: 'ten' }, 'limit'],
      [{ outcome: 'answered' }, 'outcome'],
      [{ dialerOutcome: 'nope' }, 'dialerOutcome'],
      [{ number: 'call me' }, 'number'],
      [{ from: 'yesterday' }, 'from'],
      [{ to: '2026-02-30' }, 'to'],
      [{ order: 'sideways' }, 'order'],
      [{ cursor: 'not-a-cursor' }, 'cursor'],
    ] as const) {
      const res = await t().kore('GET', path, undefined, { query });
      expect(res.statusCode, `${JSON.stringify(query)}: ${res.body}`).toBe(400);
      expect(res.json().errors[0].field).toBe(field);
    }
    const csv400 = await t().kore('GET', `${path}.csv`, undefined, { query: { from: 'x' } });
    expect(csv400.statusCode).toBe(400);
    expect(csv400.json().errors[0].field).toBe('from');

    const other = await t().addTenant();
    const list = (await t().kore('GET', '/campaign/contactList/getAllListDetails')).json().data;
    const listId = (list.results ?? list)[0]._id ?? (list.results ?? list)[0].id;
    for (const p of [
      `/campaign/${campaignId}/runs`,
      `/campaign/${campaignId}/runs/${run1}/attempts`,
      `/campaign/${campaignId}/runs/${run1}/attempts.csv`,
      `/campaign/contactList/${listId}/contacts.csv`,
    ]) {
      const res = await t().kore('GET', p, undefined, { tenant: other });
      expect(res.statusCode, `${p}: ${res.body}`).toBe(404);
      expect(res.headers['content-type']).toMatch(/json/);
    }
    expect((await t().kore('GET', `/campaign/${campaignId}/runs/cid-nope/attempts`)).statusCode).toBe(404);
    expect((await t().kore('GET', `/campaign/cd-nope/runs`)).statusCode).toBe(404);
    expect((await t().kore('GET', `/campaign/contactList/cl-nope/contacts.csv`)).statusCode).toBe(404);
  });

  it('exports a run’s attempts as CSV with the page’s filters', async () => {
    const res = await t().kore('GET', `/campaign/${campaignId}/runs/${run1}/attempts.csv`, undefined, {
      query: { order: 'oldest' },
    });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(res.headers['content-disposition']).toBe(`attachment; filename="attempts-${run1}.csv"`);
    const rows = parseCsv(res.body);
    expect(rows).toHaveLength(6);
    expect(Object.keys(rows[0]!)).toEqual([
      'attemptId',
      'campaignId',
      'instanceId',
      'recordId',
      'contactId',
      'uniqueId',
      'phoneNumber',
      'attemptNo',
      'channel',
      'startedAt',
      'endedAt',
      'outcome',
      'dialerOutcome',
      'providerOutcome',
      'ringSec',
      'talkSec',
      'machineDetected',
      'agentId',
      'detail',
    ]);
    const page = (
      await t().kore('GET', `/campaign/${campaignId}/runs/${run1}/attempts`, undefined, { query: { order: 'oldest' } })
    ).json().data.results;
    expect(rows.map((r) => r.attemptId)).toEqual(page.map((r: { attemptId: string }) => r.attemptId));
    const failed = rows.find((r) => r.outcome === 'failed')!;
    expect(failed).toMatchObject({
      phoneNumber: N(3), // a plain number is not prefixed
      attemptNo: '2',
      ringSec: '',
      dialerOutcome: 'failed',
      detail: `carrier said =cmd|"/c calc"!A1`, // not at the start of the cell: harmless
      campaignId,
      instanceId: run1,
    });
    const machine = rows.find((r) => r.phoneNumber === N(4))!;
    expect(machine).toMatchObject({ ringSec: '4', talkSec: '10', outcome: 'machine-completed', uniqueId: 'u4' });

    const filtered = await t().kore('GET', `/campaign/${campaignId}/runs/${run2}/attempts.csv`, undefined, {
      query: { outcome: 'completed' },
    });
    expect(parseCsv(filtered.body).map((r) => r.phoneNumber)).toHaveLength(2);
    const none = await t().kore('GET', `/campaign/${campaignId}/runs/${run2}/attempts.csv`, undefined, {
      query: { outcome: 'busy', dialerOutcome: 'completed' },
    });
    expect(none.body.split('\r\n')).toEqual([expect.stringMatching(/^attemptId,/), '']);
  });

  it('exports a list’s contacts as CSV: quoting and formula injection', async () => {
    const l = await t().addList('Hostile cells');
    await addRichContacts(t(), l, [
      {
        phone: N(7),
        first: '=HYPERLINK("http://evil.example","x")',
        last: 'Smith, "Jr"\nsecond line',
        extra: { note: '@SUM(1+1)', balance: '-12.5', plus: '+cmd', tab: '\tx', email: 'a@b.example' },
      },
      { phone: N(8), first: '-2+3', last: 'Plain', extra: { note: 'hello' } },
    ]);
    const res = await t().kore('GET', `/campaign/contactList/${l}/contacts.csv`);
    expect(res.statusCode, res.body).toBe(200);
    expect(res.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(res.headers['content-disposition']).toBe(`attachment; filename="contacts-${l}.csv"`);
    expect(res.body.split('\r\n')[0]).toBe(
      'id,phoneNumber,phoneNumberE164,extension,firstName,lastName,timeZone,uniqueId,contactPriority,createdAt,note,balance,plus,tab,email,otherColumns',
    );
    const rows = parseCsv(res.body);
    expect(rows).toHaveLength(2);
    expect(rows[0]).toMatchObject({
      id: `cc-${l.slice(3)}-1`,
      phoneNumber: N(7),
      phoneNumberE164: N(7),
      firstName: `'=HYPERLINK("http://evil.example","x")`,
      lastName: 'Smith, "Jr"\nsecond line',
      note: `'@SUM(1+1)`,
      balance: '-12.5',
      plus: `'+cmd`,
      tab: `'\tx`,
      email: 'a@b.example',
      createdAt: new Date(T0).toISOString(),
      otherColumns: '',
    });
    expect(rows[1]).toMatchObject({ firstName: `'-2+3`, lastName: 'Plain', note: 'hello', balance: '' });
    // The same contacts as the JSON page, in the same order.
    const page = (await t().kore('GET', `/campaign/contactList/${l}/getAllContacts`)).json().data.results;
    expect(rows.map((r) => r.id)).toEqual(page.map((c: { _id: string }) => c._id));
  });

  it('streams a 50,000-row list in chunks, columns first seen late in otherColumns', async () => {
    const l = await t().addList('Big export');
    const ROWS = 50_000;
    await addRichContacts(
      t(),
      l,
      Array.from({ length: ROWS }, (_, i) => ({
        phone: `+1415${String(3_000_000 + i)}`,
        first: `F${i}`,
        extra: (i === 45_000 ? { city: 'Oslo', late: 'yes' } : { city: 'Paris' }) as Record<string, string>,
      })),
    );
    const app = t().app;
    if (!app.server.listening) await app.listen({ port: 0, host: '127.0.0.1' });
    const { port } = app.server.address() as AddressInfo;
    const headers = t().headers();
    const reads = vi.spyOn(ReportsRepo.prototype, 'contacts');
    const { chunks, body, status, head } = await new Promise<{
      chunks: number;
      body: string;
      status: number;
      head: http.IncomingHttpHeaders;
    }>((resolve, reject) => {
      http
        .get(
          {
            host: '127.0.0.1',
            port,
            path: `/agentassist/api/v1/public/${t().tenant.iid}/campaign/contactList/${l}/contacts.csv`,
            headers,
          },
          (res) => {
            let n = 0;
            const parts: Buffer[] = [];
            res.on('data', (c: Buffer) => {
              n++;
              parts.push(c);
            });
            res.on('end', () =>
              resolve({
                chunks: n,
                body: Buffer.concat(parts).toString('utf8'),
                status: res.statusCode ?? 0,
                head: res.headers,
              }),
            );
            res.on('error', reject);
          },
        )
        .on('error', reject);
    });
    expect(status).toBe(200);
    // Read as 25 keyset queries of 2,000 rows (and the empty one that finds the end), written as
    // they come (chunked, no length known up front), not built whole and sent once.
    expect(reads).toHaveBeenCalledTimes(26);
    reads.mockRestore();
    expect(head['transfer-encoding']).toBe('chunked');
    expect(head['content-length']).toBeUndefined();
    expect(chunks).toBeGreaterThan(10);
    const rows = parseCsv(body);
    expect(rows).toHaveLength(ROWS);
    expect(rows[0]).toMatchObject({ firstName: 'F0', city: 'Paris', otherColumns: '' });
    expect(rows[45_000]).toMatchObject({ firstName: 'F45000', city: 'Oslo', otherColumns: '{"late":"yes"}' });
    expect(rows[ROWS - 1]!.phoneNumber).toBe(`+1415${3_000_000 + ROWS - 1}`);
  });
});
