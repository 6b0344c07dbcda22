/**
 * Event webhooks across real `campaignd worker` processes on PostgreSQL (docs/events.md): a worker
 * is killed with SIGKILL while deliveries are in flight to a slow receiver, another takes over, and
 * the receiver still gets every event the database holds (at least once), each with a valid
 * Standard Webhooks signature, first arrivals in seq order.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addContacts, createCampaign, trigger } from '../support/engine-harness.js';
import {
  createSharedDbApp,
  EngineProcess,
  killEngineProcesses,
  pollUntil,
  type SharedDbApp,
} from '../support/engine-processes.js';
import { startReceiver, type Receiver } from '../support/webhook-receiver.js';

const DEADLINE_MS = 150_000;

describe('event webhooks with worker processes (postgres)', () => {
  let t: SharedDbApp;
  let receiver: Receiver;
  const procs: EngineProcess[] = [];
  beforeAll(async () => {
    t = await createSharedDbApp('postgres');
    // Slow enough that a delivery is in flight when the worker is killed.
    receiver = await startReceiver(() => ({ status: 200, delayMs: 120 }));
  });
  afterAll(async () => {
    await killEngineProcesses(procs);
    await receiver?.close();
    await t?.dispose();
  });

  it(
    'a worker killed mid-delivery loses nothing: every event arrives, signed, in order',
    { timeout: DEADLINE_MS + 60_000 },
    async () => {
      const { accountId } = t.tenant;
      const { secret } = await t.services.webhooks.create({ accountId, url: receiver.url, fromSeq: 0 });
      const env = {
        ...t.childDbEnv,
        DEMO: 'false',
        LOG_LEVEL: 'info',
        ENGINE_TICK_MS: '20',
        LEASE_MS: '2000',
        WEBHOOK_POLL_MS: '50',
        WEBHOOK_TIMEOUT_MS: '1000',
        TELEPHONY_PROVIDER: 'simulator',
        SIMULATOR_SPEED: '0.01',
      };
      const first = new EngineProcess(env);
      procs.push(first);
      const list = await t.addList('Workers events');
      await addContacts(
        t,
        list,
        Array.from({ length: 30 }, (_, i) => ({ phone: `+1555700${String(i).padStart(4, '0')}` })),
      );
      const id = await createCampaign(
        t,
        { name: 'Workers events', contactLists: ['Workers events'] },
        { maxAttemptsPerRecord: 1 },
      );
      await first.started();
      await trigger(t, id, 'play');

      // Kill while a request is out (the receiver has read it and not answered yet).
      await pollUntil(
        'deliveries under way',
        () => receiver.received.length >= 8 && receiver.received.at(-1)!.status === 0,
        DEADLINE_MS,
        5,
      );
      await first.kill9();
      const killedAt = receiver.received.length;
      const second = new EngineProcess(env);
      procs.push(second);
      await second.started();

      const dbEvents = async () =>
        (
          await t.db.kysely
            .selectFrom('events')
            .select(['seq', 'type'])
            .where('account_id', '=', accountId)
            .orderBy('seq')
            .execute()
        ).map((e) => Number(e.seq));
      await pollUntil(
        'the campaign completed and every event delivered',
        async () => {
          const status = (
            await t.db.kysely.selectFrom('campaigns').select('status').where('id', '=', id).executeTakeFirstOrThrow()
          ).status;
          if (status !== 'Completed') return false;
          const all = await dbEvents();
          return receiver.accepted().length === all.length;
        },
        DEADLINE_MS,
        200,
      );
      const all = await dbEvents();
      const got = receiver.accepted().map((e) => e.seq);
      expect(got).toEqual(all); // every event, first arrivals in seq order
      expect(receiver.received.length).toBeGreaterThan(killedAt);
      receiver.verifyAll(secret);
      const types = new Set(receiver.accepted().map((e) => e.type));
      for (const ty of [
        'campaign.status_changed',
        'instance.started',
        'attempt.started',
        'attempt.ended',
        'instance.completed',
      ])
        expect(types).toContain(ty);
      // Every attempt that started also ended, once each.
      const accepted = receiver.accepted();
      const startedIds = accepted.filter((e) => e.type === 'attempt.started').map((e) => e.data.attemptId);
      const endedIds = accepted.filter((e) => e.type === 'attempt.ended').map((e) => e.data.attemptId);
      expect(new Set(endedIds)).toEqual(new Set(startedIds));
      expect(endedIds).toHaveLength(new Set(endedIds).size);
    },
  );
});
