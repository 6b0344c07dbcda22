import type { JSX } from 'preact';
import { useEffect, useId, useRef } from 'preact/hooks';
import type { CampaigndClient } from '../../../src/client/index.js';
import { Notice } from '../ui/form.js';
import { ContactFields } from './contact-fields.js';
import { Countdown } from './countdown.js';
import type { OfferDetails, Work } from './desk-model.js';
import { useAction } from './use-action.js';

/**
 * A Preview offer: the contact, the time left to answer, Accept and Skip. Its heading takes the
 * focus when it arrives, so the keyboard is at the offer (Tab reaches Accept).
 */
export function OfferCard(props: {
  client: CampaigndClient;
  work: Work;
  offer: OfferDetails | undefined;
  onAccepted: (offerId: string) => void;
}): JSX.Element {
  const offerId = props.work.offerId ?? props.offer?.offerId ?? '';
  const until = props.offer?.expiresAt ?? props.work.until;
  const headingId = useId();
  const heading = useRef<HTMLHeadingElement>(null);
  const action = useAction();
  useEffect(() => {
    heading.current?.focus();
  }, [offerId]);

  const accepted = props.offer?.accepted === true;
  const skipsLeft = props.offer?.skipsLeft;
  const accept = async () => {
    const done = await action.run(() =>
      props.client.POST('/agent/v1/offers/{offerId}/accept', { params: { path: { offerId } } }),
    );
    if (done) props.onAccepted(offerId);
  };
  const skip = () =>
    action.run(() => props.client.POST('/agent/v1/offers/{offerId}/skip', { params: { path: { offerId } } }));

  return (
    <section class="agent-card agent-offer" aria-labelledby={headingId}>
      <h2 id={headingId} ref={heading} tabIndex={-1}>
        Preview offer
      </h2>
      <p>
        Campaign <strong>{props.offer?.campaign.name ?? props.work.campaignId}</strong>
        {props.offer?.attemptsSoFar !== undefined && <> · earlier attempts: {props.offer.attemptsSoFar}</>}
      </p>
      {accepted ? (
        <p role="status">Accepted: dialing the contact…</p>
      ) : (
        until && <Countdown until={until} label="to answer" />
      )}
      {!accepted && props.offer?.onTimeout && (
        <p class="hint">
          {props.offer.onTimeout === 'dial'
            ? 'When the time runs out the number is dialed for you.'
            : 'When the time runs out the contact goes back and you are set Not ready.'}
        </p>
      )}
      <h3>Contact</h3>
      {props.offer ? (
        <ContactFields contact={props.offer.contact} />
      ) : (
        <p class="hint">The contact's fields are not available on this page.</p>
      )}
      {action.error && <Notice kind="error">{action.error}</Notice>}
      {!accepted && (
        <div class="toolbar agent-actions">
          <button type="button" class="primary" onClick={accept} disabled={action.busy}>
            Accept
          </button>
          <button
            type="button"
            onClick={skip}
            disabled={action.busy || skipsLeft === 0}
            aria-describedby={skipsLeft !== undefined ? `${headingId}-skips` : undefined}
          >
            Skip
          </button>
          {skipsLeft !== undefined && (
            <small id={`${headingId}-skips`} class="hint">
              {skipsLeft === 0 ? 'This campaign allows no skips.' : `Skips left for this contact: ${skipsLeft}`}
            </small>
          )}
        </div>
      )}
    </section>
  );
}
