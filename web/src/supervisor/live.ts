import { createContext } from 'preact';
import { useContext, useEffect, useRef, useState } from 'preact/hooks';
import type { CampaigndClient, webhooks } from '../../../src/client/index.js';
import { openSse, sseHeaders } from '../live/sse.js';
import type { Session } from '../session.js';

export type SupervisorSession = Exclude<Session, { kind: 'agent' }>;

/** What every supervisor screen gets. */
export interface ScreenProps {
  session: SupervisorSession;
  client: CampaigndClient;
  iid: string;
}

/** An event of the bot's stream as docs/events.md describes it (types from the OpenAPI `webhooks`). */
type Body<K extends keyof webhooks> = webhooks[K] extends {
  post: { requestBody: { content: { 'application/json': infer B } } };
}
  ? B
  : never;
export type StatusChanged = Body<'campaign.status_changed'>;
export type AttemptStarted = Body<'attempt.started'>;
export type AttemptEnded = Body<'attempt.ended'>;
export type AgentStateChanged = Body<'agent.state_changed'>;
export type LiveEvent = StatusChanged | AttemptStarted | AttemptEnded | AgentStateChanged;

const TYPES = ['campaign.status_changed', 'attempt.started', 'attempt.ended', 'agent.state_changed'];

/**
 * The supervisor's one connection to the bot's event stream, shared by every screen: screens
 * subscribe to its events, show `connected`, and re-read what they show when `epoch` moves (each
 * reconnection), since a screen's numbers must not depend on having seen every event.
 */
export interface LiveHub {
  subscribe(fn: (e: LiveEvent) => void): () => void;
  connected: boolean;
  epoch: number;
}

export const LiveContext = createContext<LiveHub>({ subscribe: () => () => undefined, connected: true, epoch: 0 });

/** Opens the stream for the life of the supervisor's screens. */
export function useLiveHub(session: SupervisorSession, client: CampaigndClient): LiveHub {
  const listeners = useRef(new Set<(e: LiveEvent) => void>());
  const [connected, setConnected] = useState(true);
  const [epoch, setEpoch] = useState(0);
  useEffect(() => {
    let wasDown = false;
    const close = openSse({
      open: (lastEventId, signal) =>
        client.GET('/agentassist/api/v1/public/{iid}/campaign/events/stream', {
          params: { path: { iid: session.iid }, query: { types: TYPES.join(',') } },
          headers: sseHeaders(lastEventId),
          parseAs: 'stream',
          signal,
        }),
      onConnected: (up) => {
        setConnected(up);
        if (!up) wasDown = true;
        else if (wasDown) {
          wasDown = false;
          setEpoch((n) => n + 1);
        }
      },
      onMessage: (m) => {
        if (!TYPES.includes(m.event)) return;
        let e: LiveEvent;
        try {
          e = JSON.parse(m.data) as LiveEvent;
        } catch {
          return;
        }
        for (const fn of listeners.current) fn(e);
      },
    });
    return close;
  }, [session, client]);
  return {
    subscribe: (fn) => {
      listeners.current.add(fn);
      return () => listeners.current.delete(fn);
    },
    connected,
    epoch,
  };
}

/** Calls `fn` for each live event while the component is mounted (always the latest `fn`). */
export function useLiveEvents(fn: (e: LiveEvent) => void): LiveHub {
  const hub = useContext(LiveContext);
  const latest = useRef(fn);
  latest.current = fn;
  useEffect(() => hub.subscribe((e) => latest.current(e)), []);
  return hub;
}

/**
 * Runs `fn` at most once per `ms`, the last call always honoured: live screens re-read their
 * numbers after a burst of events without a request per event.
 */
export function useThrottled(fn: () => void, ms: number): () => void {
  const latest = useRef(fn);
  latest.current = fn;
  const state = useRef<{ timer?: ReturnType<typeof setTimeout>; last: number }>({ last: 0 });
  useEffect(() => () => clearTimeout(state.current.timer), []);
  return () => {
    const s = state.current;
    if (s.timer) return;
    const wait = Math.max(0, s.last + ms - Date.now());
    s.timer = setTimeout(() => {
      s.timer = undefined;
      s.last = Date.now();
      latest.current();
    }, wait);
  };
}
