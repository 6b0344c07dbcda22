import type { Clock } from '../../shared/clock.js';
import type { Logger } from '../../shared/logger.js';
import type { AgentsRepo } from '../../storage/repos/agents-repo.js';
import type { AgentDeskService } from './agent-desk-service.js';
import { PRESENCE_TOUCH_MS } from './presence.js';

/** One event of an agent's stream as it is sent: `id` is its SSE id. */
export interface StreamEvent {
  id: number;
  type: string;
  data: unknown;
}

interface Subscriber {
  agentId: string;
  lastId: number;
  send: (events: StreamEvent[]) => void;
  end: () => void;
}

export interface HubOptions {
  /** How often agent_events is read for the streams of this process. Default 200 ms. */
  pollMs?: number;
  /** Events are kept this long (a stream can resume from an id within it). Default 24 h. */
  keepMs?: number;
}

const PRUNE_EVERY_MS = 10 * 60_000;
const BATCH = 1000;

/**
 * The agent event streams of one server process. Events are rows of agent_events, written by
 * whichever process changed the agent (an engine, another server): every stream here is fed by one
 * poll of the table for all its agents, so a stream sees every event in id order, without loss or
 * repeat (one agent's events commit in id order: agent-moves.ts), and resumes after a reconnect from its Last-Event-ID on any server. While an agent has a
 * stream here, the hub keeps their presence (AgentDeskService.streamSeen); when their last one closes,
 * they are gone (streamClosed).
 */
export class AgentEventHub {
  private readonly subscribers = new Set<Subscriber>();
  private readonly perAgent = new Map<string, number>();
  private poller: NodeJS.Timeout | undefined;
  private toucher: NodeJS.Timeout | undefined;
  private polling: Promise<void> | undefined;
  private again = false;
  private lastPrune = 0;
  private closed = false;

  constructor(
    private readonly agents: AgentsRepo,
    private readonly desk: AgentDeskService,
    private readonly clock: Clock,
    private readonly log: Logger,
    private readonly opts: HubOptions = {},
  ) {}

  /**
   * Streams the agent's events after `lastId` (their newest one when undefined) to `send`; `end` is
   * called when the hub closes. Returns the function that unsubscribes.
   */
  async subscribe(
    agentId: string,
    lastId: number | undefined,
    send: (events: StreamEvent[]) => void,
    end: () => void,
  ): Promise<() => Promise<void>> {
    const newest = await this.agents.lastEventId(agentId);
    // An id beyond the agent's newest (another database, a client's own counter) would hold back
    // every event until ids passed it: resume from the newest instead.
    const sub: Subscriber = { agentId, lastId: Math.min(lastId ?? newest, newest), send, end };
    this.subscribers.add(sub);
    this.perAgent.set(agentId, (this.perAgent.get(agentId) ?? 0) + 1);
    await this.desk.streamSeen(agentId);
    this.start();
    this.poll();
    let done = false;
    return async () => {
      if (done) return;
      done = true;
      this.subscribers.delete(sub);
      const left = (this.perAgent.get(agentId) ?? 1) - 1;
      if (left > 0) this.perAgent.set(agentId, left);
      else {
        this.perAgent.delete(agentId);
        if (!this.closed)
          await this.desk
            .streamClosed(agentId)
            .catch((err: unknown) => this.log.warn({ err, agentId }, 'agent stream close'));
      }
      if (this.subscribers.size === 0) this.stop();
    };
  }

  /** Reads new events now (and once more after a read in progress). */
  poll(): void {
    if (this.polling) {
      this.again = true;
      return;
    }
    this.polling = this.read()
      .catch((err: unknown) => this.log.warn({ err }, 'agent event poll failed'))
      .finally(() => {
        this.polling = undefined;
        if (this.again) {
          this.again = false;
          this.poll();
        }
      });
  }

  /** Ends every stream (server shutdown): their agents' presence is left to run out. */
  async close(): Promise<void> {
    this.closed = true;
    this.stop();
    for (const s of [...this.subscribers]) s.end();
    this.subscribers.clear();
    await this.polling;
  }

  private async read(): Promise<void> {
    if (this.subscribers.size === 0) return;
    const subs = [...this.subscribers];
    const from = Math.min(...subs.map((s) => s.lastId));
    const rows = await this.agents.eventsAfter([...this.perAgent.keys()], from, BATCH);
    if (rows.length === BATCH) this.again = true;
    for (const s of subs) {
      const mine = rows.filter((r) => r.agent_id === s.agentId && r.id > s.lastId);
      if (mine.length === 0) continue;
      s.lastId = mine[mine.length - 1]!.id;
      s.send(mine.map((r) => ({ id: r.id, type: r.type, data: JSON.parse(r.data) as unknown })));
    }
    const now = this.clock.now();
    if (now - this.lastPrune > PRUNE_EVERY_MS) {
      this.lastPrune = now;
      await this.agents.pruneEvents(now - (this.opts.keepMs ?? 86_400_000));
    }
  }

  private start(): void {
    this.poller ??= setInterval(() => this.poll(), this.opts.pollMs ?? 200);
    this.toucher ??= setInterval(() => void this.touch(), PRESENCE_TOUCH_MS);
    this.poller.unref();
    this.toucher.unref();
  }

  private stop(): void {
    clearInterval(this.poller);
    clearInterval(this.toucher);
    this.poller = undefined;
    this.toucher = undefined;
  }

  private async touch(): Promise<void> {
    for (const agentId of this.perAgent.keys()) {
      await this.desk
        .streamSeen(agentId)
        .catch((err: unknown) => this.log.warn({ err, agentId }, 'agent presence touch'));
    }
  }
}
