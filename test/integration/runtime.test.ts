/**
 * The runtime (src/runtime) in-process, on both dialects: what it does at start (recovery of
 * abandoned imports), with a failing loop (reported, logged, the loop goes on), and at stop (claims
 * never handed to the provider go back, nobody else's are touched).
 */
import { describe, expect, it } from 'vitest';
import type { OutcomeReport, Provider } from '../../src/domain/telephony/provider.js';
import { SimulatorProvider } from '../../src/domain/telephony/simulator.js';
import { Runtime, type RuntimeEvents } from '../../src/runtime/runtime.js';
import { silentLogger, type Logger } from '../../src/shared/logger.js';
import { captureLogs } from '../support/captured-logs.js';
import { addContacts, claimAs, createCampaign, trigger } from '../support/engine-harness.js';
import { useTestApp, type TestApp } from '../support/test-app.js';
import { DIALECTS } from '../support/test-db.js';

function runtimeOf(t: TestApp, provider: Provider, log: Logger = silentLogger, tickMs = 60_000): Runtime {
  return new Runtime({
    services: t.services,
    provider,
    clock: t.clock,
    log,
    dialing: { provider, tickMs, maxConcurrentCalls: 100, callsPerSecond: 100, leaseMs: 60_000, precall: null },
  });
}

const simulator = (t: TestApp) =>
  new SimulatorProvider({
    sink: { report: (r: OutcomeReport) => t.services.outcomes.report(r) },
    clock: t.clock,
    speed: 0,
  });

/** The first time `event` is emitted, with its arguments. */
function next<E extends keyof RuntimeEvents>(rt: Runtime, event: E): Promise<RuntimeEvents[E]> {
  return new Promise((resolve) =>
    (rt.events as unknown as NodeJS.EventEmitter).once(event, (...args: unknown[]) =>
      resolve(args as RuntimeEvents[E]),
    ),
  );
}

describe.each(DIALECTS)('runtime on %s', (dialect) => {
  const t = useTestApp(dialect);

  it("at stop, hands back its own claims that were never dialed, and touches nobody else's", async () => {
    const list = await t().addList('Handed back');
    await addContacts(t(), list, [{ phone: '+15557100001' }, { phone: '+15557100002' }, { phone: '+15557100003' }]);
    const id = await createCampaign(t(), { name: 'Handed back', contactLists: ['Handed back'] });
    const instanceId = (await trigger(t(), id, 'play')).campaignInstanceId as string;
    const rt = runtimeOf(t(), simulator(t()));
    // As if a tick had died between its claim and its dials: two claims of this runtime's engine, one of another engine.
    const mine = await claimAs(t(), instanceId, rt.owner!, 2, 60_000);
    const theirs = await claimAs(t(), instanceId, 'another-engine', 1, 60_000);
    expect([mine.length, theirs.length]).toEqual([2, 1]);

    expect(await rt.stop()).toEqual({ stillOut: 0, releasedClaims: 2 });
    const records = await t()
      .db.kysely.selectFrom('dial_records')
      .select(['id', 'state', 'attempts', 'current_attempt_id', 'lease_owner'])
      .where('instance_id', '=', instanceId)
      .execute();
    const byId = new Map(records.map((r) => [r.id, r]));
    for (const c of mine)
      expect(byId.get(c.record.id)).toEqual({
        id: c.record.id,
        state: 'pending',
        attempts: 0,
        current_attempt_id: null,
        lease_owner: null,
      });
    expect(byId.get(theirs[0]!.record.id)).toMatchObject({
      state: 'leased',
      attempts: 1,
      lease_owner: 'another-engine',
    });
    const attempts = await t()
      .db.kysely.selectFrom('attempts')
      .select('id')
      .where('instance_id', '=', instanceId)
      .execute();
    expect(attempts.map((a) => a.id)).toEqual([theirs[0]!.attempt.id]);
    // A second stop is the same stop.
    expect(await rt.stop()).toEqual({ stillOut: 0, releasedClaims: 2 });
  });

  it('at start, fails the imports whose process died, and says so', async () => {
    const list = await t().addList('Abandoned import');
    const row = (await t().repos.contactLists.find({ accountId: t().tenant.accountId, botId: t().tenant.iid }, list))!;
    const job = await t().services.imports.createJob(
      { accountId: t().tenant.accountId, botId: t().tenant.iid },
      row,
      'api',
    );
    t().clock.advance(5 * 60_000); // no heartbeat for five minutes: its process is gone
    const { log, lines } = captureLogs();
    const rt = runtimeOf(t(), simulator(t()), log);
    const recovered = next(rt, 'imports-recovered');
    await rt.start();
    expect(await recovered).toEqual([[job.id]]);
    await rt.stop();
    expect(await t().services.imports.get(job.id)).toMatchObject({ status: 'failed' });
    expect(lines().find((l) => l.msg === 'abandoned imports failed and cleaned up')).toMatchObject({
      level: 40,
      component: 'imports',
      importIds: [job.id],
    });
    expect(lines().map((l) => l.msg)).toEqual(
      expect.arrayContaining(['runtime started', 'runtime stopping', 'runtime stopped']),
    );
  });

  it('reports and logs a failing dialing run, and keeps running', async () => {
    let sweeps = 0;
    const failing: Provider = {
      name: 'failing',
      start: () => Promise.reject(new Error('never asked')),
      sweep: async () => {
        sweeps++;
        throw new Error(`provider sweep broke (${sweeps})`);
      },
      close: async () => {},
    };
    const { log, lines } = captureLogs();
    const rt = runtimeOf(t(), failing, log, 5);
    const failures: string[] = [];
    const twice = new Promise<void>((resolve) =>
      rt.events.on('loop-failed', (loop, err) => {
        failures.push(`${loop}: ${String(err)}`);
        if (failures.length === 2) resolve();
      }),
    );
    await rt.start();
    await twice;
    await rt.stop();
    expect(failures.slice(0, 2)).toEqual([
      'dialing: Error: provider sweep broke (1)',
      'dialing: Error: provider sweep broke (2)',
    ]);
    expect(lines().find((l) => l.msg === 'dialing run failed')).toMatchObject({
      level: 50,
      component: 'runtime',
      loop: 'dialing',
      err: { message: 'provider sweep broke (1)' },
    });
  });
});
