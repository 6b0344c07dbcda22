/**
 * Migration 009 (contacts keyed by the list's number) on data written under 008: every list gets a
 * number, contacts keep their list order, ids (stored only when not derivable) and creation times
 * to the millisecond, rows beyond visible_seq are not copied, and new lists are numbered too.
 */
import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { toKoreContact } from '../../src/domain/contacts/contact-list-view.js';
import { migrate } from '../../src/storage/migrations/index.js';
import { ContactsRepo, contactId } from '../../src/storage/repos/contacts-repo.js';
import { DIALECTS, storedContacts, useDbAtMigration, type TestDb } from '../support/test-db.js';

const NOW = '2026-11-27T08:00:00.000Z';
const A = 'cl-0b5a3c9e-7a1d-4f3e-9c2b-5d8e6f7a8b9c';
const B = 'cl-1c6b4d0f-8b2e-405f-8d3c-6e9f7a8b9c0d';
const CREATED = ['2026-03-01T10:20:30.456Z', '2026-03-02T23:59:59.999Z', '2026-03-03T00:00:00.001Z'];

describe.each(DIALECTS)('migration 009 on %s', (dialect) => {
  const dbAt = useDbAtMigration(dialect, NOW);

  /** A database at 008: list A with two visible contacts (a derived id and an older random one) and an unfinished import's row; list B with one. */
  async function at008(): Promise<TestDb> {
    const { db: d, run } = await dbAt('008-bot-campaign-concurrency');
    for (const [id, name, visible] of [
      [A, 'A', 2],
      [B, 'B', 1],
    ] as const) {
      await run(`INSERT INTO contact_lists (id, account_id, bot_id, name, lname, description, source, status, total_record_count, visible_seq, created_at, updated_at)
                 VALUES ('${id}', 'acc', 'bot', '${name}', '${name.toLowerCase()}', '', 'api', 'Ready', ${visible}, ${visible}, '${NOW}', '${NOW}')`);
    }
    const contact = (id: string, list: string, seq: number, phone: string, created: string) =>
      run(`INSERT INTO contacts (id, list_id, seq, phone_e164, phone_raw, first_name, extra, created_at, updated_at)
           VALUES ('${id}', '${list}', ${seq}, '${phone}', '${phone.slice(2)}', 'F${seq}', '{"email":"x@example.com"}', '${created}', '${created}')`);
    await contact(`cc-${A.slice(3)}-1`, A, 1, '+14155550001', CREATED[0]!);
    await contact('cc-7f1e2d3c-0000-4000-8000-000000000001', A, 2, '+14155550002', CREATED[1]!);
    await contact(`cc-${A.slice(3)}-3`, A, 3, '+14155550003', CREATED[2]!); // an unfinished import's row
    await contact(`cc-${B.slice(3)}-1`, B, 1, '+14155550001', CREATED[2]!);
    return d;
  }

  it('numbers the lists and copies visible contacts with their order, ids and creation times', async () => {
    const d = await at008();
    expect(await migrate(d, '009-contacts-by-list-number')).toEqual(['009-contacts-by-list-number']);

    const lists = await d.kysely.selectFrom('contact_lists').select(['id', 'list_no']).orderBy('id').execute();
    expect(new Set(lists.map((l) => Number(l.list_no))).size).toBe(2);
    // Stored: the derived id is dropped, the older one kept; times are epoch ms.
    const stored = await sql<{ list_id: string; seq: number; id: string | null; created_at: number }>`
      SELECT l.id AS list_id, c.seq, c.id, c.created_at FROM contacts c JOIN contact_lists l ON l.list_no = c.list_no ORDER BY l.id, c.seq`.execute(
      d.kysely,
    );
    expect(stored.rows.map((r) => [r.list_id, Number(r.seq), r.id, Number(r.created_at)])).toEqual([
      [A, 1, null, Date.parse(CREATED[0]!)],
      [A, 2, 'cc-7f1e2d3c-0000-4000-8000-000000000001', Date.parse(CREATED[1]!)],
      [B, 1, null, Date.parse(CREATED[2]!)],
    ]);

    // Read back as before the upgrade.
    const page = await new ContactsRepo(d.kysely).page(A, 0, 10);
    expect(page.map(toKoreContact)).toEqual([
      {
        email: 'x@example.com',
        _id: contactId(A, 1),
        phoneNumber: '4155550001',
        phoneNumberE164: '+14155550001',
        firstName: 'F1',
        createdAt: CREATED[0],
        updatedAt: CREATED[0],
      },
      {
        email: 'x@example.com',
        _id: 'cc-7f1e2d3c-0000-4000-8000-000000000001',
        phoneNumber: '4155550002',
        phoneNumberE164: '+14155550002',
        firstName: 'F2',
        createdAt: CREATED[1],
        updatedAt: CREATED[1],
      },
    ]);
    expect(contactId(A, 1)).toBe(`cc-${A.slice(3)}-1`);
    // Membership (contact_phones, migration 011) holds the upgraded lists' visible numbers only.
    await migrate(d);
    expect(await new ContactsRepo(d.kysely).onLists([B], ['+14155550001', '+14155550002'])).toEqual(
      new Map([['+14155550001', B]]),
    );
    expect(await new ContactsRepo(d.kysely).onLists([A], ['+14155550001', '+14155550002', '+14155550003'])).toEqual(
      new Map([
        ['+14155550001', A],
        ['+14155550002', A],
      ]),
    );
  });

  it('numbers new lists, refuses a second contact at the same place, and deletes a list with its contacts', async () => {
    const d = await at008();
    await migrate(d);
    const C = 'cl-2d7c5e10-9c3f-4160-9e4d-7f0a8b9c0d1e';
    await sql
      .raw(
        `INSERT INTO contact_lists (id, account_id, bot_id, name, lname, description, source, status, total_record_count, created_at, updated_at)
                   VALUES ('${C}', 'acc', 'bot', 'C', 'c', '', 'api', 'Ready', 0, '${NOW}', '${NOW}')`,
      )
      .execute(d.kysely);
    const numbers = await d.kysely.selectFrom('contact_lists').select(['id', 'list_no']).execute();
    const no = new Map(numbers.map((l) => [l.id, Number(l.list_no)]));
    expect(no.get(C)).toBeGreaterThan(Math.max(no.get(A)!, no.get(B)!));

    const insert = (list: string, seq: number) =>
      sql
        .raw(
          `INSERT INTO contacts (list_no, seq, phone_e164, phone_raw, created_at) VALUES (${no.get(list)}, ${seq}, '+14155550009', '4155550009', 0)`,
        )
        .execute(d.kysely);
    await insert(C, 1);
    await expect(insert(C, 1)).rejects.toThrow(/UNIQUE|unique|duplicate/);

    await d.kysely.deleteFrom('contact_lists').where('id', '=', A).execute();
    const left = await sql<{
      list_no: number;
      seq: number;
    }>`SELECT list_no, seq FROM contacts ORDER BY list_no`.execute(d.kysely);
    expect(left.rows.map((r) => [Number(r.list_no), Number(r.seq)])).toEqual([
      [no.get(B), 1],
      [no.get(C), 1],
    ]);
    expect((await storedContacts(d, C)).map((r) => r.phone_e164)).toEqual(['+14155550009']);
  });
});
