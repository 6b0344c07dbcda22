import { Type } from '@sinclair/typebox';

/** Path prefix parameter: the bot / app / stream id (`st-…`). */
export const IidParams = Type.Object({ iid: Type.String({ description: 'Bot (stream / app) id, st-…' }) });

export const CampaignIdParams = Type.Object({
  iid: Type.String({ description: 'Bot (stream / app) id, st-…' }),
  campaignId: Type.String({ description: 'Campaign id, cd-…' }),
});

/** accountId is accepted in the query as well as in the header (docs/kore-compatibility.md, inconsistency 3). */
export const AccountQuery = {
  accountId: Type.Optional(Type.String({ description: 'Account id; may be sent as the accountId header instead' })),
};

export const Priority = Type.Union([Type.String(), Type.Number()], {
  description: '"1"–"5" (string or number); 5 is highest',
});
