import type { ContactList, ImportJob, ListContact } from '../../contract/contact-list.js';
import type { ContactListRow, ImportRow } from '../../storage/schema.js';
import type { ListContactRow } from '../../storage/repos/contacts-repo.js';
import type { ListFile, ListUse } from '../../storage/repos/contact-lists-repo.js';
import { DEFAULT_LIST_MAPPING } from './contact-record.js';

export interface ListFacts {
  uses: ListUse[];
  files: ListFile[];
  importing: boolean;
}

/** A stored list as Kore shows it; `campaignInUse` and `isListInUse` come from campaign_lists. */
export function toKoreList(row: ContactListRow, facts: ListFacts): ContactList {
  const campaigns = new Map<string, { id: string; name: string }>();
  for (const u of facts.uses) campaigns.set(u.id, { id: u.id, name: u.name });
  const allow = row.allow_duplicates === 1;
  return {
    _id: row.id,
    id: row.id,
    isActive: true,
    iId: row.bot_id,
    accountId: row.account_id,
    name: row.name,
    lname: row.lname,
    description: row.description,
    totalRecordCount: Number(row.total_record_count),
    status: facts.importing ? 'Importing' : row.status,
    mapping: { ...DEFAULT_LIST_MAPPING },
    isListInUse: campaigns.size > 0,
    listType: 'call',
    isGlobalDNC: row.is_global_dnc === 1,
    isDefault: false,
    campaignInUse: [...campaigns.values()],
    source: row.source,
    apiConfigurations: { dataSyncMode: allow ? 'allowDuplicates' : 'dontAllowDuplicates' },
    allowDuplicates: allow,
    columns: [],
    files: facts.files.map((f) => ({ fileId: f.fileId, fileName: f.fileName })),
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

// Our own fields are written after the extra columns so a column named "_id" or "createdAt" cannot
// masquerade as them; such columns are still stored and exported, only hidden here.
export function toKoreContact(row: ListContactRow): ListContact {
  const extra = row.extra ? (JSON.parse(row.extra) as Record<string, string>) : {};
  const out: Record<string, unknown> = {
    ...extra,
    _id: row.id,
    phoneNumber: row.phone_raw,
    phoneNumberE164: row.phone_e164,
  };
  if (row.extension !== null) out.extension = row.extension;
  if (row.first_name !== null) out.firstName = row.first_name;
  if (row.last_name !== null) out.lastName = row.last_name;
  if (row.time_zone !== null) out.timeZone = row.time_zone;
  if (row.unique_id !== null) out.uniqueId = row.unique_id;
  if (row.contact_priority !== null) out.contactPriority = Number(row.contact_priority);
  // A stored contact never changes (migration 009), so it was last updated when it was created.
  out.createdAt = out.updatedAt = new Date(Number(row.created_at)).toISOString();
  return out as ListContact;
}

export function toImportJob(row: ImportRow): ImportJob {
  return {
    id: row.id,
    accountId: row.account_id,
    iid: row.bot_id,
    listId: row.list_id,
    source: row.source,
    fileName: row.file_name,
    status: row.status,
    totalRows: Number(row.total_rows),
    imported: Number(row.imported),
    duplicates: Number(row.duplicates),
    rejected: Number(row.rejected),
    error: row.error,
    createdAt: row.created_at,
    startedAt: row.started_at,
    finishedAt: row.finished_at,
  };
}
