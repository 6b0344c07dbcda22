import { createCampaigndClient, type CampaigndClient } from '../client/index.js';
import type { Agent } from '../contract/agents.js';
import { EventStreamParser, type SseMessage } from './event-stream-parser.js';
import { dispositionCode, offerChoice, talkTimeMs, type SimBehaviour } from './simulated-agent.js';

/** Reconnection delay until the server says otherwise (`retry:`). */
const DEFAULT_RETRY_MS = 2_000;
/** How often stop() looks again while a call of the agent is still being torn down. */
const STOP_POLL_MS = 250;
/** stop() gives up logging the agent out after this long (the server's grace period does it then). */
const STOP_DEADLINE_MS = 20_000;

export interface DriverOptions {
  id: string;
  name: string;
  credential: string;
  /** The server, e.g. http://127.0.0.1:3000. */
  baseUrl: string;
  behaviour: SimBehaviour;
  /** This agent's seeded draws in [0, 1). */
  draw: () => number;
  /** Prints one line about this agent. */
  say: (text: string) => void;
  /** A call of this agent got its disposition. */
  handled: () => void;
}

/** What a call of the agent API came to, as the typed client answers it. */
interface Answer {
  /** A failure's body: the failure envelope, or the text of an answer that was not JSON. */
  error?: unknown;
  response: Response;
}

const delay = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => (clearTimeout(timer), resolve()), { once: true });
  });

const messageOf = ({ error, response }: Answer) => {
  const message = (error as { message?: unknown } | undefined)?.message;
  if (typeof message === 'string') return message;
  return typeof error === 'string' && error !== '' ? error.slice(0, 200) : `HTTP ${response.status}`;
};
/** The number on screen: offers and call.connecting carry the record's E.164, call.connected the contact's fields. */
const phoneOf = (contact: unknown) => {
  const c = contact as Record<string, unknown> | null;
  return String(c?.phoneNumberE164 ?? c?.phoneNumber ?? '?');
};

/**
 * One simulated agent driven through the real agent API, exactly as a browser desktop would: log
 * in, hold the Server-Sent Events stream open (resuming with Last-Event-ID after a drop), accept or
 * skip offers, talk for a drawn time and end the call, give a disposition in wrap-up; stop() ends
 * what is in progress and logs out.
 */
export class SimulatedAgentDriver {
  private stopping = false;
  private readonly abort = new AbortController();
  private lastEventId: string | undefined;
  private talking: { attemptId: string; timer: NodeJS.Timeout } | undefined;
  private readonly disposed = new Set<string>();
  /** The codes the last wrap-up offered (the campaign's or bot's list). */
  private codes: string[] = [];
  private loop: Promise<void> | undefined;
  private readonly api: CampaigndClient;

  constructor(private readonly o: DriverOptions) {
    this.api = createCampaigndClient({ baseUrl: o.baseUrl, agentCredential: o.credential });
  }

  /** Logs in as Available and opens the event stream; throws when the server refuses or is unreachable. */
  async start(): Promise<void> {
    const res = await this.api.POST('/agent/v1/login', { body: {} });
    if (res.response.status === 401)
      throw new Error(
        `${this.o.baseUrl} refused the credential of ${this.o.name}: does that server use the same database as this command?`,
      );
    if (res.response.status !== 200) throw new Error(`${this.o.name} could not log in: ${messageOf(res)}`);
    this.o.say('logged in');
    this.loop = this.stream();
  }

  /** Ends a call in progress, gives the disposition of a wrap-up, and logs out (bounded). */
  async stop(): Promise<void> {
    this.stopping = true;
    if (this.talking) clearTimeout(this.talking.timer);
    this.abort.abort();
    if (!this.loop) return; // never logged in: nothing to undo
    await this.loop;
    const deadline = Date.now() + STOP_DEADLINE_MS;
    for (;;) {
      const me = await this.api.GET('/agent/v1/me').catch(() => undefined);
      const agent = me?.data;
      const attemptId = agent?.work?.attemptId;
      if (agent?.state === 'WrapUp' && attemptId) await this.dispose(attemptId);
      else if (agent?.work?.kind === 'call' && attemptId && Date.now() < deadline) {
        // Logged out right after the hang-up, the wrap-up would end with no disposition: wait for it.
        await this.endCall(attemptId);
        await delay(STOP_POLL_MS);
        continue;
      }
      let out: Answer;
      try {
        out = await this.api.POST('/agent/v1/logout');
      } catch (err) {
        this.o.say(`could not log out: ${(err as Error).message}`);
        return;
      }
      if (out.response.status === 200) {
        this.o.say('logged out');
        return;
      }
      if (out.response.status !== 409 || Date.now() > deadline) {
        this.o.say(`could not log out: ${messageOf(out)}`);
        return;
      }
      await delay(STOP_POLL_MS);
    }
  }

  /** The event stream, reopened after every drop until stop(). */
  private async stream(): Promise<void> {
    let retryMs = DEFAULT_RETRY_MS;
    while (!this.stopping) {
      try {
        // parseAs 'stream': the typed client hands over the body unread, to be parsed as it arrives.
        const { data, response } = await this.api.GET('/agent/v1/events', {
          parseAs: 'stream',
          headers: { accept: 'text/event-stream', ...(this.lastEventId ? { 'last-event-id': this.lastEventId } : {}) },
          signal: this.abort.signal,
        });
        if (response.status === 401) {
          this.o.say('event stream: credential refused (reset or removed?); this agent stops');
          return;
        }
        if (response.status !== 200 || !data) throw new Error(`HTTP ${response.status}`);
        const parser = new EventStreamParser();
        const decoder = new TextDecoder();
        for await (const chunk of data) {
          for (const msg of parser.push(decoder.decode(chunk, { stream: true }))) {
            // Once stopping, stop() ends the call and wrap-up in hand; taking more work from events
            // already received would keep a Predictive agent (given a waiting caller the moment
            // they are free) busy forever.
            if (this.stopping) return;
            await this.handle(msg);
            if (msg.lastEventId) this.lastEventId = msg.lastEventId;
          }
        }
        retryMs = parser.retryMs ?? retryMs;
        if (!this.stopping) this.o.say(`event stream closed by the server; reconnecting in ${retryMs} ms`);
      } catch (err) {
        if (this.stopping) return;
        this.o.say(`event stream: ${(err as Error).message}; reconnecting in ${retryMs} ms`);
      }
      await delay(retryMs, this.abort.signal);
    }
  }

  private async handle(msg: SseMessage): Promise<void> {
    let d: Record<string, unknown>;
    try {
      d = JSON.parse(msg.data) as Record<string, unknown>;
    } catch {
      this.o.say(`${msg.type}: unreadable data ${msg.data.slice(0, 80)}`);
      return;
    }
    const campaign = (d.campaign as { name?: string } | undefined)?.name ?? '?';
    try {
      switch (msg.type) {
        case 'snapshot':
          return await this.resume(d as unknown as Agent);
        case 'offer':
          return await this.offer(String(d.offerId), Number(d.skipsLeft ?? 0), `${phoneOf(d.contact)} (${campaign})`);
        case 'call.connecting':
          return this.o.say(`call.connecting ${phoneOf(d.contact)} (${campaign}) ${d.attemptId}`);
        case 'call.connected':
          return this.talk(String(d.attemptId), `${phoneOf(d.contact)} (${campaign})`);
        case 'call.ended':
          if (this.talking && this.talking.attemptId === d.attemptId) {
            clearTimeout(this.talking.timer);
            this.talking = undefined;
          }
          return this.o.say(`call.ended ${d.attemptId}: ${d.outcome}${d.talkSec != null ? `, ${d.talkSec} s` : ''}`);
        case 'wrapup.started':
          this.codes = Array.isArray(d.dispositionCodes) ? d.dispositionCodes.map(String) : [];
          return await this.dispose(String(d.attemptId));
        case 'state':
          return this.o.say(`state ${d.state}${d.reason ? ` (${d.reason})` : ''}`);
        default:
          // wrapup.ended, offer.accepted|skipped|withdrawn|timed-out, and any type added later.
          return this.o.say(`${msg.type} ${JSON.stringify(d)}`);
      }
    } catch (err) {
      this.o.say(`${msg.type}: ${(err as Error).message}`);
    }
  }

  /** A new stream starts with the agent as they are: carry on with an offer, call or wrap-up in progress. */
  private async resume(a: Agent): Promise<void> {
    this.o.say(`snapshot ${a.state}${a.work ? ` (${a.work.kind} ${a.work.attemptId ?? a.work.offerId})` : ''}`);
    const w = a.work;
    if (a.state === 'Offline') {
      // Logged out meanwhile (the stream was gone longer than the grace period): back to work.
      const res = await this.api.POST('/agent/v1/login', { body: {} });
      this.o.say(res.data ? 'logged in again' : `could not log in again: ${messageOf(res)}`);
    } else if (a.state === 'Reserved' && w?.kind === 'offer' && w.offerId && !w.attemptId) {
      await this.offer(w.offerId, 1, 'open offer');
    } else if (a.state === 'OnCall' && w?.attemptId && this.talking?.attemptId !== w.attemptId) {
      this.talk(w.attemptId, 'call in progress');
    } else if (a.state === 'WrapUp' && w?.attemptId) {
      await this.dispose(w.attemptId);
    }
  }

  private async offer(offerId: string, skipsLeft: number, what: string): Promise<void> {
    if (this.stopping) return;
    let choice = offerChoice(this.o.draw(), this.o.behaviour.acceptRate, skipsLeft);
    let res = await this.answerOffer(offerId, choice);
    if (choice === 'skip' && res.response.status === 409 && /no skips/.test(messageOf(res))) {
      choice = 'accept';
      res = await this.answerOffer(offerId, choice);
    }
    this.o.say(`offer ${what} ${offerId}: ${res.data ? res.data.status : `${choice} refused: ${messageOf(res)}`}`);
  }

  private answerOffer(offerId: string, choice: 'accept' | 'skip') {
    const params = { path: { offerId } };
    return choice === 'accept'
      ? this.api.POST('/agent/v1/offers/{offerId}/accept', { params })
      : this.api.POST('/agent/v1/offers/{offerId}/skip', { params });
  }

  private talk(attemptId: string, what: string): void {
    const ms = talkTimeMs(this.o.draw(), this.o.behaviour.handleTimeMs);
    this.o.say(`call.connected ${what} ${attemptId}: talking for ${(ms / 1000).toFixed(1)} s`);
    if (this.talking) clearTimeout(this.talking.timer);
    this.talking = {
      attemptId,
      timer: setTimeout(() => {
        this.talking = undefined;
        void this.endCall(attemptId).catch((err: unknown) => this.o.say(`end ${attemptId}: ${(err as Error).message}`));
      }, ms),
    };
  }

  private async endCall(attemptId: string): Promise<void> {
    const res = await this.api.POST('/agent/v1/calls/{attemptId}/end', { params: { path: { attemptId } } });
    // 409: the person hung up first, or the end was already asked for; the stream says what followed.
    if (res.response.status !== 202 && res.response.status !== 409)
      this.o.say(`end ${attemptId} refused: ${messageOf(res)}`);
  }

  /** Gives a disposition once per call; a code the campaign refuses falls back to going Available. */
  private async dispose(attemptId: string): Promise<void> {
    if (this.disposed.has(attemptId)) return;
    const code = dispositionCode(this.o.draw(), this.codes);
    const res = await this.api.POST('/agent/v1/calls/{attemptId}/disposition', {
      params: { path: { attemptId } },
      body: { codes: [code] },
    });
    if (res.data) {
      this.disposed.add(attemptId);
      this.o.say(`wrapup.started ${attemptId}: disposition ${code}`);
      this.o.handled();
      return;
    }
    this.o.say(`wrapup.started ${attemptId}: disposition ${code} refused: ${messageOf(res)}`);
    if (res.response.status === 400) await this.api.POST('/agent/v1/state', { body: { state: 'Available' } });
  }
}
