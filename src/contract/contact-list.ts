import type { Static } from '@sinclair/typebox';
import { Type } from '@sinclair/typebox';
import { PageMeta, Success } from './envelope.js';

const Name = Type.String({ minLength: 1, maxLength: 48 });
const Description = Type.String({ maxLength: 256 });

/**
 * createContactList body; `name1` is the documented sample's typo for `name` (docs/kore-compatibility.md,
 * inconsistency 17).
 */
export const CreateContactListBody = Type.Object(
  {
    name: Type.Optional(Name),
    name1: Type.Optional(Name),
    description: Type.Optional(Description),
    source: Type.Optional(Type.String({ description: 'passiveApi | passiveApiIntegration (default passiveApi)' })),
    allowDuplicates: Type.Optional(Type.Boolean({ description: 'default false' })),
    isGlobalDNC: Type.Optional(
      Type.Boolean({ description: "v2: this list is the account's global do-not-call list (at most one per account)" }),
    ),
    contactListId: Type.Optional(
      Type.String({
        description:
          "Kore's Update Contact List sample is sent to this URL; naming a list (contactListId, _id or id) updates it",
      }),
    ),
    _id: Type.Optional(Type.String()),
    id: Type.Optional(Type.String()),
  },
  { $id: 'CreateContactListBody' },
);
export type CreateContactListBody = Static<typeof CreateContactListBody>;

export const UpdateContactListBody = Type.Object(
  {
    name: Type.Optional(Name),
    name1: Type.Optional(Name),
    description: Type.Optional(Description),
    allowDuplicates: Type.Optional(Type.Boolean({ description: 'unchanged when omitted' })),
  },
  { $id: 'UpdateContactListBody' },
);
export type UpdateContactListBody = Static<typeof UpdateContactListBody>;

const CampaignRef = Type.Object({ id: Type.String(), name: Type.String() });

/** A contact list as Kore returns it (the union of Kore's samples). */
export const ContactList = Type.Object(
  {
    _id: Type.String(),
    id: Type.String(),
    isActive: Type.Boolean(),
    iId: Type.String(),
    accountId: Type.String(),
    name: Type.String(),
    lname: Type.String(),
    description: Type.String(),
    totalRecordCount: Type.Integer(),
    status: Type.String({ description: 'Ready, or Importing while an import is queued or running' }),
    mapping: Type.Record(Type.String(), Type.String()),
    isListInUse: Type.Boolean(),
    listType: Type.String(),
    isGlobalDNC: Type.Boolean(),
    isDefault: Type.Boolean(),
    campaignInUse: Type.Array(CampaignRef, {
      description: 'campaigns that reference this list (as contacts or DNC list)',
    }),
    source: Type.String(),
    apiConfigurations: Type.Object({
      dataSyncMode: Type.String({ description: 'allowDuplicates | dontAllowDuplicates' }),
    }),
    allowDuplicates: Type.Boolean(),
    columns: Type.Array(Type.String()),
    files: Type.Array(Type.Object({ fileId: Type.String(), fileName: Type.String() })),
    createdAt: Type.String(),
    updatedAt: Type.String(),
  },
  { $id: 'ContactList' },
);
export type ContactList = Static<typeof ContactList>;

export const ContactListEnvelope = Success(Type.Ref('ContactList'));
export const ContactListsEnvelope = Success(Type.Array(Type.Ref('ContactList')));

/** Update answers the current shape ({contactListId, body}) and the XO-old full object together. */
export const UpdateContactListEnvelope = Success(
  Type.Intersect([
    Type.Ref('ContactList'),
    Type.Object({
      contactListId: Type.String(),
      body: Type.Object({
        name: Type.String(),
        description: Type.String(),
        iId: Type.String(),
        listType: Type.String(),
        accountId: Type.String(),
        scope: Type.Array(Type.String()),
      }),
    }),
  ]),
);

export const ContactListIdParams = Type.Object({
  iid: Type.String({ description: 'Bot (stream / app) id, st-…' }),
  contactListId: Type.String({ description: 'Contact list id, cl-…' }),
});

const PageParam = Type.Union([Type.Integer({ minimum: 0 }), Type.String({ pattern: '^\\d*$' })]);
export const ContactsQuery = Type.Object({
  accountId: Type.Optional(Type.String()),
  skip: Type.Optional(PageParam),
  page: Type.Optional(PageParam),
  limit: Type.Optional(PageParam),
});
export type ContactsQuery = Static<typeof ContactsQuery>;

/** A contact of a list: `phoneNumber` as given, the E.164 form beside it, other columns as given. */
export const ListContact = Type.Object(
  {
    _id: Type.String(),
    phoneNumber: Type.String(),
    phoneNumberE164: Type.String(),
    extension: Type.Optional(Type.String()),
    firstName: Type.Optional(Type.String()),
    lastName: Type.Optional(Type.String()),
    timeZone: Type.Optional(Type.String()),
    uniqueId: Type.Optional(Type.String()),
    contactPriority: Type.Optional(Type.Integer()),
    createdAt: Type.String(),
    updatedAt: Type.String(),
  },
  { additionalProperties: Type.String() },
);
export type ListContact = Static<typeof ListContact>;

export const ContactsPage = Type.Object({ results: Type.Array(ListContact), ...PageMeta });
export type ContactsPage = Static<typeof ContactsPage>;
export const ContactsEnvelope = Success(ContactsPage);

/** addContacts body; items are validated one by one so a bad row is a reported reject, not a 400. */
export const AddContactsBody = Type.Object({
  contact_list_name: Type.String({ minLength: 1, maxLength: 48, description: 'name of the target list' }),
  data: Type.Array(Type.Unknown(), { description: 'one object per contact: phoneNumber plus any columns' }),
});
export type AddContactsBody = Static<typeof AddContactsBody>;

export const AddContactsReply = Type.Object({
  status: Type.Literal('success'),
  message: Type.String(),
  importId: Type.String({ description: 'campaignd extension: the import job, see GET /admin/v1/imports/{id}' }),
});

export const ImportJob = Type.Object(
  {
    id: Type.String(),
    accountId: Type.String(),
    iid: Type.String(),
    listId: Type.String(),
    source: Type.String(),
    fileName: Type.Union([Type.String(), Type.Null()]),
    status: Type.String({ description: 'queued | running | completed | failed' }),
    totalRows: Type.Integer(),
    imported: Type.Integer(),
    duplicates: Type.Integer(),
    rejected: Type.Integer(),
    error: Type.Union([Type.String(), Type.Null()]),
    createdAt: Type.String(),
    startedAt: Type.Union([Type.String(), Type.Null()]),
    finishedAt: Type.Union([Type.String(), Type.Null()]),
  },
  { $id: 'ImportJob' },
);
export type ImportJob = Static<typeof ImportJob>;

export const ImportRejects = Type.Object({
  importId: Type.String(),
  results: Type.Array(
    Type.Object({ rowNumber: Type.Integer(), column: Type.Union([Type.String(), Type.Null()]), reason: Type.String() }),
  ),
  skip: Type.Integer(),
  limit: Type.Integer(),
  totalResults: Type.Integer(),
});
export type ImportRejects = Static<typeof ImportRejects>;
