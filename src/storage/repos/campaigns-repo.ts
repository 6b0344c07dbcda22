import type { Statement } from 'better-sqlite3';
import type { Kysely, Transaction } from 'kysely';
import type { Db } from '../db.js';
import type { Tenant } from '../../shared/tenant.js';
import type { CampaignRow, Database } from '../schema.js';
import { beginWrite } from '../dialect.js';
import { appendEvents, newEvent } from './outbox.js';

export interface CampaignListQuery {
  type?: 'voice' | 'sms';
  statuses?: string[];
  priorities?: number[];
  dialingModes?: string[];
  createdFrom?: string;
  createdTo?: string;
  sort: { column: 'lname' | 'created_at' | 'updated_at'; direction: 'asc' | 'desc' };
  offset: number;
  limit: number;
}

export interface ListRef {
  listId: string;
  role: 'contacts' | 'dnc';
  position: number;
}

const FIND_SQL = 'SELECT * FROM campaigns WHERE id = $1 AND account_id = $2 AND bot_id = $3';

/** Campaign rows, always scoped by tenant: another tenant's row reads as missing. */
export class CampaignsRepo {
  private readonly db: Kysely<Database>;
  private findStatement?: Statement<[string, string, string], CampaignRow>;

  constructor(private readonly handle: Db) {
    this.db = handle.kysely;
  }

  /**
   * The Get path's read, bypassing the query builder outside transactions: building the SQL per
   * request cost more than the read itself (on PostgreSQL a third of the CPU a Get spends over a
   * bare `pg` lookup, docs/benchmarks.md). SQLite: a statement prepared once; while a Kysely
   * transaction holds the connection it goes through Kysely, which waits for the transaction, so it
   * never reads uncommitted rows. PostgreSQL: a named prepared statement on the pool (each
   * connection parses and plans it once), the same query and timeouts as every other read; still
   * one round trip per Get, so Get stays fresh.
   */
  find(t: Tenant, id: string, trx?: Kysely<Database>): Promise<CampaignRow | undefined> {
    const sqlite = this.handle.sqlite;
    if (sqlite && !trx && !sqlite.inTransaction) {
      this.findStatement ??= sqlite.prepare(FIND_SQL.replace(/\$\d/g, '?'));
      return Promise.resolve(this.findStatement.get(id, t.accountId, t.botId));
    }
    const pool = this.handle.pool;
    if (pool && !trx) {
      return pool
        .query<CampaignRow>({ name: 'campaigns_find', text: FIND_SQL, values: [id, t.accountId, t.botId] })
        .then((r) => r.rows[0]);
    }
    return (trx ?? this.db)
      .selectFrom('campaigns')
      .selectAll()
      .where('id', '=', id)
      .where('account_id', '=', t.accountId)
      .where('bot_id', '=', t.botId)
      .executeTakeFirst();
  }

  /** The engine acts for every tenant, so this read is by id only (never reachable from HTTP). */
  findForEngine(id: string): Promise<CampaignRow | undefined> {
    return this.db.selectFrom('campaigns').selectAll().where('id', '=', id).executeTakeFirst();
  }

  /** By name, case-insensitively (names are unique per bot that way). */
  findByName(t: Tenant, name: string): Promise<CampaignRow | undefined> {
    return this.db
      .selectFrom('campaigns')
      .selectAll()
      .where('account_id', '=', t.accountId)
      .where('bot_id', '=', t.botId)
      .where('lname', '=', name.trim().toLowerCase())
      .executeTakeFirst();
  }

  /** Every campaign waiting for its next scheduled run, across tenants (the engine's schedule runner). */
  scheduled(): Promise<CampaignRow[]> {
    return this.db
      .selectFrom('campaigns')
      .selectAll()
      .where('status', 'in', ['Scheduled', 'Rescheduled'])
      .orderBy('id')
      .execute();
  }

  /**
   * Stores a schedule and the status it implies, if the campaign is still in one of `fromStatuses`;
   * a change of status writes its `campaign.status_changed` event with it (docs/events.md).
   */
  async setSchedule(
    t: Tenant,
    id: string,
    config: string,
    status: { to: string; from: readonly string[]; nowIso: string },
  ): Promise<boolean> {
    const dialect = this.handle.dialect;
    return this.db.transaction().execute(async (trx) => {
      await beginWrite(dialect, trx);
      const q = trx
        .selectFrom('campaigns')
        .select('status')
        .where('id', '=', id)
        .where('account_id', '=', t.accountId)
        .where('bot_id', '=', t.botId);
      const before = await (dialect === 'postgres' ? q.forUpdate() : q).executeTakeFirst();
      if (!before || !status.from.includes(before.status)) return false;
      await trx
        .updateTable('campaigns')
        .set({ config, status: status.to, updated_at: status.nowIso })
        .where('id', '=', id)
        .execute();
      if (before.status !== status.to) {
        const at = Date.parse(status.nowIso);
        const scope = { accountId: t.accountId, botId: t.botId, campaignId: id };
        const data = { campaignId: id, instanceId: null, from: before.status, to: status.to };
        await appendEvents(trx, [newEvent('campaign.status_changed', scope, at, data)]);
      }
      return true;
    });
  }

  async insert(row: CampaignRow, lists: ListRef[]): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      await trx.insertInto('campaigns').values(row).execute();
      await this.writeLists(trx, row.id, lists);
    });
  }

  /** Replaces a campaign's configuration if it is still in one of `fromStatuses` (guards a concurrent start). */
  async replace(t: Tenant, row: CampaignRow, lists: ListRef[], fromStatuses: string[]): Promise<boolean> {
    return this.db.transaction().execute(async (trx) => {
      const res = await trx
        .updateTable('campaigns')
        .set({
          name: row.name,
          lname: row.lname,
          description: row.description,
          priority: row.priority,
          dialing_mode: row.dialing_mode,
          config: row.config,
          updated_at: row.updated_at,
        })
        .where('id', '=', row.id)
        .where('account_id', '=', t.accountId)
        .where('bot_id', '=', t.botId)
        .where('status', 'in', fromStatuses)
        .executeTakeFirst();
      if (Number(res.numUpdatedRows) !== 1) return false;
      await trx.deleteFrom('campaign_lists').where('campaign_id', '=', row.id).execute();
      await this.writeLists(trx, row.id, lists);
      return true;
    });
  }

  async delete(t: Tenant, id: string, fromStatuses: string[]): Promise<boolean> {
    return this.db.transaction().execute(async (trx) => {
      const found = await trx
        .selectFrom('campaigns')
        .select('id')
        .where('id', '=', id)
        .where('account_id', '=', t.accountId)
        .where('bot_id', '=', t.botId)
        .where('status', 'in', fromStatuses)
        .executeTakeFirst();
      if (!found) return false;
      await trx.deleteFrom('campaign_lists').where('campaign_id', '=', id).execute();
      await trx.deleteFrom('campaigns').where('id', '=', id).execute();
      return true;
    });
  }

  async list(t: Tenant, q: CampaignListQuery): Promise<{ rows: CampaignRow[]; total: number }> {
    let base = this.db.selectFrom('campaigns').where('account_id', '=', t.accountId).where('bot_id', '=', t.botId);
    if (q.type) base = base.where('type', '=', q.type);
    if (q.statuses?.length) base = base.where('status', 'in', q.statuses);
    if (q.priorities?.length) base = base.where('priority', 'in', q.priorities);
    if (q.dialingModes?.length) base = base.where('dialing_mode', 'in', q.dialingModes);
    if (q.createdFrom) base = base.where('created_at', '>=', q.createdFrom);
    if (q.createdTo) base = base.where('created_at', '<=', q.createdTo);
    const [count, rows] = await Promise.all([
      base.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow(),
      base
        .selectAll()
        .orderBy(q.sort.column, q.sort.direction)
        .orderBy('id', 'asc')
        .limit(q.limit)
        .offset(q.offset)
        .execute(),
    ]);
    return { rows, total: Number(count.n) };
  }

  private async writeLists(trx: Transaction<Database>, campaignId: string, lists: ListRef[]): Promise<void> {
    if (lists.length === 0) return;
    await trx
      .insertInto('campaign_lists')
      .values(lists.map((l) => ({ campaign_id: campaignId, list_id: l.listId, role: l.role, position: l.position })))
      .execute();
  }
}
