import { sql, type Kysely } from 'kysely';
import type { MigrationDialect } from './migration-dialect.js';

/**
 * `rate_limits`: the per-account Kore API rate limit shared by every server process on one
 * PostgreSQL database (docs/kore-compatibility.md, "Rate limit"; storage/repos/pg-rate-limits-repo.ts).
 * One row per account that has called: `recent` holds the times of its last RATE_LIMIT_PER_MINUTE
 * admitted requests, so that one upsert of one row both checks and records a request, exactly.
 *
 * The times are fixed-width text rather than an array: both dialects have the same schema
 * (schema.ts is checked against both), and neither needs more than text to hold them.
 *
 * PostgreSQL: UNLOGGED, because the row is rewritten on every request and writing it to the WAL
 * buys nothing worth having: after a crash (or on a promoted standby) the table starts empty,
 * which forgets at most a minute of counting. SQLite gets the table too, so that both dialects
 * have one schema, but never writes it: there the limit stays in each process's memory.
 */
export async function up(db: Kysely<unknown>, d: MigrationDialect): Promise<void> {
  let table = db.schema
    .createTable('rate_limits')
    .addColumn('key', 'text', (c) => c.primaryKey().notNull())
    .addColumn('recent', 'text', (c) => c.notNull());
  if (d.name === 'postgres') table = table.modifyFront(sql`unlogged`);
  await table.execute();
}
