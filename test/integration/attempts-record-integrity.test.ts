/**
 * Attempts always belong to an existing dial record (migration 023 on PostgreSQL: per-statement
 * triggers instead of the per-row foreign key; SQLite keeps its foreign key), including under
 * concurrency: deleting a campaign deletes its records' attempts, and waits for a claim writing them.
 */
import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { blocked, withClients } from '../support/pg-sessions.js';
import { DIALECTS, useDbAtMigration, type DbAtMigration } from '../support/test-db.js';

const NOW = '2026-12-07T08:00:00.000Z';
const T = Date.parse(NOW);
const LATEST = '023-attempts-record-check-per-statement';

/** Campaign `cmp` with one run `cid-<cmp>` and `records` pending records `r-<cmp>-<i>`. */
async function addCampaign(at: DbAtMigration, cmp: string, records: number): Promise<void> {
  await at.run(`INSERT INTO campaigns (id, account_id, bot_id, type, name, lname, description, status, priority, config, created_at, updated_at)
                VALUES ('${cmp}', 'acc', 'bot', 'voice', '${cmp}', '${cmp}', '', 'Active', 1, '{}', '${NOW}', '${NOW}')`);
  await at.run(`INSERT INTO campaign_instances (id, campaign_id, account_id, bot_id, type, status, started_at)
                VALUES ('cid-${cmp}', '${cmp}', 'acc', 'bot', 'voice', 'Active', ${T})`);
  for (let i = 0; i < records; i++)
    await at.run(`INSERT INTO dial_records (id, instance_id, campaign_id, phone_e164, order_key, state, next_at, updated_at)
                  VALUES ('r-${cmp}-${i}', 'cid-${cmp}', '${cmp}', '+1415555${String(i).padStart(4, '0')}', ${i}, 'pending', ${T}, ${T})`);
}

/** One INSERT of attempt `<record>-a` for each record named. */
function attemptsSql(cmp: string, records: readonly string[]): string {
  const values = records.map((r) => `('${r}-a', '${r}', 'cid-${cmp}', 1, 'voice', 'w', ${T}, 'acc', '+14155550000')`);
  return `INSERT INTO attempts (id, record_id, instance_id, attempt_no, channel, worker, started_at, account_id, phone_e164)
          VALUES ${values.join(', ')}`;
}

async function attemptIds(at: DbAtMigration): Promise<string[]> {
  const r = await sql<{ id: string }>`SELECT id FROM attempts ORDER BY id`.execute(at.db.kysely);
  return r.rows.map((x) => x.id);
}

describe.each(DIALECTS)('attempts and their records on %s', (dialect) => {
  const dbAt = useDbAtMigration(dialect, NOW);
  const refused = dialect === 'postgres' ? { code: '23503' } : { code: 'SQLITE_CONSTRAINT_FOREIGNKEY' };

  it('refuses attempts of a record that does not exist, and deletes a campaign with its attempts only', async () => {
    const at = await dbAt(LATEST);
    await addCampaign(at, 'ca', 2);
    await addCampaign(at, 'cb', 1);
    await at.run(attemptsSql('ca', ['r-ca-0', 'r-ca-1']));
    await at.run(attemptsSql('cb', ['r-cb-0']));
    await expect(at.run(attemptsSql('ca', ['r-gone']))).rejects.toMatchObject(refused);
    // Nothing of the refused statement stays, not even its valid rows.
    await at.run(`DELETE FROM attempts WHERE id = 'r-ca-1-a'`);
    await expect(at.run(attemptsSql('ca', ['r-ca-1', 'r-gone']))).rejects.toMatchObject(refused);
    expect(await attemptIds(at)).toEqual(['r-ca-0-a', 'r-cb-0-a']);
    // Moving an attempt to a record that does not exist is refused too.
    await expect(at.run(`UPDATE attempts SET record_id = 'r-gone' WHERE id = 'r-ca-0-a'`)).rejects.toMatchObject(
      refused,
    );

    // A campaign's deletion goes through its runs and records to their attempts.
    await at.run(`DELETE FROM campaigns WHERE id = 'ca'`);
    expect(await attemptIds(at)).toEqual(['r-cb-0-a']);
  });
});

describe('attempts and their records on postgres, concurrently', () => {
  const dbAt = useDbAtMigration('postgres', NOW);

  it('deleting a campaign waits for a transaction writing attempts of its records, then deletes what it committed', async () => {
    const at = await dbAt(LATEST);
    await addCampaign(at, 'busy', 3);
    await withClients(at, async (writer, deleter, deleterPid) => {
      await writer.query('BEGIN');
      // Not holding the records first (a claim does): the check's own lock is what the delete waits for.
      await writer.query(attemptsSql('busy', ['r-busy-0', 'r-busy-1', 'r-busy-2']));
      const deleting = deleter.query(`DELETE FROM campaigns WHERE id = 'busy'`);
      await blocked(at, deleterPid);
      await writer.query('COMMIT');
      await deleting;
    });
    expect(await attemptIds(at)).toEqual([]);
  });

  it('a transaction writing attempts of a record being deleted waits, then fails and leaves nothing', async () => {
    const at = await dbAt(LATEST);
    await addCampaign(at, 'going', 2);
    await withClients(at, async (deleter, writer, writerPid) => {
      await deleter.query('BEGIN');
      await deleter.query(`DELETE FROM campaigns WHERE id = 'going'`);
      const writing = writer.query(attemptsSql('going', ['r-going-0', 'r-going-1']));
      writing.catch(() => {});
      await blocked(at, writerPid);
      await deleter.query('COMMIT');
      await expect(writing).rejects.toMatchObject({ code: '23503' });
    });
    expect(await attemptIds(at)).toEqual([]);
  });

  it("refuses to change a record's id, and lets an attempt move to a record that exists", async () => {
    const at = await dbAt(LATEST);
    await addCampaign(at, 'fixed', 2);
    await at.run(attemptsSql('fixed', ['r-fixed-0']));
    await expect(at.run(`UPDATE dial_records SET id = 'r-other' WHERE id = 'r-fixed-0'`)).rejects.toMatchObject({
      code: '23503',
    });
    await at.run(`UPDATE dial_records SET state = 'done' WHERE id = 'r-fixed-0'`);
    await at.run(`UPDATE attempts SET record_id = 'r-fixed-1' WHERE id = 'r-fixed-0-a'`);
    const moved = await sql<{ record_id: string }>`SELECT record_id FROM attempts`.execute(at.db.kysely);
    expect(moved.rows).toEqual([{ record_id: 'r-fixed-1' }]);
  });
});
