import type { DialectName } from '../db.js';

/** What a migration needs to know about the dialect it writes DDL for. */
export interface MigrationDialect {
  name: DialectName;
  /** Column type for epoch-millisecond instants. */
  epochMs: 'bigint' | 'integer';
}
