/**
 * Migration 007 (contacts keyed by list order) on data written under 006: visible contacts keep
 * their list order and get unique seqs, rows of unfinished imports go and their jobs fail, and
 * each list's visible_seq covers exactly its contents.
 */
import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { migrate } from '../../src/storage/migrations/index.js';
import { DIALECTS, useDbAtMigration, type TestDb } from '../support/test-db.js';

const NOW = '2026-11-27T08:00:00.000Z';

describe.each(DIALECTS)('migration 007 on %s', (dialect) => {
  const dbAt = useDbAtMigration(dialect, NOW);

  /** A database at 006 holding two lists, two imports that once shared a seq, and a running one. */
  async function at006(): Promise<TestDb> {
    const { db: d, run } = await dbAt('006-contact-import-ranges');
    for (const [id, name, total] of [
      ['cl-a', 'A', 3],
      ['cl-b', 'B', 0],
    ] as const) {
      await run(`INSERT INTO contact_lists (id, account_id, bot_id, name, lname, description, source, status, total_record_count, created_at, updated_at)
                 VALUES ('${id}', 'acc', 'bot', '${name}', '${name.toLowerCase()}', '', 'api', 'Ready', ${total}, '${NOW}', '${NOW}')`);
    }
    const imp = (id: string, status: string) =>
      run(
        `INSERT INTO imports (id, account_id, bot_id, list_id, source, status, created_at, heartbeat_at) VALUES ('${id}', 'acc', 'bot', 'cl-a', 'api', '${status}', '${NOW}', 0)`,
      );
    await imp('imp-done', 'completed');
    await imp('imp-running', 'running');
    await imp('imp-queued', 'queued');
    // List A: seq 1, then two concurrent imports' rows that share seq 2 (ordered by id), then a
    // running import's row. List B: only a running import's row.
    const contact = (id: string, list: string, seq: number, phone: string, pending: string | null) =>
      run(`INSERT INTO contacts (id, list_id, seq, phone_e164, phone_raw, pending_import_id, created_at, updated_at)
           VALUES ('${id}', '${list}', ${seq}, '${phone}', '${phone}', ${pending ? `'${pending}'` : 'NULL'}, '${NOW}', '${NOW}')`);
    await contact('cc-1', 'cl-a', 1, '+14155550001', null);
    await contact('cc-3', 'cl-a', 2, '+14155550003', null);
    await contact('cc-2', 'cl-a', 2, '+14155550002', null);
    await contact('cc-4', 'cl-a', 3, '+14155550004', 'imp-running');
    await contact('cc-5', 'cl-b', 1, '+14155550005', 'imp-running');
    return d;
  }

  it('renumbers visible contacts in list order, drops unfinished imports, and sets visible_seq', async () => {
    const d = await at006();
    expect(await migrate(d, '007-contacts-by-list-order')).toEqual(['007-contacts-by-list-order']);

    const rows = (
      await sql<{
        id: string;
        list_id: string;
        seq: number;
      }>`SELECT id, list_id, seq FROM contacts ORDER BY list_id, seq`.execute(d.kysely)
    ).rows;
    expect(rows.map((r) => [r.id, r.list_id, Number(r.seq)])).toEqual([
      ['cc-1', 'cl-a', 1],
      ['cc-2', 'cl-a', 2],
      ['cc-3', 'cl-a', 3],
    ]);
    const lists = await d.kysely.selectFrom('contact_lists').select(['id', 'visible_seq']).orderBy('id').execute();
    expect(lists.map((l) => [l.id, Number(l.visible_seq)])).toEqual([
      ['cl-a', 3],
      ['cl-b', 0],
    ]);
    // What the list shows under 007's rule (seq <= visible_seq); ContactsRepo reads 009's layout.
    const visible = await sql<{
      phone_e164: string;
    }>`SELECT c.phone_e164 FROM contacts c JOIN contact_lists l ON l.id = c.list_id WHERE l.id = 'cl-a' AND c.seq <= l.visible_seq ORDER BY c.seq`.execute(
      d.kysely,
    );
    expect(visible.rows.map((c) => c.phone_e164)).toEqual(['+14155550001', '+14155550002', '+14155550003']);

    const imports = await d.kysely.selectFrom('imports').select(['id', 'status', 'error']).orderBy('id').execute();
    expect(imports.map((i) => [i.id, i.status])).toEqual([
      ['imp-done', 'completed'],
      ['imp-queued', 'failed'],
      ['imp-running', 'failed'],
    ]);
    expect(imports[2]!.error).toMatch(/interrupted by an upgrade/);
  });

  it('keys contacts by (list, seq) and allows one running import per list', async () => {
    const d = await at006();
    await migrate(d, '007-contacts-by-list-order');
    const dup = sql.raw(
      `INSERT INTO contacts (list_id, seq, id, phone_e164, phone_raw, created_at, updated_at) VALUES ('cl-a', 2, 'cc-x', '+1', '+1', '${NOW}', '${NOW}')`,
    );
    await expect(dup.execute(d.kysely)).rejects.toThrow(/UNIQUE|unique|duplicate/);
    await sql.raw(`UPDATE imports SET status = 'running' WHERE id = 'imp-queued'`).execute(d.kysely);
    await expect(
      sql.raw(`UPDATE imports SET status = 'running' WHERE id = 'imp-done'`).execute(d.kysely),
    ).rejects.toThrow(/UNIQUE|unique|duplicate/);
  });
});
