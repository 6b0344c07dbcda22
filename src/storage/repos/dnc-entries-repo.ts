import { sql, type Kysely } from 'kysely';
import type { Database } from '../schema.js';
import { visibleEntries } from './contacts-repo.js';

/** Numbers per statement: keeps IN-lists (and SQLite's parameter count) small. */
const CHUNK = 500;

/** One visible row of a list holding a number, with its DNC expiry (epoch ms; null: never). */
export interface DncEntryRow {
  listId: string;
  phone: string;
  expiresAt: number | null;
}

/**
 * DNC entries as rows of their lists (docs/imports.md "DNC management"): which lists hold a number,
 * the entries' expiry (contacts.expires_at, migration 013), and removal. Adding goes through the
 * import use case like any other contact, so list order and the one-writer-per-list rule hold.
 * Only visible rows (seq <= visible_seq) are read, changed or removed: rows of a running import
 * are its own until it completes.
 */
export class DncEntriesRepo {
  constructor(private readonly db: Kysely<Database>) {}

  /** Every visible row of `listIds` whose number is one of `numbers` (E.164), in list then number order. */
  async entries(listIds: readonly string[], numbers: readonly string[]): Promise<DncEntryRow[]> {
    const rows = await visibleEntries(this.db, listIds, numbers);
    rows.sort((a, b) => cmp(a.listId, b.listId) || cmp(a.phone, b.phone) || a.seq - b.seq);
    return rows.map(({ listId, phone, expiresAt }) => ({ listId, phone, expiresAt }));
  }

  /** Sets the expiry of every visible row of the list holding one of `numbers`; answers how many rows changed. */
  async setExpiry(listId: string, numbers: readonly string[], expiresAt: number | null): Promise<number> {
    const list = await this.listOf(listId);
    if (!list || numbers.length === 0) return 0;
    let changed = 0;
    for (let i = 0; i < numbers.length; i += CHUNK) {
      const res = await this.db
        .updateTable('contacts')
        .set({ expires_at: expiresAt })
        .where('list_no', '=', list.list_no)
        .where('seq', '<=', list.visible_seq)
        .where('phone_e164', 'in', numbers.slice(i, i + CHUNK))
        .executeTakeFirst();
      changed += Number(res.numUpdatedRows);
    }
    return changed;
  }

  /**
   * Deletes every visible row of the list holding one of `numbers` and takes them off the list's
   * count, in one transaction; answers the numbers that were on it. (On PostgreSQL contact_phones
   * is a view of contacts, so deleting from it deletes the contacts; on SQLite it is the number
   * table the DNC check reads, kept in step here.)
   */
  async remove(listId: string, numbers: readonly string[]): Promise<Set<string>> {
    const removed = new Set<string>();
    if (numbers.length === 0) return removed;
    await this.db.transaction().execute(async (trx) => {
      const list = await new DncEntriesRepo(trx).listOf(listId);
      if (!list) return;
      let count = 0;
      for (let i = 0; i < numbers.length; i += CHUNK) {
        const chunk = numbers.slice(i, i + CHUNK);
        const rows = await trx
          .selectFrom('contact_phones')
          .select(['phone_e164', 'seq'])
          .where('list_no', '=', list.list_no)
          .where('seq', '<=', list.visible_seq)
          .where('phone_e164', 'in', chunk)
          .execute();
        if (rows.length === 0) continue;
        for (const r of rows) removed.add(r.phone_e164);
        const seqs = rows.map((r) => Number(r.seq));
        await trx.deleteFrom('contact_phones').where('list_no', '=', list.list_no).where('seq', 'in', seqs).execute();
        await trx.deleteFrom('contacts').where('list_no', '=', list.list_no).where('seq', 'in', seqs).execute();
        count += rows.length;
      }
      if (count > 0)
        await trx
          .updateTable('contact_lists')
          .set({ total_record_count: sql<number>`total_record_count - ${count}` })
          .where('list_no', '=', list.list_no)
          .execute();
    });
    return removed;
  }

  private listOf(listId: string): Promise<{ list_no: number; visible_seq: number } | undefined> {
    return this.db
      .selectFrom('contact_lists')
      .select(['list_no', 'visible_seq'])
      .where('id', '=', listId)
      .executeTakeFirst();
  }
}

const cmp = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
