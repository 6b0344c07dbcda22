/**
 * Contacts always belong to an existing list (migration 010 on PostgreSQL: per-statement triggers
 * instead of the per-row foreign key; SQLite keeps its foreign key), including under concurrency,
 * and the import's duplicate probe stays an index lookup per number while the list's statistics
 * are stale.
 */
import { sql, type Kysely } from 'kysely';
import { describe, expect, it } from 'vitest';
import type { Database } from '../../src/storage/schema.js';
import { numbersOnListPg } from '../../src/storage/repos/pg-import-writer.js';
import { blocked, withClients } from '../support/pg-sessions.js';
import { DIALECTS, useDbAtMigration, type DbAtMigration } from '../support/test-db.js';

const NOW = '2026-11-27T08:00:00.000Z';
const LATEST = '010-contacts-list-check-per-statement';

async function addList(at: DbAtMigration, id: string): Promise<number> {
  await at.run(`INSERT INTO contact_lists (id, account_id, bot_id, name, lname, description, source, status, created_at, updated_at)
                VALUES ('${id}', 'acc', 'bot', '${id}', '${id}', '', 'api', 'Ready', '${NOW}', '${NOW}')`);
  const row = await (at.db.kysely as Kysely<Database>)
    .selectFrom('contact_lists')
    .select('list_no')
    .where('id', '=', id)
    .executeTakeFirstOrThrow();
  return Number(row.list_no);
}

/** `count` contacts of list `listNo`, numbers +1415555<from…>, as one statement. */
function contactsSql(listNo: number, count: number, from = 0): string {
  const values = Array.from(
    { length: count },
    (_, i) => `(${listNo}, ${from + i + 1}, '+1415${String(5550000 + from + i).padStart(7, '0')}', 'x', 0)`,
  );
  return `INSERT INTO contacts (list_no, seq, phone_e164, phone_raw, created_at) VALUES ${values.join(', ')}`;
}

async function countOf(at: DbAtMigration, listNo: number): Promise<number> {
  const r = await sql<{ n: number }>`SELECT COUNT(*) AS n FROM contacts WHERE list_no = ${listNo}`.execute(
    at.db.kysely,
  );
  return Number(r.rows[0]!.n);
}

describe.each(DIALECTS)('contacts and their lists on %s', (dialect) => {
  const dbAt = useDbAtMigration(dialect, NOW);

  it('refuses contacts of a list that does not exist, and deletes a list with its contacts only', async () => {
    const at = await dbAt(LATEST);
    const [a, b] = [await addList(at, 'cl-a'), await addList(at, 'cl-b')];
    await at.run(contactsSql(a, 3));
    await at.run(contactsSql(b, 2));
    await expect(at.run(contactsSql(b + 100, 1))).rejects.toMatchObject(
      dialect === 'postgres' ? { code: '23503' } : { code: 'SQLITE_CONSTRAINT_FOREIGNKEY' },
    );
    // Nothing of the refused statement stays, not even its valid rows.
    await expect(at.run(`${contactsSql(a, 1, 10)}, (${b + 100}, 99, '+14155559999', 'x', 0)`)).rejects.toThrow();
    expect(await countOf(at, a)).toBe(3);

    await at.run(`DELETE FROM contact_lists WHERE id = 'cl-a'`);
    expect([await countOf(at, a), await countOf(at, b)]).toEqual([0, 2]);
  });
});

describe('contacts and their lists on postgres, concurrently', () => {
  const dbAt = useDbAtMigration('postgres', NOW);

  it('deleting a list waits for a transaction writing its contacts, then deletes what it committed', async () => {
    const at = await dbAt(LATEST);
    const list = await addList(at, 'cl-busy');
    await withClients(at, async (writer, deleter, deleterPid) => {
      await writer.query('BEGIN');
      await writer.query(contactsSql(list, 5));
      const deleting = deleter.query(`DELETE FROM contact_lists WHERE id = 'cl-busy'`);
      await blocked(at, deleterPid);
      await writer.query('COMMIT');
      await deleting;
    });
    expect(await countOf(at, list)).toBe(0);
  });

  it('a transaction writing contacts of a list being deleted waits, then fails and leaves nothing', async () => {
    const at = await dbAt(LATEST);
    const list = await addList(at, 'cl-going');
    await withClients(at, async (deleter, writer, writerPid) => {
      await deleter.query('BEGIN');
      await deleter.query(`DELETE FROM contact_lists WHERE id = 'cl-going'`);
      const writing = writer.query(contactsSql(list, 5));
      writing.catch(() => {});
      await blocked(at, writerPid);
      await deleter.query('COMMIT');
      await expect(writing).rejects.toMatchObject({ code: '23503' });
    });
    expect(await countOf(at, list)).toBe(0);
  });

  it('refuses to change a list number', async () => {
    const at = await dbAt(LATEST);
    const list = await addList(at, 'cl-fixed');
    await expect(at.run(`UPDATE contact_lists SET list_no = ${list + 50} WHERE id = 'cl-fixed'`)).rejects.toMatchObject(
      { code: '23503' },
    );
    await at.run(`UPDATE contact_lists SET name = 'renamed' WHERE id = 'cl-fixed'`);
  });

  it("probes an import's numbers one by one in the index while the list's statistics are stale", async () => {
    const at = await dbAt(LATEST);
    const [old, fresh] = [await addList(at, 'cl-old'), await addList(at, 'cl-fresh')];
    // Statistics know the old list only; the fresh one fills up (as during its own import) unanalysed.
    await at.run('ALTER TABLE contacts SET (autovacuum_enabled = false)');
    await at.run(contactsSql(old, 2000));
    await at.run('ANALYZE contacts');
    for (let from = 0; from < 20_000; from += 5000) await at.run(contactsSql(fresh, 5000, from));

    const numbers = ['+14155550001', '+14155550002', '+19999999999'];
    const plan = async (query: { compile(db: Kysely<unknown>): { sql: string; parameters: readonly unknown[] } }) => {
      const c = query.compile(at.db.kysely as Kysely<unknown>);
      const r = await at.db.pool!.query(`EXPLAIN (ANALYZE, FORMAT JSON) ${c.sql}`, [...c.parameters]);
      return JSON.stringify(r.rows[0]);
    };
    // The plain form really does scan the whole list here (so this setup shows what it must).
    const plain = await plan(
      sql`SELECT phone_e164 FROM contacts WHERE list_no = ${fresh} AND phone_e164 = ANY(${numbers}::text[])`,
    );
    expect(plain).toMatch(/"Rows Removed by Filter":\d{5}/);

    const probe = await plan(numbersOnListPg(fresh, numbers));
    expect(probe).toContain(`"Index Cond":"((list_no = '${fresh}'::bigint) AND (phone_e164 = n.phone))"`);
    expect(probe).not.toContain('Rows Removed by Filter');
    expect((await numbersOnListPg(fresh, numbers).execute(at.db.kysely)).rows.map((r) => r.phone).sort()).toEqual([
      '+14155550001',
      '+14155550002',
    ]);
  });
});
