import type { JSX } from 'preact';
import type { CampaigndClient } from '../../../src/client/index.js';
import { href } from '../router.js';
import type { Session } from '../session.js';
import { ConnectionBanner } from '../ui/form.js';
import { AgentsBoard } from './agents-board.js';
import { CampaignForm } from './campaign-form.js';
import { CampaignPage } from './campaign-page.js';
import { CampaignsList } from './campaigns-list.js';
import { ContactLists } from './contact-lists.js';
import { LiveContext, useLiveHub } from './live.js';

export type { ScreenProps } from './live.js';

export interface SupervisorProps {
  session: Exclude<Session, { kind: 'agent' }>;
  client: CampaigndClient;
  route: string[];
  onSignOut: () => void;
}

const SECTIONS = [
  ['campaigns', 'Campaigns'],
  ['lists', 'Contact lists'],
  ['agents', 'Agents'],
] as const;

/** The supervisor's screens: campaigns, contact lists, agents board, over one live event stream. */
export function Supervisor(props: SupervisorProps): JSX.Element {
  const { session, client, route } = props;
  const hub = useLiveHub(session, client);
  const section = SECTIONS.some(([s]) => s === route[0]) ? route[0]! : 'campaigns';
  const ctx = { session, client, iid: session.iid };

  let screen: JSX.Element;
  if (section === 'lists') screen = <ContactLists {...ctx} listId={route[1]} />;
  else if (section === 'agents') screen = <AgentsBoard {...ctx} />;
  else if (route[1] === 'new') screen = <CampaignForm {...ctx} />;
  else if (route[1] && route[2] === 'edit') screen = <CampaignForm key={route[1]} {...ctx} campaignId={route[1]} />;
  else if (route[1]) screen = <CampaignPage key={route[1]} {...ctx} campaignId={route[1]} />;
  else screen = <CampaignsList {...ctx} />;

  return (
    <LiveContext.Provider value={hub}>
      <div class="layout">
        <nav aria-label="Console">
          <strong>campaignd</strong>
          <ul>
            {SECTIONS.map(([s, label]) => (
              <li key={s}>
                <a href={href(s)} aria-current={section === s ? 'page' : undefined}>
                  {label}
                </a>
              </li>
            ))}
          </ul>
          <p class="hint">
            {session.kind === 'operator' ? 'Operator' : 'Supervisor'} of {session.iid}
          </p>
          <button type="button" onClick={props.onSignOut}>
            Sign out
          </button>
        </nav>
        <main>
          <ConnectionBanner connected={hub.connected} />
          {screen}
        </main>
      </div>
    </LiveContext.Provider>
  );
}
