import type { Kysely } from 'kysely';
import type { ContactListRow, Database } from '../schema.js';

/** Contact-list headers (the lists' contacts live in their own repository). */
export class ContactListsRepo {
  constructor(private readonly db: Kysely<Database>) {}

  /** Lists of a bot by case-insensitive names. */
  findByNames(accountId: string, botId: string, names: string[]): Promise<ContactListRow[]> {
    if (names.length === 0) return Promise.resolve([]);
    return this.db
      .selectFrom('contact_lists')
      .selectAll()
      .where('account_id', '=', accountId)
      .where('bot_id', '=', botId)
      .where(
        'lname',
        'in',
        names.map((n) => n.toLowerCase()),
      )
      .execute();
  }

  insert(row: ContactListRow): Promise<unknown> {
    return this.db.insertInto('contact_lists').values(row).execute();
  }
}
