import type { JSX, TargetedEvent } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import type { components, paths } from '../../../src/client/index.js';
import { fieldErrors, KORE, messageOf } from '../api.js';
import { href, navigate } from '../router.js';
import { Field, Notice } from '../ui/form.js';
import type { ScreenProps } from './live.js';

type Campaign = components['schemas']['Campaign'];
/** The create body as the OpenAPI document types it (Kore's create-campaign body). */
type CampaignBody = NonNullable<
  paths['/agentassist/api/v1/public/{iid}/campaign']['post']['requestBody']
>['content']['application/json'];

const DAYS = [
  ['MO', 'Monday'],
  ['TU', 'Tuesday'],
  ['WE', 'Wednesday'],
  ['TH', 'Thursday'],
  ['FR', 'Friday'],
  ['SA', 'Saturday'],
  ['SU', 'Sunday'],
] as const;

interface FormState {
  name: string;
  description: string;
  campaignType: 'voice' | 'sms';
  dialingMode: 'Agentless' | 'Progressive' | 'Preview';
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

const EMPTY: FormState = {
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

function fromCampaign(c: Campaign): FormState {
  const ds = c.dialingStrategy;
  const first = ds.callingHours.days[0];
  return {
    ...EMPTY,
    name: c.name,
    description: c.description,
    campaignType: c.campaignType === 'sms' ? 'sms' : 'voice',
    dialingMode: c.dialingMode === 'Progressive' || c.dialingMode === 'Preview' ? c.dialingMode : 'Agentless',
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
  };
}

/** A number field as typed: the API says what is wrong with it, so nothing is coerced away. */
const num = (s: string): number => (s.trim() === '' ? NaN : Number(s));

function toBody(f: FormState): CampaignBody {
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
function keptOnEdit(c: Campaign, body: CampaignBody): CampaignBody {
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
 * is shown: the input that holds it.
 */
function inputOf(field: string): keyof FormState | undefined {
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
  return undefined;
}

/** The API's messages by input; the ones no input holds are returned apart, to be shown above the form. */
function mapErrors(error: unknown): { byInput: Record<string, string>; other: string[] } {
  const byInput: Record<string, string[]> = {};
  const other: string[] = [];
  const all = (error as { errors?: { field?: string; msg: string }[] } | undefined)?.errors ?? [];
  const seen = all.length > 0 ? all : Object.entries(fieldErrors(error)).map(([field, msg]) => ({ field, msg }));
  for (const e of seen) {
    const input = e.field ? inputOf(e.field) : undefined;
    if (!input) other.push(e.msg);
    else if (!byInput[input]?.includes(e.msg)) (byInput[input] ??= []).push(e.msg);
  }
  return { byInput: Object.fromEntries(Object.entries(byInput).map(([k, v]) => [k, v.join(' ')])), other };
}

/** `#/campaigns/new` and `#/campaigns/<id>/edit`: the Kore create / update body, field by field. */
export function CampaignForm({ client, iid, campaignId }: ScreenProps & { campaignId?: string }): JSX.Element {
  const [f, setF] = useState<FormState>(EMPTY);
  const [lists, setLists] = useState<string[]>([]);
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [problem, setProblem] = useState<string>();
  const [other, setOther] = useState<string[]>([]);
  const [busy, setBusy] = useState(false);
  const [loaded, setLoaded] = useState(!campaignId);
  const [original, setOriginal] = useState<Campaign>();

  useEffect(() => {
    void (async () => {
      const { data } = await client.POST(`${KORE}/campaign/contactList/getAllListDetails`, {
        params: { path: { iid } },
      });
      if (data) setLists(data.data.filter((l) => !l.isGlobalDNC).map((l) => l.name));
    })();
    if (campaignId)
      void (async () => {
        const { data, error } = await client.GET(`${KORE}/campaign/{campaignId}`, {
          params: { path: { iid, campaignId } },
        });
        if (data) {
          setOriginal(data.data);
          setF({ ...fromCampaign(data.data), experienceFlowName: await flowNameOf(data.data) });
        } else setProblem(messageOf(error));
        setLoaded(true);
      })();
  }, [campaignId]);

  /**
   * The campaign's experience flow by name, as the body takes it: a campaign read by id gives the
   * flow's id only (Kore's `experienceFlow`); the list gives its name (`connection`), so the
   * campaigns created in the same millisecond are listed and this one picked.
   */
  async function flowNameOf(c: Campaign): Promise<string> {
    if (!c.experienceFlow) return '';
    const { data } = await client.POST(`${KORE}/campaign/getAllCampaignDetails`, {
      params: { path: { iid } },
      body: {
        type: c.campaignType === 'sms' ? 'sms' : 'voice',
        startDate: c.createdAt,
        endDate: c.createdAt,
        limit: 100,
      },
    });
    return data?.data.results.find((r) => r.id === c.id)?.connection ?? c.experienceFlow;
  }

  const set = <K extends keyof FormState>(k: K, v: FormState[K]) => setF((s) => ({ ...s, [k]: v }));
  const onText =
    (k: keyof FormState) => (e: TargetedEvent<HTMLInputElement | HTMLTextAreaElement | HTMLSelectElement>) =>
      set(k, e.currentTarget.value as never);

  async function submit(e: TargetedEvent<HTMLFormElement, SubmitEvent>) {
    e.preventDefault();
    setBusy(true);
    setProblem(undefined);
    try {
      const body = original ? keptOnEdit(original, toBody(f)) : toBody(f);
      const query = { campaignType: f.campaignType };
      const res = campaignId
        ? await client.PUT(`${KORE}/campaign/{campaignId}`, { params: { path: { iid, campaignId }, query }, body })
        : await client.POST(`${KORE}/campaign`, { params: { path: { iid }, query }, body });
      if (res.data) {
        navigate('campaigns', campaignId ?? res.data.data.id);
        return;
      }
      const mapped = mapErrors(res.error);
      setErrors(mapped.byInput);
      setOther(mapped.other);
      setProblem(messageOf(res.error));
    } catch (err) {
      setProblem(messageOf(err));
    } finally {
      setBusy(false);
    }
  }

  const voice = f.campaignType === 'voice';
  const title = campaignId ? `Edit campaign ${f.name}` : 'New campaign';
  if (!loaded) return <p role="status">Loading…</p>;
  return (
    <section aria-labelledby="form-title">
      <h1 id="form-title">{title}</h1>
      <form class="sv-form" onSubmit={submit} aria-labelledby="form-title" noValidate>
        {problem && (
          <Notice kind="error">
            {problem}
            {other.length > 0 && (
              <ul>
                {other.map((m) => (
                  <li key={m}>{m}</li>
                ))}
              </ul>
            )}
          </Notice>
        )}
        <fieldset>
          <legend>Campaign</legend>
          <Field label="Name" name="name" errors={errors}>
            {(c) => <input {...c} type="text" value={f.name} onInput={onText('name')} maxLength={48} />}
          </Field>
          <Field label="Description" name="description" errors={errors}>
            {(c) => <textarea {...c} value={f.description} onInput={onText('description')} rows={2} />}
          </Field>
          <Field label="Type" name="campaignType" errors={errors}>
            {(c) => (
              <select {...c} value={f.campaignType} onChange={onText('campaignType')} disabled={!!campaignId}>
                <option value="voice">Voice</option>
                <option value="sms">SMS</option>
              </select>
            )}
          </Field>
          {voice && (
            <Field label="Dialing mode" name="dialingMode" errors={errors}>
              {(c) => (
                <select {...c} value={f.dialingMode} onChange={onText('dialingMode')}>
                  <option value="Agentless">Agentless</option>
                  <option value="Progressive">Progressive</option>
                  <option value="Preview">Preview</option>
                </select>
              )}
            </Field>
          )}
          <Field label="Priority" name="priority" errors={errors} hint="1 is the highest">
            {(c) => (
              <select {...c} value={f.priority} onChange={onText('priority')}>
                {['1', '2', '3', '4', '5'].map((p) => (
                  <option key={p} value={p}>
                    {p}
                  </option>
                ))}
              </select>
            )}
          </Field>
          <Field label="Contact lists" name="contactLists" errors={errors} hint="Choose one or more (up to 10)">
            {(c) => (
              <select
                {...c}
                multiple
                size={Math.min(6, Math.max(2, lists.length))}
                onChange={(e) =>
                  set(
                    'contactLists',
                    [...e.currentTarget.selectedOptions].map((o) => o.value),
                  )
                }
              >
                {[...new Set([...lists, ...f.contactLists])].map((l) => (
                  <option key={l} value={l} selected={f.contactLists.includes(l)}>
                    {l}
                  </option>
                ))}
              </select>
            )}
          </Field>
          <Field
            label="Do-not-call list"
            name="dncList"
            errors={errors}
            hint="Optional: numbers on it are never called by this campaign (the account's global list always applies)"
          >
            {(c) => (
              <select {...c} value={f.dncList} onChange={onText('dncList')}>
                <option value="">None</option>
                {[...new Set([...lists, ...(f.dncList ? [f.dncList] : [])])].map((l) => (
                  <option key={l} value={l}>
                    {l}
                  </option>
                ))}
              </select>
            )}
          </Field>
        </fieldset>
        <fieldset>
          <legend>Dialing</legend>
          <Field
            label={voice ? 'Caller id' : 'Sender id'}
            name="callerId"
            errors={errors}
            hint="E.164, e.g. +15101234567"
          >
            {(c) => <input {...c} type="tel" value={f.callerId} onInput={onText('callerId')} />}
          </Field>
          <Field label="Time zone" name="timezone" errors={errors} hint="IANA time zone, e.g. America/New_York">
            {(c) => <input {...c} type="text" value={f.timezone} onInput={onText('timezone')} />}
          </Field>
          <fieldset
            class={errors.days ? 'field-invalid' : undefined}
            aria-describedby={errors.days ? 'days-error' : undefined}
          >
            <legend>Calling days</legend>
            {DAYS.map(([code, label]) => (
              <label key={code} class="choice sv-inline">
                <input
                  type="checkbox"
                  checked={f.days.includes(code)}
                  onChange={(e) =>
                    set('days', e.currentTarget.checked ? [...f.days, code] : f.days.filter((d) => d !== code))
                  }
                />{' '}
                {label}
              </label>
            ))}
            {errors.days && (
              <small id="days-error" class="error" role="alert" data-field="days">
                {errors.days}
              </small>
            )}
          </fieldset>
          <div class="sv-row">
            <Field label="Calling hours start" name="start" errors={errors}>
              {(c) => <input {...c} type="time" value={f.start} onInput={onText('start')} />}
            </Field>
            <Field label="Calling hours end" name="end" errors={errors}>
              {(c) => <input {...c} type="time" value={f.end} onInput={onText('end')} />}
            </Field>
          </div>
          {voice && (
            <div class="sv-row">
              <Field label="Dialing order" name="dialingOrder" errors={errors}>
                {(c) => (
                  <select {...c} value={f.dialingOrder} onChange={onText('dialingOrder')}>
                    <option value="FIFO">First in, first out</option>
                    <option value="LIFO">Last in, first out</option>
                  </select>
                )}
              </Field>
              <Field label="Attempts per contact" name="maxAttemptsPerRecord" errors={errors}>
                {(c) => (
                  <input {...c} type="number" value={f.maxAttemptsPerRecord} onInput={onText('maxAttemptsPerRecord')} />
                )}
              </Field>
              <Field label="Retry after (minutes)" name="defaultRetryPeriod" errors={errors}>
                {(c) => (
                  <input {...c} type="number" value={f.defaultRetryPeriod} onInput={onText('defaultRetryPeriod')} />
                )}
              </Field>
              <Field label="Ring time (seconds)" name="maxRingTime" errors={errors}>
                {(c) => <input {...c} type="number" value={f.maxRingTime} onInput={onText('maxRingTime')} />}
              </Field>
            </div>
          )}
        </fieldset>
        <fieldset>
          <legend>Connection</legend>
          {!voice && (
            <Field label="SMS format" name="format" errors={errors}>
              {(c) => (
                <select {...c} value={f.format} onChange={onText('format')}>
                  <option value="simple">Simple (a message)</option>
                  <option value="advanced">Advanced (an experience flow)</option>
                </select>
              )}
            </Field>
          )}
          {(voice ? f.dialingMode === 'Agentless' : f.format === 'advanced') && (
            <Field label="Experience flow" name="experienceFlowName" errors={errors}>
              {(c) => <input {...c} type="text" value={f.experienceFlowName} onInput={onText('experienceFlowName')} />}
            </Field>
          )}
          {voice && f.dialingMode !== 'Agentless' && (
            <Field label="Agent queue" name="queueName" errors={errors}>
              {(c) => <input {...c} type="text" value={f.queueName} onInput={onText('queueName')} />}
            </Field>
          )}
          {voice && f.dialingMode === 'Preview' && (
            <Field label="Skips allowed" name="maxSkips" errors={errors}>
              {(c) => <input {...c} type="number" value={f.maxSkips} onInput={onText('maxSkips')} />}
            </Field>
          )}
          {!voice && f.format === 'simple' && (
            <Field label="Message" name="message" errors={errors}>
              {(c) => <textarea {...c} value={f.message} onInput={onText('message')} rows={3} />}
            </Field>
          )}
        </fieldset>
        <div class="toolbar">
          <button type="submit" disabled={busy}>
            {busy ? 'Saving…' : campaignId ? 'Save changes' : 'Create campaign'}
          </button>
          <a href={campaignId ? href('campaigns', campaignId) : href('campaigns')}>Cancel</a>
        </div>
      </form>
    </section>
  );
}
