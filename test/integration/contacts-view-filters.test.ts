/**
 * campaignd's `filters` on `POST …/campaign/{id}/status?view=contacts` (docs/kore-compatibility.md,
 * Extensions): outcome, number prefix and state narrow the page and its totals; a body without
 * filters answers as Kore's view always did.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS } from '../support/test-db.js';
import { useTestApp } from '../support/test-app.js';
import { addContacts, createCampaign, engineHarness, trigger } from '../support/engine-harness.js';
import type { ProviderOutcome } from '../../src/domain/telephony/provider.js';

/** Each number's scripted outcome; null: dialed, no outcome yet (in progress). The last two are never dialed. */
const SCRIPT: [string, ProviderOutcome | null][] = [
  ['+15550100001', 'completed'],
  ['+15550100002', 'busy'],
  ['+442079000001', 'completed'],
  ['+15550100003', 'no-answer'],
  ['+442079000002', 'busy'],
  ['+15550100004', 'failed'],
  ['+15550100005', 'rejected'], // 603 decline: engine outcome `declined`, shown as Kore `failed`
  ['+442079000003', 'completed'],
  ['+15550100006', null],
  ['+442079000004', null],
  ['+15550100007', null],
  ['+19990000001', null],
];
const DIALED = 10;

interface Row {
  phoneNumber: string;
  dialerOutcome: string;
}

describe.each(DIALECTS)('view=contacts filters on %s', (dialect) => {
  const t = useTestApp(dialect);
  let id = '';

  const view = (body?: unknown) => t().kore('POST', `/campaign/${id}/status?view=contacts`, body);
  const numbers = async (filters: unknown, paging: Record<string, number> = {}) => {
    const res = await view({ ...paging, filters });
    expect(res.statusCode, res.body).toBe(200);
    const data = res.json().data as { results: Row[]; totalResults: number; totalPages: number; page: number };
    return { ...data, numbers: data.results.map((r) => r.phoneNumber) };
  };
  const digits = (p: string) => p.slice(1);

  beforeAll(async () => {
    const l = await t().addList('Filters list');
    await addContacts(
      t(),
      l,
      SCRIPT.map(([phone]) => ({ phone })),
    );
    id = await createCampaign(t(), { name: 'Filters', contactLists: ['Filters list'] }, { maxAttemptsPerRecord: 1 });
    // Filters are checked before play too, and match nothing then.
    const before = await numbers({ state: ['pending'] });
    expect(before).toMatchObject({ numbers: [], totalResults: 0, totalPages: 0 });
    await trigger(t(), id, 'play');
    const h = engineHarness(t(), { engine: { maxConcurrentCalls: DIALED } });
    await h.engine.tick();
    expect(h.started).toHaveLength(DIALED);
    const outcomeOf = new Map(SCRIPT);
    for (const s of h.started) {
      const outcome = outcomeOf.get(s.req.to);
      if (outcome) await t().services.outcomes.report({ attemptId: s.req.attemptId, outcome, at: t().clock.now() });
    }
  });

  it('answers without filters as before: every contact, in dial order', async () => {
    const plain = await view({ page: 1, limit: 100 });
    expect(plain.statusCode).toBe(200);
    expect(plain.json().data.results.map((r: Row) => r.phoneNumber)).toEqual(SCRIPT.map(([p]) => digits(p)));
    expect(plain.json().data).toMatchObject({ totalResults: 12, totalPages: 1 });
    expect((await view({ page: 1, limit: 100, filters: {} })).body).toBe(plain.body);
    expect((await view({ page: 1, limit: 100, filters: null })).body).toBe(plain.body);
    expect((await view()).body).toBe(plain.body);
  });

  it('filters by Kore dialerOutcome, mapped back to every engine outcome shown as it', async () => {
    const busy = await numbers({ dialerOutcome: ['busy'] });
    expect(busy.numbers).toEqual(['15550100002', '442079000002']);
    expect(busy).toMatchObject({ totalResults: 2, totalPages: 1 });
    const failed = await numbers({ dialerOutcome: ['FAILED'] });
    expect(failed.numbers).toEqual(['15550100004', '15550100005']);
    expect(failed.results.map((r) => r.dialerOutcome)).toEqual(['failed', 'failed']);
    const two = await numbers({ dialerOutcome: ['no-answer', 'busy'] });
    expect(two.numbers).toEqual(['15550100002', '15550100003', '442079000002']);
    expect((await numbers({ dialerOutcome: ['dnc_excluded'] })).totalResults).toBe(0);
  });

  it('filters by state: pending, in progress, done', async () => {
    expect((await numbers({ state: ['pending'] })).numbers).toEqual(['15550100007', '19990000001']);
    const inProgress = await numbers({ state: ['in-progress'] });
    expect(inProgress.numbers).toEqual(['15550100006', '442079000004']);
    expect(inProgress.results.map((r) => r.dialerOutcome)).toEqual(['', '']);
    expect((await numbers({ state: ['done'] })).totalResults).toBe(8);
    expect((await numbers({ state: ['Pending', 'in-progress'] })).totalResults).toBe(4);
    // An outcome belongs to finished contacts only: with unfinished states nothing matches.
    expect(await numbers({ state: ['pending'], dialerOutcome: ['busy'] })).toMatchObject({
      numbers: [],
      totalResults: 0,
    });
  });

  it('filters by a prefix of the E.164 digits (a whole number finds that number)', async () => {
    expect((await numbers({ phoneNumber: '4420' })).numbers).toEqual([
      '442079000001',
      '442079000002',
      '442079000003',
      '442079000004',
    ]);
    expect((await numbers({ phoneNumber: '+44 (20) 79-000.002' })).numbers).toEqual(['442079000002']);
    expect((await numbers({ phoneNumber: '15550100009' })).numbers).toEqual([]);
    expect((await numbers({ phoneNumber: '1999' })).numbers).toEqual(['19990000001']);
    expect((await numbers({ phoneNumber: '19' })).numbers).toEqual(['19990000001']);
    expect((await numbers({ phoneNumber: '9' })).numbers).toEqual([]);
    expect((await numbers({ phoneNumber: '1' })).totalResults).toBe(8);
    // All filters together.
    expect(
      (await numbers({ phoneNumber: '44', dialerOutcome: ['completed', 'busy'], state: ['done'] })).numbers,
    ).toEqual(['442079000001', '442079000002', '442079000003']);
  });

  it('pages over the filtered contacts; the totals count them', async () => {
    const p1 = await numbers({ dialerOutcome: ['completed'] }, { page: 1, limit: 2 });
    expect(p1).toMatchObject({ page: 1, totalResults: 3, totalPages: 2 });
    expect(p1.numbers).toEqual(['15550100001', '442079000001']);
    const p2 = await numbers({ dialerOutcome: ['completed'] }, { page: 2, limit: 2 });
    expect(p2.numbers).toEqual(['442079000003']);
    expect((await numbers({ dialerOutcome: ['completed'] }, { page: 3, limit: 2 })).numbers).toEqual([]);
  });

  it('refuses bad filters with 400, naming each field', async () => {
    const bad = async (filters: unknown, fields: string[], msg?: RegExp) => {
      const res = await view({ filters });
      expect(res.statusCode, res.body).toBe(400);
      const body = res.json();
      expect(body.status).toBe('failure');
      expect(body.errors.map((e: { field: string }) => e.field)).toEqual(fields);
      if (msg) expect(body.message).toMatch(msg);
    };
    await bad({ dialerOutcome: ['completed', 'bogus'] }, ['filters.dialerOutcome'], /'bogus' is not one of completed/);
    await bad({ dialerOutcome: [] }, ['filters.dialerOutcome']);
    await bad({ dialerOutcome: 'busy' }, ['filters.dialerOutcome']);
    await bad({ dialerOutcome: [''] }, ['filters.dialerOutcome']);
    await bad({ state: ['queued'] }, ['filters.state'], /'queued' is not one of pending, in-progress, done/);
    await bad({ phoneNumber: '44a' }, ['filters.phoneNumber']);
    await bad({ phoneNumber: 4420 }, ['filters.phoneNumber']);
    await bad({ phoneNumber: '' }, ['filters.phoneNumber']);
    await bad({ outcome: ['busy'] }, ['filters.outcome'], /unknown filter/);
    await bad('busy', ['filters']);
    await bad(['busy'], ['filters']);
    await bad({ state: ['x'], dialerOutcome: ['y'], phoneNumber: 'z' }, [
      'filters.state',
      'filters.dialerOutcome',
      'filters.phoneNumber',
    ]);
    // page and limit keep their own checks.
    expect((await view({ page: 0, filters: { state: ['done'] } })).statusCode).toBe(400);
    // Another tenant's campaign stays a 404 whatever the filters.
    const other = await t().addTenant();
    const res = await t().kore(
      'POST',
      `/campaign/${id}/status?view=contacts`,
      { filters: { state: ['done'] } },
      { tenant: other },
    );
    expect(res.statusCode).toBe(404);
  });
});
