import type { JSX, TargetedEvent } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { KORE, messageOf } from '../api.js';
import { href, navigate } from '../router.js';
import { Field, Notice } from '../ui/form.js';
import {
  type Campaign,
  DAYS,
  EMPTY,
  type FormState,
  fromCampaign,
  keptOnEdit,
  mapErrors,
  toBody,
} from './campaign-body.js';
import type { ScreenProps } from './live.js';
import { MachineDetectField, PacingFieldset } from './predictive-fields.js';

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
      const mapped = mapErrors(res.error, f.dialingMode);
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
                  <option value="Predictive">Predictive</option>
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
          {voice && f.dialingMode === 'Predictive' && <MachineDetectField f={f} errors={errors} onText={onText} />}
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
        {voice && f.dialingMode === 'Predictive' && <PacingFieldset f={f} errors={errors} onText={onText} />}
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
