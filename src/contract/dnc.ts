import { Type, type Static } from '@sinclair/typebox';

/** Most numbers one DNC add or remove takes (one import job of at most this many rows). */
export const MAX_DNC_NUMBERS = 10_000;

const Numbers = Type.Array(Type.String({ maxLength: 256 }), {
  minItems: 1,
  maxItems: MAX_DNC_NUMBERS,
  description: `1 to ${MAX_DNC_NUMBERS} numbers, E.164 or national (read with the bot's default country, as imports are)`,
});

export const DncTenantQuery = Type.Object({
  accountId: Type.String(),
  iid: Type.String({ description: 'bot id st-…' }),
});

export const DncAddBody = Type.Object({
  numbers: Numbers,
  expiresAt: Type.Optional(
    Type.Union([Type.String(), Type.Null()], {
      description:
        'when the entries stop counting: a date (2027-01-01, midnight UTC) or a date-time with a zone (2027-01-01T09:00:00-05:00); in the future; absent or null: never. Numbers already on the list take this expiry.',
    }),
  ),
});
export type DncAddBody = Static<typeof DncAddBody>;

export const DncRemoveBody = Type.Object({ numbers: Numbers });
export type DncRemoveBody = Static<typeof DncRemoveBody>;

export const DncNumberResult = Type.Object({
  input: Type.String({ description: 'the number as given' }),
  number: Type.Union([Type.String(), Type.Null()], { description: 'E.164; null when invalid' }),
  result: Type.Union(
    [
      Type.Literal('added'),
      Type.Literal('already'),
      Type.Literal('updated'),
      Type.Literal('removed'),
      Type.Literal('not_found'),
      Type.Literal('invalid'),
    ],
    {
      description:
        'added: now on the list; already: on it with this expiry; updated: on it, its expiry changed; removed; not_found: not on the list; invalid: not a phone number',
    },
  ),
  expiresAt: Type.Optional(Type.Union([Type.String(), Type.Null()], { description: 'the entry’s expiry (add only)' })),
  reason: Type.Optional(Type.String({ description: 'why a number is invalid' })),
});
export type DncNumberResult = Static<typeof DncNumberResult>;

export const DncChange = Type.Object(
  {
    listId: Type.String(),
    listName: Type.String(),
    counts: Type.Object({
      added: Type.Integer(),
      already: Type.Integer(),
      updated: Type.Integer(),
      removed: Type.Integer(),
      not_found: Type.Integer(),
      invalid: Type.Integer(),
    }),
    results: Type.Array(DncNumberResult, { description: 'one per number given, in the order given' }),
  },
  { description: 'what a DNC add or remove did, per number' },
);
export type DncChange = Static<typeof DncChange>;

export const DncLookupQuery = Type.Object({
  ...DncTenantQuery.properties,
  number: Type.String({ maxLength: 256, description: "E.164 or national (the bot's default country)" }),
});

export const DncLookupEntry = Type.Object({
  listId: Type.String(),
  listName: Type.String(),
  isGlobalDNC: Type.Boolean(),
  dncListOf: Type.Array(Type.Object({ id: Type.String(), name: Type.String() }), {
    description: 'campaigns that use the list as their DNC list',
  }),
  expiresAt: Type.Union([Type.String(), Type.Null()], { description: 'null: never expires' }),
  active: Type.Boolean({ description: 'the entry has not expired' }),
});

export const DncLookup = Type.Object(
  {
    number: Type.String({ description: 'E.164' }),
    onDnc: Type.Boolean({
      description: 'an unexpired entry on the global DNC list or on a list some campaign uses as its DNC list',
    }),
    lists: Type.Array(DncLookupEntry, {
      description: "every list of the bot, and the account's global DNC list, that holds the number",
    }),
  },
  { description: 'the DNC entries of one number' },
);
export type DncLookup = Static<typeof DncLookup>;
