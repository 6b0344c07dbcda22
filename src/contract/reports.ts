import { Type, type Static } from '@sinclair/typebox';
import { Success } from './envelope.js';

/** Reports (docs/reports.md): a campaign's runs, a run's attempts, CSV exports. campaignd extensions. */

const Nullable = <T extends ReturnType<typeof Type.Number>>(t: T) => Type.Union([t, Type.Null()]);
const Counts = Type.Record(Type.String(), Type.Integer(), {
  description: 'Count per value; values with no row are left out',
});

export const RunParams = Type.Object({
  iid: Type.String({ description: 'Bot (stream / app) id, st-…' }),
  campaignId: Type.String({ description: 'Campaign id, cd-…' }),
  instanceId: Type.String({ description: 'Campaign instance (run) id, cid-…' }),
});

/** One run (campaign instance) of a campaign, with its numbers. */
export const RunSummary = Type.Object({
  instanceId: Type.String(),
  campaignId: Type.String(),
  type: Type.String({ description: 'voice | sms' }),
  status: Type.String({ description: 'Active | Paused | Stopped | Completed' }),
  startedAt: Type.String({ format: 'date-time' }),
  endedAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
  records: Type.Object({
    total: Type.Integer({ description: 'Distinct numbers the run took in (DNC-excluded ones included)' }),
    excluded: Type.Integer({ description: 'Of those, excluded before dialing (DNC at play)' }),
    finished: Type.Integer({ description: 'Records with a final outcome' }),
    open: Type.Integer({ description: 'Records still pending, waiting for a retry or on a call' }),
    byOutcome: Counts,
    byDialerOutcome: Type.Record(Type.String(), Type.Integer(), {
      description: 'Kore `dialerOutcome` of finished records (open ones are not counted)',
    }),
  }),
  attempts: Type.Object({
    total: Type.Integer(),
    ended: Type.Integer({ description: 'Attempts with an outcome' }),
    byOutcome: Counts,
    byDialerOutcome: Counts,
  }),
  connected: Type.Integer({ description: 'Ended attempts answered by a person or a machine (or SMS accepted)' }),
  connectRate: Nullable(Type.Number({ description: 'connected / dialed attempts, 0–1; null before any' })),
  machine: Type.Integer({ description: 'Connected attempts a machine answered' }),
  machineRate: Nullable(Type.Number({ description: 'machine / connected, 0–1; null before any' })),
  avgRingSec: Nullable(Type.Number({ description: 'Mean ring time of the ended attempts that report one' })),
  avgTalkSec: Nullable(Type.Number({ description: 'Mean talk time of the connected attempts that report one' })),
});
export type RunSummary = Static<typeof RunSummary>;

export const RunsEnvelope = Success(Type.Array(RunSummary));
export type RunsEnvelope = Static<typeof RunsEnvelope>;

/** Filters shared by the attempts page and the attempts CSV. */
const AttemptFilters = {
  accountId: Type.Optional(Type.String()),
  outcome: Type.Optional(
    Type.String({ description: 'Comma-separated engine outcomes (completed, no-answer, busy, machine, …)' }),
  ),
  dialerOutcome: Type.Optional(
    Type.String({ description: 'Comma-separated Kore dialerOutcome values (completed, machine_detected, …)' }),
  ),
  number: Type.Optional(Type.String({ description: 'The number called, read as the bot reads contacts' })),
  from: Type.Optional(Type.String({ description: 'ISO 8601: attempts started at or after' })),
  to: Type.Optional(Type.String({ description: 'ISO 8601: attempts started before' })),
  order: Type.Optional(Type.String({ description: '`newest` (default) or `oldest` first, by start time' })),
};

export const AttemptsQuery = Type.Object({
  ...AttemptFilters,
  limit: Type.Optional(Type.String({ description: '1–500, default 50' })),
  cursor: Type.Optional(Type.String({ description: '`nextCursor` of the previous page (same filters and order)' })),
});
export type AttemptsQuery = Static<typeof AttemptsQuery>;

export const AttemptsCsvQuery = Type.Object(AttemptFilters);
export type AttemptsCsvQuery = Static<typeof AttemptsCsvQuery>;

/** One attempt (dial or SMS send) of a run. */
export const AttemptView = Type.Object({
  attemptId: Type.String(),
  recordId: Type.String(),
  contactId: Type.Union([Type.String(), Type.Null()]),
  uniqueId: Type.Union([Type.String(), Type.Null()]),
  phoneNumber: Type.String({ description: 'E.164' }),
  attemptNo: Type.Integer(),
  channel: Type.String(),
  startedAt: Type.String({ format: 'date-time' }),
  endedAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
  outcome: Type.Union([Type.String(), Type.Null()], { description: 'Engine outcome; null while in progress' }),
  dialerOutcome: Type.String({ description: 'Kore dialerOutcome of this outcome; "" while in progress' }),
  providerOutcome: Type.Union([Type.String(), Type.Null()]),
  ringSec: Nullable(Type.Number()),
  talkSec: Nullable(Type.Number()),
  machineDetected: Type.Union([Type.Boolean(), Type.Null()]),
  agentId: Type.Union([Type.String(), Type.Null()]),
  detail: Type.Union([Type.String(), Type.Null()]),
});
export type AttemptView = Static<typeof AttemptView>;

export const AttemptsPage = Type.Object({
  results: Type.Array(AttemptView),
  limit: Type.Integer(),
  hasMore: Type.Boolean(),
  nextCursor: Type.Union([Type.String(), Type.Null()]),
});
export type AttemptsPage = Static<typeof AttemptsPage>;

export const AttemptsEnvelope = Success(AttemptsPage);

export const CsvBody = Type.String({ description: 'text/csv; UTF-8; streamed' });
