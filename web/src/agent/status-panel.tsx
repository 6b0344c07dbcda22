import type { JSX } from 'preact';
import { useId, useState } from 'preact/hooks';
import type { CampaigndClient } from '../../../src/client/index.js';
import { Notice } from '../ui/form.js';
import type { Agent } from './desk-model.js';
import { useAction } from './use-action.js';

/** Reason codes offered for Not ready (the API takes any code of up to 64 characters). */
export const NOT_READY_REASONS = ['Break', 'Lunch', 'Meeting', 'Training', 'Coaching', 'Other'] as const;

const STATE_LABELS: Record<string, string> = {
  Offline: 'Offline',
  Available: 'Available',
  Reserved: 'Reserved',
  OnCall: 'On call',
  WrapUp: 'Wrap-up',
  NotReady: 'Not ready',
};
export const stateLabel = (s: string): string => STATE_LABELS[s] ?? s;

const timeOf = (iso: string) => new Date(iso).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });

/**
 * The agent's state and the buttons that change it: Available, Not ready with a reason, Log out.
 * Offline, the first two log in (`POST /login`); otherwise they set the state (`POST /state`).
 */
export function StatusPanel(props: {
  client: CampaigndClient;
  agent: Agent;
  onAgent: (a: Agent) => void;
}): JSX.Element {
  const { agent, client } = props;
  const [reason, setReason] = useState<string>(
    agent.state === 'NotReady' && agent.reason && (NOT_READY_REASONS as readonly string[]).includes(agent.reason)
      ? agent.reason
      : 'Break',
  );
  const action = useAction();
  const headingId = useId();
  const reasonId = useId();
  const onCall = agent.state === 'OnCall' || (agent.state === 'Reserved' && agent.work?.kind === 'call');

  const set = async (state: 'Available' | 'NotReady') => {
    const body = state === 'NotReady' ? { state, reason } : { state };
    const a = await action.run(() =>
      agent.state === 'Offline' ? client.POST('/agent/v1/login', { body }) : client.POST('/agent/v1/state', { body }),
    );
    if (a) props.onAgent(a);
  };
  const logout = async () => {
    const a = await action.run(() => client.POST('/agent/v1/logout'));
    if (a) props.onAgent(a);
  };

  return (
    <section class="agent-card agent-status" aria-labelledby={headingId}>
      <h2 id={headingId}>Status</h2>
      <p class="agent-state" role="status">
        <span class={`badge agent-state-${agent.state}`}>{stateLabel(agent.state)}</span>
        {agent.reason && <> ({agent.reason})</>} since <time dateTime={agent.since}>{timeOf(agent.since)}</time>
      </p>
      <div class="agent-status-controls">
        <button
          type="button"
          class={agent.state === 'Available' ? 'primary' : undefined}
          aria-pressed={agent.state === 'Available'}
          disabled={action.busy || onCall}
          onClick={() => set('Available')}
        >
          Available
        </button>
        <div class="agent-not-ready">
          <label for={reasonId}>Not ready reason</label>
          <select id={reasonId} value={reason} onChange={(e) => setReason(e.currentTarget.value)}>
            {NOT_READY_REASONS.map((r) => (
              <option key={r} value={r}>
                {r}
              </option>
            ))}
          </select>
          <button
            type="button"
            aria-pressed={agent.state === 'NotReady'}
            disabled={action.busy || onCall}
            onClick={() => set('NotReady')}
          >
            Not ready
          </button>
        </div>
        <button type="button" disabled={action.busy || onCall || agent.state === 'Offline'} onClick={logout}>
          Log out
        </button>
      </div>
      {action.error && <Notice kind="error">{action.error}</Notice>}
      <p class="hint">Queues: {agent.queues.join(', ') || 'none'}</p>
    </section>
  );
}
