/**
 * The world the agents property test (test/property/agents-property.test.ts) drives: three agents
 * of one queue shared by a Progressive and a Preview campaign, a scripted phone network, and a
 * manual clock. `Step`s are what agents, callees and time do; `run` performs one through the real
 * agent API (or the phone, or the engine), whatever state the world is in: a step that does not
 * apply now must be refused cleanly (409, or 404 for an offer or call that is not the agent's
 * any more), never a 5xx. The world remembers only what the checks
 * need that the tables do not hold: when each agent's stream was last seen.
 */
import fc from 'fast-check';
import { expect } from 'vitest';
import { agentHarness, type AgentHarness, type TestAgent } from './agent-harness.js';
import { addContacts } from './engine-harness.js';
import type { TestApp } from './test-app.js';

export const AGENTS = 3;
const DAY_MS = 86_400_000;
export const CONTACTS_PER_CAMPAIGN = 6;

export type CallOutcome = 'completed' | 'no-answer' | 'busy' | 'failed' | 'machine';

export type Step =
  | { k: 'login'; a: number; notReady: boolean }
  | { k: 'logout'; a: number }
  | { k: 'state'; a: number; to: 'Available' | 'NotReady' }
  | { k: 'vanish'; a: number }
  | { k: 'back'; a: number }
  | { k: 'accept'; a: number }
  | { k: 'skip'; a: number }
  | { k: 'dispose'; a: number; callbackMin: number | null; dnc: boolean }
  | { k: 'end'; a: number }
  | { k: 'answer'; c: number }
  | { k: 'finish'; c: number; outcome: CallOutcome }
  | { k: 'tick' }
  | { k: 'advance'; ms: number };

/** How the two campaigns are set up for one run. */
export interface WorldConfig {
  wrapUpSec: number;
  previewTimeoutSec: number;
  previewTimeoutAction: 'dial' | 'requeue';
  maxSkips: number;
}

const agent = fc.integer({ min: 0, max: AGENTS - 1 });
const call = fc.nat({ max: 7 });

export const worldConfig: fc.Arbitrary<WorldConfig> = fc.record({
  wrapUpSec: fc.constantFrom(0, 20, 60),
  previewTimeoutSec: fc.constantFrom(5, 30),
  previewTimeoutAction: fc.constantFrom('dial' as const, 'requeue' as const),
  maxSkips: fc.integer({ min: 0, max: 2 }),
});

/** Weighted so that calls happen and end, agents come and go, and time moves past every deadline. */
export const step: fc.Arbitrary<Step> = fc.oneof(
  { weight: 3, arbitrary: fc.record({ k: fc.constant('login' as const), a: agent, notReady: fc.boolean() }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constant('logout' as const), a: agent }) },
  {
    weight: 1,
    arbitrary: fc.record({
      k: fc.constant('state' as const),
      a: agent,
      to: fc.constantFrom('Available' as const, 'NotReady' as const),
    }),
  },
  { weight: 1, arbitrary: fc.record({ k: fc.constant('vanish' as const), a: agent }) },
  { weight: 2, arbitrary: fc.record({ k: fc.constant('back' as const), a: agent }) },
  { weight: 3, arbitrary: fc.record({ k: fc.constant('accept' as const), a: agent }) },
  { weight: 2, arbitrary: fc.record({ k: fc.constant('skip' as const), a: agent }) },
  {
    weight: 3,
    arbitrary: fc.record({
      k: fc.constant('dispose' as const),
      a: agent,
      callbackMin: fc.option(fc.integer({ min: 1, max: 5 }), { freq: 3 }),
      dnc: fc.oneof({ weight: 6, arbitrary: fc.constant(false) }, { weight: 1, arbitrary: fc.constant(true) }),
    }),
  },
  { weight: 1, arbitrary: fc.record({ k: fc.constant('end' as const), a: agent }) },
  { weight: 4, arbitrary: fc.record({ k: fc.constant('answer' as const), c: call }) },
  {
    weight: 4,
    arbitrary: fc.record({
      k: fc.constant('finish' as const),
      c: call,
      outcome: fc.constantFrom<CallOutcome>('completed', 'no-answer', 'busy', 'failed', 'machine'),
    }),
  },
  { weight: 6, arbitrary: fc.constant({ k: 'tick' as const }) },
  {
    weight: 3,
    arbitrary: fc.record({ k: fc.constant('advance' as const), ms: fc.constantFrom(1_000, 6_000, 20_000, 70_000) }),
  },
);

let worlds = 0;
let numbers = 0;

export class AgentWorld {
  readonly h: AgentHarness;
  readonly agents: TestAgent[] = [];
  /** Per agent: is their event stream open (touched whenever time moves)? */
  readonly present: boolean[] = [];
  /** Per agent: every instant the stream touched their row, oldest first. */
  readonly seenAt: number[][] = [];
  progressive!: { id: string; instanceId: string };
  preview!: { id: string; instanceId: string };

  private constructor(
    readonly t: TestApp,
    readonly config: WorldConfig,
    readonly queue: string,
  ) {
    this.h = agentHarness(t, { queue });
  }

  static async create(t: TestApp, config: WorldConfig): Promise<AgentWorld> {
    // Each world starts at noon UTC of a day of its own: the same steps meet the same calling
    // window whatever earlier worlds did to the clock, so a failure replays from its seed.
    t.clock.set((Math.floor(t.clock.now() / DAY_MS) + 1) * DAY_MS + DAY_MS / 2);
    const queue = `Property queue ${++worlds}`;
    await t.services.admin.createQueue({ accountId: t.tenant.accountId, iid: t.tenant.iid, name: queue });
    const w = new AgentWorld(t, config, queue);
    // Everybody starts logged in with a stream open; the steps take them out of that.
    for (let i = 0; i < AGENTS; i++) {
      w.agents.push(await w.h.createAgent(`World ${worlds} agent ${i + 1}`));
      w.present.push(true);
      w.seenAt.push([]);
      await w.run({ k: 'login', a: i, notReady: false });
    }
    const lists = [];
    for (const mode of ['Progressive', 'Preview']) {
      const listId = await t.addList(`World ${worlds} ${mode}`);
      const contacts = Array.from({ length: CONTACTS_PER_CAMPAIGN }, () => ({
        phone: `+1646${String(2_000_000 + numbers++).padStart(7, '0')}`,
      }));
      await addContacts(t, listId, contacts);
      lists.push(listId);
    }
    // No retry rule (one attempt per record): a second dial of a record can only come from a call-back.
    const strategy = { maxAttemptsPerRecord: 1 };
    w.progressive = await w.h.campaign('Progressive', lists[0]!, {
      dialingStrategy: strategy,
      agentSettings: { wrapUpSec: config.wrapUpSec },
    });
    w.preview = await w.h.campaign('Preview', lists[1]!, {
      dialingStrategy: strategy,
      maxSkips: config.maxSkips,
      agentSettings: {
        wrapUpSec: config.wrapUpSec,
        previewTimeoutSec: config.previewTimeoutSec,
        previewTimeoutAction: config.previewTimeoutAction,
      },
    });
    return w;
  }

  get instanceIds(): string[] {
    return [this.progressive.instanceId, this.preview.instanceId];
  }

  get agentIds(): string[] {
    return this.agents.map((a) => a.id);
  }

  /** What an open stream does: the agent's row is touched now. */
  async see(i: number): Promise<void> {
    await this.h.seen(this.agents[i]!);
    this.seenAt[i]!.push(this.t.clock.now());
  }

  private row(i: number) {
    return this.h.row(this.agents[i]!);
  }

  private async api(i: number, method: string, path: string, ok: number[], body?: unknown) {
    const res = await this.h.api(this.agents[i]!, method, path, body);
    expect(ok, `${method} ${path}: ${res.statusCode} ${res.body}`).toContain(res.statusCode);
    return res;
  }

  async run(s: Step): Promise<void> {
    const now = this.t.clock.now();
    switch (s.k) {
      case 'login':
        await this.api(s.a, 'POST', '/login', [200], s.notReady ? { state: 'NotReady', reason: 'Break' } : {});
        if (this.present[s.a]) await this.see(s.a);
        return;
      case 'logout':
        await this.api(s.a, 'POST', '/logout', [200, 409]);
        return;
      case 'state':
        await this.api(s.a, 'POST', '/state', [200, 409], {
          state: s.to,
          ...(s.to === 'NotReady' ? { reason: 'Lunch' } : {}),
        });
        return;
      case 'vanish':
        this.present[s.a] = false;
        return;
      case 'back':
        this.present[s.a] = true;
        await this.see(s.a);
        return;
      case 'accept':
      case 'skip': {
        const r = await this.row(s.a);
        // An agent without an offer tries the last one they had: refused, as a late click is.
        const offerId = r.work_kind === 'offer' ? r.work_record_id : await this.lastOffer(s.a);
        if (!offerId) return;
        await this.api(s.a, 'POST', `/offers/${offerId}/${s.k}`, [200, 404, 409]);
        return;
      }
      case 'dispose': {
        const r = await this.row(s.a);
        const attemptId = r.work_attempt_id ?? (await this.lastCall(s.a));
        if (!attemptId) return;
        await this.api(s.a, 'POST', `/calls/${attemptId}/disposition`, [200, 404, 409], {
          codes: [s.dnc ? 'Do not call' : 'Sale'],
          ...(s.callbackMin !== null ? { callbackAt: new Date(now + s.callbackMin * 60_000).toISOString() } : {}),
          ...(s.dnc ? { doNotCall: true } : {}),
        });
        return;
      }
      case 'end': {
        const r = await this.row(s.a);
        if (!r.work_attempt_id) return;
        await this.api(s.a, 'POST', `/calls/${r.work_attempt_id}/end`, [202, 404, 409]);
        return;
      }
      case 'answer': {
        const open = this.h.phone.open().filter((c) => !c.connected);
        const c = open[s.c % Math.max(1, open.length)];
        if (c) await this.h.phone.answer(c.req.attemptId);
        return;
      }
      case 'finish': {
        const open = this.h.phone.open();
        const c = open[s.c % Math.max(1, open.length)];
        if (!c) return;
        if (s.outcome === 'completed' && !c.connected) await this.h.phone.answer(c.req.attemptId);
        await this.h.phone.end(c.req.attemptId, c.connected ? 'completed' : s.outcome, {
          ...(c.connected ? { talkSec: 12, botOutboundStatus: 'userHangUp' } : {}),
        });
        return;
      }
      case 'tick':
        await this.h.tick();
        return;
      case 'advance':
        this.t.clock.advance(s.ms);
        for (let i = 0; i < AGENTS; i++) if (this.present[i]) await this.see(i);
        return;
    }
  }

  /**
   * Everybody comes back and does their part until both campaigns are over: streams open, logged
   * in and Available, offers accepted, calls answered and ended, wrap-ups disposed, time moving a
   * minute whenever nobody is busy (call-backs are at most five minutes out). Answers the rounds it took.
   */
  async settle(maxRounds = 100): Promise<number> {
    for (let round = 1; round <= maxRounds; round++) {
      await this.everybodyActs();
      await this.h.tick();
      if (await this.over()) return round;
      // Time moves only when nobody has an offer to answer or a call to finish: an agent's accept
      // counts only before the offer's deadline, and what waits (call-backs, wrap-ups) needs time.
      if (!(await this.anyoneBusy())) this.t.clock.advance(60_000);
    }
    const k = this.t.db.kysely;
    const left = await k
      .selectFrom('dial_records')
      .select(['id', 'instance_id', 'state', 'next_at', 'agent_id', 'attempts', 'final_outcome'])
      .where('instance_id', 'in', this.instanceIds)
      .where('state', '!=', 'done')
      .execute();
    const agents = await k
      .selectFrom('agents')
      .select(['id', 'state', 'work_kind', 'work_record_id', 'work_attempt_id', 'stream_seen_at'])
      .where('id', 'in', this.agentIds)
      .execute();
    const instances = await k
      .selectFrom('campaign_instances')
      .select(['id', 'status'])
      .where('id', 'in', this.instanceIds)
      .execute();
    throw new Error(
      `the campaigns did not finish in ${maxRounds} rounds (now ${this.t.clock.now()}): ${JSON.stringify({ instances, left, agents, open: this.h.phone.open().map((c) => c.req.attemptId) })}`,
    );
  }

  private async everybodyActs(): Promise<void> {
    for (let i = 0; i < AGENTS; i++) {
      this.present[i] = true;
      await this.see(i);
      const r = await this.row(i);
      if (r.state === 'Offline') await this.run({ k: 'login', a: i, notReady: false });
      if (r.state === 'NotReady') await this.run({ k: 'state', a: i, to: 'Available' });
      if (r.state === 'Reserved' && r.work_kind === 'offer') await this.run({ k: 'accept', a: i });
      if (r.state === 'WrapUp') await this.run({ k: 'dispose', a: i, callbackMin: null, dnc: false });
    }
    for (const c of this.h.phone.open()) {
      if (!c.connected) await this.h.phone.answer(c.req.attemptId);
      await this.h.phone.end(c.req.attemptId, 'completed', { talkSec: 5 });
    }
  }

  private async anyoneBusy(): Promise<boolean> {
    const busy = await this.t.db.kysely
      .selectFrom('agents')
      .select('id')
      .where('id', 'in', this.agentIds)
      .where('state', 'in', ['Reserved', 'OnCall'])
      .execute();
    return busy.length > 0 || this.h.phone.open().length > 0;
  }

  /** Both instances Completed and no agent holding anything. */
  private async over(): Promise<boolean> {
    const k = this.t.db.kysely;
    const running = await k
      .selectFrom('campaign_instances')
      .select('id')
      .where('id', 'in', this.instanceIds)
      .where('status', '!=', 'Completed')
      .execute();
    const busy = await k
      .selectFrom('agents')
      .select('id')
      .where('id', 'in', this.agentIds)
      .where('state', 'in', ['Reserved', 'OnCall', 'WrapUp'])
      .execute();
    return running.length === 0 && busy.length === 0 && this.h.phone.open().length === 0;
  }

  /** Stops whatever of this world still runs, so later worlds' ticks never work on it. */
  async stop(): Promise<void> {
    for (const c of [this.progressive, this.preview])
      if (c) await this.t.kore('POST', `/campaign/${c.id}?trigger=stop`, {});
  }

  private async lastOffer(i: number): Promise<string | undefined> {
    const events = await this.h.events(this.agents[i]!);
    const last = events.filter(([type]) => type === 'offer').pop();
    return last?.[1].offerId as string | undefined;
  }

  private async lastCall(i: number): Promise<string | undefined> {
    const events = await this.h.events(this.agents[i]!);
    const last = events.filter(([type]) => type === 'call.connecting').pop();
    return last?.[1].attemptId as string | undefined;
  }
}
