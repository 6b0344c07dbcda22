import type { Kysely } from 'kysely';
import type { ContactRow, Database } from '../schema.js';

/** Largest IN-list sent in one DNC query; keeps PostgreSQL and SQLite parameter counts small. */
const DNC_CHUNK = 500;

/**
 * Contacts of lists. Every read ignores rows with `pending_import_id` set: they belong to an import
 * that has not completed (or died), and must never be visible as part of the list.
 */
export class ContactsRepo {
  constructor(private readonly db: Kysely<Database>) {}

  /** One page of a list in list order (seq, then id for ties between concurrent imports). */
  page(listId: string, offset: number, limit: number): Promise<ContactRow[]> {
    return this.db
      .selectFrom('contacts')
      .selectAll()
      .where('list_id', '=', listId)
      .where('pending_import_id', 'is', null)
      .orderBy('seq')
      .orderBy('id')
      .offset(offset)
      .limit(limit)
      .execute();
  }

  /**
   * Which of `numbers` (E.164) are on any of `listIds`. One indexed probe per (list, number) via
   * contacts_list_phone_idx; numbers are sent in chunks so a batch of thousands stays one round trip
   * per chunk.
   */
  async onLists(listIds: readonly string[], numbers: readonly string[]): Promise<Set<string>> {
    const hits = new Set<string>();
    if (listIds.length === 0 || numbers.length === 0) return hits;
    const unique = [...new Set(numbers)];
    for (let i = 0; i < unique.length; i += DNC_CHUNK) {
      const chunk = unique.slice(i, i + DNC_CHUNK);
      const rows = await this.db
        .selectFrom('contacts')
        .select('phone_e164')
        .distinct()
        .where('list_id', 'in', [...listIds])
        .where('phone_e164', 'in', chunk)
        .where('pending_import_id', 'is', null)
        .execute();
      for (const r of rows) hits.add(r.phone_e164);
    }
    return hits;
  }
}
