import { IANAZone } from 'luxon';
import type { CampaignInput } from '../../contract/campaign.js';
import { isClockTime, parseClockTime } from '../engine/calling-window.js';
import { errors } from '../../shared/errors.js';
import { nameProblem } from '../../shared/text.js';
import type { AppError } from '../../shared/errors.js';
import {
  DAY_CODES,
  DIALING_MODES,
  DIALING_ORDERS,
  FREQUENCIES,
  AGENT_DEFAULTS,
  ABANDON_WINDOWS,
  MACHINE_DETECT_MODES,
  PREDICTIVE_DEFAULTS,
  PREVIEW_TIMEOUT_ACTIONS,
  SMS_FORMATS,
  type AgentSettings,
  type CallingHours,
  type CampaignType,
  type DialingMode,
  type DialingStrategy,
  type MachineDetectMode,
  type PredictiveSettings,
  type SmsFormat,
} from './campaign-config.js';

/** Which generation of the API a request came through; v2 adds `dncLists` rules (Kore's v2 pages). */
export type ApiVersion = 'v1' | 'v2';

/** The body after shape checks and canonicalisation, with names still to be resolved. */
export interface NormalisedCampaign {
  type: CampaignType;
  name: string;
  description: string;
  priority: number;
  dialingMode: DialingMode | null;
  dialingStrategy: DialingStrategy;
  schedule: { isSchedulingEnabled: boolean; isRecurrenceEnabled: boolean };
  contactListNames: string[];
  dncListName?: string;
  experienceFlowName?: string;
  queueName?: string;
  maxSkips?: number;
  agentSettings?: AgentSettings;
  predictiveSettings?: PredictiveSettings;
  machineDetection: MachineDetectMode;
  format?: SmsFormat;
  message?: { message: string; templateId: string; templateName?: string };
}

const E164 = /^\+[1-9]\d{6,14}$/;

/** Case-insensitive lookup of a canonical enumeration value. */
export function canonical<T extends string>(values: readonly T[], raw: unknown): T | undefined {
  if (typeof raw !== 'string') return undefined;
  const lower = raw.trim().toLowerCase();
  return values.find((v) => v.toLowerCase() === lower);
}

/** Priority "1"–"5" given as a string or a number (docs/kore-compatibility.md, inconsistency 15). */
export function parsePriority(raw: unknown): number | undefined {
  const n = typeof raw === 'number' ? raw : typeof raw === 'string' && /^\s*\d+\s*$/.test(raw) ? Number(raw) : NaN;
  return Number.isInteger(n) && n >= 1 && n <= 5 ? n : undefined;
}

export function parseCampaignType(raw: unknown): CampaignType | undefined {
  return canonical(['voice', 'sms'] as const, raw);
}

class Problems {
  readonly list: AppError[] = [];
  add(field: string, message: string): void {
    this.list.push(errors.validation(field, `${field}: ${message}`));
  }
}

function normaliseCallingHours(raw: CampaignInput['dialingStrategy']['callingHours'], p: Problems): CallingHours {
  const frequency = canonical(FREQUENCIES, raw.frequency);
  if (!frequency) p.add('dialingStrategy.callingHours.frequency', `must be one of ${FREQUENCIES.join(', ')}`);
  const timezone = raw.timezone.trim();
  if (!IANAZone.isValidZone(timezone))
    p.add('dialingStrategy.callingHours.timezone', `'${raw.timezone}' is not an IANA time zone`);
  const days = raw.days.map((d, i) => {
    const field = `dialingStrategy.callingHours.days[${i}]`;
    const day = canonical(DAY_CODES, d.day);
    if (!day) p.add(`${field}.day`, `must be one of ${DAY_CODES.join(' ')}`);
    const start = d.start.trim().replace(/\s+/g, ' ');
    const end = d.end.trim().replace(/\s+/g, ' ');
    const okStart = isClockTime(start);
    const okEnd = isClockTime(end);
    if (!okStart) p.add(`${field}.start`, `'${d.start}' is not a time like "9:00 AM"`);
    if (!okEnd) p.add(`${field}.end`, `'${d.end}' is not a time like "6:00 PM"`);
    if (okStart && okEnd && parseClockTime(start) === parseClockTime(end)) {
      p.add(field, 'start and end are equal, so the window is empty');
    }
    return { day: day ?? 'MO', start: start.toUpperCase(), end: end.toUpperCase() };
  });
  return { frequency: frequency ?? 'WEEKLY', timezone, days };
}

function normaliseMachineDetect(raw: unknown, p: Problems): MachineDetectMode {
  if (raw === undefined || raw === false) return 'no';
  if (raw === true) return 'detect';
  const mode = canonical(MACHINE_DETECT_MODES, raw);
  if (!mode) p.add('enableMachineDetect', 'must be true, false, "no", "detect" or "disconnect"');
  return mode ?? 'no';
}

/** agentSettings with its defaults; Preview's own settings only on Preview campaigns. */
function normaliseAgentSettings(raw: CampaignInput['agentSettings'], mode: DialingMode, p: Problems): AgentSettings {
  const out: AgentSettings = { wrapUpSec: raw?.wrapUpSec ?? AGENT_DEFAULTS.wrapUpSec, dispositionCodes: [] };
  const seen = new Set<string>();
  for (const [i, c] of (raw?.dispositionCodes ?? []).entries()) {
    const code = c.trim();
    const issue = code === '' ? 'must not be blank' : nameProblem(code);
    if (issue) p.add(`agentSettings.dispositionCodes[${i}]`, issue);
    else if (seen.has(code.toLowerCase())) p.add(`agentSettings.dispositionCodes[${i}]`, `'${code}' is listed twice`);
    else out.dispositionCodes.push(code);
    seen.add(code.toLowerCase());
  }
  if (mode === 'Preview') {
    out.previewTimeoutSec = raw?.previewTimeoutSec ?? AGENT_DEFAULTS.previewTimeoutSec;
    const action =
      raw?.previewTimeoutAction === undefined
        ? AGENT_DEFAULTS.previewTimeoutAction
        : canonical(PREVIEW_TIMEOUT_ACTIONS, raw.previewTimeoutAction);
    if (!action) p.add('agentSettings.previewTimeoutAction', `must be ${PREVIEW_TIMEOUT_ACTIONS.join(' or ')}`);
    out.previewTimeoutAction = action ?? AGENT_DEFAULTS.previewTimeoutAction;
  } else if (raw?.previewTimeoutSec !== undefined || raw?.previewTimeoutAction !== undefined) {
    p.add('agentSettings', 'previewTimeoutSec and previewTimeoutAction are for Preview campaigns');
  }
  return out;
}

/** predictiveSettings with its defaults. */
function normalisePredictiveSettings(raw: CampaignInput['predictiveSettings'], p: Problems): PredictiveSettings {
  const window =
    raw?.abandonWindow === undefined
      ? PREDICTIVE_DEFAULTS.abandonWindow
      : canonical(ABANDON_WINDOWS, raw.abandonWindow);
  if (!window) p.add('predictiveSettings.abandonWindow', `must be ${ABANDON_WINDOWS.join(' or ')}`);
  const message = raw?.abandonMessageId?.trim();
  if (raw?.abandonMessageId !== undefined && !message)
    p.add('predictiveSettings.abandonMessageId', 'must not be blank');
  return {
    targetAbandonPercent: raw?.targetAbandonPercent ?? PREDICTIVE_DEFAULTS.targetAbandonPercent,
    abandonWindow: window ?? PREDICTIVE_DEFAULTS.abandonWindow,
    connectDeadlineSec: raw?.connectDeadlineSec ?? PREDICTIVE_DEFAULTS.connectDeadlineSec,
    ...(message ? { abandonMessageId: message } : {}),
    ...(raw?.maxDialRatio !== undefined ? { maxDialRatio: raw.maxDialRatio } : {}),
    lockoutHours: raw?.lockoutHours ?? PREDICTIVE_DEFAULTS.lockoutHours,
  };
}

/**
 * Checks a create / update body against the rules of Kore's create pages and canonicalises it.
 * Every problem is collected so the caller sees all of them at once.
 */
export function normaliseCampaignInput(
  body: CampaignInput,
  ctx: { type: CampaignType; apiVersion: ApiVersion },
): { ok: true; value: NormalisedCampaign } | { ok: false; problems: AppError[] } {
  const p = new Problems();
  const { type } = ctx;
  const name = body.name.trim();
  if (name === '') p.add('name', 'must not be blank');
  const nameIssue = nameProblem(name);
  if (nameIssue) p.add('name', nameIssue);
  const priority = body.priority === undefined ? 5 : parsePriority(body.priority);
  if (priority === undefined) p.add('priority', 'must be "1" to "5"');

  const seen = new Set<string>();
  const contactListNames = body.contactLists.map((n) => n.trim());
  for (const n of contactListNames) {
    if (n === '') p.add('contactLists', 'list names must not be blank');
    else if (seen.has(n.toLowerCase())) p.add('contactLists', `'${n}' is listed twice`);
    seen.add(n.toLowerCase());
  }

  const ds = body.dialingStrategy;
  const callerId = ds.callerId.phoneNumber.trim();
  if (!E164.test(callerId))
    p.add(
      'dialingStrategy.callerId.phoneNumber',
      `'${ds.callerId.phoneNumber}' is not an E.164 number like +15101234567`,
    );
  const dialingStrategy: DialingStrategy = {
    callerId: { phoneNumber: callerId },
    callingHours: normaliseCallingHours(ds.callingHours, p),
  };
  if (ds.useSystemMappings !== undefined) dialingStrategy.useSystemMappings = ds.useSystemMappings;

  const dnc = Array.isArray(body.dncLists) ? body.dncLists[0] : body.dncLists;
  const dncListName = dnc?.name.trim() || undefined;

  const out: NormalisedCampaign = {
    type,
    name,
    description: body.description ?? '',
    priority: priority ?? 5,
    dialingMode: null,
    dialingStrategy,
    schedule: {
      isSchedulingEnabled: body.schedule?.isSchedulingEnabled ?? false,
      isRecurrenceEnabled: body.schedule?.isRecurrenceEnabled ?? false,
    },
    contactListNames,
    dncListName,
    machineDetection: 'no',
  };

  if (type === 'voice') {
    const mode = canonical(DIALING_MODES, body.dialingMode);
    if (body.dialingMode === undefined)
      p.add('dialingMode', `is required for voice campaigns (${DIALING_MODES.join(', ')})`);
    else if (!mode) p.add('dialingMode', `'${body.dialingMode}' is not supported; use ${DIALING_MODES.join(', ')}`);
    out.dialingMode = mode ?? null;
    const order = canonical(DIALING_ORDERS, ds.dialingOrder);
    if (!order) p.add('dialingStrategy.dialingOrder', 'must be FIFO or LIFO');
    for (const k of ['maxAttemptsPerRecord', 'defaultRetryPeriod', 'maxRingTime'] as const) {
      if (ds[k] === undefined) p.add(`dialingStrategy.${k}`, 'is required for voice campaigns');
    }
    Object.assign(dialingStrategy, {
      dialingOrder: order ?? 'FIFO',
      maxAttemptsPerRecord: ds.maxAttemptsPerRecord ?? 1,
      defaultRetryPeriod: ds.defaultRetryPeriod ?? 1,
      maxRingTime: ds.maxRingTime ?? 30,
    });
    out.machineDetection = normaliseMachineDetect(body.enableMachineDetect, p);
    if (mode === 'Agentless') {
      if (!body.experienceFlowName?.trim()) p.add('experienceFlowName', 'is required for Agentless campaigns');
      out.experienceFlowName = body.experienceFlowName?.trim();
      if (body.agentSettings !== undefined)
        p.add('agentSettings', 'is for Progressive, Preview and Predictive campaigns');
    } else if (mode) {
      out.agentSettings = normaliseAgentSettings(body.agentSettings, mode, p);
      if (!body.queue_name?.trim()) p.add('queue_name', `is required for ${mode} campaigns`);
      out.queueName = body.queue_name?.trim();
      // Predictive hangs up on detected machines so agents get people; Kore's `detect` runs a bot flow,
      // which an agent campaign has none of.
      if (mode === 'Predictive' && out.machineDetection === 'detect')
        p.add('enableMachineDetect', 'Predictive campaigns take "no" or "disconnect"');
      else if (mode !== 'Predictive' && out.machineDetection !== 'no')
        p.add('enableMachineDetect', 'answering-machine detection is only available in Agentless mode');
    }
    if (mode === 'Predictive') out.predictiveSettings = normalisePredictiveSettings(body.predictiveSettings, p);
    else if (body.predictiveSettings !== undefined) p.add('predictiveSettings', 'is for Predictive campaigns');
    if (mode === 'Preview') {
      if (body.maxSkips === undefined) p.add('maxSkips', 'is required for Preview campaigns');
      out.maxSkips = body.maxSkips ?? 0;
    }
    if (ctx.apiVersion === 'v2' && !dncListName)
      p.add('dncLists', 'a DNC list name is required for voice campaigns on the v2 API');
  } else {
    const format = canonical(
      SMS_FORMATS,
      body.format === 'template' || body.format === 'basic' ? 'simple' : body.format,
    );
    if (!format) p.add('format', 'must be simple or advanced');
    out.format = format;
    if (format === 'advanced') {
      if (!body.experienceFlowName?.trim()) p.add('experienceFlowName', 'is required for advanced SMS campaigns');
      out.experienceFlowName = body.experienceFlowName?.trim();
    } else if (format === 'simple') {
      const text = body.message?.message ?? '';
      const templateName = body.message?.template_name?.trim() || undefined;
      if (text.trim() === '' && !templateName) p.add('message.message', 'is required for simple SMS campaigns');
      out.message = { message: text, templateId: body.message?.templateId?.trim() ?? '', templateName };
    }
    if (body.enableMachineDetect !== undefined && body.enableMachineDetect !== false) {
      p.add('enableMachineDetect', 'does not apply to SMS campaigns');
    }
    if (body.agentSettings !== undefined)
      p.add('agentSettings', 'is for Progressive, Preview and Predictive campaigns');
    if (body.predictiveSettings !== undefined) p.add('predictiveSettings', 'is for Predictive campaigns');
  }
  return p.list.length > 0 ? { ok: false, problems: p.list } : { ok: true, value: out };
}
