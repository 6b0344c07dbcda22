import type { Schedule } from './schedule.js';
/**
 * Canonical enumerations (the Kore docs' enumerations). Input is matched case-insensitively and stored in these
 * spellings.
 */
/** `Predictive` is campaignd's (docs/pacing.md); Kore documents the other three. */
export const DIALING_MODES = ['Agentless', 'Progressive', 'Preview', 'Predictive'] as const;
export type DialingMode = (typeof DIALING_MODES)[number];
export const FREQUENCIES = ['WEEKLY', 'DAILY', 'CUSTOM'] as const;
export type Frequency = (typeof FREQUENCIES)[number];
export const DAY_CODES = ['MO', 'TU', 'WE', 'TH', 'FR', 'SA', 'SU'] as const;
export type DayCode = (typeof DAY_CODES)[number];
export const DIALING_ORDERS = ['FIFO', 'LIFO'] as const;
export type DialingOrder = (typeof DIALING_ORDERS)[number];
export const SMS_FORMATS = ['simple', 'advanced'] as const;
export type SmsFormat = (typeof SMS_FORMATS)[number];
export const MACHINE_DETECT_MODES = ['no', 'detect', 'disconnect'] as const;
export const PREVIEW_TIMEOUT_ACTIONS = ['dial', 'requeue'] as const;
/** Predictive: the abandon rate is measured over the last 30 days (TCPA) or the last 24 hours (Ofcom). */
export const ABANDON_WINDOWS = ['rolling-30-days', 'rolling-24-hours'] as const;
export type AbandonWindow = (typeof ABANDON_WINDOWS)[number];
export type PreviewTimeoutAction = (typeof PREVIEW_TIMEOUT_ACTIONS)[number];
export type MachineDetectMode = (typeof MACHINE_DETECT_MODES)[number];
export const CAMPAIGN_STATUSES = [
  'Preparing',
  'Ready',
  'Active',
  'Paused',
  'Stopped',
  'Completed',
  'Scheduled',
  'Rescheduled',
] as const;
export type CampaignStatus = (typeof CAMPAIGN_STATUSES)[number];
export type CampaignType = 'voice' | 'sms';

export interface CallingHours {
  frequency: Frequency;
  timezone: string;
  days: { day: DayCode; start: string; end: string }[];
}

export interface DialingStrategy {
  callerId: { phoneNumber: string };
  callingHours: CallingHours;
  dialingOrder?: DialingOrder;
  maxAttemptsPerRecord?: number;
  defaultRetryPeriod?: number;
  maxRingTime?: number;
  useSystemMappings?: boolean;
}

/** How a Progressive or Preview campaign works with its agents (a campaignd extension, docs/agents.md). */
export interface AgentSettings {
  wrapUpSec: number;
  /** Preview only. */
  previewTimeoutSec?: number;
  previewTimeoutAction?: PreviewTimeoutAction;
  /** Empty: the bot's list. */
  dispositionCodes: string[];
}

/** Defaults of agentSettings: a minute of wrap-up; Kore's 30-second Preview timer that dials. */
export const AGENT_DEFAULTS = Object.freeze({
  wrapUpSec: 60,
  previewTimeoutSec: 30,
  previewTimeoutAction: 'dial' as const,
});

/** How a Predictive campaign paces and abandons (a campaignd extension, docs/pacing.md). */
export interface PredictiveSettings {
  /** Abandoned calls per live person answered over the window, percent. */
  targetAbandonPercent: number;
  abandonWindow: AbandonWindow;
  /** Seconds from a person's answer to their agent, at most; then the call is abandoned. */
  connectDeadlineSec: number;
  /** The recording an abandoned call hears, by the provider's id; absent: the provider's default. */
  abandonMessageId?: string;
  /** Calls out per agent expected free, at most; absent: the model alone decides. */
  maxDialRatio?: number;
  /** Hours an abandoned number is not dialed again for an agent (any agent campaign of the account). */
  lockoutHours: number;
}

export const PREDICTIVE_DEFAULTS = Object.freeze({
  targetAbandonPercent: 3,
  abandonWindow: 'rolling-30-days' as const,
  connectDeadlineSec: 2,
  lockoutHours: 72,
});

export interface NamedRef {
  id: string;
  name: string;
}

/** Everything about a campaign that is not a column of its own; stored as JSON in campaigns.config. */
export interface CampaignConfig {
  dialingStrategy: DialingStrategy;
  /** Flags from the create body; the recurrence itself only from the schedule API (schedule.ts). */
  schedule: Schedule;
  /** Lists in the order given, with their canonical names. */
  contactLists: NamedRef[];
  dncList?: NamedRef;
  experienceFlow?: NamedRef;
  queue?: NamedRef;
  maxSkips?: number;
  /** Progressive and Preview; absent in campaigns stored before agents existed (defaults apply). */
  agentSettings?: AgentSettings;
  /** Predictive only. */
  predictiveSettings?: PredictiveSettings;
  machineDetection: MachineDetectMode;
  format?: SmsFormat;
  /**
   * SMS text as received (Base64, URL-encoded Base64 or plain); decoded only for sending
   * (docs/kore-compatibility.md, inconsistency 16).
   */
  message?: { message: string; templateId: string; template_name?: string };
}

/** A validated, name-resolved campaign ready to be stored. */
export interface CampaignDraft {
  type: CampaignType;
  name: string;
  description: string;
  priority: number;
  dialingMode: DialingMode | null;
  config: CampaignConfig;
}
