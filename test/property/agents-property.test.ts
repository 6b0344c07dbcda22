/**
 * A property over random agent behaviour and random call outcomes (issue 12): three agents of one
 * queue shared by a Progressive and a Preview campaign (test/support/agent-world.ts) log in and
 * out, go NotReady, lose and regain their stream, accept and skip offers, end calls, give
 * dispositions (some asking for a call-back or do-not-call) or let wrap-up run out, while callees
 * answer or not (no answer, busy, failure, machine) and the engine ticks as time moves. After every
 * step: no agent is double-booked and every agent's row says what holds them; every record out or
 * offered holds its own agent; skips never pass maxSkips; no record is dialed twice except after a
 * call-back an agent asked for (the campaigns allow one attempt). At the end everybody does their
 * part until both campaigns are over: no record is lost (each final, with an outcome in
 * view=contacts), no Preview call was dialed before its Accept (or a timeout that dials), and no
 * agent was reserved while their stream was gone.
 *
 * SQLite only: this is the engine's logic driven step by step in one process on a manual clock,
 * where both dialects run the same code; what differs between them (claims racing across
 * processes, SKIP LOCKED) is test/integration/agents-engines.test.ts's business. On PostgreSQL every
 * step's round trips would make the runs several times slower for no extra reach.
 *
 * Seeds: fixed under CI, FUZZ_SEED replays one, FUZZ_RUNS soaks longer (test/support/fuzz/values.ts);
 * fast-check prints the seed and the shrunk steps of a failure.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { agentBookProblems, heldRecordProblems, heldRecords } from '../support/agent-invariants.js';
import { AgentWorld, CONTACTS_PER_CAMPAIGN, step, worldConfig, type Step } from '../support/agent-world.js';
import { fuzzParams } from '../support/fuzz/values.js';
import { useTestApp, type TestApp } from '../support/test-app.js';
import { PRESENCE_STALE_MS } from '../../src/domain/agents/presence.js';

const RUNS = 25;
const STEPS = 60;

/** Every problem of the world right now, one line each. */
async function stepProblems(w: AgentWorld): Promise<string[]> {
  const k = w.t.db.kysely;
  const problems = await agentBookProblems(k, w.agentIds);
  problems.push(...heldRecordProblems(await heldRecords(k, w.instanceIds)));

  const records = await k
    .selectFrom('dial_records')
    .select(['id', 'instance_id', 'state', 'skips', 'final_outcome'])
    .where('instance_id', 'in', w.instanceIds)
    .execute();
  const { maxSkips } = w.config;
  for (const r of records) {
    if (r.instance_id === w.progressive.instanceId && r.skips !== 0)
      problems.push(`Progressive record ${r.id} was skipped ${r.skips} times`);
    if (r.skips > maxSkips) problems.push(`record ${r.id} skipped ${r.skips} times, maxSkips ${maxSkips}`);
    if (maxSkips > 0 && r.skips === maxSkips && (r.state !== 'done' || r.final_outcome !== 'agent-skipped'))
      problems.push(`record ${r.id} skipped maxSkips times but is ${r.state} ${r.final_outcome}`);
  }

  // One attempt per record, and another only after a call-back its previous call's agent asked for.
  const attempts = await k
    .selectFrom('attempts')
    .select(['id', 'record_id', 'attempt_no', 'started_at', 'ended_at', 'disposition'])
    .where('instance_id', 'in', w.instanceIds)
    .orderBy('attempt_no')
    .execute();
  const byRecord = new Map<string, typeof attempts>();
  for (const a of attempts) byRecord.set(a.record_id, [...(byRecord.get(a.record_id) ?? []), a]);
  for (const [recordId, list] of byRecord)
    list.forEach((a, i) => {
      if (a.attempt_no !== i + 1)
        problems.push(`record ${recordId}: attempts numbered ${list.map((x) => x.attempt_no)}`);
      const prev = list[i - 1];
      if (!prev) return;
      const asked = prev.disposition
        ? (JSON.parse(prev.disposition) as { callbackAt: string | null }).callbackAt
        : null;
      if (!asked) problems.push(`record ${recordId} dialed again (#${a.attempt_no}) with no call-back asked`);
      else if (a.started_at < Date.parse(asked))
        problems.push(`record ${recordId} dialed again before the call-back time ${asked}`);
      if (prev.ended_at === null || prev.ended_at > a.started_at)
        problems.push(`record ${recordId}: #${a.attempt_no} started while #${prev.attempt_no} was out`);
    });

  // What the phone network was asked: each attempt once, never an attempt the tables do not hold.
  const attemptIds = new Set(attempts.map((a) => a.id));
  const dialed = w.h.phone.calls.map((c) => c.req.attemptId);
  if (new Set(dialed).size !== dialed.length) problems.push(`an attempt was dialed twice: ${dialed}`);
  for (const id of dialed) if (!attemptIds.has(id)) problems.push(`dialed ${id}, which is no attempt of the world`);
  return problems;
}

/**
 * From the agents' history and streams: nobody was reserved while their stream was gone (last seen
 * more than PRESENCE_STALE_MS before); every Preview call was dialed after its agent accepted the
 * offer, or after the offer's deadline when the campaign dials on timeout.
 */
async function historyProblems(w: AgentWorld): Promise<string[]> {
  const k = w.t.db.kysely;
  const problems: string[] = [];
  const reserved = await k
    .selectFrom('agent_state_history')
    .select(['agent_id', 'at'])
    .where('agent_id', 'in', w.agentIds)
    .where('state', '=', 'Reserved')
    .execute();
  for (const r of reserved) {
    const seen = w.seenAt[w.agentIds.indexOf(r.agent_id)]!.filter((s) => s <= r.at).pop();
    if (seen === undefined || seen < r.at - PRESENCE_STALE_MS)
      problems.push(`agent ${r.agent_id} reserved at ${r.at} with their stream last seen at ${seen}`);
  }

  const calls = await k
    .selectFrom('attempts')
    .select(['id', 'record_id', 'agent_id'])
    .where('instance_id', '=', w.preview.instanceId)
    .execute();
  const events = await k
    .selectFrom('agent_events')
    .select(['id', 'agent_id', 'at', 'type', 'data'])
    .where('agent_id', 'in', w.agentIds)
    .orderBy('id')
    .execute();
  for (const c of calls) {
    const mine = events.filter((e) => e.agent_id === c.agent_id);
    const at = mine.findIndex((e) => e.type === 'call.connecting' && JSON.parse(e.data).attemptId === c.id);
    const before = mine.slice(0, at).filter((e) => JSON.parse(e.data).offerId === c.record_id && e.type !== 'state');
    const last = before.pop();
    const offer = before.filter((e) => e.type === 'offer').pop();
    const byTimeout =
      last?.type === 'offer.timed-out' &&
      w.config.previewTimeoutAction === 'dial' &&
      offer !== undefined &&
      last.at > Date.parse(JSON.parse(offer.data).expiresAt);
    if (at < 0 || !(last?.type === 'offer.accepted' || byTimeout))
      problems.push(`Preview call ${c.id} of record ${c.record_id} dialed after ${last?.type ?? 'nothing'}`);
  }
  return problems;
}

/** Every contact of both campaigns final, with an outcome, in the Kore view. */
async function viewProblems(t: TestApp, w: AgentWorld): Promise<string[]> {
  const problems: string[] = [];
  for (const c of [w.progressive, w.preview]) {
    const res = await t.kore('POST', `/campaign/${c.id}/status?view=contacts`, { page: 1, limit: 100 });
    const data = res.json().data as { totalResults: number; results: { phoneNumber: string; dialerOutcome: string }[] };
    if (data.totalResults !== CONTACTS_PER_CAMPAIGN) problems.push(`${c.id} shows ${data.totalResults} contacts`);
    for (const r of data.results) if (!r.dialerOutcome) problems.push(`${c.id}: ${r.phoneNumber} has no outcome`);
  }
  const open = await t.db.kysely
    .selectFrom('dial_records')
    .select(['id', 'state', 'final_outcome'])
    .where('instance_id', 'in', w.instanceIds)
    .where((eb) => eb.or([eb('state', '!=', 'done'), eb('final_outcome', 'is', null)]))
    .execute();
  for (const r of open) problems.push(`record ${r.id} lost: ${r.state} ${r.final_outcome}`);
  return problems;
}

/** What a world went through, counted: events by type, final outcomes, second attempts, logouts for a lost stream. */
async function tally(w: AgentWorld, into: Map<string, number>): Promise<void> {
  const k = w.t.db.kysely;
  const add = (key: string, n = 1) => into.set(key, (into.get(key) ?? 0) + n);
  for (const e of await k
    .selectFrom('agent_events')
    .select(['type', 'data'])
    .where('agent_id', 'in', w.agentIds)
    .execute())
    add(e.type === 'wrapup.ended' ? `wrapup.ended:${JSON.parse(e.data).by}` : e.type);
  for (const r of await k
    .selectFrom('dial_records')
    .select('final_outcome')
    .where('instance_id', 'in', w.instanceIds)
    .execute())
    add(`final:${r.final_outcome}`);
  const again = await k
    .selectFrom('attempts')
    .select('id')
    .where('instance_id', 'in', w.instanceIds)
    .where('attempt_no', '>', 1)
    .execute();
  add('call-back dialed', again.length);
  const gone = await k
    .selectFrom('agent_state_history')
    .select('id')
    .where('agent_id', 'in', w.agentIds)
    .where('reason', '=', 'disconnected')
    .execute();
  add('logged out: stream gone', gone.length);
}

const describeSteps = (steps: readonly Step[], upTo: number) =>
  steps
    .slice(0, upTo + 1)
    .map((s, i) => `${i}: ${JSON.stringify(s)}`)
    .join('\n');

describe('agents under random behaviour (SQLite)', () => {
  const t = useTestApp('sqlite');

  it('the checks themselves catch an agent freed while on a call and an agent booked twice', async () => {
    const w = await AgentWorld.create(t(), {
      wrapUpSec: 0,
      previewTimeoutSec: 30,
      previewTimeoutAction: 'dial',
      maxSkips: 1,
    });
    try {
      await w.run({ k: 'login', a: 0, notReady: false });
      await w.run({ k: 'tick' });
      expect(await stepProblems(w)).toEqual([]);
      const k = t().db.kysely;
      const held = await w.h.row(w.agents[0]!);
      expect(held.state).toBe('Reserved');
      // A second open attempt for the same agent, on another record.
      const other = await k
        .selectFrom('dial_records')
        .select(['id', 'instance_id'])
        .where('instance_id', '=', w.progressive.instanceId)
        .where('state', '=', 'pending')
        .executeTakeFirstOrThrow();
      await k
        .insertInto('attempts')
        .values({
          id: 'att-forged',
          record_id: other.id,
          instance_id: other.instance_id,
          attempt_no: 1,
          channel: 'voice',
          worker: 'forger',
          started_at: t().clock.now(),
          agent_id: w.agents[0]!.id,
        } as never)
        .execute();
      expect((await stepProblems(w)).join('\n')).toMatch(/double-booked/);
      await k.deleteFrom('attempts').where('id', '=', 'att-forged').execute();
      // The agent's row freed while their call is still out.
      await k.updateTable('agents').set({ state: 'Available' }).where('id', '=', w.agents[0]!.id).execute();
      const problems = (await stepProblems(w)).join('\n');
      expect(problems).toMatch(/is free but holds work/);
      // Whichever campaign reserved them (a Preview offer or a Progressive call), the record says so too.
      expect(problems).toMatch(/(a call out|an offer) whose agent is not Reserved/);
    } finally {
      await w.stop();
    }
  });

  it(
    `keeps every agent single-booked and every record accounted for (${RUNS} runs × ${STEPS} steps)`,
    { timeout: 300_000 },
    async () => {
      let settleRounds = 0;
      let dials = 0;
      const seen = new Map<string, number>();
      await fc.assert(
        fc.asyncProperty(worldConfig, fc.array(step, { minLength: STEPS, maxLength: STEPS }), async (config, steps) => {
          const w = await AgentWorld.create(t(), config);
          try {
            for (const [i, s] of steps.entries()) {
              await w.run(s);
              const problems = await stepProblems(w);
              expect(problems, `after step ${i}:\n${describeSteps(steps, i)}`).toEqual([]);
            }
            settleRounds += await w.settle();
            dials += w.h.phone.calls.length;
            await tally(w, seen);
            const problems = [
              ...(await stepProblems(w)),
              ...(await historyProblems(w)),
              ...(await viewProblems(t(), w)),
            ];
            expect(problems, `after settling:\n${describeSteps(steps, steps.length)}`).toEqual([]);
          } finally {
            await w.stop();
          }
        }),
        fuzzParams(RUNS),
      );
      // The runs went through what the property is about, not idle worlds (at the default run count:
      // a shorter FUZZ_RUNS may miss some).
      if ((fuzzParams(RUNS).numRuns ?? 0) >= RUNS) {
        const counts = Object.fromEntries([...seen].sort());
        for (const what of ['offer.accepted', 'offer.skipped', 'offer.timed-out', 'wrapup.started', 'call-back dialed'])
          expect(counts[what], JSON.stringify(counts)).toBeGreaterThan(0);
        expect(dials).toBeGreaterThan(RUNS);
        expect(settleRounds).toBeGreaterThan(0);
      }
    },
  );
});
