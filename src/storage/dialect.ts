import type { SelectQueryBuilder } from 'kysely';
import type { DialectName } from './db.js';

/**
 * The engine's dialect differences, in one place (ARCHITECTURE §1).
 *
 * Claiming: on PostgreSQL several engine processes share the tables, so the due-record read locks
 * what it returns and skips rows another worker holds (`FOR UPDATE SKIP LOCKED`); the following
 * UPDATE in the same transaction is then uncontended. SQLite has one writer at a time and no row
 * locks: the transaction itself serialises claims, and the clause would be a syntax error.
 */
export function lockForClaim<DB, TB extends keyof DB, O>(dialect: DialectName, qb: SelectQueryBuilder<DB, TB, O>): SelectQueryBuilder<DB, TB, O> {
  return dialect === 'postgres' ? qb.forUpdate().skipLocked() : qb;
}

/** Rows per multi-row INSERT: well under SQLite's 32766 and PostgreSQL's 65535 bound parameters. */
export function insertChunkSize(columns: number): number {
  return Math.max(1, Math.floor(30_000 / columns));
}
