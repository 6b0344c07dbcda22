/**
 * The outbox's cursor never skips an event that commits late (docs/events.md, storage/repos/outbox.ts):
 * events get their `seq` only once committed, from one publisher at a time. PostgreSQL only, where
 * two writers can be open at once (SQLite has one writer, so its insertion order is commit order).
 */
import { describe, expect, it } from 'vitest';
import { appendEvents, newEvent, publishEvents } from '../../src/storage/repos/outbox.js';
import { useTestApp } from '../support/test-app.js';

describe('the event outbox on postgres', () => {
  const t = useTestApp('postgres');

  it('numbers an event that committed late after the ones a reader has already seen', async () => {
    const k = t().db.kysely;
    const scope = { accountId: t().tenant.accountId, botId: t().tenant.iid };
    const event = (campaignId: string) =>
      newEvent('campaign.status_changed', { ...scope, campaignId }, t().clock.now(), {
        campaignId,
        from: 'Ready',
        to: 'Active',
      } as never);
    const seen = async () =>
      (
        await k
          .selectFrom('events')
          .select(['seq', 'campaign_id'])
          .where('seq', 'is not', null)
          .where('account_id', '=', scope.accountId)
          .orderBy('seq')
          .execute()
      ).map((e) => [Number(e.seq), e.campaign_id]);

    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    let written!: () => void;
    const inserted = new Promise<void>((r) => (written = r));
    // A: inserts first (the lower id) and commits last.
    const slow = k.transaction().execute(async (trx) => {
      await appendEvents(trx, [event('cd-late')]);
      written();
      await gate;
    });
    await inserted;
    // B: inserts after A and commits at once.
    await k.transaction().execute((trx) => appendEvents(trx, [event('cd-early')]));

    expect(await publishEvents(k, 'postgres')).toBe(1);
    const first = await seen();
    expect(first.map(([, c]) => c)).toEqual(['cd-early']);
    const cursor = first[0]![0] as number;

    release();
    await slow;
    expect(await publishEvents(k, 'postgres')).toBe(1);
    const after = (await seen()).filter(([s]) => (s as number) > cursor);
    // A reader at the cursor finds the late event above it: nothing was skipped.
    expect(after.map(([, c]) => c)).toEqual(['cd-late']);
    expect(await publishEvents(k, 'postgres')).toBe(0);
  });
});
