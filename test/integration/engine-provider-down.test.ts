/**
 * The provider refuses service (ProviderUnavailableError: the request certainly never left). A
 * tick claims for all its campaigns at once and then dials; from the first refusal on, every
 * claim of the tick not yet handed over is undone in one statement: the records wait as if never
 * claimed (attempt count, no attempt row), and the next tick with the provider back dials each of
 * them once, higher-priority campaign first. Both dialects.
 */
import { describe, expect, it } from 'vitest';
import { ProviderUnavailableError, type Provider } from '../../src/domain/telephony/provider.js';
import { addContacts, createCampaign, engineHarness, trigger } from '../support/engine-harness.js';
import { useTestApp } from '../support/test-app.js';
import { DIALECTS } from '../support/test-db.js';

describe.each(DIALECTS)('provider unavailable on %s', (dialect) => {
  const t = useTestApp(dialect);

  it('undoes the tick’s claims of every campaign from the first refusal on, then dials them once when it is back', async () => {
    const ids: string[] = [];
    for (const [k, priority] of [
      [1, '2'],
      [2, '1'],
    ] as const) {
      const name = `Down ${k}`;
      const listId = await t().addList(name);
      await addContacts(
        t(),
        listId,
        [1, 2, 3].map((i) => ({ phone: `+1555060${k}00${i}` })),
      );
      ids.push(await createCampaign(t(), { name, contactLists: [name], priority }, { maxAttemptsPerRecord: 2 }));
    }
    for (const id of ids) await trigger(t(), id, 'play');

    // The first dial goes through; the provider is down from the second on.
    let accepted = 0;
    const h = engineHarness(t(), {
      provider: (inner): Provider => ({
        ...inner,
        start: (req) => {
          if (accepted >= 1) return Promise.reject(new ProviderUnavailableError('carrier trunk down'));
          accepted++;
          return inner.start(req);
        },
      }),
    });
    const down = await h.engine.tick();
    expect(down).toMatchObject({ claimed: 6, accepted: 1, released: 5 });
    const records = await t()
      .db.kysely.selectFrom('dial_records')
      .select(['phone_e164', 'state', 'attempts', 'current_attempt_id', 'lease_owner'])
      .where('campaign_id', 'in', ids)
      .orderBy('phone_e164')
      .execute();
    const first = h.started[0]!.req.to;
    expect(first).toBe('+15550601001');
    for (const r of records) {
      if (r.phone_e164 === first) expect(r).toMatchObject({ state: 'in_flight', attempts: 1 });
      else expect(r).toMatchObject({ state: 'pending', attempts: 0, current_attempt_id: null, lease_owner: null });
    }
    const attempts = await t()
      .db.kysely.selectFrom('attempts')
      .innerJoin('dial_records', 'dial_records.id', 'attempts.record_id')
      .select('dial_records.phone_e164')
      .where('dial_records.campaign_id', 'in', ids)
      .execute();
    expect(attempts.map((a) => a.phone_e164)).toEqual([first]);

    accepted = -100; // back
    await h.deliver();
    await h.engine.tick();
    const dialed = h.started.slice(1).map((s) => s.req.to);
    expect(dialed).toEqual(['+15550601002', '+15550601003', '+15550602001', '+15550602002', '+15550602003']);
    const after = await t()
      .db.kysely.selectFrom('dial_records')
      .select(['attempts'])
      .where('campaign_id', 'in', ids)
      .execute();
    expect(after.map((r) => r.attempts)).toEqual([1, 1, 1, 1, 1, 1]);
  });
});
