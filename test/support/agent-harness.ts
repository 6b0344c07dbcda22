/**
 * Drives agent-assisted campaigns by hand: a scripted phone network (the test says when a call is
 * answered and how it ends), agents created through the admin service and acting through the
 * real agent API (app.inject with their credential), and presence kept by hand (what an open event
 * stream does every few seconds). No timers, no sleeps: time is the test's ManualClock.
 */
import { expect } from 'vitest';
import type { LightMyRequestResponse } from 'fastify';
import { DialingStep, type DialingReport } from '../../src/runtime/dialing-step.js';
import type { EngineSettings } from '../../src/services.js';
import type {
  AgentLeg,
  DialRequest,
  OutcomeReport,
  Provider,
  ProviderOutcome,
} from '../../src/domain/telephony/provider.js';
import type { AgentRow } from '../../src/storage/schema.js';
import { ALWAYS } from './engine-harness.js';
import { progressiveSample, previewSample } from '../fixtures/kore-samples.js';
import type { TestApp } from './test-app.js';

/** A call the scripted network holds: the request, when it started, and what became of it. */
export interface PhoneCall {
  req: DialRequest;
  startedAt: number;
  connected: boolean;
  ended: boolean;
  /** Predictive: answered and waiting for an agent (until bridged or ended). */
  waiting?: boolean;
  /** Predictive: the agent campaignd named for it. */
  agentId?: string;
}

/**
 * The telephone network as the engine sees it (a Provider): it accepts every call and does
 * nothing until the test answers or ends it. Hang-ups asked by agents end the call as the
 * agent's, like a real network would report them.
 */
export class ScriptedPhone implements Provider {
  readonly name = 'scripted';
  readonly calls: PhoneCall[] = [];
  readonly hangups: string[] = [];

  constructor(private readonly t: TestApp) {}

  async start(req: DialRequest) {
    this.calls.push({ req: structuredClone(req), startedAt: this.t.clock.now(), connected: false, ended: false });
    return { accepted: true as const };
  }

  async hangup(attemptId: string): Promise<void> {
    this.hangups.push(attemptId);
    const call = this.call(attemptId);
    if (call.ended) return;
    await this.end(attemptId, call.connected ? 'completed' : 'no-answer', {
      botOutboundStatus: 'agentHangUp',
      botOutboundStatusDetail: 'agent_hangup',
    });
  }

  async close(): Promise<void> {}

  call(attemptId: string): PhoneCall {
    const c = this.calls.find((x) => x.req.attemptId === attemptId);
    if (!c) throw new Error(`no call ${attemptId}`);
    return c;
  }

  /** Calls still ringing or talking. */
  open(): PhoneCall[] {
    return this.calls.filter((c) => !c.ended);
  }

  /**
   * Predictive: the person picks up. campaignd names an agent now (the call connects to them) or
   * later through `bridge`; until then the call waits, and the test ends it as the provider's
   * deadline would (`end(…, 'abandoned')`).
   */
  async answerPredictive(attemptId: string, ringSec = 5): Promise<string | undefined> {
    const c = this.call(attemptId);
    c.waiting = true;
    const leg = await this.t.services.outcomes.answered({ attemptId, at: this.t.clock.now(), ringSec });
    if (leg) await this.bridge(attemptId, leg);
    return c.agentId;
  }

  /** Refuses (as a provider whose deadline passed) while set. */
  refuseBridges = false;
  readonly bridges: { attemptId: string; agentId: string }[] = [];

  async bridge(attemptId: string, agent: AgentLeg): Promise<boolean> {
    const c = this.call(attemptId);
    this.bridges.push({ attemptId, agentId: agent.id });
    if (!c.waiting || c.ended || this.refuseBridges) return false;
    c.waiting = false;
    c.agentId = agent.id;
    await this.answer(attemptId);
    return true;
  }

  /** The person picks up and is put through to the agent. */
  async answer(attemptId: string): Promise<void> {
    const c = this.call(attemptId);
    c.connected = true;
    await this.t.services.outcomes.connected({ attemptId, at: this.t.clock.now() });
  }

  async end(attemptId: string, outcome: ProviderOutcome, extra: Partial<OutcomeReport> = {}): Promise<void> {
    const c = this.call(attemptId);
    c.ended = true;
    await this.t.services.outcomes.report({ attemptId, outcome, at: this.t.clock.now(), ...extra });
  }
}

export interface TestAgent {
  id: string;
  name: string;
  credential: string;
}

export interface AgentHarness {
  phone: ScriptedPhone;
  tick(): Promise<DialingReport>;
  /** The engine's heartbeat (the runtime's `leases` loop): renews its live leases. */
  renewLeases(): Promise<number>;
  /** A new agent in `queues` (default the harness's queue). */
  createAgent(name: string, queues?: string[]): Promise<TestAgent>;
  /** A call of the agent API as `agent`. */
  api(agent: TestAgent, method: string, path: string, body?: unknown): Promise<LightMyRequestResponse>;
  /** Logs in as Available and marks the agent's stream open. */
  online(agent: TestAgent): Promise<void>;
  /** What an open stream does: the agent is seen now. */
  seen(...agents: TestAgent[]): Promise<void>;
  row(agent: TestAgent): Promise<AgentRow>;
  /** The agent's stream events, oldest first: [type, data]. */
  events(agent: TestAgent): Promise<[string, Record<string, unknown>][]>;
  /** Creates and plays a Progressive (Preview, Predictive) campaign on `listId` and the harness's queue; answers its id and instance id. */
  campaign(
    mode: 'Progressive' | 'Preview' | 'Predictive',
    listId: string,
    over?: Record<string, unknown>,
  ): Promise<{ id: string; instanceId: string }>;
}

/** Campaign names must differ within a test file's database. */
let campaigns = 0;

export function agentHarness(
  t: TestApp,
  opts: {
    engine?: Partial<EngineSettings>;
    /** Agents' default queue and campaigns' queue_name. */ queue?: string;
  } = {},
): AgentHarness {
  const queue = opts.queue ?? 'Default Queue';
  const phone = new ScriptedPhone(t);
  const engine = t.services.createEngine({
    provider: phone,
    maxConcurrentCalls: 100,
    callsPerSecond: 10_000,
    leaseMs: 120_000,
    precall: null,
    ...opts.engine,
  });
  const dialing = new DialingStep({ provider: phone, schedules: t.services.schedules, engine, clock: t.clock });
  const { accountId, iid } = t.tenant;

  const api: AgentHarness['api'] = (agent, method, path, body) =>
    t.app.inject({
      method: method as 'GET',
      url: `/agent/v1${path}`,
      headers: {
        authorization: `Bearer ${agent.credential}`,
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
      },
      ...(body !== undefined ? { payload: JSON.stringify(body) } : {}),
    });

  const seen = async (...agents: TestAgent[]) => {
    for (const a of agents) await t.services.agentDesk.streamSeen(a.id);
  };

  return {
    phone,
    tick: () => dialing.run(),
    renewLeases: () => engine.renewLeases(),
    createAgent: async (name, queues = [queue]) => {
      const created = await t.services.agentAdmin.create({ accountId, iid, name, queues });
      return { id: created.id, name, credential: created.credential };
    },
    api,
    online: async (agent) => {
      const res = await api(agent, 'POST', '/login', {});
      expect(res.statusCode, res.body).toBe(200);
      await seen(agent);
    },
    seen,
    row: async (agent) =>
      t.db.kysely.selectFrom('agents').selectAll().where('id', '=', agent.id).executeTakeFirstOrThrow(),
    events: async (agent) => {
      const rows = await t.db.kysely
        .selectFrom('agent_events')
        .select(['type', 'data'])
        .where('agent_id', '=', agent.id)
        .orderBy('id')
        .execute();
      return rows.map((r) => [r.type, JSON.parse(r.data) as Record<string, unknown>]);
    },
    campaign: async (mode, listId, over = {}) => {
      const list = await t.db.kysely
        .selectFrom('contact_lists')
        .select('name')
        .where('id', '=', listId)
        .executeTakeFirstOrThrow();
      const sample =
        mode === 'Preview'
          ? previewSample(`Agents ${mode} ${++campaigns}`)
          : { ...progressiveSample(`Agents ${mode} ${++campaigns}`), dialingMode: mode };
      const body = {
        ...sample,
        contactLists: [list.name],
        queue_name: queue,
        ...over,
        dialingStrategy: { ...sample.dialingStrategy, callingHours: ALWAYS, ...(over.dialingStrategy as object) },
      };
      const created = await t.kore('POST', '/campaign?campaignType=voice', body);
      expect(created.statusCode, created.body).toBe(200);
      const id = created.json().id as string;
      const played = await t.kore('POST', `/campaign/${id}?trigger=play`, {});
      expect(played.statusCode, played.body).toBe(200);
      return { id, instanceId: played.json().campaignInstanceId as string };
    },
  };
}
