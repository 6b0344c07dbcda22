import type { JSX } from 'preact';
import { useEffect, useId, useRef } from 'preact/hooks';
import type { CampaigndClient } from '../../../src/client/index.js';
import { Notice } from '../ui/form.js';
import { ContactFields, orderedKeys } from './contact-fields.js';
import { Countdown } from './countdown.js';
import type { Agent, CallDetails, Work } from './desk-model.js';
import { useAction } from './use-action.js';
import { WrapUpForm } from './wrap-up-form.js';

/** What the call is doing, in words. */
function phaseOf(agent: Agent, call: CallDetails | undefined): string {
  if (agent.state === 'WrapUp') return 'Wrap-up';
  if (call?.ended) return 'Call ended';
  if (agent.state === 'OnCall' || call?.connected) return 'Connected';
  return 'Dialing';
}

/**
 * The call: the contact (with the pre-call data the connect brought), End call while it lasts, and
 * the disposition form, during the call and in wrap-up alike (one form: notes typed during the call
 * stay when the wrap-up starts).
 */
export function CallCard(props: {
  client: CampaigndClient;
  agent: Agent;
  work: Work;
  call: CallDetails | undefined;
  codes: string[] | undefined;
  disposed: { attemptId: string; codes: string[] } | undefined;
  onDisposed: (attemptId: string, codes: string[]) => void;
}): JSX.Element {
  const { agent, work, call } = props;
  const attemptId = work.attemptId ?? call?.attemptId ?? '';
  const headingId = useId();
  const end = useAction();
  const heading = useRef<HTMLHeadingElement>(null);
  // Accepting an offer removes its buttons: the keyboard lands here rather than at the page's top.
  useEffect(() => {
    if (document.activeElement === document.body || document.activeElement === null) heading.current?.focus();
  }, [attemptId]);
  const phase = phaseOf(agent, call);
  const inCall = (agent.state === 'OnCall' || agent.state === 'Reserved') && !call?.ended;
  const dialed = call?.contact ?? {};
  const connected = call?.connectedContact;
  // Fields the connect brought that the dialed contact did not have: the pre-call data.
  const precallKeys = connected ? orderedKeys(connected).filter((k) => !(k in dialed)) : [];
  const contact = { ...dialed, ...connected };
  const contactKeys = orderedKeys(contact).filter((k) => !precallKeys.includes(k));
  const disposed = props.disposed?.attemptId === attemptId ? props.disposed : undefined;

  return (
    <section class="agent-card agent-call" aria-labelledby={headingId}>
      <h2 id={headingId} ref={heading} tabIndex={-1}>
        Call <span class={`badge agent-phase agent-phase-${phase.toLowerCase().replace(/\W+/g, '-')}`}>{phase}</span>
      </h2>
      <p>
        Campaign <strong>{call?.campaign?.name ?? work.campaignId}</strong>
        {call?.ended && (
          <>
            {' '}
            · outcome <strong>{call.ended.outcome}</strong>
            {call.ended.talkSec !== null && <> · talked {Math.round(call.ended.talkSec)} s</>}
          </>
        )}
      </p>
      {agent.state === 'WrapUp' && work.until && <Countdown until={work.until} label="for wrap-up" />}
      {inCall && (
        <div class="toolbar agent-actions">
          <button
            type="button"
            class="danger"
            disabled={end.busy}
            onClick={() =>
              end.run(() => props.client.POST('/agent/v1/calls/{attemptId}/end', { params: { path: { attemptId } } }))
            }
          >
            End call
          </button>
        </div>
      )}
      {end.error && <Notice kind="error">{end.error}</Notice>}
      <div class="agent-call-body">
        <div>
          <h3>Contact</h3>
          {call ? (
            <ContactFields contact={contact} keys={contactKeys} />
          ) : (
            <p class="hint">The contact's fields are not available on this page.</p>
          )}
          {precallKeys.length > 0 && connected && (
            <>
              <h3>Pre-call data</h3>
              <ContactFields contact={connected} keys={precallKeys} />
            </>
          )}
        </div>
        <div>
          {agent.state !== 'OnCall' && agent.state !== 'WrapUp' ? null : disposed ? (
            <Notice kind="success">Disposition saved: {disposed.codes.join(', ')}</Notice>
          ) : (
            <WrapUpForm
              key={attemptId}
              client={props.client}
              attemptId={attemptId}
              codes={props.codes}
              onDone={(a) => props.onDisposed(attemptId, a.codes)}
            />
          )}
        </div>
      </div>
    </section>
  );
}
