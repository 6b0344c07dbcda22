import { Type, type Static } from '@sinclair/typebox';

/**
 * campaignd extension of the Kore API: the live event stream of a bot (docs/events.md, "Stream").
 * `GET …/{iid}/campaign/events/stream` answers `text/event-stream`; each message carries one event
 * of the outbox as the pull endpoint gives it.
 */

export const EventStreamQuery = Type.Object({
  accountId: Type.Optional(Type.String({ description: 'Account id; may be sent as the accountId header instead' })),
  after: Type.Optional(
    Type.String({
      pattern: '^\\d{1,15}$',
      description:
        'Start after this seq (0: from the oldest event held). `Last-Event-ID` wins when both are sent. Neither: from now.',
    }),
  ),
  types: Type.Optional(
    Type.String({
      description: 'Only these event types, comma-separated (e.g. `campaign.status_changed,attempt.ended`)',
    }),
  ),
});
export type EventStreamQuery = Static<typeof EventStreamQuery>;

export const EventStreamHeaders = Type.Object({
  'last-event-id': Type.Optional(
    Type.String({ description: 'Resume after this seq (the `id` of the last message received); wins over `after`' }),
  ),
});

export const EventStreamBody = Type.String({
  description:
    'text/event-stream: `retry: 2000`, then per event `id: <seq>`, `event: <type>`, `data: <event envelope JSON>`; a comment every 15 s; `event: overflow` (data `{"after": <last seq sent>}`) before the server closes a stream whose client fell too far behind.',
});
