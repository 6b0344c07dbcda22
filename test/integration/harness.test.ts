import fs from 'node:fs';
import { sql } from 'kysely';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { withAdminClient } from '../support/postgres-server.js';
import { DIALECTS, createTestDb, useTestDb } from '../support/test-db.js';
import type { TestDb } from '../support/test-db.js';

async function databaseExists(name: string): Promise<boolean> {
  return withAdminClient(inject('pgUrl'), async (c) => {
    const { rowCount } = await c.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    return rowCount === 1;
  });
}

function dbName(db: TestDb): string {
  return new URL(db.url ?? '').pathname.slice(1);
}

describe.each(DIALECTS)('test database harness on %s', (dialect) => {
  const a = useTestDb(dialect);
  const extra: TestDb[] = [];
  afterAll(async () => {
    for (const db of extra) await db.dispose();
  });

  it('gives a database of the requested dialect, migrated to the latest schema', async () => {
    const db = a();
    expect(db.dialect).toBe(dialect);
    if (dialect === 'sqlite') {
      expect(db.file).toBeDefined();
      expect(db.sqlite).toBeDefined();
    } else {
      expect(db.url).toMatch(/^postgres:\/\/.+\/test_[0-9a-f]+$/);
      expect(db.pool).toBeDefined();
    }
    const applied = await db.kysely
      .selectFrom(sql<{ name: string }>`kysely_migration`.as('m'))
      .select('name')
      .execute();
    expect(applied.map((r) => r.name)).toContain('001-tenancy-and-campaigns');

    await db.kysely
      .insertInto('accounts')
      .values({ id: 'acc-1', name: 'Acme', created_at: '2025-01-01T00:00:00.000Z' })
      .execute();
    const rows = await db.kysely.selectFrom('accounts').selectAll().execute();
    expect(rows).toEqual([{ id: 'acc-1', name: 'Acme', created_at: '2025-01-01T00:00:00.000Z' }]);
  });

  it('isolates databases from each other', async () => {
    const b = await createTestDb(dialect);
    extra.push(b);
    await b.kysely
      .insertInto('accounts')
      .values({ id: 'acc-b', name: 'Other', created_at: '2025-01-02T00:00:00.000Z' })
      .execute();

    const inA = await a().kysely.selectFrom('accounts').select('id').orderBy('id').execute();
    const inB = await b.kysely.selectFrom('accounts').select('id').execute();
    expect(inA.map((r) => r.id)).not.toContain('acc-b');
    expect(inB.map((r) => r.id)).toEqual(['acc-b']);
  });

  it('gives an empty database when asked for an unmigrated one', async () => {
    const empty = await createTestDb(dialect, { migrated: false });
    extra.push(empty);
    const tables = await empty.kysely.introspection.getTables();
    expect(tables).toEqual([]);
  });

  it('dispose closes the handle and removes the database; repeated close/dispose is harmless', async () => {
    const c = await createTestDb(dialect);
    await c.kysely
      .insertInto('accounts')
      .values({ id: 'acc-c', name: 'Gone', created_at: '2025-01-03T00:00:00.000Z' })
      .execute();
    await c.close(); // as the code under test would on shutdown
    await c.dispose();
    await c.dispose();
    if (dialect === 'sqlite') {
      expect(fs.existsSync(c.file ?? '')).toBe(false);
    } else {
      expect(await databaseExists(dbName(c))).toBe(false);
    }
    await expect(c.kysely.selectFrom('accounts').selectAll().execute()).rejects.toThrow();
  });

  it('creates databases concurrently', async () => {
    const many = await Promise.all(Array.from({ length: 5 }, () => createTestDb(dialect)));
    extra.push(...many);
    const counts = await Promise.all(
      many.map((db) =>
        db.kysely
          .selectFrom('accounts')
          .select((e) => e.fn.countAll().as('n'))
          .executeTakeFirstOrThrow(),
      ),
    );
    expect(counts.map((r) => Number(r.n))).toEqual([0, 0, 0, 0, 0]);
  });
});

describe('the PostgreSQL template', () => {
  it('exists and accepts no connections, so cloning it cannot fail on a busy template', async () => {
    const template = inject('pgTemplate');
    const row = await withAdminClient(inject('pgUrl'), async (c) => {
      const { rows } = await c.query<{ datistemplate: boolean; datallowconn: boolean }>(
        'SELECT datistemplate, datallowconn FROM pg_database WHERE datname = $1',
        [template],
      );
      return rows[0];
    });
    expect(row).toEqual({ datistemplate: true, datallowconn: false });
  });
});
