import { beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS } from '../support/test-db.js';
import { useTestApp } from '../support/test-app.js';
import {
  agentlessSample,
  listSample,
  previewSample,
  progressiveSample,
  smsAdvancedSample,
} from '../fixtures/kore-samples.js';

describe.each(DIALECTS)('getAllCampaignDetails on %s', (dialect) => {
  const t = useTestApp(dialect);
  const list = async (body: unknown) => {
    const res = await t().kore('POST', '/campaign/getAllCampaignDetails', body);
    expect(res.statusCode, res.body).toBe(200);
    return res.json();
  };

  // Five voice campaigns a minute apart (Agentless p5, Progressive p3, Preview p5, Agentless p1, Progressive p5) and two SMS.
  beforeAll(async () => {
    const bodies = [
      { ...agentlessSample, name: 'Alpha' },
      { ...progressiveSample('Bravo'), priority: '3' },
      previewSample('Charlie'),
      { ...agentlessSample, name: 'Delta', priority: 1 },
      progressiveSample('Echo'),
      { ...smsAdvancedSample, name: 'Foxtrot SMS' },
      { ...smsAdvancedSample, name: 'Golf SMS' },
    ];
    for (const b of bodies) {
      const res = await t().kore('POST', '/campaign', b);
      expect(res.statusCode, res.body).toBe(200);
      t().clock.advance(60_000);
    }
  });

  it('answers the documented sample with Kore meta and message (two spaces)', async () => {
    const json = await list(listSample);
    expect(json.message).toBe('Campaign  retrieved successfully');
    // Ready, priority 5, Progressive or Preview: Charlie and Echo, newest first.
    expect(json.data.results.map((c: { name: string }) => c.name)).toEqual(['Echo', 'Charlie']);
    expect(json.data).toMatchObject({ skip: 0, limit: 50, hasMore: false, totalPages: 1, totalResults: 2 });
    const echo = json.data.results[0];
    expect(echo).toMatchObject({ _id: echo.id, connection: 'Default Queue', dialingMode: 'Progressive' });
  });

  it('pages with skip or page, and reports hasMore and totalPages', async () => {
    const first = await list({ type: 'voice', limit: 2, sortBy: { name: 'asc' } });
    expect(first.data.results.map((c: { name: string }) => c.name)).toEqual(['Alpha', 'Bravo']);
    expect(first.data).toMatchObject({ skip: 0, limit: 2, hasMore: true, totalPages: 3, totalResults: 5 });
    const byPage = await list({ type: 'voice', limit: 2, page: 3, sortBy: { name: 'asc' } });
    expect(byPage.data.results.map((c: { name: string }) => c.name)).toEqual(['Echo']);
    expect(byPage.data).toMatchObject({ skip: 4, hasMore: false });
    const bySkip = await list({ type: 'voice', limit: 2, skip: 1, page: 1, sortBy: { name: 'asc' } });
    expect(bySkip.data.results.map((c: { name: string }) => c.name)).toEqual(['Bravo', 'Charlie']);
    const past = await list({ type: 'voice', limit: 2, skip: 10 });
    expect(past.data).toMatchObject({ results: [], hasMore: false, totalResults: 5 });
    const empties = await list({ type: 'voice', limit: '', skip: '', page: '' });
    expect(empties.data).toMatchObject({ limit: 50, skip: 0, totalResults: 5 });
  });

  it('lists both types without `type`, SMS items with their fields', async () => {
    const all = await list({});
    expect(all.data.totalResults).toBe(7);
    const sms = await list({ type: 'SMS' });
    expect(sms.data.results.map((c: { name: string }) => c.name)).toEqual(['Golf SMS', 'Foxtrot SMS']);
    expect(sms.data.results[0]).toMatchObject({
      format: 'advanced',
      campaignExecutionType: 'NORMAL',
      totalMessagesSent: 0,
      connection: 'SMS Support Flow',
    });
  });

  it('filters by status, priority (number or string) and dialing mode in any case', async () => {
    const p5 = await list({ type: 'voice', filters: { priority: [5, '3'] }, sortBy: { name: 'asc' } });
    expect(p5.data.results.map((c: { name: string }) => c.name)).toEqual(['Alpha', 'Bravo', 'Charlie', 'Echo']);
    const agentless = await list({
      type: 'voice',
      filters: { dialingMode: ['agentless'] },
      sortBy: { createdAt: 'asc' },
    });
    expect(agentless.data.results.map((c: { name: string }) => c.name)).toEqual(['Alpha', 'Delta']);
    const active = await list({ type: 'voice', filters: { status: ['Active', 'running'] } });
    expect(active.data.totalResults).toBe(0);
  });

  it('filters by creation date window, inclusive', async () => {
    // Alpha was created at T0, Bravo at T0+1min, Charlie at T0+2min.
    const json = await list({
      type: 'voice',
      startDate: '2026-06-01T12:01:00.000Z',
      endDate: '2026-06-01T12:02:00.000Z',
      sortBy: { createdAt: 'asc' },
    });
    expect(json.data.results.map((c: { name: string }) => c.name)).toEqual(['Bravo', 'Charlie']);
  });

  it.each([
    [{ limit: 0 }, 'limit'],
    [{ limit: 101 }, 'limit'],
    [{ skip: -1 }, 'skip'],
    [{ page: 0 }, 'page'],
    [{ type: 'fax' }, 'type'],
    [{ sortBy: { priority: 'asc' } }, 'sortBy'],
    [{ sortBy: { name: 'up' } }, 'sortBy.name'],
    [{ filters: { status: ['Running fast'] } }, 'filters.status'],
    [{ filters: { priority: [7] } }, 'filters.priority'],
    [{ filters: { dialingMode: ['Power'] } }, 'filters.dialingMode'],
    [{ startDate: 'yesterday' }, 'startDate'],
    [{ startDate: '2026-07-01T00:00:00Z', endDate: '2026-06-01T00:00:00Z' }, 'endDate'],
  ])('rejects %j with 400 naming %s', async (body, field) => {
    const res = await t().kore('POST', '/campaign/getAllCampaignDetails', body);
    expect(res.statusCode, res.body).toBe(400);
    expect(res.json().errors[0].field).toBe(field);
  });
});
