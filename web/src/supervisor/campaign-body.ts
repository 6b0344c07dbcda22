/**
 * The campaign form's state and Kore's create / update body: from a campaign read by id to the
 * form's fields, from the fields to the body, and from the API's `errors[].field` back to the input
 * that holds it. No DOM here: campaign-form.tsx and predictive-fields.tsx render it.
 */
import type { components, paths } from '../../../src/client/index.js';
import { fieldErrors } from '../api.js';
import {
  PREDICTIVE_EMPTY,
  predictiveFromCampaign,
  predictiveInputOf,
  predictiveToBody,
  type PredictiveState,
} from './predictive-fields.js';

export type Campaign = components['schemas']['Campaign'];
/** The create body as the OpenAPI document types it (Kore's create-campaign body). */
export type CampaignBody = NonNullable<
  paths['/agentassist/api/v1/public/{iid}/campaign']['post']['requestBody']
>['content']['application/json'];

export const DAYS = [
  ['MO', 'Monday'],
  ['TU', 'Tuesday'],
  ['WE', 'Wednesday'],
  ['TH', 'Thursday'],
  ['FR', 'Friday'],
  ['SA', 'Saturday'],
  ['SU', 'Sunday'],
] as const;

export type DialingMode = 'Agentless' | 'Progressive' | 'Preview' | 'Predictive';
const DIALING_MODES: readonly DialingMode[] = ['Agentless', 'Progressive', 'Preview', 'Predictive'];

export interface FormState extends PredictiveState {
  name: string;
  description: string;
  campaignType: 'voice' | 'sms';
  dialingMode: DialingMode;
  contactLists: string[];
  /** The campaign's own do-not-call list (a list's name); '' for none (the account's global one still applies). */
  dncList: string;
  priority: string;
  callerId: string;
  timezone: string;
  days: string[];
  start: string;
  end: string;
  dialingOrder: 'FIFO' | 'LIFO';
  maxAttemptsPerRecord: string;
  defaultRetryPeriod: string;
  maxRingTime: string;
  experienceFlowName: string;
  queueName: string;
  maxSkips: string;
  format: 'simple' | 'advanced';
  message: string;
}

const localZone = (): string => Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';

export const EMPTY: FormState = {
  name: '',
  description: '',
  campaignType: 'voice',
  dialingMode: 'Agentless',
  contactLists: [],
  dncList: '',
  priority: '3',
  callerId: '',
  timezone: localZone(),
  days: ['MO', 'TU', 'WE', 'TH', 'FR'],
  start: '09:00',
  end: '18:00',
  dialingOrder: 'FIFO',
  maxAttemptsPerRecord: '3',
  defaultRetryPeriod: '10',
  maxRingTime: '30',
  experienceFlowName: '',
  queueName: '',
  maxSkips: '3',
  format: 'simple',
  message: '',
  ...PREDICTIVE_EMPTY,
};

/** `13:05` (an `<input type=time>`) → `1:05 PM` (Kore's calling hours). */
function toKoreTime(hhmm: string): string {
  const m = /^(\d{1,2}):(\d{2})/.exec(hhmm);
  if (!m) return hhmm;
  const h = Number(m[1]);
  return `${h % 12 === 0 ? 12 : h % 12}:${m[2]} ${h < 12 ? 'AM' : 'PM'}`;
}

/** `1:05 PM` → `13:05`; anything else is left as it is. */
function fromKoreTime(t: string): string {
  const m = /^(\d{1,2}):(\d{2})\s*([AaPp])[Mm]$/.exec(t.trim());
  if (!m) return t;
  const h = (Number(m[1]) % 12) + (m[3]!.toLowerCase() === 'p' ? 12 : 0);
  return `${String(h).padStart(2, '0')}:${m[2]}`;
}

export function fromCampaign(c: Campaign): FormState {
  const ds = c.dialingStrategy;
  const first = ds.callingHours.days[0];
  return {
    ...EMPTY,
    name: c.name,
    description: c.description,
    campaignType: c.campaignType === 'sms' ? 'sms' : 'voice',
    dialingMode: DIALING_MODES.find((m) => m === c.dialingMode) ?? 'Agentless',
    contactLists: c.contactLists,
    dncList: c.dncLists?.name ?? '',
    priority: c.priority,
    callerId: ds.callerId.phoneNumber,
    timezone: ds.callingHours.timezone,
    days: ds.callingHours.days.map((d) => d.day.toUpperCase()),
    start: first ? fromKoreTime(first.start) : EMPTY.start,
    end: first ? fromKoreTime(first.end) : EMPTY.end,
    dialingOrder: ds.dialingOrder === 'LIFO' ? 'LIFO' : 'FIFO',
    maxAttemptsPerRecord: String(ds.maxAttemptsPerRecord ?? EMPTY.maxAttemptsPerRecord),
    defaultRetryPeriod: String(ds.defaultRetryPeriod ?? EMPTY.defaultRetryPeriod),
    maxRingTime: String(ds.maxRingTime ?? EMPTY.maxRingTime),
    experienceFlowName: c.experienceFlow ?? '',
    queueName: c.queue_name ?? '',
    maxSkips: String(c.maxSkips ?? EMPTY.maxSkips),
    format: c.format === 'advanced' ? 'advanced' : 'simple',
    message: c.message?.message ?? '',
    ...predictiveFromCampaign(c),
  };
}

/** A number field as typed: the API says what is wrong with it, so nothing is coerced away. */
export const num = (s: string): number => (s.trim() === '' ? NaN : Number(s));

export function toBody(f: FormState): CampaignBody {
  const voice = f.campaignType === 'voice';
  const body: CampaignBody = {
    name: f.name,
    description: f.description,
    campaignType: f.campaignType,
    contactLists: f.contactLists,
    priority: f.priority as CampaignBody['priority'],
    dialingStrategy: {
      callerId: { phoneNumber: f.callerId },
      callingHours: {
        frequency: 'WEEKLY',
        timezone: f.timezone,
        days: f.days.map((day) => ({ day, start: toKoreTime(f.start), end: toKoreTime(f.end) })),
      },
    },
    schedule: { isSchedulingEnabled: false },
  };
  if (f.dncList) body.dncLists = { name: f.dncList };
  if (voice) {
    body.dialingMode = f.dialingMode;
    body.dialingStrategy.dialingOrder = f.dialingOrder;
    body.dialingStrategy.maxAttemptsPerRecord = num(f.maxAttemptsPerRecord);
    body.dialingStrategy.defaultRetryPeriod = num(f.defaultRetryPeriod);
    body.dialingStrategy.maxRingTime = num(f.maxRingTime);
    if (f.dialingMode === 'Agentless') {
      body.experienceFlowName = f.experienceFlowName;
      body.enableMachineDetect = false;
    } else body.queue_name = f.queueName;
    if (f.dialingMode === 'Preview') body.maxSkips = num(f.maxSkips);
    if (f.dialingMode === 'Predictive') {
      body.enableMachineDetect = f.machineDetect;
      body.predictiveSettings = predictiveToBody(f);
    }
  } else {
    body.format = f.format;
    if (f.format === 'advanced') body.experienceFlowName = f.experienceFlowName;
    else body.message = { templateId: '', message: f.message };
  }
  return body;
}

/**
 * An edit sends Kore's full body (a replace, not a patch), so what the form has no input for is
 * taken from the campaign as read: without this, saving a form would silently reset its agent
 * settings, machine detection and system mappings.
 */
export function keptOnEdit(c: Campaign, body: CampaignBody): CampaignBody {
  const out: CampaignBody = { ...body, dialingStrategy: { ...body.dialingStrategy } };
  if (c.agentSettings && body.dialingMode !== 'Agentless') out.agentSettings = c.agentSettings;
  if (body.dialingMode === 'Agentless') out.enableMachineDetect = c.machineDetectMode ?? c.enableMachineDetect;
  if (c.dialingStrategy.useSystemMappings !== undefined)
    out.dialingStrategy.useSystemMappings = c.dialingStrategy.useSystemMappings;
  if (out.message && c.message?.templateId) out.message = { ...out.message, templateId: c.message.templateId };
  return out;
}

/**
 * Where each of the API's field names (`errors[].field`, e.g. `dialingStrategy.callingHours.days[2].start`)
 * is shown: the input that holds it, when the form shows that input for this dialing mode.
 */
function inputOf(field: string, mode: DialingMode): keyof FormState | undefined {
  const f = field.replace(/\[\d+\]/g, '[]');
  if (f === 'name' || f === 'description' || f === 'priority' || f === 'campaignType' || f === 'dialingMode') return f;
  if (f.startsWith('contactLists')) return 'contactLists';
  if (f.startsWith('dncLists')) return 'dncList';
  if (f.startsWith('dialingStrategy.callerId')) return 'callerId';
  if (f === 'dialingStrategy.callingHours.timezone') return 'timezone';
  if (f === 'dialingStrategy.callingHours.days[].start') return 'start';
  if (f === 'dialingStrategy.callingHours.days[].end') return 'end';
  if (f.startsWith('dialingStrategy.callingHours')) return 'days';
  for (const k of ['dialingOrder', 'maxAttemptsPerRecord', 'defaultRetryPeriod', 'maxRingTime'] as const)
    if (f === `dialingStrategy.${k}`) return k;
  if (f === 'experienceFlowName') return 'experienceFlowName';
  if (f === 'queue_name') return 'queueName';
  if (f === 'maxSkips') return 'maxSkips';
  if (f === 'format') return 'format';
  if (f.startsWith('message')) return 'message';
  if (mode === 'Predictive') return predictiveInputOf(f);
  return undefined;
}

/** The API's messages by input; the ones no input holds are returned apart, to be shown above the form. */
export function mapErrors(error: unknown, mode: DialingMode): { byInput: Record<string, string>; other: string[] } {
  const byInput: Record<string, string[]> = {};
  const other: string[] = [];
  const all = (error as { errors?: { field?: string; msg: string }[] } | undefined)?.errors ?? [];
  const seen = all.length > 0 ? all : Object.entries(fieldErrors(error)).map(([field, msg]) => ({ field, msg }));
  for (const e of seen) {
    const input = e.field ? inputOf(e.field, mode) : undefined;
    if (!input) other.push(e.msg);
    else if (!byInput[input]?.includes(e.msg)) (byInput[input] ??= []).push(e.msg);
  }
  return { byInput: Object.fromEntries(Object.entries(byInput).map(([k, v]) => [k, v.join(' ')])), other };
}
