import type { Kysely } from 'kysely';
import type { DialectName } from '../db.js';
import { beginWrite, insertChunkSize, lockInstance } from '../dialect.js';
import type { CampaignInstanceRow, Database, DialRecordRow, InstanceListRow } from '../schema.js';

import type { Tenant } from '../../shared/tenant.js';
import { withdrawOffers } from './agent-work-repo.js';
import { openRecordExists } from './dial-records-repo.js';
import { absorbableExists } from './live-lists-repo.js';
import { appendEvents, newEvent, type NewEvent } from './outbox.js';

export interface StatusChange {
  campaignId: string;
  from: readonly string[];
  to: string;
  nowIso: string;
}

/** Campaign instances and the campaign status changes that go with them, always in one transaction. */
export class InstancesRepo {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly dialect: DialectName,
  ) {}

  /**
   * Starts an instance: moves the campaign to Active (only from `change.from`), points it at the
   * new instance and writes every dial record, and the lists it read with how far (`lists`, live
   * lists: LiveListsRepo). All or nothing; false when the campaign's status changed under us (a
   * concurrent trigger won).
   */
  async start(
    t: Tenant,
    change: StatusChange,
    instance: CampaignInstanceRow,
    records: DialRecordRow[],
    lists: readonly Omit<InstanceListRow, 'instance_id'>[] = [],
  ): Promise<boolean> {
    return this.db.transaction().execute(async (trx) => {
      const before = await currentStatus(trx, this.dialect, t, change);
      if (before === undefined) return false;
      const res = await trx
        .updateTable('campaigns')
        .set({
          status: change.to,
          instance_id: instance.id,
          instance_updated_at: change.nowIso,
          updated_at: change.nowIso,
        })
        .where('id', '=', change.campaignId)
        .where('account_id', '=', t.accountId)
        .where('bot_id', '=', t.botId)
        .where('status', 'in', change.from)
        .executeTakeFirst();
      if (Number(res.numUpdatedRows) !== 1) return false;
      await trx.insertInto('campaign_instances').values(instance).execute();
      if (lists.length > 0)
        await trx
          .insertInto('instance_lists')
          .values(lists.map((l) => ({ instance_id: instance.id, ...l })))
          .execute();
      const size = insertChunkSize(24);
      for (let i = 0; i < records.length; i += size) {
        await trx
          .insertInto('dial_records')
          .values(records.slice(i, i + size))
          .execute();
      }
      await appendEvents(trx, startEvents(change, before, instance, records));
      return true;
    });
  }

  /** Applies a status change to the campaign and its current instance together (applyStatusChange). */
  async changeStatus(
    t: Tenant | null,
    change: StatusChange,
    instanceId: string | null,
    nowMs: number,
  ): Promise<boolean> {
    return this.db.transaction().execute((trx) => applyStatusChange(trx, this.dialect, t, change, instanceId, nowMs));
  }

  /**
   * The engine's Active → Completed: applied only when none of the instance's records is open,
   * checked in the same transaction under the instance lock, so a call-back reopening a record
   * (DialRecordsRepo.scheduleCallback) is either seen here or refused there. Nor while a list of
   * the run holds contacts it has not taken in yet (live lists: the engine adds them first).
   */
  async completeIfNoneOpen(change: StatusChange, instanceId: string, nowMs: number): Promise<boolean> {
    return this.db.transaction().execute(async (trx) => {
      await lockInstance(this.dialect, trx, instanceId);
      if (await openRecordExists(trx, this.dialect, instanceId)) return false;
      if (await absorbableExists(trx, instanceId)) return false;
      return applyStatusChange(trx, this.dialect, null, change, instanceId, nowMs);
    });
  }

  /** Instances the engine should dial: Active and still their campaign's current, Active instance. */
  active(): Promise<Pick<CampaignInstanceRow, 'id' | 'campaign_id' | 'type'>[]> {
    return this.db
      .selectFrom('campaign_instances as i')
      .innerJoin('campaigns as c', 'c.instance_id', 'i.id')
      .select(['i.id', 'i.campaign_id', 'i.type'])
      .where('i.status', '=', 'Active')
      .where('c.status', '=', 'Active')
      .orderBy('i.id')
      .execute();
  }

  find(id: string): Promise<CampaignInstanceRow | undefined> {
    return this.db.selectFrom('campaign_instances').selectAll().where('id', '=', id).executeTakeFirst();
  }

  /** The run's messages sent (totalMessagesSent): kept as outcomes are stored (migration 022). */
  async messagesSent(instanceId: string): Promise<number> {
    const row = await this.db
      .selectFrom('campaign_instances')
      .select('messages_sent')
      .where('id', '=', instanceId)
      .executeTakeFirst();
    return Number(row?.messages_sent ?? 0);
  }
}

/**
 * Applies a status change to the campaign and its current instance together. Stop also ends
 * every record still waiting (pending) as `cancelled`; calls already out keep their outcomes.
 * Pause and stop hand back Preview offers not yet dialed, freeing their agents.
 */
async function applyStatusChange(
  trx: Kysely<Database>,
  dialect: DialectName,
  t: Tenant | null,
  change: StatusChange,
  instanceId: string | null,
  nowMs: number,
): Promise<boolean> {
  const before = await currentStatus(trx, dialect, t, change);
  if (before === undefined) return false;
  let q = trx
    .updateTable('campaigns')
    .set({ status: change.to, updated_at: change.nowIso, instance_updated_at: change.nowIso })
    .where('id', '=', change.campaignId)
    .where('status', 'in', change.from);
  if (t) q = q.where('account_id', '=', t.accountId).where('bot_id', '=', t.botId);
  // The engine completes an instance only while it is still the campaign's current one.
  if (change.to === 'Completed' && instanceId) q = q.where('instance_id', '=', instanceId);
  const res = await q.executeTakeFirst();
  if (Number(res.numUpdatedRows) !== 1) return false;
  if (!instanceId) return true;
  const ended = change.to === 'Stopped' || change.to === 'Completed';
  await trx
    .updateTable('campaign_instances')
    .set({ status: change.to, ...(ended ? { ended_at: nowMs } : {}) })
    .where('id', '=', instanceId)
    .execute();
  if (change.to === 'Stopped' || change.to === 'Paused') {
    await withdrawOffers(trx, instanceId, nowMs, change.to === 'Stopped' ? 'cancelled' : null);
  }
  if (change.to === 'Stopped') {
    await trx
      .updateTable('dial_records')
      .set({ state: 'done', final_outcome: 'cancelled', updated_at: nowMs })
      .where('instance_id', '=', instanceId)
      .where('state', '=', 'pending')
      .execute();
  }
  await appendEvents(trx, statusEvents(change, before, instanceId, nowMs));
  return true;
}

interface Before {
  status: string;
  account_id: string;
  bot_id: string;
}

/**
 * The campaign as it is before a change (for the event's `from`), read under a lock so it cannot
 * move before the guarded UPDATE: SQLite's write lock taken first (beginWrite says why), the row's
 * lock on PostgreSQL. Undefined when it is not in `change.from` (or not the tenant's).
 */
async function currentStatus(
  trx: Kysely<Database>,
  dialect: DialectName,
  t: Tenant | null,
  change: StatusChange,
): Promise<Before | undefined> {
  await beginWrite(dialect, trx);
  let q = trx.selectFrom('campaigns').select(['status', 'account_id', 'bot_id']).where('id', '=', change.campaignId);
  if (t) q = q.where('account_id', '=', t.accountId).where('bot_id', '=', t.botId);
  const row = await (dialect === 'postgres' ? q.forUpdate() : q).executeTakeFirst();
  return row && change.from.includes(row.status) ? row : undefined;
}

function statusEvents(change: StatusChange, before: Before, instanceId: string | null, at: number): NewEvent[] {
  const scope = { accountId: before.account_id, botId: before.bot_id, campaignId: change.campaignId, instanceId };
  const events = [
    newEvent('campaign.status_changed', scope, at, {
      campaignId: change.campaignId,
      instanceId,
      from: before.status,
      to: change.to,
    }),
  ];
  if (instanceId && (change.to === 'Completed' || change.to === 'Stopped'))
    events.push(
      newEvent('instance.completed', scope, at, { campaignId: change.campaignId, instanceId, status: change.to }),
    );
  return events;
}

function startEvents(
  change: StatusChange,
  before: Before,
  instance: CampaignInstanceRow,
  records: readonly DialRecordRow[],
): NewEvent[] {
  const at = Number(instance.started_at);
  const scope = {
    accountId: before.account_id,
    botId: before.bot_id,
    campaignId: change.campaignId,
    instanceId: instance.id,
  };
  const events = [
    newEvent('campaign.status_changed', scope, at, {
      campaignId: change.campaignId,
      instanceId: instance.id,
      from: before.status,
      to: change.to,
    }),
    newEvent('instance.started', scope, at, {
      campaignId: change.campaignId,
      instanceId: instance.id,
      totalRecords: instance.total_records,
      excludedRecords: instance.excluded_records,
    }),
  ];
  for (const r of records)
    if (r.final_outcome === 'dnc')
      events.push(
        newEvent('contact.excluded', scope, at, {
          campaignId: change.campaignId,
          instanceId: instance.id,
          recordId: r.id,
          phoneNumber: r.phone_e164,
          reason: 'dnc',
          detail: r.excluded_reason,
        }),
      );
  return events;
}
