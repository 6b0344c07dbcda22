import type { Kysely } from 'kysely';
import type { SecretBox } from '../../shared/secret-box.js';
import type { AppRow, BotRow, Database, FlowRow, QueueRow, TemplateRow } from '../schema.js';

export const CAMPAIGN_SCOPE = 'campaign_management';
/** Kore's *Outbound SMS* scope: Send Outbound SMS (`POST /api/public/bot/{BotId}/outboundsms`). */
export const OUTBOUND_SMS_SCOPE = 'outbound_sms';

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

  /** Whether the account exists (created with its first app). */
  async accountExists(accountId: string): Promise<boolean> {
    const row = await this.db.selectFrom('accounts').select('id').where('id', '=', accountId).executeTakeFirst();
    return row !== undefined;
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

  /**
   * Creates an app with `scopes` (default: the campaign scope) on a bot, creating the account and the bot when they are
   * new, all in one transaction: an app refused (the bot is another account's) leaves no account or
   * bot behind. Answers the bot's account when the bot belongs to another one, and creates nothing.
   */
  async createApp(
    app: AppRow,
    bot: Pick<BotRow, 'id' | 'name' | 'created_at' | 'default_country'>,
    scopes: readonly string[] = [CAMPAIGN_SCOPE],
  ): Promise<{ created: true } | { created: false; botAccount: string }> {
    return this.db
      .transaction()
      .execute(async (trx) => {
        await trx
          .insertInto('accounts')
          .values({ id: app.account_id, name: app.account_id, created_at: app.created_at })
          .onConflict((oc) => oc.column('id').doNothing())
          .execute();
        await trx
          .insertInto('bots')
          .values({
            ...bot,
            account_id: app.account_id,
            precall_config: null,
            campaign_max_concurrent: null,
            contact_rules: null,
          })
          .onConflict((oc) => oc.column('id').doNothing())
          .execute();
        const owner = await trx
          .selectFrom('bots')
          .select('account_id')
          .where('id', '=', bot.id)
          .executeTakeFirstOrThrow();
        if (owner.account_id !== app.account_id) {
          // Nothing of this request may stay: the account row above may be new.
          throw new RefusedApp(owner.account_id);
        }
        await trx
          .insertInto('apps')
          .values({ ...app, secret: this.secrets.seal(app.secret) })
          .execute();
        await trx
          .insertInto('app_scopes')
          .values(scopes.map((scope) => ({ app_id: app.id, bot_id: bot.id, scope })))
          .execute();
        return { created: true as const };
      })
      .catch((err: unknown) => {
        if (err instanceof RefusedApp) return { created: false as const, botAccount: err.botAccount };
        throw err;
      });
  }

  async updateBot(
    botId: string,
    patch: Partial<
      Pick<
        BotRow,
        | 'default_country'
        | 'precall_config'
        | 'campaign_max_concurrent'
        | 'disposition_codes'
        | 'contact_rules'
        | 'name'
      >
    >,
  ): Promise<void> {
    const sealed =
      typeof patch.precall_config === 'string' ? { precall_config: this.secrets.seal(patch.precall_config) } : {};
    await this.db
      .updateTable('bots')
      .set({ ...patch, ...sealed })
      .where('id', '=', botId)
      .execute();
  }

  /** The scopes an app holds for a bot (stored names). */
  async scopesOf(appId: string, botId: string): Promise<string[]> {
    const rows = await this.db
      .selectFrom('app_scopes')
      .select('scope')
      .where('app_id', '=', appId)
      .where('bot_id', '=', botId)
      .orderBy('scope')
      .execute();
    return rows.map((r) => r.scope);
  }

  async grantScope(appId: string, botId: string, scope: string): Promise<void> {
    await this.db
      .insertInto('app_scopes')
      .values({ app_id: appId, bot_id: botId, scope })
      .onConflict((oc) => oc.columns(['app_id', 'bot_id', 'scope']).doNothing())
      .execute();
  }

  /** A flow and the numbers attached to it (SMS flows), in one transaction. */
  insertFlow(row: FlowRow, numbers: readonly string[] = []): Promise<unknown> {
    return this.db.transaction().execute(async (trx) => {
      await trx.insertInto('flows').values(row).execute();
      if (numbers.length > 0)
        await trx
          .insertInto('flow_numbers')
          .values(numbers.map((phone_e164) => ({ bot_id: row.bot_id, phone_e164, flow_id: row.id })))
          .execute();
    });
  }

  /** Replaces the numbers attached to a flow; a number another flow of the bot holds violates the key. */
  setFlowNumbers(flow: Pick<FlowRow, 'id' | 'bot_id'>, numbers: readonly string[]): Promise<unknown> {
    return this.db.transaction().execute(async (trx) => {
      await trx.deleteFrom('flow_numbers').where('flow_id', '=', flow.id).execute();
      if (numbers.length > 0)
        await trx
          .insertInto('flow_numbers')
          .values(numbers.map((phone_e164) => ({ bot_id: flow.bot_id, phone_e164, flow_id: flow.id })))
          .execute();
    });
  }

  /** The numbers attached to a flow, sorted. */
  async flowNumbers(flowId: string): Promise<string[]> {
    const rows = await this.db
      .selectFrom('flow_numbers')
      .select('phone_e164')
      .where('flow_id', '=', flowId)
      .orderBy('phone_e164')
      .execute();
    return rows.map((r) => r.phone_e164);
  }

  /** Which flows of the bot hold any of `numbers`: number -> flow. */
  async flowsHolding(botId: string, numbers: readonly string[]): Promise<Map<string, Pick<FlowRow, 'id' | 'name'>>> {
    if (numbers.length === 0) return new Map();
    const rows = await this.db
      .selectFrom('flow_numbers')
      .innerJoin('flows', 'flows.id', 'flow_numbers.flow_id')
      .select(['flow_numbers.phone_e164', 'flows.id', 'flows.name'])
      .where('flow_numbers.bot_id', '=', botId)
      .where('flow_numbers.phone_e164', 'in', [...numbers])
      .execute();
    return new Map(rows.map((r) => [r.phone_e164, { id: r.id, name: r.name }]));
  }

  /** The SMS experience flow of the bot that `e164` is attached to. */
  findSmsFlowByNumber(botId: string, e164: string): Promise<FlowRow | undefined> {
    return this.db
      .selectFrom('flow_numbers')
      .innerJoin('flows', 'flows.id', 'flow_numbers.flow_id')
      .selectAll('flows')
      .where('flow_numbers.bot_id', '=', botId)
      .where('flow_numbers.phone_e164', '=', e164)
      .where('flows.channel', '=', 'sms')
      .executeTakeFirst();
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

/** Rolls back createApp's transaction when the bot is another account's. */
class RefusedApp extends Error {
  constructor(readonly botAccount: string) {
    super('bot belongs to another account');
  }
}
