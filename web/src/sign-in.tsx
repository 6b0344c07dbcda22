import type { JSX, TargetedEvent } from 'preact';
import { useState } from 'preact/hooks';
import { clientFor, messageOf } from './api.js';
import type { Session } from './session.js';
import { Field, Notice } from './ui/form.js';

type Kind = Session['kind'];

/**
 * Sign in as a supervisor (the tenant's app credentials), as the operator (admin token), or as an
 * agent (their credential). The credentials are checked against the API before the session is kept.
 */
export function SignIn(props: { onSignedIn: (s: Session) => void }): JSX.Element {
  const [kind, setKind] = useState<Kind>('app');
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);

  async function submit(e: TargetedEvent<HTMLFormElement, SubmitEvent>) {
    e.preventDefault();
    const f = new FormData(e.currentTarget);
    const v = (name: string) => String(f.get(name) ?? '').trim();
    const session: Session =
      kind === 'agent'
        ? { kind, credential: v('credential') }
        : kind === 'operator'
          ? { kind, adminToken: v('adminToken'), accountId: v('accountId'), iid: v('iid'), appId: v('appId') }
          : { kind, accountId: v('accountId'), iid: v('iid'), appId: v('appId'), clientSecret: v('clientSecret') };
    setBusy(true);
    setError(undefined);
    try {
      const problem = await check(session);
      if (problem) setError(problem);
      else props.onSignedIn(session);
    } finally {
      setBusy(false);
    }
  }

  const text = (label: string, name: string) => (
    <Field label={label} name={name}>
      {(c) => <input {...c} type="text" required autocomplete="off" />}
    </Field>
  );
  const secret = (label: string, name: string) => (
    <Field label={label} name={name}>
      {(c) => <input {...c} type="password" required autocomplete="current-password" />}
    </Field>
  );

  return (
    <main class="sign-in">
      <h1>campaignd console</h1>
      <form onSubmit={submit} aria-label="Sign in">
        <fieldset>
          <legend>Sign in as</legend>
          {(
            [
              ['app', 'Supervisor (app credentials)'],
              ['operator', 'Operator (admin token)'],
              ['agent', 'Agent'],
            ] as const
          ).map(([k, label]) => (
            <label key={k} class="choice">
              <input type="radio" name="kind" value={k} checked={kind === k} onChange={() => setKind(k)} /> {label}
            </label>
          ))}
        </fieldset>
        {kind === 'agent' ? (
          secret('Agent credential', 'credential')
        ) : (
          <>
            {text('Account id', 'accountId')}
            {text('Bot id (iid)', 'iid')}
            {text('App client id', 'appId')}
            {kind === 'app' ? secret('App client secret', 'clientSecret') : secret('Admin token', 'adminToken')}
          </>
        )}
        {error && <Notice kind="error">{error}</Notice>}
        <button type="submit" disabled={busy}>
          {busy ? 'Signing in…' : 'Sign in'}
        </button>
      </form>
    </main>
  );
}

/** A first call with the session's credentials: undefined when they work, else why not. */
async function check(s: Session): Promise<string | undefined> {
  const client = clientFor(s);
  try {
    const { error } =
      s.kind === 'agent'
        ? await client.GET('/agent/v1/me')
        : await client.POST('/agentassist/api/v1/public/{iid}/campaign/getAllCampaignDetails', {
            params: { path: { iid: s.iid } },
            body: { page: 1, limit: 1 },
          });
    return error ? messageOf(error) : undefined;
  } catch (err) {
    return messageOf(err);
  }
}
