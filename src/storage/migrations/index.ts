import type { Kysely, Migration, MigrationProvider } from 'kysely';
import { Migrator } from 'kysely';
import type { Db } from '../db.js';
import type { MigrationDialect } from './migration-dialect.js';
import * as m001 from './001-tenancy-and-campaigns.js';
import * as m002 from './002-contacts.js';
import * as m004 from './004-engine.js';
import * as m003contacts from './003-contact-imports.js';
import * as m005 from './005-engine-indexes.js';
import * as m006 from './006-contact-import-ranges.js';
import * as m007 from './007-contacts-by-list-order.js';
import * as m008 from './008-bot-campaign-concurrency.js';
import * as m009 from './009-contacts-by-list-number.js';
import * as m010 from './010-contacts-list-check-per-statement.js';
import * as m011 from './011-contact-phones.js';
import * as m012 from './012-agents.js';
import * as m013 from './013-dnc-expiry.js';
import * as m014 from './014-flow-numbers.js';
import * as m015 from './015-live-lists.js';
import * as m016 from './016-contact-protection.js';
import * as m018 from './018-idempotency-keys.js';
import * as m017 from './017-events.js';
import * as m019 from './019-attempts-by-instance-start.js';
import * as m020 from './020-rate-limits.js';
import * as m021 from './021-predictive.js';
import * as m022 from './022-instance-counters.js';
import * as m023 from './023-attempts-record-check-per-statement.js';

type Step = { up(db: Kysely<unknown>, d: MigrationDialect): Promise<void> };

/** Forward-only, numbered. Append; never edit one that has shipped. */
const steps: Record<string, Step> = {
  '001-tenancy-and-campaigns': m001,
  '002-contacts': m002,
  // 003 is the contact-imports migration; the engine's is 004 so the two could land in either order.
  '004-engine': m004,
  '003-contact-imports': m003contacts,
  '005-engine-indexes': m005,
  '006-contact-import-ranges': m006,
  '007-contacts-by-list-order': m007,
  '008-bot-campaign-concurrency': m008,
  '009-contacts-by-list-number': m009,
  '010-contacts-list-check-per-statement': m010,
  '011-contact-phones': m011,
  '012-agents': m012,
  '013-dnc-expiry': m013,
  // 014 was written alongside 013 (contact protection); Kysely applies them in name order.
  '014-flow-numbers': m014,
  '015-live-lists': m015,
  '016-contact-protection': m016,
  '018-idempotency-keys': m018,
  '017-events': m017,
  '019-attempts-by-instance-start': m019,
  '020-rate-limits': m020,
  '021-predictive': m021,
  '022-instance-counters': m022,
  '023-attempts-record-check-per-statement': m023,
};

/** Applies every pending migration (or those up to and including `upTo`: tests of a migration's data handling); returns their names. */
export async function migrate(db: Db, upTo?: string): Promise<string[]> {
  const d: MigrationDialect = { name: db.dialect, epochMs: db.dialect === 'postgres' ? 'bigint' : 'integer' };
  const provider: MigrationProvider = {
    async getMigrations() {
      const out: Record<string, Migration> = {};
      for (const [name, step] of Object.entries(steps)) out[name] = { up: (k) => step.up(k, d) };
      return out;
    },
  };
  const migrator = new Migrator({ db: db.kysely, provider });
  // Kysely applies SQLite migrations one by one (no transactional DDL there): an attempt that fails
  // part-way has still applied the ones before, and they must be reported.
  const applied: string[] = [];
  for (let attempt = 1; ; attempt++) {
    const { error, results } = await (upTo ? migrator.migrateTo(upTo) : migrator.migrateToLatest());
    for (const r of results ?? [])
      if (r.status === 'Success' && !applied.includes(r.migrationName)) applied.push(r.migrationName);
    // Kysely takes no cross-process lock on SQLite: when several processes start on a fresh file,
    // the losers fail on "already exists" (or a duplicate column) and roll back. Running again then
    // finds the winner's migrations applied. (PostgreSQL is serialised by Kysely's lock.)
    if (
      error &&
      db.dialect === 'sqlite' &&
      attempt < 100 &&
      /already exists|duplicate column|UNIQUE constraint failed: kysely_migration|database is locked/.test(
        String((error as Error).message),
      )
    ) {
      // Give the winner time to finish before looking again (up to ~10 s in all).
      await new Promise((r) => setTimeout(r, 50 + Math.random() * 100));
      continue;
    }
    if (error) throw error;
    return applied;
  }
}
