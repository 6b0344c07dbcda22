import { useEffect, useState } from 'preact/hooks';
import type { CampaigndClient, paths } from '../../../src/client/index.js';
import { messageOf } from '../api.js';
import { openSse, sseHeaders } from '../live/sse.js';
import {
  agentIdOf,
  applyEvent,
  lacksDetails,
  loadRemembered,
  saveRemembered,
  type Agent,
  type DeskState,
} from './desk-model.js';

type EventsQuery = NonNullable<paths['/agent/v1/events']['get']['parameters']['query']>;

export interface Desk {
  state: DeskState;
  setState: (f: (s: DeskState) => DeskState) => void;
  /** Whether the event stream is open (false: the banner shows, the stream reconnects by itself). */
  connected: boolean;
  /** Why `GET /me` failed (a revoked credential, say). */
  loadError: string | undefined;
  /** An answer of the agent API that describes the agent (login, state, logout): shown at once. */
  setAgent: (a: Agent) => void;
}

/**
 * The agent as the API knows them, kept current by their event stream (docs/agents.md). The stream
 * is also the agent's presence: while this page is open the engine may give them work.
 *
 * A reload resumes where the page was: the details of the current offer or call and the stream's
 * last event id are in sessionStorage, `GET /me` says what is open now, and the stream resumes after
 * that id (`?lastEventId=` on the first connection; `openSse` sends `Last-Event-ID` on later ones),
 * so nothing in between is missed. A desk opened fresh while the agent already has work replays the
 * stream from its start (the server keeps a day) to find that work's details.
 */
export function useDesk(client: CampaigndClient, credential: string): Desk {
  const agentId = agentIdOf(credential);
  const [state, setState] = useState<DeskState>(() => loadRemembered(agentId));
  const [connected, setConnected] = useState(true);
  const [loadError, setLoadError] = useState<string>();

  useEffect(() => {
    let closed = false;
    let close: (() => void) | undefined;
    void (async () => {
      const remembered = loadRemembered(agentId);
      let cursor = remembered.cursor;
      try {
        const { data, error } = await client.GET('/agent/v1/me');
        if (closed) return;
        if (data) {
          setLoadError(undefined);
          setState((s) => withAgent(s, data));
          if (cursor === undefined && lacksDetails(remembered, data)) cursor = '0';
        } else setLoadError(messageOf(error));
      } catch (err) {
        // The stream below retries until the server answers; the banner says so meanwhile.
        if (!closed) setLoadError(messageOf(err));
      }
      if (closed) return;
      const query: EventsQuery = cursor !== undefined ? { lastEventId: cursor } : {};
      let first = true;
      close = openSse({
        // The first connection resumes from the remembered cursor (query); later ones from the last
        // event received (Last-Event-ID, which then wins).
        open: (lastEventId, signal) => {
          const params = first ? { query } : {};
          first = false;
          return client.GET('/agent/v1/events', {
            params,
            headers: sseHeaders(lastEventId),
            parseAs: 'stream',
            signal,
          });
        },
        onConnected: (up) => {
          setConnected(up);
          if (up) setLoadError(undefined);
        },
        onMessage: (m) => {
          let data: unknown;
          try {
            data = JSON.parse(m.data);
          } catch {
            return;
          }
          setState((s) => applyEvent(s, m.event, data, m.id));
        },
      });
    })();
    return () => {
      closed = true;
      close?.();
    };
  }, [client, credential, agentId]);

  useEffect(() => saveRemembered(agentId, state), [agentId, state]);

  return {
    state,
    setState,
    connected,
    loadError,
    setAgent: (agent) => setState((s) => withAgent(s, agent)),
  };
}

/**
 * An answer of the API about the agent, unless the stream already told of a later state: an answer
 * can arrive after the events it caused (going Available makes the engine offer at once).
 */
function withAgent(s: DeskState, agent: Agent): DeskState {
  if (s.agent && s.agent.id === agent.id && Date.parse(s.agent.since) > Date.parse(agent.since)) return s;
  return { ...s, agent };
}
