/**
 * A claim's lease against the waits before its dial (dialer.ts): the pre-call fetch may
 * hold a record longer than LEASE_MS, and meanwhile another engine may reconcile the record as
 * `unknown`. The fetch here is a stand-in held open until the test answers it, and time is the
 * test clock, so "longer than the lease" is a clock move, not a wait. Both dialects.
 */
import { describe, expect, it } from 'vitest';
import { PrecallFetcher } from '../../src/domain/engine/precall-fetch.js';
import type { Provider } from '../../src/domain/telephony/provider.js';
import { addContacts, claimAs, createCampaign, engineHarness, trigger } from '../support/engine-harness.js';
import { T0, useTestApp, type TestApp } from '../support/test-app.js';
import { DIALECTS } from '../support/test-db.js';

const LEASE_MS = 120_000;
const OUTCOME_TIMEOUT_MS = 300_000;
const RING_SEC = 30;

/** A pre-call endpoint that answers CALL only when the test says so; `asked` resolves on the first request. */
function heldPrecall(t: () => TestApp) {
  let asked!: () => void;
  const wasAsked = new Promise<void>((r) => (asked = r));
  let answer!: () => void;
  const answered = new Promise<void>((r) => (answer = r));
  const fetchImpl = (async () => {
    asked();
    await answered;
    return new Response(JSON.stringify({ contactHandling: { handle: 'CALL' } }), {
      status: 200,
      headers: { 'content-type': 'application/json' },
    });
  }) as unknown as typeof fetch;
  const fetcher = new PrecallFetcher(
    async (botId) => (await t().repos.tenancy.findBot(botId))?.precall_config,
    () => t().clock.now(),
    fetchImpl,
  );
  return { fetcher, wasAsked, answer };
}

describe.each(DIALECTS)('claim leases on %s', (dialect) => {
  const t = useTestApp(dialect);

  const recordsOf = (campaignId: string) =>
    t()
      .db.kysely.selectFrom('dial_records')
      .selectAll()
      .where('campaign_id', '=', campaignId)
      .orderBy('order_key')
      .execute();
  const attemptsOf = (recordId: string) =>
    t().db.kysely.selectFrom('attempts').selectAll().where('record_id', '=', recordId).execute();

  /** One contact, one attempt allowed, pre-call configured on the bot; returns the campaign id. */
  async function playOne(name: string, phone: string): Promise<string> {
    const { accountId, iid } = t().tenant;
    // The endpoint is never contacted (heldPrecall stands in for fetch); the timeout is the ceiling, unused.
    await t().services.admin.configureBot({
      accountId,
      iid,
      precall: { url: 'http://precall.invalid/contact', timeoutMs: 60_000 },
    });
    t().clock.set(T0);
    const list = await t().addList(name);
    await addContacts(t(), list, [{ phone }]);
    const id = await createCampaign(
      t(),
      { name, contactLists: [name] },
      { maxAttemptsPerRecord: 1, maxRingTime: RING_SEC },
    );
    await trigger(t(), id, 'play');
    return id;
  }

  it('does not dial a record whose claim expired during its pre-call fetch and was reconciled by another engine', async () => {
    const id = await playOne('Lease lost', '+15558100001');
    const pre = heldPrecall(t);
    const a = engineHarness(t(), {
      engine: { owner: 'engine-a', precall: pre.fetcher, leaseMs: LEASE_MS },
      profile: { mix: { completed: 1 } },
    });
    const b = engineHarness(t(), {
      engine: { owner: 'engine-b', leaseMs: LEASE_MS },
      profile: { mix: { completed: 1 } },
    });

    // Engine A claims the record and waits on the CRM.
    const tickA = a.engine.tick();
    await pre.wasAsked;
    const [claimed] = await recordsOf(id);
    expect(claimed).toMatchObject({ state: 'leased', lease_owner: 'engine-a', lease_expires_at: T0 + LEASE_MS });
    const attemptId = claimed!.current_attempt_id!;

    // The CRM is slower than the lease: engine B finds it expired and records the attempt unknown.
    t().clock.advance(LEASE_MS + 1);
    const repB = await b.engine.tick();
    expect(repB.reconciled).toBe(1);
    expect(b.started).toEqual([]);

    // The CRM finally says CALL: too late, engine A no longer holds the claim.
    pre.answer();
    const repA = await tickA;
    await a.deliver();
    expect(a.started.map((s) => s.req.attemptId)).toEqual([]);
    expect(a.pendingOutcomes()).toBe(0);

    const [rec] = await recordsOf(id);
    expect(rec).toMatchObject({
      state: 'done',
      final_outcome: 'unknown',
      attempts: 1,
      current_attempt_id: attemptId,
      lease_owner: null,
      lease_expires_at: null,
    });
    const atts = await attemptsOf(rec!.id);
    expect(
      atts.map((x) => ({ id: x.id, outcome: x.outcome, late: x.late_outcome, worker: x.worker, ended: x.ended_at })),
    ).toEqual([{ id: attemptId, outcome: 'unknown', late: null, worker: 'engine-a', ended: T0 + LEASE_MS + 1 }]);
    expect(atts[0]!.detail).toBe('lease expired before an outcome was recorded');
    // Counted apart from refusals: no outcome was reported for it by engine A.
    expect(repA).toMatchObject({ claimed: 1, accepted: 0, refused: 0, skipped: 0, lost: 1 });
  });

  it('does not dial a record whose claim expired during its pre-call fetch even before anyone reconciled it', async () => {
    const id = await playOne('Lease expired', '+15558300001');
    const pre = heldPrecall(t);
    const h = engineHarness(t(), {
      engine: { owner: 'engine-alone', precall: pre.fetcher, leaseMs: LEASE_MS },
      profile: { mix: { completed: 1 } },
    });

    const tick = h.engine.tick();
    await pre.wasAsked;
    t().clock.advance(LEASE_MS + 1);
    pre.answer();
    const rep = await tick;
    expect(h.started).toEqual([]);
    // Still leased, lease run out: the engine reports nothing itself and leaves it to reconciliation.
    const [rec] = await recordsOf(id);
    expect(rec).toMatchObject({ state: 'leased', lease_owner: 'engine-alone', lease_expires_at: T0 + LEASE_MS });
    expect((await attemptsOf(rec!.id)).map((x) => x.outcome)).toEqual([null]);
    expect(rep).toMatchObject({ claimed: 1, accepted: 0, lost: 1 });

    // The next tick (of any engine) reconciles it as unknown: it may not be redialed blindly.
    expect((await h.engine.tick()).reconciled).toBe(1);
    expect(h.started).toEqual([]);
    expect((await recordsOf(id))[0]).toMatchObject({ state: 'done', final_outcome: 'unknown' });
  });

  it.each([
    ['a call that lives in this process (the simulator): LEASE_MS, renewed by the heartbeat', false],
    ['a call that outlives the process (the webhook provider): LEASE_MS + outcome timeout + ring', true],
  ])(
    'dials after a slow pre-call within the lease, renewing the claim; the in-flight lease, from the dial, is for %s',
    async (_what, outlives) => {
      const id = await playOne(`Lease slow ${outlives}`, outlives ? '+15558200002' : '+15558200001');
      const pre = heldPrecall(t);
      const SLOW_MS = 90_000; // less than LEASE_MS
      let leaseAtStart: number | null | undefined;
      const h = engineHarness(t(), {
        engine: { owner: 'engine-slow', precall: pre.fetcher, leaseMs: LEASE_MS, outcomeTimeoutMs: OUTCOME_TIMEOUT_MS },
        profile: { mix: { completed: 1 } },
        // The claim the provider is called under: renewed at the dial, not the one taken at the tick.
        provider: (inner) =>
          ({
            ...inner,
            callsOutliveProcess: outlives,
            start: async (req) => {
              leaseAtStart = (await recordsOf(id))[0]!.lease_expires_at;
              return inner.start(req);
            },
          }) satisfies Provider,
      });

      const tick = h.engine.tick();
      await pre.wasAsked;
      t().clock.advance(SLOW_MS);
      pre.answer();
      const rep = await tick;

      const dialAt = T0 + SLOW_MS;
      expect(h.started.map((s) => [s.req.to, s.at])).toEqual([[outlives ? '+15558200002' : '+15558200001', dialAt]]);
      expect(leaseAtStart).toBe(dialAt + LEASE_MS);
      const [rec] = await recordsOf(id);
      expect(rec).toMatchObject({
        state: 'in_flight',
        lease_owner: 'engine-slow',
        updated_at: dialAt,
        lease_expires_at: dialAt + LEASE_MS + (outlives ? OUTCOME_TIMEOUT_MS + RING_SEC * 1000 : 0),
      });
      expect(rep).toMatchObject({ claimed: 1, accepted: 1, lost: 0 });

      await h.deliver();
      expect((await recordsOf(id))[0]).toMatchObject({ state: 'done', final_outcome: 'completed' });
    },
  );
});

describe.each(DIALECTS)('the lease heartbeat on %s', (dialect) => {
  const t = useTestApp(dialect);
  const recordsOf = (campaignId: string) =>
    t().db.kysely.selectFrom('dial_records').selectAll().where('campaign_id', '=', campaignId).execute();

  it("renews its own claims while it lives, and its calls out until their outcome is overdue; nobody else's", async () => {
    t().clock.set(T0);
    const list = await t().addList('Heartbeat');
    await addContacts(t(), list, [{ phone: '+15558300001' }, { phone: '+15558300002' }, { phone: '+15558300003' }]);
    const id = await createCampaign(t(), { name: 'Heartbeat', contactLists: ['Heartbeat'] });
    const instanceId = (await trigger(t(), id, 'play')).campaignInstanceId as string;
    const LEASE = 10_000;
    const OUTCOME = 60_000;
    const provider: Provider = { name: 'in-process', start: async () => ({ accepted: true }), close: async () => {} };
    const engine = t().services.createEngine({
      provider,
      maxConcurrentCalls: 10,
      callsPerSecond: 10,
      leaseMs: LEASE,
      outcomeTimeoutMs: OUTCOME,
      owner: 'beating',
      precall: null,
    });
    const [claimed, out] = await claimAs(t(), instanceId, 'beating', 2, LEASE);
    const [theirs] = await claimAs(t(), instanceId, 'someone-else', 1, LEASE);
    await t().repos.records.markInFlight([{ recordId: out!.record.id, attemptId: out!.attempt.id }], T0 + LEASE, T0);
    const lease = async (recordId: string) => (await recordsOf(id)).find((r) => r.id === recordId)!.lease_expires_at;

    // Every third of a lease, for longer than the outcome may take plus the longest ring (120 s).
    const deadline = T0 + OUTCOME + 120_000;
    while (t().clock.now() < deadline + LEASE) {
      t().clock.advance(Math.floor(LEASE / 3));
      await engine.renewLeases();
      const now = t().clock.now();
      expect(await lease(claimed!.record.id)).toBe(now + LEASE);
      if (now < deadline) expect(await lease(out!.record.id)).toBe(now + LEASE);
    }
    // The call out stopped being renewed once overdue: its lease has run out, for reconciliation.
    expect(await lease(out!.record.id)).toBeLessThan(t().clock.now());
    const expired = await t().repos.records.expiredLeases(t().clock.now(), 10);
    expect(new Set(expired.map((r) => r.id))).toEqual(new Set([out!.record.id, theirs!.record.id]));
    // Another engine's claim was never touched.
    expect(await lease(theirs!.record.id)).toBe(T0 + LEASE);
  });
});
