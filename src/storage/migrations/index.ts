import type { Kysely, Migration, MigrationProvider } from 'kysely';
import { Migrator } from 'kysely';
import type { Db } from '../db.js';
import * as m001 from './001-tenancy-and-campaigns.js';
import * as m002 from './002-contacts.js';

/** What a migration needs to know about the dialect it writes DDL for. */
export interface MigrationDialect {
  name: Db['dialect'];
  /** Column type for epoch-millisecond instants. */
  epochMs: 'bigint' | 'integer';
}

type Step = { up(db: Kysely<unknown>, d: MigrationDialect): Promise<void> };

/** Forward-only, numbered. Append; never edit one that has shipped. */
const steps: Record<string, Step> = {
  '001-tenancy-and-campaigns': m001,
  '002-contacts': m002,
};

export async function migrate(db: Db): Promise<string[]> {
  const d: MigrationDialect = { name: db.dialect, epochMs: db.dialect === 'postgres' ? 'bigint' : 'integer' };
  const provider: MigrationProvider = {
    async getMigrations() {
      const out: Record<string, Migration> = {};
      for (const [name, step] of Object.entries(steps)) out[name] = { up: (k) => step.up(k, d) };
      return out;
    },
  };
  const { error, results } = await new Migrator({ db: db.kysely, provider }).migrateToLatest();
  if (error) throw error;
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}
