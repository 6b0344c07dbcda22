import type { JSX } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import type { CampaigndClient } from '../../../src/client/index.js';
import { messageOf } from '../api.js';
import type { Session } from '../session.js';
import { ConnectionBanner, Notice } from '../ui/form.js';
import { CallCard } from './call-card.js';
import { whoOf } from './contact-fields.js';
import { agentIdOf, forgetRemembered, viewOf, type View } from './desk-model.js';
import { OfferCard } from './offer-card.js';
import { StatusPanel } from './status-panel.js';
import { useDesk } from './use-desk.js';

/** What a screen reader hears when the work changes, and a key that changes only then. */
function announcementOf(v: View): { key: string; text: string } {
  switch (v.kind) {
    case 'offer': {
      const campaign = v.offer?.campaign.name ?? v.work.campaignId;
      const left = v.offer ? Math.max(0, Math.round((Date.parse(v.offer.expiresAt) - Date.now()) / 1000)) : undefined;
      return {
        key: `offer:${v.work.offerId}`,
        text:
          `Incoming Preview offer: ${whoOf(v.offer?.contact)}, campaign ${campaign}.` +
          (left !== undefined ? ` ${left} seconds to accept or skip.` : ''),
      };
    }
    case 'call': {
      const connected = v.agent.state === 'OnCall' || v.call?.connected === true;
      const who = whoOf(v.call?.connectedContact ?? v.call?.contact);
      return connected
        ? { key: `connected:${v.work.attemptId}`, text: `Call connected: ${who}.` }
        : { key: `dialing:${v.work.attemptId}`, text: `Dialing ${who}.` };
    }
    case 'wrap-up':
      return { key: `wrap-up:${v.work.attemptId}`, text: 'Call ended. Wrap-up: give a disposition.' };
    default:
      return { key: v.kind, text: '' };
  }
}

/**
 * The agent's desk (docs/console.md, "Agent desk"): their state, and the work the engine gives them
 * (a Preview offer, a call, its wrap-up), live from their event stream. Every call goes through the
 * typed client with the agent's own credential.
 */
export function AgentDesk(props: {
  session: Extract<Session, { kind: 'agent' }>;
  client: CampaigndClient;
  onSignOut: () => void;
}): JSX.Element {
  const { client, session } = props;
  const desk = useDesk(client, session.credential);
  const view = viewOf(desk.state);
  const [signOutError, setSignOutError] = useState<string>();
  const [said, setSaid] = useState('');
  const announcement = announcementOf(view);
  useEffect(() => {
    if (announcement.text) setSaid(announcement.text);
  }, [announcement.key]);

  const agent = desk.state.agent;
  const signOut = async () => {
    setSignOutError(undefined);
    if (agent && agent.state !== 'Offline') {
      try {
        const { error } = await client.POST('/agent/v1/logout');
        if (error) return setSignOutError(messageOf(error));
      } catch (err) {
        return setSignOutError(messageOf(err));
      }
    }
    forgetRemembered(agentIdOf(session.credential));
    props.onSignOut();
  };

  return (
    <div class="agent-desk">
      <header class="agent-header">
        <h1>Agent desk</h1>
        {agent && <p class="agent-name">{agent.name}</p>}
        <button type="button" onClick={signOut}>
          Sign out
        </button>
      </header>
      <ConnectionBanner connected={desk.connected} />
      <div class="visually-hidden" aria-live="assertive" aria-atomic="true">
        {said}
      </div>
      <main class="agent-main">
        {signOutError && <Notice kind="error">Could not sign out: {signOutError}</Notice>}
        {desk.loadError && <Notice kind="error">{desk.loadError}</Notice>}
        {view.kind === 'loading' ? (
          <p role="status">Loading…</p>
        ) : (
          <div class="agent-grid">
            <StatusPanel client={client} agent={view.agent} onAgent={desk.setAgent} />
            <div class="agent-work">
              {desk.state.offerLost && desk.state.offerLost.offerId !== view.agent.work?.offerId && (
                <Notice kind="info">
                  The offer of {desk.state.offerLost.who ?? 'a contact'}{' '}
                  {desk.state.offerLost.how === 'withdrawn' ? 'was withdrawn' : 'timed out'}
                  {desk.state.offerLost.reason ? `: ${desk.state.offerLost.reason}` : ''}.
                </Notice>
              )}
              {desk.state.disposed && desk.state.disposed.attemptId !== view.agent.work?.attemptId && (
                <Notice kind="success">
                  Your last call's disposition was saved: {desk.state.disposed.codes.join(', ')}
                </Notice>
              )}
              {view.kind === 'idle' && (
                <section class="agent-card agent-idle" aria-label="Work">
                  <p>
                    {view.agent.state === 'Available'
                      ? 'Waiting for work: an offer or a call shows here.'
                      : 'Set yourself Available to take calls.'}
                  </p>
                </section>
              )}
              {view.kind === 'offer' && (
                <OfferCard
                  client={client}
                  work={view.work}
                  offer={view.offer}
                  onAccepted={(offerId) =>
                    desk.setState((s) =>
                      s.offer?.offerId === offerId ? { ...s, offer: { ...s.offer, accepted: true } } : s,
                    )
                  }
                />
              )}
              {(view.kind === 'call' || view.kind === 'wrap-up') && (
                <CallCard
                  client={client}
                  agent={view.agent}
                  work={view.work}
                  call={view.call}
                  codes={view.codes}
                  disposed={desk.state.disposed}
                  onDisposed={(attemptId, codes) => desk.setState((s) => ({ ...s, disposed: { attemptId, codes } }))}
                />
              )}
            </div>
          </div>
        )}
      </main>
    </div>
  );
}
