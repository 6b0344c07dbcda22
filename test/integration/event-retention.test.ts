/**
 * Retention of the event outbox (EVENTS_RETENTION_DAYS, docs/events.md): the delivery loop deletes
 * events and delivery-log rows older than the retention, at most once an hour per process, and never
 * the event with the highest seq, so numbering goes on above every cursor. Both dialects.
 */
import { describe, expect, it } from 'vitest';
import { appendEvents, newEvent, publishEvents } from '../../src/storage/repos/outbox.js';
import { useTestApp } from '../support/test-app.js';
import { DIALECTS } from '../support/test-db.js';

const DAY = 86_400_000;

describe.each(DIALECTS)('event retention (%s)', (dialect) => {
  const t = useTestApp(dialect);

  async function write(campaignId: string): Promise<void> {
    const k = t().db.kysely;
    const { accountId, iid } = t().tenant;
    await k.transaction().execute((trx) =>
      appendEvents(trx, [
        newEvent('campaign.status_changed', { accountId, botId: iid, campaignId }, t().clock.now(), {
          campaignId,
          instanceId: null,
          from: 'Draft',
          to: 'Active',
        }),
      ]),
    );
    await publishEvents(k, t().db.dialect);
  }

  const stored = async () =>
    (
      await t()
        .db.kysely.selectFrom('events')
        .select(['seq', 'campaign_id'])
        .where('account_id', '=', t().tenant.accountId)
        .orderBy('seq')
        .execute()
    ).map((e) => ({ seq: Number(e.seq), campaign: e.campaign_id }));

  it('deletes what is past the retention, keeps the rest and the newest event, and numbers on above it', async () => {
    const k = t().db.kysely;
    await k.deleteFrom('events').execute();
    for (const c of ['old-1', 'old-2', 'old-3']) await write(c);
    await k
      .insertInto('webhook_deliveries')
      .values([
        { subscription_id: 'wh-x', event_seq: 1, at: t().clock.now(), ok: 1, status: 204, error: null, duration_ms: 3 },
        {
          subscription_id: 'wh-x',
          event_seq: 2,
          at: t().clock.now() + 20 * DAY,
          ok: 1,
          status: 204,
          error: null,
          duration_ms: 3,
        },
      ])
      .execute();
    const [, , top] = await stored();

    // Every event is older than a 10-day retention: all go but the newest.
    t().clock.advance(25 * DAY);
    const d = t().services.createWebhookDelivery({ owner: 'retention-test', retentionMs: 10 * DAY });
    await d.run();
    expect(await stored()).toEqual([top]);
    const log = await k
      .selectFrom('webhook_deliveries')
      .select('event_seq')
      .where('subscription_id', '=', 'wh-x')
      .execute();
    expect(log.map((r) => Number(r.event_seq))).toEqual([2]);

    // New events number on above the one kept; once they exist, the old one goes too.
    await write('new-1');
    await write('new-2');
    expect((await stored()).map((e) => e.seq)).toEqual([top!.seq, top!.seq + 1, top!.seq + 2]);
    t().clock.advance(5 * DAY);
    await d.run();
    expect((await stored()).map((e) => e.campaign)).toEqual(['new-1', 'new-2']);
  });

  it('prunes at most once an hour per process', async () => {
    const k = t().db.kysely;
    await k.deleteFrom('events').execute();
    const now = t().clock.now();
    await write('kept');
    const d = t().services.createWebhookDelivery({ owner: 'retention-test-2', retentionMs: DAY });
    await d.run(); // prunes now (nothing to prune)
    t().clock.set(now - 2 * DAY);
    await write('old');
    t().clock.set(now + 30 * 60_000);
    await write('newest');
    await d.run();
    expect((await stored()).map((e) => e.campaign)).toEqual(['kept', 'old', 'newest']);
    t().clock.advance(30 * 60_000);
    await d.run();
    expect((await stored()).map((e) => e.campaign)).toEqual(['kept', 'newest']);
  });
});
