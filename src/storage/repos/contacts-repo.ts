import { sql, type Kysely } from 'kysely';
import type { ContactRow, Database } from '../schema.js';

/** Largest IN-list sent in one membership query; keeps PostgreSQL and SQLite parameter counts small. */
const MEMBERSHIP_CHUNK = 500;

/**
 * A contact's public id: its stored one (given before migration 007 in another form), else
 * `cc-<list uuid>-<seq>` (list ids are `cl-<uuid>`). Unique because (list, seq) is the contacts key
 * and a list's contents are never renumbered (the seqs of a failed import's rows are reused, but
 * those rows were never seen). Worked out on read, so an import does not store it a million times.
 */
const contactIdSql = sql<string>`COALESCE(contacts.id, 'cc-' || substr(contact_lists.id, 4) || '-' || contacts.seq)`;

/** The id contactIdSql gives a contact without a stored id. */
export function contactId(listId: string, seq: number): string {
  return `cc-${listId.slice(3)}-${seq}`;
}

/**
 * The contacts that are part of their list: `seq <= contact_lists.visible_seq` (migration 007),
 * joined to their list (contacts are keyed by its `list_no`, migration 009). Rows beyond belong to
 * an import that has not completed (or died) and must never be seen. Every read of contacts
 * starts here; filter on `contact_lists.id`.
 */
function visibleContacts(db: Kysely<Database>) {
  return db
    .selectFrom('contacts')
    .innerJoin('contact_lists', 'contact_lists.list_no', 'contacts.list_no')
    .whereRef('contacts.seq', '<=', 'contact_lists.visible_seq');
}

/** What play (and a live list) reads of each contact. */
function playColumns(q: ReturnType<typeof visibleContacts>) {
  return q
    .select([
      contactIdSql.as('id'),
      'contact_lists.id as list_id',
      'contacts.seq',
      'contacts.phone_e164',
      'contacts.phone_raw',
      'contacts.first_name',
      'contacts.last_name',
    ])
    .select(['contacts.time_zone', 'contacts.unique_id', 'contacts.contact_priority', 'contacts.extra']);
}

/** A contact as read: with its public id and list id. */
export type ListContactRow = Omit<ContactRow, 'list_no' | 'id' | 'expires_at'> & { id: string; list_id: string };

/** A contact as the engine needs it at play time. */
export type PlayContact = Pick<
  ListContactRow,
  | 'id'
  | 'list_id'
  | 'seq'
  | 'phone_e164'
  | 'phone_raw'
  | 'first_name'
  | 'last_name'
  | 'time_zone'
  | 'unique_id'
  | 'contact_priority'
  | 'extra'
>;

/** Contacts of lists, as they are visible (see visibleContacts). */
export class ContactsRepo {
  constructor(private readonly db: Kysely<Database>) {}

  /** One page of a list in list order. */
  page(listId: string, offset: number, limit: number): Promise<ListContactRow[]> {
    return visibleContacts(this.db)
      .select([
        contactIdSql.as('id'),
        'contact_lists.id as list_id',
        'contacts.seq',
        'contacts.phone_e164',
        'contacts.phone_raw',
        'contacts.extension',
      ])
      .select([
        'contacts.first_name',
        'contacts.last_name',
        'contacts.time_zone',
        'contacts.unique_id',
        'contacts.contact_priority',
        'contacts.extra',
        'contacts.created_at',
      ])
      .where('contact_lists.id', '=', listId)
      .orderBy('contacts.seq')
      .offset(offset)
      .limit(limit)
      .execute();
  }

  /** The contacts of the lists a campaign plays, in list order then `seq` (FIFO order). */
  async playContacts(listIds: readonly string[]): Promise<PlayContact[]> {
    const out: PlayContact[] = [];
    for (const listId of listIds) {
      const rows = await playColumns(visibleContacts(this.db))
        .where('contact_lists.id', '=', listId)
        .orderBy('contacts.seq', 'asc')
        .execute();
      out.push(...rows);
    }
    return out;
  }

  /**
   * Where each list stands: its `list_no` and `visible_seq` (play reads them before the contacts,
   * so a run's mark never skips a contact that became visible while it read).
   */
  async listMarks(listIds: readonly string[]): Promise<Map<string, { listNo: number; visibleSeq: number }>> {
    if (listIds.length === 0) return new Map();
    const rows = await this.db
      .selectFrom('contact_lists')
      .select(['id', 'list_no', 'visible_seq'])
      .where('id', 'in', [...listIds])
      .execute();
    return new Map(rows.map((r) => [r.id, { listNo: Number(r.list_no), visibleSeq: Number(r.visible_seq) }]));
  }

  /**
   * Up to `limit` visible contacts of a list after `afterSeq`, by `seq` (live lists): a range of
   * the contacts key (list_no, seq), so the cost is what is read, whatever the list's size.
   */
  playContactsAfter(listNo: number, afterSeq: number, limit: number): Promise<PlayContact[]> {
    return playColumns(visibleContacts(this.db))
      .where('contacts.list_no', '=', listNo)
      .where('contacts.seq', '>', afterSeq)
      .orderBy('contacts.seq', 'asc')
      .limit(limit)
      .execute();
  }

  /**
   * Which of `numbers` (E.164) are on any of `listIds`, each with one list it is on. One indexed
   * probe per (list, number) in contact_phones (migration 011), visible rows only; numbers are sent
   * in chunks so a batch of thousands stays one round trip per chunk. With `nowMs`, an entry whose
   * `expires_at` (migration 013) is at or before it does not count (read from the contact row the
   * probe found, by its key: no index on the column).
   */
  async onLists(listIds: readonly string[], numbers: readonly string[], nowMs?: number): Promise<Map<string, string>> {
    const hits = new Map<string, string>();
    for (const [phone, entry] of await this.entriesOn(listIds, numbers, nowMs)) hits.set(phone, entry.listId);
    return hits;
  }

  /** As onLists, with the entry's expiry: per number, the entry that holds longest (a permanent one first). */
  async entriesOn(
    listIds: readonly string[],
    numbers: readonly string[],
    nowMs?: number,
  ): Promise<Map<string, { listId: string; expiresAt: number | null }>> {
    const hits = new Map<string, { listId: string; expiresAt: number | null }>();
    for (const r of await visibleEntries(this.db, listIds, numbers, nowMs)) {
      const held = hits.get(r.phone);
      if (!held || (held.expiresAt !== null && (r.expiresAt === null || r.expiresAt > held.expiresAt)))
        hits.set(r.phone, { listId: r.listId, expiresAt: r.expiresAt });
    }
    return hits;
  }
}

/** A visible row of a list holding a number: its place (`seq`) and its expiry (epoch ms; null: never). */
export interface VisibleEntry {
  listId: string;
  phone: string;
  seq: number;
  expiresAt: number | null;
}

/**
 * The visible rows of `listIds` whose number is one of `numbers` (E.164), unordered: one indexed
 * probe per (list, number) in contact_phones (migration 011), the expiry read from the contact row
 * by its key (no index on it). Numbers go in chunks so thousands stay one round trip per chunk.
 * With `nowMs`, an entry expired at or before it is left out. The DNC check and DNC management
 * both read entries through this.
 */
export async function visibleEntries(
  db: Kysely<Database>,
  listIds: readonly string[],
  numbers: readonly string[],
  nowMs?: number,
): Promise<VisibleEntry[]> {
  const out: VisibleEntry[] = [];
  if (listIds.length === 0 || numbers.length === 0) return out;
  const unique = [...new Set(numbers)];
  for (let i = 0; i < unique.length; i += MEMBERSHIP_CHUNK) {
    let q = db
      .selectFrom('contact_phones')
      .innerJoin('contact_lists', 'contact_lists.list_no', 'contact_phones.list_no')
      .innerJoin('contacts', (j) =>
        j.onRef('contacts.list_no', '=', 'contact_phones.list_no').onRef('contacts.seq', '=', 'contact_phones.seq'),
      )
      .whereRef('contact_phones.seq', '<=', 'contact_lists.visible_seq')
      .select(['contact_lists.id as list_id', 'contact_phones.phone_e164', 'contact_phones.seq', 'contacts.expires_at'])
      .where('contact_lists.id', 'in', [...listIds])
      .where('contact_phones.phone_e164', 'in', unique.slice(i, i + MEMBERSHIP_CHUNK));
    if (nowMs !== undefined)
      q = q.where((eb) => eb.or([eb('contacts.expires_at', 'is', null), eb('contacts.expires_at', '>', nowMs)]));
    for (const r of await q.execute())
      out.push({
        listId: r.list_id,
        phone: r.phone_e164,
        seq: Number(r.seq),
        expiresAt: r.expires_at === null ? null : Number(r.expires_at),
      });
  }
  return out;
}
