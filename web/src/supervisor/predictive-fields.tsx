/**
 * The campaign form's Predictive parts (a campaignd extension of Kore's `dialingMode`, docs/pacing.md):
 * machine detection limited to no / disconnect, and the Pacing fieldset of `predictiveSettings`.
 */
import type { JSX, TargetedEvent } from 'preact';
import type { components, paths } from '../../../src/client/index.js';
import { Field } from '../ui/form.js';

type CreateBody = NonNullable<
  paths['/agentassist/api/v1/public/{iid}/campaign']['post']['requestBody']
>['content']['application/json'];
/** `predictiveSettings` as the create / update body takes it (src/contract/campaign.ts). */
export type PredictiveSettingsBody = NonNullable<CreateBody['predictiveSettings']>;
/** `predictiveSettings` as a campaign read by id gives it: the defaults filled in. */
export type PredictiveSettingsOut = NonNullable<components['schemas']['Campaign']['predictiveSettings']>;

/** The form's Predictive fields, as typed. */
export interface PredictiveState {
  /** `enableMachineDetect`: Predictive campaigns take no or disconnect. */
  machineDetect: 'no' | 'disconnect';
  targetAbandonPercent: string;
  abandonWindow: 'rolling-30-days' | 'rolling-24-hours';
  connectDeadlineSec: string;
  abandonMessageId: string;
  maxDialRatio: string;
  lockoutHours: string;
}

/** The API's defaults (PREDICTIVE_DEFAULTS), shown as the initial values and as placeholders. */
const DEFAULTS = { targetAbandonPercent: '3', connectDeadlineSec: '2', lockoutHours: '72' } as const;

export const PREDICTIVE_EMPTY: PredictiveState = {
  machineDetect: 'no',
  abandonWindow: 'rolling-30-days',
  abandonMessageId: '',
  maxDialRatio: '',
  ...DEFAULTS,
};

const PREDICTIVE_KEYS = [
  'targetAbandonPercent',
  'abandonWindow',
  'connectDeadlineSec',
  'abandonMessageId',
  'maxDialRatio',
  'lockoutHours',
] as const;

export function predictiveFromCampaign(c: {
  predictiveSettings?: PredictiveSettingsOut;
  machineDetectMode?: string;
}): PredictiveState {
  const s = c.predictiveSettings;
  return {
    machineDetect: c.machineDetectMode === 'disconnect' ? 'disconnect' : 'no',
    targetAbandonPercent: String(s?.targetAbandonPercent ?? DEFAULTS.targetAbandonPercent),
    abandonWindow: s?.abandonWindow === 'rolling-24-hours' ? 'rolling-24-hours' : 'rolling-30-days',
    connectDeadlineSec: String(s?.connectDeadlineSec ?? DEFAULTS.connectDeadlineSec),
    abandonMessageId: s?.abandonMessageId ?? '',
    maxDialRatio: s?.maxDialRatio === undefined ? '' : String(s.maxDialRatio),
    lockoutHours: String(s?.lockoutHours ?? DEFAULTS.lockoutHours),
  };
}

/**
 * The body's `predictiveSettings`. A field left empty is not sent, so the API's default applies (no
 * maximum ratio, the provider's message); what is typed is sent as typed, and the API judges it.
 */
export function predictiveToBody(f: PredictiveState): PredictiveSettingsBody {
  const out: PredictiveSettingsBody = { abandonWindow: f.abandonWindow };
  const number = (s: string): number | undefined => (s.trim() === '' ? undefined : Number(s));
  const set = <K extends keyof PredictiveSettingsBody>(k: K, v: PredictiveSettingsBody[K] | undefined) => {
    if (v !== undefined) out[k] = v;
  };
  set('targetAbandonPercent', number(f.targetAbandonPercent));
  set('connectDeadlineSec', number(f.connectDeadlineSec));
  set('maxDialRatio', number(f.maxDialRatio));
  set('lockoutHours', number(f.lockoutHours));
  if (f.abandonMessageId !== '') out.abandonMessageId = f.abandonMessageId;
  return out;
}

/** `predictiveSettings.lockoutHours` → `lockoutHours`; `enableMachineDetect` → `machineDetect`. */
export function predictiveInputOf(field: string): keyof PredictiveState | undefined {
  if (field === 'enableMachineDetect') return 'machineDetect';
  const key = field.startsWith('predictiveSettings.') ? field.slice('predictiveSettings.'.length) : undefined;
  return PREDICTIVE_KEYS.find((k) => k === key);
}

/** What Field gives its control: id, name and the error's aria attributes. */
type Control = Parameters<Parameters<typeof Field>[0]['children']>[0];

interface Props {
  f: PredictiveState;
  errors: Record<string, string>;
  onText: (
    k: keyof PredictiveState,
  ) => (e: TargetedEvent<HTMLInputElement | HTMLTextAreaElement | HTMLSelectElement>) => void;
}

/** What a Predictive call does when a machine answers (in the Connection fieldset). */
export function MachineDetectField({ f, errors, onText }: Props): JSX.Element {
  return (
    <Field
      label="Answering machines"
      name="machineDetect"
      errors={errors}
      hint="Hanging up on machines keeps agents for people; Predictive campaigns take no detection or detect and hang up"
    >
      {(c) => (
        <select {...c} value={f.machineDetect} onChange={onText('machineDetect')}>
          <option value="no">No detection (machines go to agents)</option>
          <option value="disconnect">Detect and hang up</option>
        </select>
      )}
    </Field>
  );
}

/** `predictiveSettings`: the abandon-rate target and its window, the connect deadline, the message, the ratio cap, the lockout. */
export function PacingFieldset({ f, errors, onText }: Props): JSX.Element {
  const number = (k: 'targetAbandonPercent' | 'connectDeadlineSec' | 'maxDialRatio' | 'lockoutHours', c: Control) => (
    <input
      {...c}
      type="number"
      inputMode={k === 'lockoutHours' ? 'numeric' : 'decimal'}
      step={k === 'lockoutHours' ? '1' : '0.1'}
      value={f[k]}
      placeholder={k === 'maxDialRatio' ? 'No limit' : DEFAULTS[k]}
      onInput={onText(k)}
    />
  );
  return (
    <fieldset>
      <legend>Pacing</legend>
      <p class="hint">
        Predictive dialing places more calls than there are free agents. A person who answers when no agent is free
        within the connect deadline is abandoned: they hear the abandon message and their number is not called again for
        an agent during the lockout. When the abandon rate over the window reaches the target, the campaign dials
        progressively (one call per free agent) until it is back under. The US TCPA safe harbour allows 3 % of answered
        calls per campaign over 30 days, connected within 2 seconds; the UK's Ofcom allows 3 % per campaign per 24 hours
        and no agent call to an abandoned number for 72 hours.
      </p>
      <div class="sv-row">
        <Field
          label="Target abandon rate (%)"
          name="targetAbandonPercent"
          errors={errors}
          hint="Abandoned calls per 100 answered, 0.1 to 10; default 3 (TCPA and Ofcom)"
        >
          {(c) => number('targetAbandonPercent', c)}
        </Field>
        <Field label="Measured over" name="abandonWindow" errors={errors} hint="TCPA: 30 days; Ofcom: 24 hours">
          {(c) => (
            <select {...c} value={f.abandonWindow} onChange={onText('abandonWindow')}>
              <option value="rolling-30-days">Rolling 30 days (TCPA)</option>
              <option value="rolling-24-hours">Rolling 24 hours (Ofcom)</option>
            </select>
          )}
        </Field>
      </div>
      <div class="sv-row">
        <Field
          label="Connect deadline (seconds)"
          name="connectDeadlineSec"
          errors={errors}
          hint="From the answer to an agent, 1 to 10; default 2 (TCPA)"
        >
          {(c) => number('connectDeadlineSec', c)}
        </Field>
        <Field
          label="Lockout after an abandon (hours)"
          name="lockoutHours"
          errors={errors}
          hint="Whole hours, 0 to 720; default 72 (Ofcom)"
        >
          {(c) => number('lockoutHours', c)}
        </Field>
        <Field
          label="Maximum dial ratio"
          name="maxDialRatio"
          errors={errors}
          hint="Calls per agent expected free, 1 to 10; empty for no limit"
        >
          {(c) => number('maxDialRatio', c)}
        </Field>
      </div>
      <Field
        label="Abandon message id"
        name="abandonMessageId"
        errors={errors}
        hint="The recording an abandoned call hears (the telephony provider's id; both rules require one saying who called); empty for the provider's default"
      >
        {(c) => <input {...c} type="text" value={f.abandonMessageId} onInput={onText('abandonMessageId')} />}
      </Field>
    </fieldset>
  );
}
