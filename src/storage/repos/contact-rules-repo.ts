import type { Kysely } from 'kysely';
import type { Db } from '../db.js';
import type { BlackoutRow, Database, RulePackRow } from '../schema.js';

/**
 * What operators add to contact protection (migration 016): their own rule packs (install-wide; the
 * shipped ones are files) and blackout dates per account or bot. Bots' choices live on the bot row
 * (`bots.contact_rules`, TenancyRepo).
 */
export class ContactRulesRepo {
  private readonly k: Kysely<Database>;
  constructor(db: Db) {
    this.k = db.kysely;
  }

  rulePacks(): Promise<RulePackRow[]> {
    return this.k.selectFrom('rule_packs').selectAll().orderBy('id').execute();
  }

  findRulePack(id: string): Promise<RulePackRow | undefined> {
    return this.k.selectFrom('rule_packs').selectAll().where('id', '=', id).executeTakeFirst();
  }

  /** Creates or replaces the pack; true when it was new. */
  async putRulePack(row: RulePackRow): Promise<boolean> {
    return this.k.transaction().execute(async (trx) => {
      const old = await trx.deleteFrom('rule_packs').where('id', '=', row.id).executeTakeFirst();
      await trx.insertInto('rule_packs').values(row).execute();
      return Number(old.numDeletedRows) === 0;
    });
  }

  async deleteRulePack(id: string): Promise<boolean> {
    const res = await this.k.deleteFrom('rule_packs').where('id', '=', id).executeTakeFirst();
    return Number(res.numDeletedRows) > 0;
  }

  /** Bots whose chosen packs name `packId` (their contact_rules JSON holds it as a string). */
  async botsUsingPack(packId: string): Promise<string[]> {
    const rows = await this.k
      .selectFrom('bots')
      .select(['id', 'contact_rules'])
      .where('contact_rules', 'like', `%${JSON.stringify(packId)}%`)
      .execute();
    return rows
      .filter((r) => ((JSON.parse(r.contact_rules!) as { rulePacks?: string[] }).rulePacks ?? []).includes(packId))
      .map((r) => r.id);
  }

  /** The account's blackouts that apply to `botId` (its own and the account-wide ones), or all of them. */
  blackouts(accountId: string, botId?: string): Promise<BlackoutRow[]> {
    let q = this.k.selectFrom('blackouts').selectAll().where('account_id', '=', accountId);
    if (botId !== undefined) q = q.where((eb) => eb.or([eb('bot_id', 'is', null), eb('bot_id', '=', botId)]));
    return q.orderBy('from_date').orderBy('id').execute();
  }

  async addBlackout(row: BlackoutRow): Promise<void> {
    await this.k.insertInto('blackouts').values(row).execute();
  }

  async deleteBlackout(accountId: string, id: string): Promise<boolean> {
    const res = await this.k
      .deleteFrom('blackouts')
      .where('id', '=', id)
      .where('account_id', '=', accountId)
      .executeTakeFirst();
    return Number(res.numDeletedRows) > 0;
  }
}
