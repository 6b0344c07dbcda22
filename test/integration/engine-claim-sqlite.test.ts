/**
 * SQLite: a claim must not fail because another process wrote to the database file meanwhile (the
 * CLI, an import, anything sharing the file in WAL mode). Kysely begins transactions DEFERRED, and
 * a WAL transaction that has read cannot wait for the write lock: its first write fails at once
 * with SQLITE_BUSY_SNAPSHOT when someone committed since its read. Found by engine-crash.test.ts,
 * where it failed whole engine ticks; storage/dialect.ts beginClaim takes the lock first.
 *
 * Deterministic: the other connection commits from inside the claim, between its read of the due
 * records and its first UPDATE (the `place` callback runs exactly there).
 */
import { describe, expect, it } from 'vitest';
import { openDb } from '../../src/storage/db.js';
import { addContacts, createCampaign, trigger } from '../support/engine-harness.js';
import { useTestApp } from '../support/test-app.js';

describe('claiming on SQLite while another process writes', () => {
  const t = useTestApp('sqlite');

  it('holds the write lock from the start: the other writer is held off, the claim goes through', async () => {
    const l = await t().addList('Claim lock');
    await addContacts(t(), l, [{ phone: '+15556100001' }, { phone: '+15556100002' }]);
    const id = await createCampaign(t(), { name: 'Claim lock', contactLists: ['Claim lock'] });
    const instanceId = (await trigger(t(), id, 'play')).campaignInstanceId as string;

    const other = openDb({ sqliteFile: t().db.file!, secrets: t().db.secrets });
    // Do not wait: were the claim holding the lock while this waits, neither could go on (one thread).
    other.sqlite!.pragma('busy_timeout = 0');
    const otherWrites: string[] = [];
    try {
      const claimed = await t().repos.records.claim({
        instanceId,
        accountId: t().tenant.accountId,
        botId: t().tenant.iid,
        channel: 'voice',
        limit: 10,
        now: t().clock.now(),
        owner: 'test',
        leaseMs: 60_000,
        newAttemptId: (() => {
          let n = 0;
          return () => `att-lock-${++n}`;
        })(),
        place: () => {
          try {
            // A real change: SQLite commits nothing (and so disturbs no snapshot) for an unchanged value.
            other
              .sqlite!.prepare('update campaigns set description = ? where id = ?')
              .run(`touched ${otherWrites.length}`, id);
            otherWrites.push('committed');
          } catch (err) {
            otherWrites.push((err as { code?: string }).code ?? String(err));
          }
          return { inside: true };
        },
      });
      expect(claimed.map((c) => c.record.phone_e164).sort()).toEqual(['+15556100001', '+15556100002']);
      // The other process found the database locked for writing (it would have waited for busy_timeout).
      expect(otherWrites).toEqual(['SQLITE_BUSY', 'SQLITE_BUSY']);
    } finally {
      await other.close();
    }
    // And it can write once the claim has committed.
    const again = openDb({ sqliteFile: t().db.file!, secrets: t().db.secrets });
    try {
      expect(
        again.sqlite!.prepare('update campaigns set description = ? where id = ?').run('touched after', id).changes,
      ).toBe(1);
    } finally {
      await again.close();
    }
  });
});
