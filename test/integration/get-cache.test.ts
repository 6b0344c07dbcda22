import { setTimeout as delay } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { openDb } from '../../src/storage/db.js';
import { agentlessSample } from '../fixtures/kore-samples.js';
import { trigger } from '../support/engine-harness.js';
import { useTestApp } from '../support/test-app.js';
import { DIALECTS } from '../support/test-db.js';

/**
 * The Get path keeps serialised answers on SQLite (response-cache.ts). Whatever it keeps, a
 * client must never see an answer older than a write it could know about.
 */
describe.each(DIALECTS)('Get Campaign freshness on %s', (dialect) => {
  const t = useTestApp(dialect);

  async function create(name: string): Promise<string> {
    const res = await t().kore('POST', '/campaign?campaignType=voice', { ...agentlessSample, name });
    expect(res.statusCode, res.body).toBe(200);
    return res.json().id as string;
  }

  it('answers repeated Gets with identical bytes and shows an update at once', async () => {
    const id = await create('Fresh one');
    const first = await t().kore('GET', `/campaign/${id}`);
    const second = await t().kore('GET', `/campaign/${id}`);
    expect(second.statusCode).toBe(200);
    expect(second.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(second.rawPayload.equals(first.rawPayload)).toBe(true);

    const put = await t().kore('PUT', `/campaign/${id}?campaignType=voice`, {
      ...agentlessSample,
      name: 'Fresh two',
      priority: '2',
    });
    expect(put.statusCode, put.body).toBe(200);
    const after = await t().kore('GET', `/campaign/${id}`);
    expect(after.json()).toMatchObject({
      message: 'Campaign Fresh two retrieved successfully',
      data: { name: 'Fresh two', priority: '2' },
    });

    const play = await trigger(t(), id, 'play');
    const active = await t().kore('GET', `/campaign/${id}`);
    expect(active.json().data).toMatchObject({ status: 'Active', campaignInstanceId: play.campaignInstanceId });
  });

  it('never answers another tenant from what it kept for the owner', async () => {
    const id = await create('Kept for owner');
    expect((await t().kore('GET', `/campaign/${id}`)).statusCode).toBe(200);
    const other = await t().addTenant();
    const res = await t().kore('GET', `/campaign/${id}`, undefined, { tenant: other });
    expect(res.statusCode).toBe(404);
    expect(res.body).not.toContain('Kept for owner');
  });

  it('shows a write made by another process through its own connection', async () => {
    const id = await create('Written elsewhere');
    expect((await t().kore('GET', `/campaign/${id}`)).json().data.description).not.toBe('changed by another process');
    const db = t().db;
    const other = openDb(
      db.url
        ? { databaseUrl: db.url, poolSize: 1, secrets: db.secrets }
        : { sqliteFile: db.file!, secrets: db.secrets },
    );
    try {
      await other.kysely
        .updateTable('campaigns')
        .set({ description: 'changed by another process' })
        .where('id', '=', id)
        .execute();
    } finally {
      await other.close();
    }
    // SQLite samples other connections' commits every EXTERNAL_POLL_MS; PostgreSQL is never cached.
    let seen = '';
    for (let i = 0; i < 100 && seen !== 'changed by another process'; i++) {
      seen = (await t().kore('GET', `/campaign/${id}`)).json().data.description as string;
      if (seen !== 'changed by another process') await delay(20);
    }
    expect(seen).toBe('changed by another process');
  });
});
