import type { Kysely } from 'kysely';
import type { ContactListRow, Database } from '../schema.js';

import type { Tenant } from '../../shared/tenant.js';

/** A campaign that references a list, and how (contacts or DNC). */
export interface ListUse {
  listId: string;
  id: string;
  name: string;
  role: 'contacts' | 'dnc';
}

/** A CSV file that filled a list (Kore's `files`). */
export interface ListFile {
  listId: string;
  fileId: string;
  fileName: string;
}

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

  async findByName(t: Tenant, name: string): Promise<ContactListRow | undefined> {
    return (await this.findByNames(t.accountId, t.botId, [name]))[0];
  }

  find(t: Tenant, id: string): Promise<ContactListRow | undefined> {
    return this.db
      .selectFrom('contact_lists')
      .selectAll()
      .where('id', '=', id)
      .where('account_id', '=', t.accountId)
      .where('bot_id', '=', t.botId)
      .executeTakeFirst();
  }

  listAll(t: Tenant): Promise<ContactListRow[]> {
    return this.db
      .selectFrom('contact_lists')
      .selectAll()
      .where('account_id', '=', t.accountId)
      .where('bot_id', '=', t.botId)
      .orderBy('created_at', 'desc')
      .orderBy('id')
      .execute();
  }

  /** The account's global DNC list, whichever bot it was created under. */
  findGlobalDnc(accountId: string): Promise<ContactListRow | undefined> {
    return this.db
      .selectFrom('contact_lists')
      .selectAll()
      .where('account_id', '=', accountId)
      .where('is_global_dnc', '=', 1)
      .executeTakeFirst();
  }

  insert(row: ContactListRow): Promise<unknown> {
    return this.db.insertInto('contact_lists').values(row).execute();
  }

  async update(
    t: Tenant,
    id: string,
    set: Partial<Pick<ContactListRow, 'name' | 'lname' | 'description' | 'allow_duplicates' | 'updated_at'>>,
  ): Promise<boolean> {
    const res = await this.db
      .updateTable('contact_lists')
      .set(set)
      .where('id', '=', id)
      .where('account_id', '=', t.accountId)
      .where('bot_id', '=', t.botId)
      .executeTakeFirst();
    return Number(res.numUpdatedRows) === 1;
  }

  /**
   * Deletes a list unless a campaign references it; contacts and imports go with it (FK cascade).
   * The in-use check and the delete share a transaction, so a campaign created meanwhile either
   * sees the list or fails its own foreign key.
   */
  async deleteUnused(t: Tenant, id: string): Promise<{ deleted: boolean; uses: ListUse[] }> {
    return this.db.transaction().execute(async (trx) => {
      const uses = await new ContactListsRepo(trx).usesOf([id]);
      if (uses.length > 0) return { deleted: false, uses };
      const res = await trx
        .deleteFrom('contact_lists')
        .where('id', '=', id)
        .where('account_id', '=', t.accountId)
        .where('bot_id', '=', t.botId)
        .executeTakeFirst();
      return { deleted: Number(res.numDeletedRows) === 1, uses };
    });
  }

  /** Campaigns referencing the given lists (campaign_lists is keyed by list id, so renames are safe). */
  async usesOf(listIds: string[]): Promise<ListUse[]> {
    if (listIds.length === 0) return [];
    const rows = await this.db
      .selectFrom('campaign_lists as cl')
      .innerJoin('campaigns as c', 'c.id', 'cl.campaign_id')
      .select(['cl.list_id', 'c.id', 'c.name', 'cl.role'])
      .where('cl.list_id', 'in', listIds)
      .orderBy('c.created_at')
      .orderBy('c.id')
      .execute();
    return rows.map((r) => ({ listId: r.list_id, id: r.id, name: r.name, role: r.role }));
  }

  /** CSV files imported into the given lists, oldest first. */
  async filesOf(listIds: string[]): Promise<ListFile[]> {
    if (listIds.length === 0) return [];
    const rows = await this.db
      .selectFrom('imports')
      .select(['list_id', 'id', 'file_name'])
      .where('list_id', 'in', listIds)
      .where('source', '=', 'csv')
      .where('status', '=', 'completed')
      .orderBy('created_at')
      .execute();
    return rows.map((r) => ({ listId: r.list_id, fileId: r.id, fileName: r.file_name ?? '' }));
  }

  /** Lists that have an import queued or running (their status reads "Importing"). */
  async importing(listIds: string[]): Promise<Set<string>> {
    if (listIds.length === 0) return new Set();
    const rows = await this.db
      .selectFrom('imports')
      .select('list_id')
      .distinct()
      .where('list_id', 'in', listIds)
      .where('status', 'in', ['queued', 'running'])
      .execute();
    return new Set(rows.map((r) => r.list_id));
  }
}
