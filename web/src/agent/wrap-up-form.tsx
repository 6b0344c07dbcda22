import type { JSX, TargetedEvent } from 'preact';
import { useId, useState } from 'preact/hooks';
import type { CampaigndClient, paths } from '../../../src/client/index.js';
import { fieldErrors, messageOf } from '../api.js';
import { Field, Notice } from '../ui/form.js';
import { localToIso } from './desk-model.js';

type DispositionBody =
  paths['/agent/v1/calls/{attemptId}/disposition']['post']['requestBody']['content']['application/json'];
type DispositionAnswer =
  paths['/agent/v1/calls/{attemptId}/disposition']['post']['responses'][200]['content']['application/json'];

/** The browser's zone, named in the call-back hint (the time is sent with its offset). */
const ZONE = Intl.DateTimeFormat().resolvedOptions().timeZone;

/**
 * The disposition of a call: the campaign's codes (from `wrapup.started`, or remembered from an
 * earlier wrap-up of the campaign), notes, an optional call-back time and do-not-call. Given during
 * the call when the codes are not known yet, the code is typed and the API checks it (its 400 names
 * the code it refused).
 */
export function WrapUpForm(props: {
  client: CampaigndClient;
  attemptId: string;
  codes: string[] | undefined;
  onDone: (answer: DispositionAnswer) => void;
}): JSX.Element {
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);
  const headingId = useId();
  const codesErrorId = useId();

  async function submit(e: TargetedEvent<HTMLFormElement, SubmitEvent>) {
    e.preventDefault();
    const f = new FormData(e.currentTarget);
    const codes = f
      .getAll('codes')
      .map((c) => String(c).trim())
      .filter((c) => c !== '');
    const notes = String(f.get('notes') ?? '').trim();
    const when = String(f.get('callbackAt') ?? '');
    const mine: Record<string, string> = {};
    if (codes.length === 0) mine.codes = 'Choose a disposition code';
    const callbackAt = when ? localToIso(when) : undefined;
    if (when && !callbackAt) mine.callbackAt = 'Give a date and time';
    if (Object.keys(mine).length > 0) {
      setErrors(mine);
      setError(undefined);
      return;
    }
    const body: DispositionBody = {
      codes,
      ...(notes ? { notes } : {}),
      ...(callbackAt ? { callbackAt } : {}),
      ...(f.get('doNotCall') ? { doNotCall: true } : {}),
    };
    setBusy(true);
    try {
      const { data, error: failed } = await props.client.POST('/agent/v1/calls/{attemptId}/disposition', {
        params: { path: { attemptId: props.attemptId } },
        body,
      });
      if (data) {
        setErrors({});
        setError(undefined);
        props.onDone(data);
        return;
      }
      // `codes[1]` names one code: the group shows it.
      const byField: Record<string, string> = {};
      for (const [k, v] of Object.entries(fieldErrors(failed))) byField[k.replace(/\[\d+\]$/, '')] ??= v;
      setErrors(byField);
      setError(messageOf(failed));
    } catch (err) {
      setError(messageOf(err));
    } finally {
      setBusy(false);
    }
  }

  return (
    <form class="agent-wrap-up" aria-labelledby={headingId} onSubmit={submit} noValidate>
      <h3 id={headingId}>Disposition</h3>
      {props.codes && props.codes.length > 0 ? (
        <fieldset
          class={errors.codes ? 'field-invalid' : undefined}
          aria-describedby={errors.codes ? codesErrorId : undefined}
        >
          <legend>Disposition code</legend>
          <div class="agent-codes">
            {props.codes.map((c) => (
              <label key={c} class="choice">
                <input type="checkbox" name="codes" value={c} /> {c}
              </label>
            ))}
          </div>
          {errors.codes && (
            <small id={codesErrorId} class="error" role="alert" data-field="codes">
              {errors.codes}
            </small>
          )}
        </fieldset>
      ) : (
        <Field
          label="Disposition code"
          name="codes"
          errors={errors}
          hint="This campaign's codes show once the call ends; until then type one it allows."
        >
          {(c) => <input {...c} type="text" maxLength={64} autocomplete="off" />}
        </Field>
      )}
      <Field label="Notes" name="notes" errors={errors}>
        {(c) => <textarea {...c} rows={3} maxLength={2000} />}
      </Field>
      <Field label="Call back at" name="callbackAt" errors={errors} hint={`Optional. Your time zone: ${ZONE}.`}>
        {(c) => <input {...c} type="datetime-local" />}
      </Field>
      <label class="choice">
        <input type="checkbox" name="doNotCall" value="yes" /> Do not call this number again
      </label>
      {error && <Notice kind="error">{error}</Notice>}
      <button type="submit" disabled={busy}>
        {busy ? 'Submitting…' : 'Submit disposition'}
      </button>
    </form>
  );
}
