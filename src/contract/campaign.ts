import type { Static } from '@sinclair/typebox';
import { Type } from '@sinclair/typebox';
import { PageMeta, Success } from './envelope.js';
import { Priority } from './common.js';

const Day = Type.Object({
  day: Type.String({ description: 'MO TU WE TH FR SA SU (any case)' }),
  start: Type.String({ description: 'h:mm AM/PM, e.g. "9:00 AM"' }),
  end: Type.String({
    description: 'h:mm AM/PM, e.g. "6:00 PM"; earlier than start means the window runs past midnight',
  }),
});

const CallingHours = Type.Object({
  frequency: Type.String({ description: 'WEEKLY | DAILY | CUSTOM (any case)' }),
  timezone: Type.String({ description: 'IANA time zone, e.g. Asia/Kolkata' }),
  days: Type.Array(Day, { minItems: 1, maxItems: 70 }),
});

const CallerId = Type.Object({ phoneNumber: Type.String({ description: 'E.164 caller id / sender id' }) });

const DialingStrategyInput = Type.Object({
  callerId: CallerId,
  callingHours: CallingHours,
  dialingOrder: Type.Optional(Type.String({ description: 'FIFO | LIFO (voice)' })),
  maxAttemptsPerRecord: Type.Optional(Type.Integer({ minimum: 1, maximum: 100 })),
  defaultRetryPeriod: Type.Optional(Type.Integer({ minimum: 1, maximum: 1440, description: 'minutes' })),
  maxRingTime: Type.Optional(Type.Integer({ minimum: 5, maximum: 120, description: 'seconds' })),
  useSystemMappings: Type.Optional(Type.Boolean()),
});

const ScheduleInput = Type.Object({
  isSchedulingEnabled: Type.Optional(Type.Boolean()),
  isRecurrenceEnabled: Type.Optional(Type.Boolean()),
});

const DncRef = Type.Object({ name: Type.String(), id: Type.Optional(Type.String()) });

/** A campaignd extension for Progressive and Preview campaigns (docs/agents.md); Kore clients never send it. */
const AgentSettingsInput = Type.Object({
  wrapUpSec: Type.Optional(
    Type.Integer({ minimum: 0, maximum: 3600, description: 'seconds of wrap-up after a call; default 60' }),
  ),
  previewTimeoutSec: Type.Optional(
    Type.Integer({
      minimum: 5,
      maximum: 600,
      description: 'Preview: seconds an offer waits for the agent; default 30',
    }),
  ),
  previewTimeoutAction: Type.Optional(
    Type.String({
      description:
        "Preview: when an offer times out, dial (default, as Kore's auto-dial timer) | requeue (the agent goes NotReady)",
    }),
  ),
  dispositionCodes: Type.Optional(
    Type.Array(Type.String({ minLength: 1, maxLength: 64 }), {
      maxItems: 100,
      description: "codes agents may give; default the bot's list",
    }),
  ),
});

/** A campaignd extension for Predictive campaigns (docs/pacing.md); Kore clients never send it. */
const PredictiveSettingsInput = Type.Object({
  targetAbandonPercent: Type.Optional(
    Type.Number({
      minimum: 0.1,
      maximum: 10,
      description: 'abandoned calls per live answer over the window, percent; default 3 (TCPA, Ofcom)',
    }),
  ),
  abandonWindow: Type.Optional(
    Type.String({ description: 'rolling-30-days (default, TCPA) | rolling-24-hours (Ofcom)' }),
  ),
  connectDeadlineSec: Type.Optional(
    Type.Number({ minimum: 1, maximum: 10, description: 'seconds from the answer to an agent; default 2' }),
  ),
  abandonMessageId: Type.Optional(
    Type.String({
      minLength: 1,
      maxLength: 128,
      description: "the recording an abandoned call hears, the provider's id; default the provider's",
    }),
  ),
  maxDialRatio: Type.Optional(
    Type.Number({ minimum: 1, maximum: 10, description: 'calls out per agent expected free, at most' }),
  ),
  lockoutHours: Type.Optional(
    Type.Integer({
      minimum: 0,
      maximum: 720,
      description: 'hours an abandoned number is not dialed for an agent again; default 72 (Ofcom)',
    }),
  ),
});

/** Create / update body of voice and SMS campaigns (v1 and v2). Semantic rules live in the domain. */
export const CampaignInput = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 48 }),
    description: Type.Optional(Type.String({ maxLength: 256 })),
    contactLists: Type.Array(Type.String({ minLength: 1, maxLength: 48 }), {
      minItems: 1,
      maxItems: 10,
      description: 'contact list names',
    }),
    priority: Type.Optional(Priority),
    campaignType: Type.Optional(Type.String({ description: 'voice | sms; wins over the query parameter' })),
    dialingMode: Type.Optional(
      Type.String({ description: 'Agentless | Progressive | Preview (voice); Predictive is a campaignd extension' }),
    ),
    dialingStrategy: DialingStrategyInput,
    schedule: Type.Optional(ScheduleInput),
    experienceFlowName: Type.Optional(
      Type.String({ description: 'Agentless voice and advanced SMS: experience flow name' }),
    ),
    queue_name: Type.Optional(Type.String({ description: 'Progressive, Preview and Predictive: agent queue name' })),
    maxSkips: Type.Optional(Type.Integer({ minimum: 0, maximum: 100, description: 'Preview: skips allowed' })),
    agentSettings: Type.Optional(AgentSettingsInput),
    predictiveSettings: Type.Optional(PredictiveSettingsInput),
    enableMachineDetect: Type.Optional(
      Type.Union([Type.Boolean(), Type.String()], {
        description: 'v1 boolean, or v2 no | detect | disconnect (Agentless); Predictive: no | disconnect',
      }),
    ),
    format: Type.Optional(Type.String({ description: 'SMS: simple | advanced' })),
    message: Type.Optional(
      Type.Object({
        message: Type.Optional(
          Type.String({ maxLength: 20000, description: 'Base64, URL-encoded Base64 or plain text' }),
        ),
        templateId: Type.Optional(Type.String()),
        template_name: Type.Optional(Type.String()),
      }),
    ),
    dncLists: Type.Optional(
      Type.Union([DncRef, Type.Array(DncRef, { maxItems: 1 })], { description: 'v2: DNC list by name' }),
    ),
  },
  { $id: 'CampaignInput' },
);
export type CampaignInput = Static<typeof CampaignInput>;

const DayOut = Type.Object({ day: Type.String(), start: Type.String(), end: Type.String() });

/**
 * A campaign as every Kore endpoint returns it; both `_id` and `id` are present
 * (docs/kore-compatibility.md, inconsistency 11).
 */
export const Campaign = Type.Object(
  {
    _id: Type.String(),
    name: Type.String(),
    lname: Type.String(),
    description: Type.String(),
    status: Type.String(),
    priority: Type.String(),
    campaignType: Type.String(),
    dialingMode: Type.Optional(Type.String()),
    dialingStrategy: Type.Object({
      callerId: Type.Object({ phoneNumber: Type.String() }),
      callingHours: Type.Object({ frequency: Type.String(), timezone: Type.String(), days: Type.Array(DayOut) }),
      dialingOrder: Type.Optional(Type.String()),
      maxAttemptsPerRecord: Type.Optional(Type.Integer()),
      defaultRetryPeriod: Type.Optional(Type.Integer()),
      maxRingTime: Type.Optional(Type.Integer()),
      useSystemMappings: Type.Optional(Type.Boolean()),
    }),
    experienceFlow: Type.Optional(Type.String()),
    message: Type.Optional(
      Type.Object({ template_name: Type.Optional(Type.String()), message: Type.String(), templateId: Type.String() }),
    ),
    maxSkips: Type.Optional(Type.Integer()),
    agentSettings: Type.Optional(
      Type.Object({
        wrapUpSec: Type.Integer(),
        previewTimeoutSec: Type.Optional(Type.Integer()),
        previewTimeoutAction: Type.Optional(Type.String()),
        dispositionCodes: Type.Array(Type.String()),
      }),
    ),
    predictiveSettings: Type.Optional(
      Type.Object({
        targetAbandonPercent: Type.Number(),
        abandonWindow: Type.String(),
        connectDeadlineSec: Type.Number(),
        abandonMessageId: Type.Optional(Type.String()),
        maxDialRatio: Type.Optional(Type.Number()),
        lockoutHours: Type.Integer(),
      }),
    ),
    createdAt: Type.String(),
    updatedAt: Type.String(),
    schedule: Type.Object({
      isSchedulingEnabled: Type.Boolean(),
      isRecurrenceEnabled: Type.Boolean(),
      startDateTime: Type.Optional(Type.String({ description: 'set by the schedule API, local to timezone' })),
      endDateTime: Type.Optional(Type.String()),
      timezone: Type.Optional(Type.String()),
      recurrenceObject: Type.Optional(
        Type.Object({
          recurType: Type.String({ description: 'Daily | Weekly' }),
          dailyDetails: Type.Optional(Type.Object({ onceEveryNdays: Type.Integer() })),
          weeklyDetails: Type.Optional(
            Type.Object({ onceEveryNweeks: Type.Integer(), whichDays: Type.Array(Type.String()) }),
          ),
        }),
      ),
    }),
    campaignInstanceId: Type.Optional(Type.String()),
    contactLists: Type.Array(Type.String()),
    dncLists: Type.Optional(Type.Object({ id: Type.String(), name: Type.String() })),
    enableMachineDetect: Type.Boolean(),
    machineDetectMode: Type.Optional(Type.String({ description: 'no | detect | disconnect' })),
    format: Type.Optional(Type.String()),
    direction: Type.Optional(Type.String()),
    totalMessagesSent: Type.Optional(Type.Integer()),
    queue_name: Type.Optional(Type.String()),
    connection: Type.Optional(Type.String({ description: 'queue name, or experience flow name for Agentless' })),
    campaignInstanceUpdatedAt: Type.Optional(Type.String()),
    campaignExecutionType: Type.Optional(Type.String()),
    id: Type.String(),
  },
  { $id: 'Campaign' },
);
export type Campaign = Static<typeof Campaign>;

export const CampaignEnvelope = Success(Type.Ref('Campaign'));

/**
 * Create answers the full object plus top-level `id` and `data.campId`
 * (docs/kore-compatibility.md, inconsistency 10).
 */
export const CreateCampaignEnvelope = Type.Object({
  status: Type.Literal('success'),
  message: Type.String(),
  id: Type.String(),
  data: Type.Intersect([Type.Ref('Campaign'), Type.Object({ campId: Type.String() })]),
});

export const UpdateCampaignEnvelope = Success(Type.Ref('Campaign'), { id: Type.Optional(Type.String()) });

export const ListCampaignsBody = Type.Object(
  {
    skip: Type.Optional(Type.Union([Type.Integer({ minimum: 0, maximum: 1_000_000_000 }), Type.Literal('')])),
    page: Type.Optional(Type.Union([Type.Integer({ minimum: 1, maximum: 10_000_000 }), Type.Literal('')])),
    limit: Type.Optional(Type.Union([Type.Integer({ minimum: 1, maximum: 100 }), Type.Literal('')])),
    type: Type.Optional(Type.String({ description: 'voice | sms; both when omitted' })),
    startDate: Type.Optional(Type.String({ description: 'ISO date: created at or after' })),
    endDate: Type.Optional(Type.String({ description: 'ISO date: created at or before' })),
    sortBy: Type.Optional(
      Type.Record(Type.String(), Type.String(), { description: '{ name | createdAt | updatedAt: asc | desc }' }),
    ),
    filters: Type.Optional(
      Type.Object({
        status: Type.Optional(Type.Array(Type.String())),
        priority: Type.Optional(Type.Array(Priority)),
        dialingMode: Type.Optional(Type.Array(Type.String())),
      }),
    ),
  },
  { $id: 'ListCampaignsBody' },
);
export type ListCampaignsBody = Static<typeof ListCampaignsBody>;

export const CampaignsPage = Type.Object({ results: Type.Array(Type.Ref('Campaign')), ...PageMeta });
export type CampaignsPage = Omit<Static<typeof CampaignsPage>, 'results'> & { results: Campaign[] };
export const ListCampaignsEnvelope = Success(CampaignsPage);
