import { sql, type Kysely } from 'kysely';
import type { MigrationDialect } from './migration-dialect.js';

/**
 * PostgreSQL: an attempt's reference to its dial record is checked once per statement instead of
 * once per row, for the engine's claims (migration 010 did the same for contacts and their lists).
 * The foreign key attempts(record_id) → dial_records(id) ran a lookup per attempt inserted, each its
 * own query with its own snapshot and a row lock: a third or more of a claim's attempts INSERT
 * (20–38 µs an attempt; engine bench, 100k records, docs/benchmarks.md, the fifth step). The
 * claim already holds its records FOR UPDATE, so the one locking read below costs an index probe
 * per record and writes nothing.
 * The triggers keep what the foreign key guaranteed, under concurrency too:
 * - an INSERT of attempts locks each record it names FOR KEY SHARE (as the foreign key did) and
 *   fails with 23503 when one does not exist; an UPDATE that moves an attempt to another record
 *   does the same for that record (nothing does; it costs the outcome writes nothing, since they
 *   do not set record_id);
 * - deleting records (a run's, when its campaign is deleted) deletes their attempts. The DELETE
 *   waits for every transaction holding such a lock, and the trigger's own DELETE, a new
 *   statement, then sees the attempts they committed; a transaction inserting attempts of a record
 *   already deleted finds no row to lock and fails;
 * - a record's id cannot change (it never does: it is an identity).
 * (All under READ COMMITTED, PostgreSQL's default, which campaignd uses.) SQLite keeps its foreign
 * key: there the check is an in-process B-tree probe (measured: within the engine bench's noise).
 */
export async function up(db: Kysely<unknown>, d: MigrationDialect): Promise<void> {
  if (d.name !== 'postgres') return;
  await sql`ALTER TABLE attempts DROP CONSTRAINT attempts_record_id_fkey`.execute(db);

  await sql`
    CREATE FUNCTION attempts_records_exist() RETURNS trigger LANGUAGE plpgsql AS $$
    DECLARE
      wanted bigint;
      locked bigint;
      missing text;
    BEGIN
      SELECT count(DISTINCT record_id) INTO wanted FROM new_attempts;
      -- One index probe per record (= ANY of an array): never a scan of every record.
      SELECT count(*) INTO locked FROM (
        SELECT 1 FROM dial_records WHERE id = ANY (ARRAY(SELECT record_id FROM new_attempts)) FOR KEY SHARE
      ) l;
      IF locked < wanted THEN
        SELECT n.record_id INTO missing FROM new_attempts n
         WHERE NOT EXISTS (SELECT 1 FROM dial_records r WHERE r.id = n.record_id) LIMIT 1;
        RAISE foreign_key_violation USING MESSAGE = format('dial record %s does not exist', missing), TABLE = 'attempts';
      END IF;
      RETURN NULL;
    END $$`.execute(db);
  await sql`
    CREATE TRIGGER attempts_records_exist_on_insert AFTER INSERT ON attempts
    REFERENCING NEW TABLE AS new_attempts FOR EACH STATEMENT EXECUTE FUNCTION attempts_records_exist()`.execute(db);

  await sql`
    CREATE FUNCTION attempts_record_exists() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      PERFORM 1 FROM dial_records WHERE id = NEW.record_id FOR KEY SHARE;
      IF NOT FOUND THEN
        RAISE foreign_key_violation USING MESSAGE = format('dial record %s does not exist', NEW.record_id), TABLE = 'attempts';
      END IF;
      RETURN NULL;
    END $$`.execute(db);
  await sql`
    CREATE TRIGGER attempts_record_exists_on_update AFTER UPDATE OF record_id ON attempts
    FOR EACH ROW WHEN (OLD.record_id IS DISTINCT FROM NEW.record_id) EXECUTE FUNCTION attempts_record_exists()`.execute(
    db,
  );

  await sql`
    CREATE FUNCTION dial_records_delete_attempts() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      DELETE FROM attempts a USING old_records o WHERE a.record_id = o.id;
      RETURN NULL;
    END $$`.execute(db);
  await sql`
    CREATE TRIGGER dial_records_delete_attempts AFTER DELETE ON dial_records
    REFERENCING OLD TABLE AS old_records FOR EACH STATEMENT EXECUTE FUNCTION dial_records_delete_attempts()`.execute(
    db,
  );

  await sql`
    CREATE FUNCTION dial_records_keep_id() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      RAISE foreign_key_violation USING MESSAGE = 'a dial record''s id cannot change', TABLE = 'dial_records';
    END $$`.execute(db);
  await sql`
    CREATE TRIGGER dial_records_keep_id BEFORE UPDATE OF id ON dial_records
    FOR EACH ROW WHEN (OLD.id IS DISTINCT FROM NEW.id) EXECUTE FUNCTION dial_records_keep_id()`.execute(db);
}
