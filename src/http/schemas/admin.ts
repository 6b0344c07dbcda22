import { Type } from '@sinclair/typebox';

const Tenant = {
  accountId: Type.String({ description: 'Account id (created if new)' }),
  iid: Type.String({ description: 'Bot id st-… (created if new when creating an app)' }),
};

export const CreateAppBody = Type.Object({ ...Tenant, name: Type.Optional(Type.String()), enforceJti: Type.Optional(Type.Boolean()) });
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

export const CreateTokenBody = Type.Object({
  clientId: Type.String(),
  ttl: Type.Optional(Type.String({ description: 'e.g. 30m, 1h, 2d, or seconds; none = no expiry (jti apps: at most 1h)' })),
});
export const CreatedToken = Type.Object({ token: Type.String(), expiresAt: Type.Union([Type.String(), Type.Null()]) });

export const CreateFlowBody = Type.Object({ ...Tenant, name: Type.String(), channel: Type.String({ description: 'voice | sms' }) });
export const CreateQueueBody = Type.Object({ ...Tenant, name: Type.String() });
export const CreateTemplateBody = Type.Object({ ...Tenant, name: Type.String(), message: Type.String() });

export const NamedResource = Type.Object({
  id: Type.String(),
  accountId: Type.String(),
  iid: Type.String(),
  name: Type.String(),
  channel: Type.Optional(Type.String()),
  message: Type.Optional(Type.String()),
});

export const BotParams = Type.Object({ iid: Type.String({ description: 'Bot id st-…' }) });
export const BotQuery = Type.Object({ accountId: Type.String() });
export const BotSettingsBody = Type.Object({
  accountId: Type.String(),
  defaultCountry: Type.Optional(Type.String({ description: 'ISO 3166-1 alpha-2; how contact numbers without + are read' })),
  campaignMaxConcurrent: Type.Optional(
    Type.Union([Type.Integer(), Type.Null()], { description: 'calls one campaign of the bot may have out at once, 1-1000; null: the default (10)' }),
  ),
  precall: Type.Optional(
    Type.Union([
      Type.Object({
        url: Type.String({ description: 'http(s) URL POSTed {CampaignName, CampaignId, DialingId, contactData} before each voice dial (§4.11)' }),
        headers: Type.Optional(Type.Record(Type.String(), Type.String(), { description: 'static headers sent with each request' })),
        timeoutMs: Type.Optional(Type.Integer({ description: '100-60000, default 5000; a timeout skips the contact' })),
      }),
      Type.Null(),
    ], { description: 'pre-call contact fetch; null turns it off' }),
  ),
});
export const BotSettings = Type.Object({
  accountId: Type.String(),
  iid: Type.String(),
  defaultCountry: Type.String(),
  campaignMaxConcurrent: Type.Integer({ description: 'calls one campaign of the bot may have out at once (MAX_CONCURRENT_CALLS bounds them all)' }),
  precall: Type.Union([Type.Object({ url: Type.String(), headerNames: Type.Array(Type.String()), timeoutMs: Type.Integer() }), Type.Null()]),
});
