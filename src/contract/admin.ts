import { Type, type Static } from '@sinclair/typebox';
import { BotFrequencyCaps, BotRulePacks } from './contact-rules.js';

const TenantFields = {
  accountId: Type.String({ description: 'Account id (created if new)' }),
  iid: Type.String({ description: 'Bot id st-… (created if new when creating an app)' }),
};

export const CreateAppBody = Type.Object({
  ...TenantFields,
  name: Type.Optional(Type.String()),
  enforceJti: Type.Optional(Type.Boolean()),
  scopes: Type.Optional(
    Type.Array(Type.String(), {
      description:
        'campaign-management and/or outbound-sms (any case; "Outbound SMS" too); default: campaign-management only',
    }),
  ),
});
export const CreatedApp = Type.Object(
  {
    accountId: Type.String(),
    iid: Type.String(),
    name: Type.String(),
    clientId: Type.String(),
    clientSecret: Type.String(),
    enforceJti: Type.Boolean(),
    scopes: Type.Array(Type.String()),
  },
  { $id: 'CreatedApp' },
);
export type CreatedApp = Static<typeof CreatedApp>;

export const GrantScopesBody = Type.Object({
  ...TenantFields,
  scopes: Type.Array(Type.String(), {
    description: 'campaign-management and/or outbound-sms: added to what the app already holds for the bot',
  }),
});
export const AppScopesParams = Type.Object({ clientId: Type.String() });
export const AppScopes = Type.Object({
  clientId: Type.String(),
  accountId: Type.String(),
  iid: Type.String(),
  scopes: Type.Array(Type.String(), { description: 'every scope the app now holds for the bot' }),
});
export type AppScopes = Static<typeof AppScopes>;

export const CreateTokenBody = Type.Object({
  clientId: Type.String(),
  ttl: Type.Optional(
    Type.String({ description: 'e.g. 30m, 1h, 2d, or seconds; none = no expiry (jti apps: at most 1h)' }),
  ),
});
export const CreatedToken = Type.Object({ token: Type.String(), expiresAt: Type.Union([Type.String(), Type.Null()]) });
export type CreatedToken = Static<typeof CreatedToken>;

export const CreateFlowBody = Type.Object({
  ...TenantFields,
  name: Type.String(),
  channel: Type.String({ description: 'voice | sms' }),
  phoneNumbers: Type.Optional(
    Type.Array(Type.String(), {
      description:
        "SMS flows: E.164 numbers the flow sends from (Send Outbound SMS's fromNo), at most 50; a number belongs to one flow of a bot",
    }),
  ),
});
export const FlowParams = Type.Object({ flowId: Type.String({ description: 'Experience flow id cf-…' }) });
export const FlowPhoneNumbersBody = Type.Object({
  ...TenantFields,
  phoneNumbers: Type.Array(Type.String(), {
    description: 'the SMS flow numbers, replacing the ones it had; [] detaches them all',
  }),
});
export const CreateQueueBody = Type.Object({ ...TenantFields, name: Type.String() });
export const CreateTemplateBody = Type.Object({ ...TenantFields, name: Type.String(), message: Type.String() });

export const NamedResource = Type.Object({
  id: Type.String(),
  accountId: Type.String(),
  iid: Type.String(),
  name: Type.String(),
  channel: Type.Optional(Type.String()),
  message: Type.Optional(Type.String()),
  phoneNumbers: Type.Optional(Type.Array(Type.String(), { description: 'SMS flows: the numbers it sends from' })),
});
export type NamedResource = Static<typeof NamedResource>;

export const BotParams = Type.Object({ iid: Type.String({ description: 'Bot id st-…' }) });
export const BotQuery = Type.Object({ accountId: Type.String() });
export const BotSettingsBody = Type.Object({
  accountId: Type.String(),
  defaultCountry: Type.Optional(
    Type.String({ description: 'ISO 3166-1 alpha-2; how contact numbers without + are read' }),
  ),
  campaignMaxConcurrent: Type.Optional(
    Type.Union([Type.Integer(), Type.Null()], {
      description: 'calls one campaign of the bot may have out at once, 1-1000; null: the default (10)',
    }),
  ),
  precall: Type.Optional(
    Type.Union(
      [
        Type.Object({
          url: Type.String({
            description:
              "http(s) URL POSTed {CampaignName, CampaignId, DialingId, contactData} before each voice dial (Kore's pre-call contact fetch)",
          }),
          headers: Type.Optional(
            Type.Record(Type.String(), Type.String(), { description: 'static headers sent with each request' }),
          ),
          timeoutMs: Type.Optional(
            Type.Integer({ description: '100-60000, default 5000; a timeout skips the contact' }),
          ),
        }),
        Type.Null(),
      ],
      { description: 'pre-call contact fetch; null turns it off' },
    ),
  ),
  dispositionCodes: Type.Optional(
    Type.Union(
      [
        Type.Array(Type.String({ minLength: 1, maxLength: 64 }), {
          minItems: 1,
          maxItems: 100,
          description: 'distinct, matched case-insensitively',
        }),
        Type.Null(),
      ],
      {
        description:
          "codes agents of the bot may give on a call (a campaign's agentSettings.dispositionCodes takes precedence); null: any code",
      },
    ),
  ),
  frequencyCaps: Type.Optional(
    Type.Union([BotFrequencyCaps, Type.Null()], {
      description: 'the bot’s own frequency caps, replacing the ones it had; null or []: none',
    }),
  ),
  rulePacks: Type.Optional(
    Type.Union([BotRulePacks, Type.Null()], {
      description: 'the rule packs the bot’s campaigns follow, replacing its choice; null or []: none',
    }),
  ),
});
/** A bot-settings change: the body plus the bot it is for (the path's iid, or the CLI's --iid). */
export type BotSettingsPatch = Static<typeof BotSettingsBody> & { iid: string };

/** A bot's settings as the admin API and CLI show them; pre-call header values are never shown. */
export const BotSettings = Type.Object({
  accountId: Type.String(),
  iid: Type.String(),
  defaultCountry: Type.String(),
  campaignMaxConcurrent: Type.Integer({
    description: 'calls one campaign of the bot may have out at once (MAX_CONCURRENT_CALLS bounds them all)',
  }),
  precall: Type.Union([
    Type.Object({ url: Type.String(), headerNames: Type.Array(Type.String()), timeoutMs: Type.Integer() }),
    Type.Null(),
  ]),
  dispositionCodes: Type.Union([Type.Array(Type.String()), Type.Null()], {
    description: 'codes agents may give when the campaign names none; null: any code',
  }),
  frequencyCaps: Type.Array(Type.Object({ attempts: Type.Integer(), hours: Type.Integer() }), {
    description: 'at most attempts calls to one number within any hours, across the account’s campaigns; [] none',
  }),
  rulePacks: Type.Array(Type.String(), { description: 'ids of the rule packs the bot’s campaigns follow' }),
});
export type BotSettings = Static<typeof BotSettings>;
