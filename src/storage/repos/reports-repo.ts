import type { Kysely } from 'kysely';
import type { Tenant } from '../../shared/tenant.js';
import type { CampaignInstanceRow, Database } from '../schema.js';

/** Per (instance, outcome) sums of the attempts of runs; `outcome` null: still in progress. */
export interface AttemptStatRow {
  instance_id: string;
  outcome: string | null;
  n: number;
  ring_sum: number | null;
  ring_n: number;
  talk_sum: number | null;
  talk_n: number;
}

/** Per (instance, state, final outcome) counts of the dial records of runs. */
export interface RecordStatRow {
  instance_id: string;
  state: string;
  final_outcome: string | null;
  n: number;
}

export interface AttemptFilter {
  instanceId: string;
  /** Needed with `phone`: the attempts_by_number index leads with it. */
  accountId: string;
  outcomes?: readonly string[];
  phone?: string;
  fromMs?: number;
  toMs?: number;
}

/** Keyset position: the last row of the previous chunk. */
export interface AttemptKey {
  startedAt: number;
  id: string;
}

export interface AttemptReportRow {
  id: string;
  record_id: string;
  attempt_no: number;
  channel: string;
  started_at: number;
  ended_at: number | null;
  outcome: string | null;
  provider_outcome: string | null;
  detail: string | null;
  ring_sec: number | null;
  talk_sec: number | null;
  machine_detected: number | null;
  agent_id: string | null;
  phone_e164: string;
  contact_id: string | null;
  unique_id: string | null;
}

export interface ExportContactRow {
  seq: number;
  id: string | null;
  phone_e164: string;
  phone_raw: string;
  extension: string | null;
  first_name: string | null;
  last_name: string | null;
  time_zone: string | null;
  unique_id: string | null;
  contact_priority: number | null;
  extra: string | null;
  created_at: number;
}

const num = (v: unknown): number => Number(v ?? 0);
const numOrNull = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));

/**
 * Read-only queries of the reports (docs/reports.md): aggregates over the rows the engine stores,
 * grouped in the database (a few rows per run come back, never one per attempt), and keyset-paged
 * reads for pages and CSV exports, so each chunk is an index range whatever the run's size.
 */
export class ReportsRepo {
  constructor(private readonly db: Kysely<Database>) {}

  /** The runs of a campaign of the tenant, newest first. */
  runs(t: Tenant, campaignId: string): Promise<CampaignInstanceRow[]> {
    return this.db
      .selectFrom('campaign_instances')
      .selectAll()
      .where('campaign_id', '=', campaignId)
      .where('account_id', '=', t.accountId)
      .where('bot_id', '=', t.botId)
      .orderBy('started_at', 'desc')
      .orderBy('id', 'desc')
      .execute();
  }

  run(t: Tenant, campaignId: string, instanceId: string): Promise<CampaignInstanceRow | undefined> {
    return this.db
      .selectFrom('campaign_instances')
      .selectAll()
      .where('id', '=', instanceId)
      .where('campaign_id', '=', campaignId)
      .where('account_id', '=', t.accountId)
      .where('bot_id', '=', t.botId)
      .executeTakeFirst();
  }

  async attemptStats(instanceIds: readonly string[]): Promise<AttemptStatRow[]> {
    if (instanceIds.length === 0) return [];
    const rows = await this.db
      .selectFrom('attempts')
      .select(['instance_id', 'outcome'])
      .select((eb) => [
        eb.fn.countAll().as('n'),
        eb.fn.sum('ring_sec').as('ring_sum'),
        eb.fn.count('ring_sec').as('ring_n'),
        eb.fn.sum('talk_sec').as('talk_sum'),
        eb.fn.count('talk_sec').as('talk_n'),
      ])
      .where('instance_id', 'in', [...instanceIds])
      .groupBy(['instance_id', 'outcome'])
      .execute();
    return rows.map((r) => ({
      instance_id: r.instance_id,
      outcome: r.outcome,
      n: num(r.n),
      ring_sum: numOrNull(r.ring_sum),
      ring_n: num(r.ring_n),
      talk_sum: numOrNull(r.talk_sum),
      talk_n: num(r.talk_n),
    }));
  }

  async recordStats(instanceIds: readonly string[]): Promise<RecordStatRow[]> {
    if (instanceIds.length === 0) return [];
    const rows = await this.db
      .selectFrom('dial_records')
      .select(['instance_id', 'state', 'final_outcome'])
      .select((eb) => eb.fn.countAll().as('n'))
      .where('instance_id', 'in', [...instanceIds])
      .groupBy(['instance_id', 'state', 'final_outcome'])
      .execute();
    return rows.map((r) => ({ ...r, n: num(r.n) }));
  }

  /**
   * Up to `limit` attempts of a run after `after` in (started_at, id) order, ascending or
   * descending: one range of attempts_by_instance_start (migration 019) per call.
   */
  async attempts(
    f: AttemptFilter,
    order: 'asc' | 'desc',
    after: AttemptKey | undefined,
    limit: number,
  ): Promise<AttemptReportRow[]> {
    let q = this.db
      .selectFrom('attempts as a')
      .innerJoin('dial_records as r', 'r.id', 'a.record_id')
      .select([
        'a.id',
        'a.record_id',
        'a.attempt_no',
        'a.channel',
        'a.started_at',
        'a.ended_at',
        'a.outcome',
        'a.provider_outcome',
        'a.detail',
        'a.ring_sec',
        'a.talk_sec',
        'a.machine_detected',
        'a.agent_id',
        'r.phone_e164',
        'r.contact_id',
        'r.unique_id',
      ])
      .where('a.instance_id', '=', f.instanceId);
    if (f.outcomes) q = q.where('a.outcome', 'in', [...f.outcomes]);
    if (f.phone) q = q.where('a.account_id', '=', f.accountId).where('a.phone_e164', '=', f.phone);
    if (f.fromMs !== undefined) q = q.where('a.started_at', '>=', f.fromMs);
    if (f.toMs !== undefined) q = q.where('a.started_at', '<', f.toMs);
    if (after) {
      const cmp = order === 'asc' ? '>' : '<';
      q = q.where((eb) =>
        eb.or([
          eb('a.started_at', cmp, after.startedAt),
          eb.and([eb('a.started_at', '=', after.startedAt), eb('a.id', cmp, after.id)]),
        ]),
      );
    }
    const rows = await q.orderBy('a.started_at', order).orderBy('a.id', order).limit(limit).execute();
    return rows.map((r) => ({
      ...r,
      attempt_no: Number(r.attempt_no),
      started_at: Number(r.started_at),
      ended_at: numOrNull(r.ended_at),
      ring_sec: numOrNull(r.ring_sec),
      talk_sec: numOrNull(r.talk_sec),
      machine_detected: numOrNull(r.machine_detected),
    }));
  }

  /** The list's key and how far its contents are visible now (the export's snapshot), if the tenant's. */
  async listMark(t: Tenant, listId: string): Promise<{ listNo: number; visibleSeq: number } | undefined> {
    const row = await this.db
      .selectFrom('contact_lists')
      .select(['list_no', 'visible_seq'])
      .where('id', '=', listId)
      .where('account_id', '=', t.accountId)
      .where('bot_id', '=', t.botId)
      .executeTakeFirst();
    return row && { listNo: Number(row.list_no), visibleSeq: Number(row.visible_seq) };
  }

  /** Up to `limit` contacts of a list with afterSeq < seq <= upToSeq: a range of the contacts key. */
  async contacts(listNo: number, afterSeq: number, upToSeq: number, limit: number): Promise<ExportContactRow[]> {
    const rows = await this.db
      .selectFrom('contacts')
      .select([
        'seq',
        'id',
        'phone_e164',
        'phone_raw',
        'extension',
        'first_name',
        'last_name',
        'time_zone',
        'unique_id',
        'contact_priority',
        'extra',
        'created_at',
      ])
      .where('list_no', '=', listNo)
      .where('seq', '>', afterSeq)
      .where('seq', '<=', upToSeq)
      .orderBy('seq')
      .limit(limit)
      .execute();
    return rows.map((r) => ({
      ...r,
      seq: Number(r.seq),
      contact_priority: numOrNull(r.contact_priority),
      created_at: Number(r.created_at),
    }));
  }
}
