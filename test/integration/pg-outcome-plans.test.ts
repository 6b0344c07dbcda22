/**
 * PostgreSQL's plan for a batch of outcomes (outcome-writes.ts, `UPDATE attempts … FROM
 * jsonb_to_recordset`). PostgreSQL plans with statistics, and when it last analyzed few attempts
 * were open, so it took the guard `outcome IS NULL` for selective: it walked every open attempt
 * through attempts_instance_idx and, for each, read the batch's JSON document again (a nested loop
 * with the document inside): 91 ms for a batch of 500 with 2,000 calls out, quadratic in the calls
 * out (`npm run bench -- engine`). The guard is a filter only (dialect.ts, filterOnly): the document
 * is read once and each of its rows finds its attempt by primary key, however many calls are out.
 */
import { Kysely, PostgresDialect, sql, type LogEvent } from 'kysely';
import { describe, expect, it } from 'vitest';
import { AttemptsRepo } from '../../src/storage/repos/attempts-repo.js';
import type { Database } from '../../src/storage/schema.js';
import { addContacts, createCampaign, trigger } from '../support/engine-harness.js';
import { useTestApp } from '../support/test-app.js';

const RECORDS = 300;
/** Attempts with their outcome per record, stored before ANALYZE: the history of a long run. */
const DONE_PER_RECORD = 100;
const BATCH = 100;

interface PlanNode {
  'Node Type': string;
  'Index Name'?: string;
  'Relation Name'?: string;
  'Actual Loops'?: number;
  Plans?: PlanNode[];
}

const nodesOf = (n: PlanNode): PlanNode[] => [n, ...(n.Plans ?? []).flatMap(nodesOf)];

describe('PostgreSQL plan of a batch of outcomes', () => {
  const t = useTestApp('postgres');

  it('reads the batch once and finds each attempt by key, with many calls out', async () => {
    const listId = await t().addList('Outcome plans');
    await addContacts(
      t(),
      listId,
      Array.from({ length: RECORDS }, (_, i) => ({ phone: `+1555081${String(i).padStart(4, '0')}` })),
    );
    const campaignId = await createCampaign(t(), { name: 'Outcome plans', contactLists: ['Outcome plans'] });
    await trigger(t(), campaignId, 'play');
    const k = t().db.kysely;
    const now = t().clock.now();
    // A long run's history, analyzed while no call was out; then one call out per record.
    const attemptsOf = (from: number, to: number, outcome: string | null) => sql`
      insert into attempts (id, record_id, instance_id, attempt_no, channel, worker, started_at, outcome, account_id, phone_e164)
      select 'att-plan-' || r.id || '-' || n, r.id, r.instance_id, n, 'voice', 'plan-test', ${now}, ${outcome}, i.account_id, r.phone_e164
      from dial_records r join campaign_instances i on i.id = r.instance_id, generate_series(${from}::int, ${to}::int) n
      where r.campaign_id = ${campaignId}`;
    await attemptsOf(1, DONE_PER_RECORD, 'completed').execute(k);
    await sql`analyze attempts`.execute(k);
    await attemptsOf(DONE_PER_RECORD + 1, DONE_PER_RECORD + 1, null).execute(k);
    const open = await k
      .selectFrom('attempts')
      .select('id')
      .where('outcome', 'is', null)
      .where('id', 'like', 'att-plan-%')
      .orderBy('id')
      .execute();
    expect(open).toHaveLength(RECORDS);

    // The real batch write, every statement logged.
    const statements: { sql: string; parameters: readonly unknown[] }[] = [];
    const log = (e: LogEvent) => {
      if (e.level === 'query') statements.push({ sql: e.query.sql, parameters: e.query.parameters });
    };
    const logged = new Kysely<Database>({ dialect: new PostgresDialect({ pool: t().db.pool! }), log });
    const batch = open.slice(0, BATCH).map(({ id }) => ({
      attemptId: id,
      attempt: {
        outcome: 'no-answer',
        provider_outcome: 'no-answer',
        ended_at: now + 1,
        detail: null,
        ring_sec: 20,
        talk_sec: 0,
        machine_detected: 0,
      },
      recordId: 'none',
      record: null,
      events: [],
    }));
    const applied = await new AttemptsRepo(logged, 'postgres').applyMany(batch);
    expect(applied).toEqual(new Set(batch.map((b) => b.attemptId)));
    const stillOpen = await k
      .selectFrom('attempts')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('outcome', 'is', null)
      .where('id', 'like', 'att-plan-%')
      .executeTakeFirstOrThrow();
    expect(Number(stillOpen.n)).toBe(RECORDS - BATCH);

    // Its plan, run on the same batch again (nothing left to change), in a transaction rolled back.
    const update = statements.find((s) => /^\s*update attempts as t\b/.test(s.sql));
    expect(update, statements.map((s) => s.sql).join('\n')).toBeDefined();
    const client = await t().db.pool!.connect();
    let plan: PlanNode;
    try {
      await client.query('begin');
      const res = await client.query<{ 'QUERY PLAN': { Plan: PlanNode }[] }>(
        `explain (analyze, format json) ${update!.sql}`,
        update!.parameters as unknown[],
      );
      plan = res.rows[0]!['QUERY PLAN'][0]!.Plan;
    } finally {
      await client.query('rollback');
      client.release();
    }
    const nodes = nodesOf(plan);
    const documentReads = nodes.filter((n) => n['Node Type'] === 'Function Scan');
    expect(documentReads, JSON.stringify(plan)).toHaveLength(1);
    expect(documentReads[0]!['Actual Loops'], JSON.stringify(plan)).toBe(1);
    const onAttempts = nodes.filter((n) => n['Relation Name'] === 'attempts' && n['Node Type'] !== 'ModifyTable');
    expect(onAttempts, JSON.stringify(plan)).toHaveLength(1);
    expect(onAttempts[0]!['Index Name'], JSON.stringify(plan)).toBe('attempts_pkey');
  });
});
