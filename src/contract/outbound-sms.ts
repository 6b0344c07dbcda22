import { Type, type Static } from '@sinclair/typebox';

/** Kore's Send Outbound SMS (reference §4.11): `POST /api/public/bot/{BotId}/outboundsms`. */
export const OutboundSmsParams = Type.Object({ iid: Type.String({ description: 'Bot id st-… (Kore `BotId`)' }) });

export const OutboundSmsQuery = Type.Object({
  accountId: Type.Optional(Type.String({ description: "optional: the app's own account when left out" })),
});

export const OutboundSmsBody = Type.Object({
  fromNo: Type.String({
    description: 'E.164 sender; must be attached to an SMS experience flow of the bot (admin API: phoneNumbers)',
    examples: ['+19876543210'],
  }),
  toNo: Type.String({ description: 'E.164 recipient', examples: ['+911234567890'] }),
});
export type OutboundSmsBody = Static<typeof OutboundSmsBody>;

/** Kore's answer, word for word. */
export const OUTBOUND_SMS_TRIGGERED = 'Triggered the configured Experience flow to deliver message via SMS channel';

export const OutboundSmsResponse = Type.Object({ message: Type.Literal(OUTBOUND_SMS_TRIGGERED) });
export type OutboundSmsResponse = Static<typeof OutboundSmsResponse>;
