import type { ComponentChildren, JSX } from 'preact';
import { useState } from 'preact/hooks';
import type { CampaigndClient, components } from '../../../src/client/index.js';
import { KORE, messageOf } from '../api.js';

type Trigger = 'play' | 'pause' | 'resume' | 'stop';

/** Which triggers make sense from a status; the API has the last word (409 with its reason, shown). */
function triggersFor(status: string): Trigger[] {
  switch (status) {
    case 'Active':
      return ['pause', 'stop'];
    case 'Paused':
      return ['resume', 'stop'];
    default:
      return ['play'];
  }
}

const LABEL: Record<Trigger, string> = { play: 'Play', pause: 'Pause', resume: 'Resume', stop: 'Stop' };

/** Play / pause / resume / stop of one campaign; a refusal shows the lifecycle's reason as the API gave it. */
export function LifecycleButtons(props: {
  campaign: Pick<components['schemas']['Campaign'], 'id' | 'name' | 'status' | 'campaignType'>;
  client: CampaigndClient;
  iid: string;
  onChanged: (status: string) => void;
  compact?: boolean;
  extra?: ComponentChildren;
}): JSX.Element {
  const { campaign: c } = props;
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();

  const run = async (trigger: Trigger) => {
    setBusy(true);
    setError(undefined);
    try {
      const { data, error: err } = await props.client.POST(`${KORE}/campaign/{campaignId}`, {
        params: { path: { iid: props.iid, campaignId: c.id }, query: { trigger, campaignType: c.campaignType } },
        body: {},
      });
      if (data) return props.onChanged(data.status);
      setError(messageOf(err));
      // A 409 means the page showed a status the campaign has left (another user, the engine): read
      // the one it has now so the buttons fit it, and keep the API's reason on screen.
      const { data: now } = await props.client.POST(`${KORE}/campaign/{campaignId}/status`, {
        params: { path: { iid: props.iid, campaignId: c.id }, query: { view: 'status' } },
        body: {},
      });
      if (now && 'status' in now.data && now.data.status !== c.status) props.onChanged(now.data.status);
    } catch (e) {
      setError(messageOf(e));
    } finally {
      setBusy(false);
    }
  };

  return (
    <div class="sv-actions">
      <div class="toolbar">
        {triggersFor(c.status).map((t) => (
          <button
            key={t}
            type="button"
            class={t === 'play' ? 'primary' : t === 'stop' ? 'danger' : undefined}
            disabled={busy}
            aria-label={props.compact ? `${LABEL[t]} ${c.name}` : undefined}
            onClick={() => void run(t)}
          >
            {LABEL[t]}
          </button>
        ))}
        {props.extra}
      </div>
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
    </div>
  );
}
