import type { Kysely } from 'kysely';
import type { Db } from '../db.js';
import { insertChunkSize, lockInstance } from '../dialect.js';
import type { Database, DialRecordRow } from '../schema.js';
import { appendEvents, newEvent } from './outbox.js';

/** A list of a running instance with contacts the run has not taken in yet. */
export interface AbsorbableList {
  instanceId: string;
  startedAt: number;
  listNo: number;
  position: number;
  absorbedSeq: number;
  visibleSeq: number;
}

/** New records of a run, and the list range they come from. */
export interface Absorption {
  instanceId: string;
  listNo: number;
  /** The mark read with the contacts; the write is refused when another engine moved it meanwhile. */
  fromSeq: number;
  toSeq: number;
  /** Their order_key is their place in this array; the repo shifts them past the run's keys. */
  records: DialRecordRow[];
  /** `after`: behind every record of the run (FIFO); `before`: ahead of every one (LIFO). */
  placement: 'after' | 'before';
  /** When: the time of the DNC exclusions' `contact.excluded` events. */
  at: number;
}

/**
 * Lists of running instances whose visible contacts go beyond what the instance has taken in
 * (docs/engine.md, "Live lists"). `instanceId` alone: that instance, whatever its status.
 */
function absorbable(k: Kysely<Database>) {
  return k
    .selectFrom('instance_lists as il')
    .innerJoin('contact_lists as cl', 'cl.list_no', 'il.list_no')
    .whereRef('cl.visible_seq', '>', 'il.absorbed_seq');
}

/** True while a list of the instance holds visible contacts the run has not taken in: it may not complete. */
export async function absorbableExists(k: Kysely<Database>, instanceId: string): Promise<boolean> {
  const row = await absorbable(k)
    .select('il.list_no')
    .where('il.instance_id', '=', instanceId)
    .limit(1)
    .executeTakeFirst();
  return row !== undefined;
}

/** The high-water marks of campaign runs over their lists, and the records added past them. */
export class LiveListsRepo {
  private readonly k: Kysely<Database>;
  constructor(private readonly db: Db) {
    this.k = db.kysely;
  }

  /** The lists of `instanceIds` with contacts not taken in yet: one indexed probe per list of each. */
  async pending(instanceIds: readonly string[]): Promise<AbsorbableList[]> {
    if (instanceIds.length === 0) return [];
    const rows = await absorbable(this.k)
      .innerJoin('campaign_instances as i', 'i.id', 'il.instance_id')
      .select(['il.instance_id', 'i.started_at', 'il.list_no', 'il.position', 'il.absorbed_seq', 'cl.visible_seq'])
      .where('il.instance_id', 'in', [...instanceIds])
      .orderBy('il.instance_id')
      .orderBy('il.position')
      .execute();
    return rows.map((r) => ({
      instanceId: r.instance_id,
      startedAt: Number(r.started_at),
      listNo: Number(r.list_no),
      position: r.position,
      absorbedSeq: Number(r.absorbed_seq),
      visibleSeq: Number(r.visible_seq),
    }));
  }

  /**
   * Adds the records and moves the list's mark, in one transaction under the instance lock (the
   * lock completion and call-backs take), only while the instance is Active or Paused and the mark
   * is still `fromSeq`. A number already in the run is skipped (one record per number, as at
   * play). Returns how many records were added and how many of them are DNC exclusions (each with
   * its `contact.excluded`, as at play), or undefined when nothing was done (the run ended, or
   * another engine took the range).
   */
  absorb(a: Absorption): Promise<{ added: number; excluded: number } | undefined> {
    return this.k.transaction().execute(async (trx) => {
      await lockInstance(this.db.dialect, trx, a.instanceId);
      const inst = await trx
        .selectFrom('campaign_instances')
        .select(['status', 'account_id', 'bot_id', 'campaign_id'])
        .where('id', '=', a.instanceId)
        .executeTakeFirst();
      if (inst?.status !== 'Active' && inst?.status !== 'Paused') return undefined;
      const moved = await trx
        .updateTable('instance_lists')
        .set({ absorbed_seq: a.toSeq })
        .where('instance_id', '=', a.instanceId)
        .where('list_no', '=', a.listNo)
        .where('absorbed_seq', '=', a.fromSeq)
        .executeTakeFirst();
      if (Number(moved.numUpdatedRows) !== 1) return undefined;
      if (a.records.length === 0) return { added: 0, excluded: 0 };
      // The run's first or last key, through dial_records_view_idx (instance_id, order_key).
      const edge = await trx
        .selectFrom('dial_records')
        .select('order_key')
        .where('instance_id', '=', a.instanceId)
        .orderBy('order_key', a.placement === 'after' ? 'desc' : 'asc')
        .limit(1)
        .executeTakeFirst();
      const n = a.records.length;
      const base =
        edge === undefined ? 0 : a.placement === 'after' ? Number(edge.order_key) + 1 : Number(edge.order_key) - n;
      const rows = a.records.map((r, i) => ({ ...r, order_key: base + i }));
      let added = 0;
      let excluded = 0;
      const size = insertChunkSize(24);
      for (let i = 0; i < rows.length; i += size) {
        const inserted = await trx
          .insertInto('dial_records')
          .values(rows.slice(i, i + size))
          .onConflict((oc) => oc.columns(['instance_id', 'phone_e164']).doNothing())
          .returning(['id', 'phone_e164', 'final_outcome', 'excluded_reason'])
          .execute();
        added += inserted.length;
        const dnc = inserted.filter((r) => r.final_outcome === 'dnc');
        excluded += dnc.length;
        const scope = {
          accountId: inst.account_id,
          botId: inst.bot_id,
          campaignId: inst.campaign_id,
          instanceId: a.instanceId,
        };
        await appendEvents(
          trx,
          dnc.map((r) =>
            newEvent('contact.excluded', scope, a.at, {
              campaignId: inst.campaign_id,
              instanceId: a.instanceId,
              recordId: r.id,
              phoneNumber: r.phone_e164,
              reason: 'dnc',
              detail: r.excluded_reason,
            }),
          ),
        );
      }
      if (added > 0)
        await trx
          .updateTable('campaign_instances')
          .set((eb) => ({
            total_records: eb('total_records', '+', added),
            excluded_records: eb('excluded_records', '+', excluded),
          }))
          .where('id', '=', a.instanceId)
          .execute();
      return { added, excluded };
    });
  }
}
