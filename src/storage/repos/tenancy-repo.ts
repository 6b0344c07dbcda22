import type { Kysely } from 'kysely';
import type { SecretBox } from '../../shared/secret-box.js';
import type { AppRow, BotRow, Database, FlowRow, QueueRow, TemplateRow } from '../schema.js';

export const CAMPAIGN_SCOPE = 'campaign_management';

/**
 * Accounts, bots, apps and their scopes: who may call the API for which bot. Apps' client secrets
 * and bots' pre-call settings (their headers carry a CRM's credentials) are sealed at rest: this
 * repository seals what it writes and opens what it reads, so nothing above it sees the difference.
 */
export class TenancyRepo {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly secrets: SecretBox,
  ) {}

  async findApp(appId: string): Promise<AppRow | undefined> {
    const row = await this.db.selectFrom('apps').selectAll().where('id', '=', appId).executeTakeFirst();
    return row && { ...row, secret: this.secrets.open(row.secret) };
  }

  async findBot(botId: string): Promise<BotRow | undefined> {
    const row = await this.db.selectFrom('bots').selectAll().where('id', '=', botId).executeTakeFirst();
    return (
      row && { ...row, precall_config: row.precall_config === null ? null : this.secrets.open(row.precall_config) }
    );
  }

  async hasScope(appId: string, botId: string, scope: string): Promise<boolean> {
    const row = await this.db
      .selectFrom('app_scopes')
      .select('scope')
      .where('app_id', '=', appId)
      .where('bot_id', '=', botId)
      .where('scope', '=', scope)
      .executeTakeFirst();
    return row !== undefined;
  }

  /** Records a jti; false when it was already used (replay). Expired entries are pruned on the way. */
  async useJti(appId: string, jti: string, expiresAt: number, now: number): Promise<boolean> {
    await this.db.deleteFrom('jti_seen').where('expires_at', '<', now).execute();
    const res = await this.db
      .insertInto('jti_seen')
      .values({ app_id: appId, jti, expires_at: expiresAt })
      .onConflict((oc) => oc.columns(['app_id', 'jti']).doNothing())
      .executeTakeFirst();
    return Number(res.numInsertedOrUpdatedRows ?? 0n) === 1;
  }

  async ensureAccount(id: string, name: string, now: string): Promise<void> {
    await this.db
      .insertInto('accounts')
      .values({ id, name, created_at: now })
      .onConflict((oc) => oc.column('id').doNothing())
      .execute();
  }

  async ensureBot(
    bot: Omit<BotRow, 'precall_config' | 'default_country' | 'campaign_max_concurrent'> & { default_country?: string },
  ): Promise<BotRow> {
    await this.db
      .insertInto('bots')
      .values({
        ...bot,
        default_country: bot.default_country ?? 'US',
        precall_config: null,
        campaign_max_concurrent: null,
      })
      .onConflict((oc) => oc.column('id').doNothing())
      .execute();
    return (await this.findBot(bot.id))!;
  }

  async updateBot(
    botId: string,
    patch: Partial<Pick<BotRow, 'default_country' | 'precall_config' | 'campaign_max_concurrent' | 'name'>>,
  ): Promise<void> {
    const sealed =
      typeof patch.precall_config === 'string' ? { precall_config: this.secrets.seal(patch.precall_config) } : {};
    await this.db
      .updateTable('bots')
      .set({ ...patch, ...sealed })
      .where('id', '=', botId)
      .execute();
  }

  async insertApp(app: AppRow, botId: string): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      await trx
        .insertInto('apps')
        .values({ ...app, secret: this.secrets.seal(app.secret) })
        .execute();
      await trx.insertInto('app_scopes').values({ app_id: app.id, bot_id: botId, scope: CAMPAIGN_SCOPE }).execute();
    });
  }

  async grantScope(appId: string, botId: string, scope: string): Promise<void> {
    await this.db
      .insertInto('app_scopes')
      .values({ app_id: appId, bot_id: botId, scope })
      .onConflict((oc) => oc.columns(['app_id', 'bot_id', 'scope']).doNothing())
      .execute();
  }

  insertFlow(row: FlowRow): Promise<unknown> {
    return this.db.insertInto('flows').values(row).execute();
  }
  insertQueue(row: QueueRow): Promise<unknown> {
    return this.db.insertInto('queues').values(row).execute();
  }
  insertTemplate(row: TemplateRow): Promise<unknown> {
    return this.db.insertInto('templates').values(row).execute();
  }

  findFlowByName(botId: string, channel: 'voice' | 'sms', name: string): Promise<FlowRow | undefined> {
    return this.db
      .selectFrom('flows')
      .selectAll()
      .where('bot_id', '=', botId)
      .where('channel', '=', channel)
      .where('lname', '=', name.toLowerCase())
      .executeTakeFirst();
  }
  findFlowById(botId: string, id: string): Promise<FlowRow | undefined> {
    return this.db.selectFrom('flows').selectAll().where('bot_id', '=', botId).where('id', '=', id).executeTakeFirst();
  }
  findQueueByName(botId: string, name: string): Promise<QueueRow | undefined> {
    return this.db
      .selectFrom('queues')
      .selectAll()
      .where('bot_id', '=', botId)
      .where('lname', '=', name.toLowerCase())
      .executeTakeFirst();
  }
  findTemplateByName(botId: string, name: string): Promise<TemplateRow | undefined> {
    return this.db
      .selectFrom('templates')
      .selectAll()
      .where('bot_id', '=', botId)
      .where('lname', '=', name.toLowerCase())
      .executeTakeFirst();
  }
  findTemplateById(botId: string, id: string): Promise<TemplateRow | undefined> {
    return this.db
      .selectFrom('templates')
      .selectAll()
      .where('bot_id', '=', botId)
      .where('id', '=', id)
      .executeTakeFirst();
  }

  listBotResources(botId: string) {
    return Promise.all([
      this.db.selectFrom('flows').selectAll().where('bot_id', '=', botId).orderBy('created_at').execute(),
      this.db.selectFrom('queues').selectAll().where('bot_id', '=', botId).orderBy('created_at').execute(),
      this.db.selectFrom('templates').selectAll().where('bot_id', '=', botId).orderBy('created_at').execute(),
    ]);
  }
}
