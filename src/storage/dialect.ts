import { sql, type Kysely, type RawBuilder, type SelectQueryBuilder } from 'kysely';
import type { DialectName } from './db.js';
import type { Database } from './schema.js';

/**
 * The engine's dialect differences, in one place (docs/architecture.md).
 *
 * Claiming: on PostgreSQL several engine processes share the tables, so the due-record read locks
 * what it returns and skips rows another worker holds (`FOR UPDATE SKIP LOCKED`); the following
 * UPDATE in the same transaction is then uncontended. SQLite has one writer at a time and no row
 * locks: the transaction serialises claims once it holds the write lock (beginClaim), and the
 * clause would be a syntax error.
 */
export function lockForClaim<DB, TB extends keyof DB, O>(
  dialect: DialectName,
  qb: SelectQueryBuilder<DB, TB, O>,
): SelectQueryBuilder<DB, TB, O> {
  return dialect === 'postgres' ? qb.forUpdate().skipLocked() : qb;
}

/** Key of the PostgreSQL advisory lock that serialises claims across engine processes. */
const CLAIM_LOCK_KEY = 0x63616d70; // 'camp'

/**
 * First statement of a claim transaction: from here to commit, no other engine claims.
 *
 * Why claims are serialised at all: the concurrency caps (per campaign, MAX_CONCURRENT_CALLS)
 * count calls out across every engine, and the claim re-counts them inside its transaction. Two
 * engines claiming at once would both see the same free lines and together overshoot the cap
 * (two workers put 20 calls out for a campaign capped at 10). A claim is a few short statements,
 * so queuing them costs little. PostgreSQL: a transaction-scoped advisory lock (released at
 * commit or rollback, also when the process dies).
 *
 * SQLite: takes the write lock before the claim reads.
 * Kysely's BEGIN is deferred, and in WAL mode a transaction that has read cannot wait for the
 * write lock: when another process (the CLI, an import, `campaignd serve` next to a CLI command)
 * committed since that read, the claim's first UPDATE fails at once with SQLITE_BUSY_SNAPSHOT
 * ("database is locked"), busy_timeout notwithstanding, and the whole engine tick fails. A no-op
 * write first holds the lock before any snapshot is taken, and a busy lock is waited for as
 * usual. Found by test/integration/engine-crash.test.ts.
 */
export async function beginClaim(dialect: DialectName, trx: Kysely<Database>): Promise<void> {
  if (dialect === 'sqlite') await sql`update dial_records set next_at = next_at where 0`.execute(trx);
  else await sql`select pg_advisory_xact_lock(${CLAIM_LOCK_KEY})`.execute(trx);
}

/**
 * First statement of a transaction that must not interleave with another one over the same
 * campaign instance. Completing an instance (no open record left) and reopening one of its
 * records (a call-back, while it runs) each check the other's condition: run unserialised, a
 * call-back could be accepted between completion's check and its status change, and never be
 * dialed. PostgreSQL: the instance row's lock, and the statements after it see what the other
 * committed. SQLite: the write lock (see beginClaim for why it is taken before any read).
 */
export async function lockInstance(dialect: DialectName, trx: Kysely<Database>, instanceId: string): Promise<void> {
  if (dialect === 'sqlite') await sql`update campaign_instances set status = status where 0`.execute(trx);
  else await sql`select 1 from campaign_instances where id = ${instanceId} for update`.execute(trx);
}

/**
 * A text `column` as a filter that no index may serve, for a statement that names its rows by primary key
 * (`id IN (…) AND state = 'pending'`). SQLite plans without statistics and takes an equality on an
 * indexed column for selective: for more than a few ids it walked dial_records_lease_idx over every
 * pending record instead of looking the ids up (33 ms a claim of 40 at 100k records, growing with
 * them). PostgreSQL plans with statistics and took `outcome IS NULL` for selective (few attempts are
 * open when it last analyzed): the outcomes' set-wise UPDATE walked every open attempt through
 * attempts_instance_idx and read the batch's JSON again for each (91 ms a batch of 500 with 2,000
 * calls out, quadratic in the calls out). `column || ''` is the same value, NULL when the column is
 * NULL, and indexable on neither dialect.
 */
export function filterOnly(column: string): RawBuilder<string> {
  return sql<string>`${sql.ref(column)} || ''`;
}

/** Rows per multi-row INSERT: well under SQLite's 32766 and PostgreSQL's 65535 bound parameters. */
export function insertChunkSize(columns: number): number {
  return Math.max(1, Math.floor(30_000 / columns));
}

/**
 * First statement of a transaction that reads before it writes, outside claims (an agent's answer
 * to an offer, a disposition). SQLite: takes the write lock first, for the reason beginClaim gives;
 * PostgreSQL: nothing, the writes that follow are guarded.
 */
export async function beginWrite(dialect: DialectName, trx: Kysely<Database>): Promise<void> {
  if (dialect === 'sqlite') await sql`update agents set state = state where 0`.execute(trx);
}

/**
 * Rows given as one parameter, a JSON array of objects, as a table `v` with `keys` (text) and `cols`
 * (typed): PostgreSQL reads the document with `jsonb_to_recordset`, SQLite with `json_each` (its
 * values keep their JSON types). One statement and one plan however many rows: set-wise writes join
 * it by key, and a probe per row is a correlated subquery on `v`.
 */
export function jsonRows(
  dialect: DialectName,
  doc: string,
  keys: readonly string[],
  cols: readonly string[] = [],
  types: Record<string, string> = {},
): RawBuilder<unknown> {
  if (dialect === 'postgres') {
    const declared = [
      ...keys.map((k) => sql`${sql.ref(k)} text`),
      ...cols.map((c) => sql`${sql.ref(c)} ${sql.raw(types[c]!)}`),
    ];
    return sql`jsonb_to_recordset(${doc}::jsonb) as v(${sql.join(declared)})`;
  }
  const fields = [...keys, ...cols].map((c) => sql`json_extract(value, ${`$.${c}`}) as ${sql.ref(c)}`);
  return sql`(select ${sql.join(fields)} from json_each(${doc})) as v`;
}
