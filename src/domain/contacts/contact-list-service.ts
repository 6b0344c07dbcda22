import type { Clock } from '../../shared/clock.js';
import type {
  ContactList,
  ContactsPage,
  ContactsQuery,
  CreateContactListBody,
  ListContact,
  UpdateContactListBody,
} from '../../contract/contact-list.js';
import { newId, nowIso } from '../../shared/ids.js';
import { isUniqueViolation } from '../../storage/db-errors.js';

import type { Tenant } from '../../shared/tenant.js';
import type { ContactListsRepo, ListUse } from '../../storage/repos/contact-lists-repo.js';
import type { ContactsRepo } from '../../storage/repos/contacts-repo.js';
import type { ContactListRow } from '../../storage/schema.js';
import { errors } from '../../shared/errors.js';
import { nameProblem } from '../../shared/text.js';
import { toKoreContact, toKoreList } from './contact-list-view.js';

const SOURCES = new Map([
  ['passiveapi', 'passiveApi'],
  ['passiveapiintegration', 'passiveApiIntegration'],
]);
/** getAllListDetails `type`: the docs say "must be call"; XO-old passes the campaign type. */
const LIST_TYPES = new Set(['call', 'voice', 'sms']);
export const CONTACTS_PAGE = { defaultLimit: 50, maxLimit: 500 };

type ContactsPageQuery = Pick<ContactsQuery, 'skip' | 'page' | 'limit'>;

/** A list's name is read by people and matched by campaigns: no controls, no bidirectional overrides. */
function checkListName(name: string): void {
  const problem = nameProblem(name);
  if (problem) throw errors.validation('name', `name: ${problem}`);
}

const names = (uses: ListUse[]) => [...new Set(uses.map((u) => u.name))].map((n) => `'${n}'`).join(', ');

export class ContactListService {
  constructor(
    private readonly lists: ContactListsRepo,
    private readonly contacts: ContactsRepo,
    private readonly clock: Clock,
  ) {}

  async create(t: Tenant, body: CreateContactListBody): Promise<ContactList> {
    const name = (body.name ?? body.name1)?.trim();
    if (!name) throw errors.validation('name', 'name: is required');
    checkListName(name);
    const rawSource = body.source?.trim() || 'passiveApi';
    const source = SOURCES.get(rawSource.toLowerCase());
    if (!source) throw errors.validation('source', `source: '${rawSource}' must be passiveApi`);
    const global = body.isGlobalDNC === true;
    if (global) {
      const existing = await this.lists.findGlobalDnc(t.accountId);
      if (existing) throw this.globalTaken(existing);
    }
    const now = nowIso(this.clock.now());
    const row: ContactListRow = {
      id: newId('cl'),
      account_id: t.accountId,
      bot_id: t.botId,
      name,
      lname: name.toLowerCase(),
      description: body.description ?? '',
      source,
      allow_duplicates: body.allowDuplicates === true ? 1 : 0,
      is_global_dnc: global ? 1 : 0,
      status: 'Ready',
      total_record_count: 0,
      created_at: now,
      updated_at: now,
    };
    try {
      await this.lists.insert(row);
    } catch (err) {
      if (!isUniqueViolation(err)) throw err;
      // Two unique indexes can fire: the name per bot, or the one global DNC list per account.
      const existing = global ? await this.lists.findGlobalDnc(t.accountId) : undefined;
      if (existing && existing.lname !== row.lname) throw this.globalTaken(existing);
      throw errors.conflict(`Contact list name '${name}' already exists`, 'name');
    }
    return toKoreList(row, { uses: [], files: [], importing: false });
  }

  async get(t: Tenant, id: string): Promise<ContactList> {
    return this.view(await this.require(t, id));
  }

  async listAll(t: Tenant, type: string | undefined): Promise<ContactList[]> {
    if (type !== undefined && type.trim() !== '' && !LIST_TYPES.has(type.trim().toLowerCase())) {
      throw errors.validation('type', `type: '${type}' must be call`);
    }
    const rows = await this.lists.listAll(t);
    const ids = rows.map((r) => r.id);
    const [uses, files, importing] = await Promise.all([
      this.lists.usesOf(ids),
      this.lists.filesOf(ids),
      this.lists.importing(ids),
    ]);
    return rows.map((r) =>
      toKoreList(r, {
        uses: uses.filter((u) => u.listId === r.id),
        files: files.filter((f) => f.listId === r.id),
        importing: importing.has(r.id),
      }),
    );
  }

  /** Name, description, allowDuplicates. Renaming a list a campaign uses would break its by-name reference: 409. */
  async update(t: Tenant, id: string, body: UpdateContactListBody): Promise<ContactList> {
    const current = await this.require(t, id);
    const name = (body.name ?? body.name1)?.trim();
    if (name !== undefined && name === '') throw errors.validation('name', 'name: must not be empty');
    if (name !== undefined) checkListName(name);
    const set: Parameters<ContactListsRepo['update']>[2] = { updated_at: nowIso(this.clock.now()) };
    if (name !== undefined && name !== current.name) {
      // A change of letter case only keeps every by-name reference working (names match case-insensitively).
      if (name.toLowerCase() !== current.lname) {
        const uses = await this.lists.usesOf([id]);
        if (uses.length > 0) {
          throw errors.conflict(
            `Contact list ${current.name} is used by campaign(s) ${names(uses)}; remove it from them before renaming`,
            'name',
          );
        }
      }
      Object.assign(set, { name, lname: name.toLowerCase() });
    }
    if (body.description !== undefined) set.description = body.description;
    if (body.allowDuplicates !== undefined) set.allow_duplicates = body.allowDuplicates ? 1 : 0;
    try {
      if (!(await this.lists.update(t, id, set))) throw errors.contactListNotFound(id);
    } catch (err) {
      if (isUniqueViolation(err)) throw errors.conflict(`Contact list name '${name}' already exists`, 'name');
      throw err;
    }
    return this.get(t, id);
  }

  async delete(t: Tenant, id: string): Promise<ContactList> {
    const current = await this.require(t, id);
    const before = await this.view(current);
    const { deleted, uses } = await this.lists.deleteUnused(t, id);
    if (uses.length > 0)
      throw errors.conflict(
        `Contact list ${current.name} is used by campaign(s) ${names(uses)}; remove it from them before deleting`,
      );
    if (!deleted) throw errors.contactListNotFound(id);
    return before;
  }

  async contactsPage(t: Tenant, id: string, q: ContactsPageQuery): Promise<ContactsPage> {
    const list = await this.require(t, id);
    const { offset, limit } = parsePage(q);
    const rows = await this.contacts.page(list.id, offset, limit);
    // The header's count is exact: imports add to it in the transaction that makes their rows visible.
    const total = Number(list.total_record_count);
    const results: ListContact[] = rows.map(toKoreContact);
    return {
      results,
      skip: offset,
      limit,
      hasMore: offset + rows.length < total,
      totalPages: Math.ceil(total / limit),
      totalResults: total,
    };
  }

  async require(t: Tenant, id: string): Promise<ContactListRow> {
    const row = await this.lists.find(t, id);
    if (!row) throw errors.contactListNotFound(id);
    return row;
  }

  private async view(row: ContactListRow): Promise<ContactList> {
    const [uses, files, importing] = await Promise.all([
      this.lists.usesOf([row.id]),
      this.lists.filesOf([row.id]),
      this.lists.importing([row.id]),
    ]);
    return toKoreList(row, { uses, files, importing: importing.has(row.id) });
  }

  private globalTaken(existing: ContactListRow) {
    return errors.conflict(`Account already has a global DNC list: '${existing.name}' (${existing.id})`, 'isGlobalDNC');
  }
}

/** skip wins when given; else 1-based page; limit 1–500, default 50. Empty strings mean "not given". */
export function parsePage(q: ContactsPageQuery): { offset: number; limit: number } {
  const num = (v: number | string | undefined, field: string): number | undefined => {
    if (v === undefined || v === '') return undefined;
    const n = typeof v === 'number' ? v : Number(v);
    if (!Number.isSafeInteger(n) || n < 0) throw errors.validation(field, `${field}: must be a whole number`);
    return n;
  };
  const limit = num(q.limit, 'limit') ?? CONTACTS_PAGE.defaultLimit;
  if (limit < 1 || limit > CONTACTS_PAGE.maxLimit)
    throw errors.validation('limit', `limit: must be from 1 to ${CONTACTS_PAGE.maxLimit}`);
  const skip = num(q.skip, 'skip');
  const page = num(q.page, 'page');
  if (page === 0) throw errors.validation('page', 'page: starts at 1');
  const offset = skip !== undefined && skip > 0 ? skip : page !== undefined ? (page - 1) * limit : 0;
  return { offset, limit };
}
