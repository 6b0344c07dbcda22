/**
 * SQLite's query plans for the engine's statements that name dial records by id. SQLite plans
 * without statistics and takes `state = ?` on an indexed column for selective: a claim's
 * `UPDATE … WHERE id IN (…) AND state = 'pending'` walked dial_records_lease_idx over every pending
 * record instead of looking its ids up, so a claim cost grew with the records waiting
 * (storage/dialect.ts, filterOnly). Every such statement of a tick and its outcomes must look its
 * rows up by primary key, and so must the outcomes' set-wise UPDATE … FROM json_each (a filter on
 * state there made SQLite walk every record out for each row of the batch: 26 s for 16,000
 * outcomes). (PostgreSQL plans with statistics; its plans are not pinned here.)
 */
import { Kysely, type LogEvent } from 'kysely';
import { describe, expect, it } from 'vitest';
import { createServices } from '../../src/services.js';
import type { Database } from '../../src/storage/schema.js';
import { CampaigndSqliteDialect } from '../../src/storage/sqlite-dialect.js';
import { addContacts, createCampaign, engineHarness, trigger } from '../support/engine-harness.js';
import { useTestApp } from '../support/test-app.js';

const CONTACTS = 400;

describe('SQLite plans of statements that name dial records by id', () => {
  const t = useTestApp('sqlite');

  it('look the records up by primary key, however many records wait', async () => {
    const listId = await t().addList('Many waiting');
    await addContacts(
      t(),
      listId,
      Array.from({ length: CONTACTS }, (_, i) => ({ phone: `+1555030${String(i).padStart(4, '0')}` })),
    );
    const id = await createCampaign(t(), { name: 'Plans', contactLists: ['Many waiting'] });
    await trigger(t(), id, 'play');

    const statements = new Map<string, readonly unknown[]>();
    const log = (e: LogEvent) => {
      if (e.level === 'query') statements.set(e.query.sql, e.query.parameters);
    };
    const sqlite = t().db.sqlite!;
    const logged = { ...t().db, kysely: new Kysely<Database>({ dialect: new CampaigndSqliteDialect(sqlite), log }) };
    const h = engineHarness({ ...t(), services: createServices(logged, t().clock, t().config) });
    await h.step();
    await h.step();
    expect(h.started.length).toBeGreaterThanOrEqual(10);

    const byId = [...statements].filter(([text]) => /"?dial_records"?\b.*"id" in \(\?, \?/s.test(text));
    // The claim's lease, the in-flight mark, the outcomes' read of their records.
    expect(byId.length).toBeGreaterThanOrEqual(3);
    for (const [text, params] of byId) {
      const plan = (sqlite.prepare(`EXPLAIN QUERY PLAN ${text}`).all(...params) as { detail: string }[]).map(
        (r) => r.detail,
      );
      const records = plan.filter((line) => /\b(dial_records|r)\b USING/.test(line));
      expect(records, `${text}\n${plan.join('\n')}`).not.toEqual([]);
      for (const line of records) expect(line, text).toMatch(/USING INDEX sqlite_autoindex_dial_records_1 \(id=\?\)/);
    }

    // The outcomes' set-wise writes (outcome-writes.ts): each row of the batch finds its row by key.
    const setWise = [...statements].filter(([text]) =>
      /^\s*update (attempts|dial_records) as t .*json_each/s.test(text),
    );
    expect(new Set(setWise.map(([text]) => /update (\w+)/.exec(text)![1]))).toEqual(
      new Set(['attempts', 'dial_records']),
    );
    for (const [text, params] of setWise) {
      const table = /update (\w+)/.exec(text)![1]!;
      const plan = (sqlite.prepare(`EXPLAIN QUERY PLAN ${text}`).all(...params) as { detail: string }[]).map(
        (r) => r.detail,
      );
      expect(plan.join('\n'), text).toMatch(
        new RegExp(`SEARCH t USING INDEX sqlite_autoindex_${table}_1 \\(id=\\?\\)`),
      );
      expect(plan.join('\n'), text).not.toMatch(/SCAN t\b/);
    }
  });
});
