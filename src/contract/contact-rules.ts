/**
 * Wire schemas of the operator's contact-protection rules (docs/contact-protection.md, "Operator
 * rules"): a bot's own frequency caps and chosen rule packs (bot settings), the install-wide rule
 * packs, and an account's blackout dates.
 */
import { Type, type Static } from '@sinclair/typebox';

/** Most frequency caps one bot sets. */
export const BOT_CAPS_MAX = 10;
/** Most rule packs one bot chooses. */
export const BOT_PACKS_MAX = 20;
export const CAP_ATTEMPTS_MAX = 1000;
/** A year of hours: the longest window a bot's cap counts over. */
export const CAP_HOURS_MAX = 8760;

export const FrequencyCapSetting = Type.Object({
  attempts: Type.Integer({ minimum: 1, maximum: CAP_ATTEMPTS_MAX, description: `calls, 1-${CAP_ATTEMPTS_MAX}` }),
  hours: Type.Integer({
    minimum: 1,
    maximum: CAP_HOURS_MAX,
    description: `the sliding window, 1-${CAP_HOURS_MAX} hours`,
  }),
});

export const BotFrequencyCaps = Type.Array(FrequencyCapSetting, {
  maxItems: BOT_CAPS_MAX,
  description: `at most \`attempts\` calls to one number, across every campaign of the account, within any \`hours\`; up to ${BOT_CAPS_MAX} caps, all enforced`,
});

export const BotRulePacks = Type.Array(Type.String({ minLength: 1, maxLength: 64 }), {
  maxItems: BOT_PACKS_MAX,
  description: `ids of rule packs (GET /admin/v1/rule-packs), each once, up to ${BOT_PACKS_MAX}; a pack applies to the contacts of its jurisdiction`,
});

// ------------------------------------------------------------------------------------------------
// Rule packs

export const RulePackParams = Type.Object({ id: Type.String({ description: 'pack id, e.g. us-fl' }) });

const PackSource = Type.Object({ title: Type.String(), url: Type.Optional(Type.String()) });
const PackAppliesTo = Type.Object({
  countries: Type.Array(Type.String(), { description: 'ISO 3166-1 alpha-2' }),
  regions: Type.Optional(
    Type.Array(Type.String(), { description: 'ISO 3166-2 (US-FL): the pack applies only to contacts there' }),
  ),
});

/** A whole rule pack as parseRulePack accepts it (docs/rule-packs.md); unknown fields are refused. */
export const RulePack = Type.Object(
  {
    id: Type.String({ description: 'lower-case letters, digits and dashes' }),
    version: Type.String({ description: 'e.g. the date the encoded rules are in force from; quoted by explanations' }),
    name: Type.String(),
    appliesTo: PackAppliesTo,
    source: PackSource,
    hours: Type.Optional(
      Type.Object({
        frequency: Type.Union([Type.Literal('DAILY'), Type.Literal('WEEKLY')]),
        days: Type.Array(
          Type.Object({
            day: Type.String({ description: 'MO TU WE TH FR SA SU' }),
            start: Type.String({ description: 'h:mm AM/PM, local to the contact' }),
            end: Type.String(),
          }),
        ),
        cite: Type.String(),
      }),
    ),
    caps: Type.Array(Type.Object({ attempts: Type.Integer(), hours: Type.Integer(), cite: Type.String() })),
    holidays: Type.Optional(
      Type.Object({
        dates: Type.Array(Type.Object({ date: Type.String({ description: 'YYYY-MM-DD' }), name: Type.String() })),
        cite: Type.String(),
      }),
    ),
    abandon: Type.Optional(
      Type.Object({
        lockoutHours: Type.Optional(Type.Number()),
        maxRatePercent: Type.Optional(Type.Number()),
        window: Type.Optional(Type.String()),
        noAgentSeconds: Type.Optional(Type.Number()),
        cite: Type.String(),
      }),
    ),
    notes: Type.Optional(Type.String()),
  },
  // Shown whole, whatever the pack format grows.
  { additionalProperties: true, description: 'a jurisdiction rule pack (docs/rule-packs.md)' },
);
export type RulePack = Static<typeof RulePack>;

/** PUT's body: any JSON object, checked field by field by the pack parser (400 naming the first bad field). */
export const RulePackBody = Type.Object(
  {},
  {
    additionalProperties: true,
    description: 'the pack (see RulePack); its id must equal the path id',
  },
);

export const RulePackSummary = Type.Object({
  id: Type.String(),
  version: Type.String(),
  name: Type.String(),
  source: PackSource,
  appliesTo: PackAppliesTo,
  builtIn: Type.Boolean({ description: 'shipped with campaignd (rules/packs): cannot be replaced or deleted' }),
  usedBy: Type.Array(Type.String(), { description: 'ids of the bots that chose the pack' }),
});
export type RulePackSummary = Static<typeof RulePackSummary>;

export const RulePackList = Type.Object({
  results: Type.Array(RulePackSummary, { description: 'shipped packs, then the operator’s own, by id' }),
});
export type RulePackList = Static<typeof RulePackList>;

// ------------------------------------------------------------------------------------------------
// Blackouts

/** Longest blackout, in days (from and to included). */
export const BLACKOUT_DAYS_MAX = 366;

export const Blackout = Type.Object({
  id: Type.String({ description: 'blk-…' }),
  accountId: Type.String(),
  iid: Type.Union([Type.String(), Type.Null()], { description: 'the bot it is for; null: every bot of the account' }),
  name: Type.String(),
  from: Type.String({ description: 'YYYY-MM-DD, the contact’s local date' }),
  to: Type.String({ description: 'YYYY-MM-DD, included' }),
  createdAt: Type.String(),
});
export type Blackout = Static<typeof Blackout>;

export const BlackoutList = Type.Object({ results: Type.Array(Blackout, { description: 'by from date' }) });
export type BlackoutList = Static<typeof BlackoutList>;

export const BlackoutQuery = Type.Object({
  accountId: Type.String(),
  iid: Type.Optional(
    Type.String({ description: 'only the blackouts that apply to this bot: its own and the account-wide ones' }),
  ),
});
export type BlackoutQuery = Static<typeof BlackoutQuery>;

export const CreateBlackoutBody = Type.Object({
  accountId: Type.String(),
  iid: Type.Optional(Type.String({ description: 'a bot of the account; absent: every bot of the account' })),
  name: Type.String({ description: '1-100 characters, e.g. Company holiday' }),
  from: Type.String({ description: 'YYYY-MM-DD: nobody is called on this date in the contact’s own time zone' }),
  to: Type.Optional(
    Type.String({
      description: `YYYY-MM-DD, included, not before from; default from; at most ${BLACKOUT_DAYS_MAX} days`,
    }),
  ),
});
export type CreateBlackoutBody = Static<typeof CreateBlackoutBody>;

export const BlackoutParams = Type.Object({ id: Type.String({ description: 'blk-…' }) });
export const BlackoutAccountQuery = Type.Object({ accountId: Type.String() });

/** DELETE's answer: no body. */
export const NoContent = Type.Null({ description: 'no content' });
