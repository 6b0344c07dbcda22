import type { CampaignRow } from '../../storage/schema.js';
import {
  AGENT_DEFAULTS,
  type CampaignConfig,
  type MachineDetectMode,
  type PreviewTimeoutAction,
  PREDICTIVE_DEFAULTS,
  type PredictiveSettings,
} from '../campaigns/campaign-config.js';
import type { Schedule } from '../campaigns/schedule.js';
import { compileCallingHours, type CallingHoursLike, type CompiledCallingHours } from './calling-window.js';
import { decodeSmsMessage } from './sms-message.js';

/**
 * Defaults when a campaign leaves a dialing setting out (Kore documents ranges, not defaults).
 * maxConcurrent (calls one campaign may have out at once) is Kore's agentless default; a bot may
 * set its own (CampaignCaps). Progressive and Preview campaigns are bounded by their agents instead.
 */
export const POLICY_DEFAULTS = Object.freeze({
  maxAttemptsPerRecord: 1,
  defaultRetryPeriodMin: 60,
  maxRingTimeSec: 30,
  maxConcurrent: 10,
});

/** How a Progressive, Preview or Predictive campaign works with the agents of its queue. */
export interface AgentPolicy {
  mode: 'Progressive' | 'Preview' | 'Predictive';
  queueId: string;
  queueName: string;
  wrapUpSec: number;
  previewTimeoutSec: number;
  previewTimeoutAction: PreviewTimeoutAction;
  /** Preview: skips a record may get; the last one makes it final (`agent-skipped`). */
  maxSkips: number;
  /** Empty: the bot's list decides. */
  dispositionCodes: string[];
}

/** What the engine needs to know about a running campaign, parsed once from its stored config. */
export interface CampaignPolicy {
  campaignId: string;
  accountId: string;
  botId: string;
  name: string;
  type: 'voice' | 'sms';
  priority: number;
  dialingMode: string | null;
  hours: CallingHoursLike;
  compiled: CompiledCallingHours;
  /** Where contacts added during the run go (live lists); absent: FIFO. */
  dialingOrder?: 'FIFO' | 'LIFO';
  maxAttempts: number;
  retryMin: number;
  ringSec: number;
  machine: MachineDetectMode;
  callerId: string;
  /** The campaign's own DNC list (v2 `dncLists`); the account's global one is added at check time. */
  dncListIds: string[];
  /** That list, named (a disposition's do-not-call adds the number to it). */
  dncList?: { id: string; name: string };
  experienceFlowId?: string;
  /** SMS: the experience flow's name, handed to the provider with its id. */
  experienceFlowName?: string;
  queue?: string;
  /** Progressive, Preview and Predictive: dialed for agents. */
  agents?: AgentPolicy;
  /** Predictive: how it paces and abandons (settings with their defaults). */
  predictive?: PredictiveSettings;
  /** SMS text, decoded; absent for an advanced SMS campaign (its flow writes the text). */
  message?: string;
  /** The recurring schedule, if any: a completed run goes back to Scheduled while occurrences remain. */
  schedule: Schedule;
}

export function policyOf(row: CampaignRow): CampaignPolicy {
  const c = JSON.parse(row.config) as CampaignConfig;
  const ds = c.dialingStrategy;
  const p: CampaignPolicy = {
    campaignId: row.id,
    accountId: row.account_id,
    botId: row.bot_id,
    name: row.name,
    type: row.type,
    priority: row.priority > 0 ? row.priority : 1,
    dialingMode: row.dialing_mode,
    hours: ds.callingHours,
    compiled: compileCallingHours(ds.callingHours),
    maxAttempts: ds.maxAttemptsPerRecord ?? POLICY_DEFAULTS.maxAttemptsPerRecord,
    retryMin: ds.defaultRetryPeriod ?? POLICY_DEFAULTS.defaultRetryPeriodMin,
    ringSec: ds.maxRingTime ?? POLICY_DEFAULTS.maxRingTimeSec,
    machine: c.machineDetection,
    callerId: ds.callerId.phoneNumber,
    dncListIds: c.dncList ? [c.dncList.id] : [],
    schedule: c.schedule,
  };
  if (ds.dialingOrder) p.dialingOrder = ds.dialingOrder;
  if (c.experienceFlow) p.experienceFlowId = c.experienceFlow.id;
  if (c.dncList) p.dncList = c.dncList;
  if (c.queue) p.queue = c.queue.name;
  const mode = row.dialing_mode;
  if (c.queue && (mode === 'Progressive' || mode === 'Preview' || mode === 'Predictive')) {
    const s = c.agentSettings;
    p.agents = {
      mode,
      queueId: c.queue.id,
      queueName: c.queue.name,
      wrapUpSec: s?.wrapUpSec ?? AGENT_DEFAULTS.wrapUpSec,
      previewTimeoutSec: s?.previewTimeoutSec ?? AGENT_DEFAULTS.previewTimeoutSec,
      previewTimeoutAction: s?.previewTimeoutAction ?? AGENT_DEFAULTS.previewTimeoutAction,
      maxSkips: c.maxSkips ?? 0,
      dispositionCodes: s?.dispositionCodes ?? [],
    };
    if (mode === 'Predictive') p.predictive = { ...PREDICTIVE_DEFAULTS, ...c.predictiveSettings };
  }
  if (row.type === 'sms') {
    // An advanced SMS has no text of its own: its experience flow (experienceFlowId) writes and
    // sends it, so nothing stands in for the text here (docs/telephony-webhook.md).
    if (c.message) p.message = decodeSmsMessage(c.message.message);
    if (c.experienceFlow) p.experienceFlowName = c.experienceFlow.name;
  }
  return p;
}
