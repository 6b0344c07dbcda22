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
