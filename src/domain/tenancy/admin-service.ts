import { randomBytes } from 'node:crypto';
import type { Clock } from '../../shared/clock.js';
import { newId, nowIso } from '../../shared/ids.js';
import { duplicateName, isUniqueViolation, mapUnique } from '../../storage/db-errors.js';
import type { TenancyRepo } from '../../storage/repos/tenancy-repo.js';
import { CAMPAIGN_SCOPE, OUTBOUND_SMS_SCOPE, SCOPE_LABEL, type ApiScope } from './api-access.js';
import type { BotRow } from '../../storage/schema.js';
import type {
  AppScopes,
  BotSettings,
  BotSettingsPatch,
  CreatedApp,
  CreatedToken,
  NamedResource,
} from '../../contract/admin.js';
import { errors, type AppError } from '../../shared/errors.js';
import { nameProblem } from '../../shared/text.js';
import { CAMPAIGN_CAP_MAX } from '../engine/campaign-caps.js';
import { POLICY_DEFAULTS } from '../engine/campaign-policy.js';
import { checkPrecallConfig, parsePrecallConfig, PRECALL_DEFAULT_TIMEOUT_MS } from '../engine/precall-fetch.js';
import { checkedBotCodes } from '../agents/disposition-codes.js';
import { botRulesOf, type BotContactRules } from '../rules/contact-rules.js';
import { BOT_CAPS_MAX, BOT_PACKS_MAX, CAP_ATTEMPTS_MAX, CAP_HOURS_MAX } from '../../contract/contact-rules.js';
import { toCountryCode } from '../contacts/phone.js';
import { isE164Format } from '../telephony/provider.js';
import { signHs256 } from './jwt.js';

const ACCOUNT_ID = /^[A-Za-z0-9_-]{1,64}$/;
const BOT_ID = /^st-[A-Za-z0-9_-]{1,80}$/;
const NAME_MAX = 100;

/** A resource's name, trimmed: 1-100 characters people can read (shared/text.ts). */
export function checkedName(raw: unknown): string {
  const name = typeof raw === 'string' ? raw.trim() : '';
  if (name === '' || name.length > NAME_MAX) throw errors.validation('name', `name must be 1-${NAME_MAX} characters`);
  const problem = nameProblem(name);
  if (problem) throw errors.validation('name', `name: ${problem}`);
  return name;
}

/** The scopes an app may be given: what the admin API and CLI accept (any case, `-`, `_` or space) -> stored name, shown name. */
const SCOPES: Record<string, { stored: ApiScope; shown: string }> = {
  'campaign-management': { stored: CAMPAIGN_SCOPE, shown: SCOPE_LABEL[CAMPAIGN_SCOPE] },
  'outbound-sms': { stored: OUTBOUND_SMS_SCOPE, shown: SCOPE_LABEL[OUTBOUND_SMS_SCOPE] },
};
export const SCOPE_NAMES = Object.keys(SCOPES);

const scopeKey = (s: string): string =>
  s
    .trim()
    .toLowerCase()
    .replace(/[\s_-]+/g, '-');

/** Requested scope names, checked and deduplicated; none given: Campaign Management (as before scopes could be chosen). */
function checkedScopes(raw: unknown): { stored: string; shown: string }[] {
  if (raw === undefined) return [SCOPES['campaign-management']!];
  if (!Array.isArray(raw) || raw.length === 0)
    throw errors.validation('scopes', `scopes must be a non-empty list of: ${SCOPE_NAMES.join(', ')}`);
  const out = new Map<string, { stored: string; shown: string }>();
  for (const s of raw) {
    const key = typeof s === 'string' ? scopeKey(s) : '';
    const scope = SCOPES[key];
    if (!scope)
      throw errors.validation('scopes', `scopes: '${String(s)}' is not a scope; use ${SCOPE_NAMES.join(' or ')}`);
    out.set(scope.stored, scope);
  }
  return [...out.values()];
}

/** Numbers to attach to an SMS flow: E.164 by form, at most 50, deduplicated and sorted. */
function checkedFlowNumbers(raw: unknown): string[] {
  if (!Array.isArray(raw) || raw.length > FLOW_NUMBERS_MAX)
    throw errors.validation('phoneNumbers', `phoneNumbers must be a list of at most ${FLOW_NUMBERS_MAX} numbers`);
  raw.forEach((n, i) => {
    if (!isE164Format(n))
      throw errors.validation(
        'phoneNumbers',
        `phoneNumbers[${i}]: ${JSON.stringify(n)} is not an E.164 number (+ then 7-15 digits, like +19876543210)`,
      );
  });
  return [...new Set(raw as string[])].sort();
}
const FLOW_NUMBERS_MAX = 50;

const isInt = (v: unknown, min: number, max: number): v is number =>
  typeof v === 'number' && Number.isInteger(v) && v >= min && v <= max;

/** A bot's own frequency caps (null: none), checked field by field. */
export function checkedFrequencyCaps(raw: unknown): BotContactRules['frequencyCaps'] {
  if (raw === null) return [];
  if (!Array.isArray(raw) || raw.length > BOT_CAPS_MAX)
    throw errors.validation(
      'frequencyCaps',
      `frequencyCaps: must be a list of at most ${BOT_CAPS_MAX} caps {attempts, hours}, or null for none`,
    );
  return raw.map((c: unknown, i) => {
    const cap = (typeof c === 'object' && c !== null ? c : {}) as { attempts?: unknown; hours?: unknown };
    if (!isInt(cap.attempts, 1, CAP_ATTEMPTS_MAX))
      throw errors.validation(
        `frequencyCaps[${i}].attempts`,
        `frequencyCaps[${i}].attempts: must be a whole number from 1 to ${CAP_ATTEMPTS_MAX}`,
      );
    if (!isInt(cap.hours, 1, CAP_HOURS_MAX))
      throw errors.validation(
        `frequencyCaps[${i}].hours`,
        `frequencyCaps[${i}].hours: must be a whole number of hours from 1 to ${CAP_HOURS_MAX}`,
      );
    return { attempts: cap.attempts, hours: cap.hours };
  });
}

/** A bot's chosen rule packs (null: none): known ids, each once. */
export function checkedRulePacks(raw: unknown, known: readonly string[]): string[] {
  if (raw === null) return [];
  if (!Array.isArray(raw) || raw.length > BOT_PACKS_MAX)
    throw errors.validation(
      'rulePacks',
      `rulePacks: must be a list of at most ${BOT_PACKS_MAX} rule pack ids, or null for none`,
    );
  const seen = new Set<string>();
  return raw.map((id: unknown, i) => {
    const field = `rulePacks[${i}]`;
    if (typeof id !== 'string' || !known.includes(id))
      throw errors.validation(
        field,
        `${field}: ${JSON.stringify(id)} is not a rule pack (GET /admin/v1/rule-packs, campaignd rule-packs list)`,
      );
    if (seen.has(id)) throw errors.validation(field, `${field}: '${id}' is listed twice`);
    seen.add(id);
    return id;
  });
}

/**
 * What Kore.ai configures in its UI — accounts, bots, JWT apps, experience flows, queues and SMS
 * templates — shared by the CLI and the admin HTTP API.
 */
export class AdminService {
  constructor(
    private readonly repo: TenancyRepo,
    private readonly clock: Clock,
    private readonly defaultCountry: string,
    /** Told after a bot's settings changed, so this process's caches of them (CampaignCaps, DispositionCodes) drop the old ones. */
    private readonly onBotChanged: (botId: string) => void = () => {},
    /** The ids of the rule packs a bot may choose (shipped and the operator's). Default: none. */
    private readonly packIds: () => Promise<readonly string[]> = () => Promise.resolve([]),
  ) {}

  async createApp(input: {
    accountId: string;
    iid: string;
    name?: string;
    enforceJti?: boolean;
    /** `campaign-management`, `outbound-sms`; default: Campaign Management only. */
    scopes?: string[];
  }): Promise<CreatedApp> {
    this.checkTenant(input.accountId, input.iid);
    const name = checkedName(input.name ?? 'campaignd app');
    const scopes = checkedScopes(input.scopes);
    const now = nowIso(this.clock.now());
    const clientId = newId('cs');
    const clientSecret = randomBytes(32).toString('base64url');
    const enforceJti = input.enforceJti ?? false;
    const result = await this.repo.createApp(
      {
        id: clientId,
        account_id: input.accountId,
        name,
        secret: clientSecret,
        enforce_jti: enforceJti ? 1 : 0,
        created_at: now,
      },
      { id: input.iid, name: input.iid, created_at: now, default_country: this.defaultCountry },
      scopes.map((sc) => sc.stored),
    );
    if (!result.created) throw errors.conflict(`Bot ${input.iid} belongs to another account`, 'iid');
    return {
      accountId: input.accountId,
      iid: input.iid,
      name,
      clientId,
      clientSecret,
      enforceJti,
      scopes: scopes.map((sc) => sc.shown),
    };
  }

  /**
   * Adds scopes to an existing app for a bot of its account (an app created before Outbound SMS,
   * say); what it holds already stays. Callers see the change within the API's 5 s scope cache.
   */
  async grantScopes(input: { clientId: string; accountId: string; iid: string; scopes: string[] }): Promise<AppScopes> {
    this.checkTenant(input.accountId, input.iid);
    const scopes = checkedScopes(input.scopes);
    const app = await this.repo.findApp(input.clientId);
    if (!app || app.account_id !== input.accountId) throw errors.notFound('App', input.clientId);
    await requireBot(this.repo, input);
    for (const sc of scopes) await this.repo.grantScope(app.id, input.iid, sc.stored);
    const held = new Set(await this.repo.scopesOf(app.id, input.iid));
    return {
      clientId: app.id,
      accountId: input.accountId,
      iid: input.iid,
      scopes: Object.values(SCOPES)
        .filter((sc) => held.has(sc.stored))
        .map((sc) => sc.shown),
    };
  }

  /** Issues an HS256 token `{sub, appId}` (plus iat/exp, and jti when the app enforces it). */
  async issueToken(input: { clientId: string; ttlSec?: number }): Promise<CreatedToken> {
    const app = await this.repo.findApp(input.clientId);
    if (!app) throw errors.notFound('App', input.clientId);
    const iat = Math.floor(this.clock.now() / 1000);
    let ttl = input.ttlSec;
    if (app.enforce_jti === 1) ttl = Math.min(ttl ?? 3600, 3600);
    // Ten years is far beyond any sensible token and keeps the expiry inside what a Date can hold.
    if (ttl !== undefined && (!Number.isSafeInteger(ttl) || ttl <= 0 || ttl > 10 * 365 * 86400)) {
      throw errors.validation('ttl', 'ttl: must be a positive duration of at most 10 years');
    }
    const claims: Record<string, unknown> = { sub: 'campaignd', appId: app.id, iat };
    if (ttl !== undefined) claims.exp = iat + ttl;
    if (app.enforce_jti === 1) claims.jti = randomBytes(16).toString('hex');
    const token = signHs256(claims as { appId: string }, app.secret);
    return { token, expiresAt: ttl === undefined ? null : new Date((iat + ttl) * 1000).toISOString() };
  }

  async createFlow(input: {
    accountId: string;
    iid: string;
    name: string;
    channel: string;
    /** SMS flows: the numbers it sends from (Send Outbound SMS's `fromNo`). */
    phoneNumbers?: string[];
  }): Promise<NamedResource & { channel: string }> {
    const channel = input.channel?.toLowerCase();
    if (channel !== 'voice' && channel !== 'sms') throw errors.validation('channel', 'channel must be voice or sms');
    const numbers = input.phoneNumbers === undefined ? [] : checkedFlowNumbers(input.phoneNumbers);
    if (channel !== 'sms' && numbers.length > 0)
      throw errors.validation('phoneNumbers', 'phoneNumbers: only SMS experience flows have numbers to send from');
    const name = await this.checkNamed(input);
    await this.checkNumbersFree(input.iid, numbers);
    const row = {
      id: newId('cf'),
      account_id: input.accountId,
      bot_id: input.iid,
      name,
      lname: name.toLowerCase(),
      channel,
      created_at: nowIso(this.clock.now()),
    };
    await this.uniqueOr(
      () => this.repo.insertFlow(row, numbers),
      input.iid,
      numbers,
      row.id,
      () => duplicateName('Experience flow', name),
    );
    return {
      id: row.id,
      accountId: input.accountId,
      iid: input.iid,
      name,
      channel,
      ...(channel === 'sms' ? { phoneNumbers: numbers } : {}),
    };
  }

  /** Replaces the numbers attached to an SMS flow (an empty list detaches them all). */
  async setFlowNumbers(input: {
    accountId: string;
    iid: string;
    flowId: string;
    phoneNumbers: string[];
  }): Promise<NamedResource & { channel: string; phoneNumbers: string[] }> {
    const numbers = checkedFlowNumbers(input.phoneNumbers);
    await requireBot(this.repo, input);
    const flow = await this.repo.findFlowById(input.iid, input.flowId);
    if (!flow) throw errors.notFound('Experience flow', input.flowId);
    if (flow.channel !== 'sms')
      throw errors.validation('phoneNumbers', 'phoneNumbers: only SMS experience flows have numbers to send from');
    await this.checkNumbersFree(input.iid, numbers, flow.id);
    await this.uniqueOr(
      () => this.repo.setFlowNumbers(flow, numbers),
      input.iid,
      numbers,
      flow.id,
      () => errors.conflict('phoneNumbers: a number was attached to another flow meanwhile', 'phoneNumbers'),
    );
    return {
      id: flow.id,
      accountId: input.accountId,
      iid: input.iid,
      name: flow.name,
      channel: flow.channel,
      phoneNumbers: await this.repo.flowNumbers(flow.id),
    };
  }

  /** A number names one flow of a bot: 409 when another flow of the bot already has one of `numbers`. */
  private async checkNumbersFree(botId: string, numbers: readonly string[], flowId?: string): Promise<void> {
    const taken = await this.numberTaken(botId, numbers, flowId);
    if (taken) throw taken;
  }

  /** Runs a write; a unique violation (a race) becomes the 409 of the number another flow took, or `otherwise`. */
  private async uniqueOr(
    write: () => Promise<unknown>,
    botId: string,
    numbers: readonly string[],
    flowId: string,
    otherwise: () => AppError,
  ): Promise<void> {
    try {
      await write();
    } catch (err) {
      if (!isUniqueViolation(err)) throw err;
      throw (await this.numberTaken(botId, numbers, flowId)) ?? otherwise();
    }
  }

  private async numberTaken(botId: string, numbers: readonly string[], flowId?: string) {
    for (const [phone, flow] of await this.repo.flowsHolding(botId, numbers))
      if (flow.id !== flowId)
        return errors.conflict(
          `phoneNumbers: ${phone} is already attached to experience flow '${flow.name}' (${flow.id}) of this bot`,
          'phoneNumbers',
        );
    return undefined;
  }

  async createQueue(input: { accountId: string; iid: string; name: string }): Promise<NamedResource> {
    const name = await this.checkNamed(input);
    const row = {
      id: newId('qu'),
      account_id: input.accountId,
      bot_id: input.iid,
      name,
      lname: name.toLowerCase(),
      created_at: nowIso(this.clock.now()),
    };
    await mapUnique(
      () => this.repo.insertQueue(row),
      () => duplicateName('Queue', name),
    );
    return { id: row.id, accountId: input.accountId, iid: input.iid, name };
  }

  async createTemplate(input: {
    accountId: string;
    iid: string;
    name: string;
    message: string;
  }): Promise<NamedResource & { message: string }> {
    const name = await this.checkNamed(input);
    if (typeof input.message !== 'string' || input.message.trim() === '' || input.message.length > 2000) {
      throw errors.validation('message', 'message must be 1-2000 characters');
    }
    const row = {
      id: newId('cmt'),
      account_id: input.accountId,
      bot_id: input.iid,
      name,
      lname: name.toLowerCase(),
      message: input.message,
      created_at: nowIso(this.clock.now()),
    };
    await mapUnique(
      () => this.repo.insertTemplate(row),
      () => duplicateName('SMS template', name),
    );
    return { id: row.id, accountId: input.accountId, iid: input.iid, name, message: input.message };
  }

  async botSettings(input: { accountId: string; iid: string }): Promise<BotSettings> {
    const bot = await requireBot(this.repo, input);
    const precall = parsePrecallConfig(bot.precall_config);
    return {
      accountId: input.accountId,
      iid: input.iid,
      defaultCountry: bot.default_country,
      campaignMaxConcurrent: bot.campaign_max_concurrent ?? POLICY_DEFAULTS.maxConcurrent,
      precall: precall
        ? {
            url: precall.url,
            headerNames: Object.keys(precall.headers ?? {}),
            timeoutMs: precall.timeoutMs ?? PRECALL_DEFAULT_TIMEOUT_MS,
          }
        : null,
      dispositionCodes: bot.disposition_codes ? (JSON.parse(bot.disposition_codes) as string[]) : null,
      ...botRulesOf(bot.contact_rules),
    };
  }

  /** Changes only what the patch names; every problem is reported before anything is written. */
  async configureBot(patch: BotSettingsPatch): Promise<BotSettings> {
    const bot = await requireBot(this.repo, patch);
    const set: {
      default_country?: string;
      campaign_max_concurrent?: number | null;
      precall_config?: string | null;
      disposition_codes?: string | null;
      contact_rules?: string | null;
    } = {};
    if (patch.defaultCountry !== undefined) {
      const country = toCountryCode(patch.defaultCountry);
      if (!country)
        throw errors.validation(
          'defaultCountry',
          `defaultCountry: '${String(patch.defaultCountry)}' is not a supported ISO 3166-1 alpha-2 country code`,
        );
      set.default_country = country;
    }
    if (patch.campaignMaxConcurrent !== undefined) {
      const n = patch.campaignMaxConcurrent;
      if (n !== null && (typeof n !== 'number' || !Number.isInteger(n) || n < 1 || n > CAMPAIGN_CAP_MAX)) {
        throw errors.validation(
          'campaignMaxConcurrent',
          `campaignMaxConcurrent must be an integer from 1 to ${CAMPAIGN_CAP_MAX}, or null for the default (${POLICY_DEFAULTS.maxConcurrent})`,
        );
      }
      set.campaign_max_concurrent = n;
    }
    if (patch.precall !== undefined) {
      if (patch.precall === null) set.precall_config = null;
      else {
        const checked = checkPrecallConfig(patch.precall);
        if (!checked.ok) throw errors.validation(checked.field, checked.message);
        set.precall_config = JSON.stringify(checked.value);
      }
    }
    if (patch.dispositionCodes !== undefined) {
      const codes = checkedBotCodes(patch.dispositionCodes);
      set.disposition_codes = codes === null ? null : JSON.stringify(codes);
    }
    if (patch.frequencyCaps !== undefined || patch.rulePacks !== undefined) {
      const rules: BotContactRules = { ...botRulesOf(bot.contact_rules) };
      if (patch.frequencyCaps !== undefined) rules.frequencyCaps = checkedFrequencyCaps(patch.frequencyCaps);
      if (patch.rulePacks !== undefined) rules.rulePacks = checkedRulePacks(patch.rulePacks, await this.packIds());
      set.contact_rules =
        rules.frequencyCaps.length === 0 && rules.rulePacks.length === 0 ? null : JSON.stringify(rules);
    }
    if (Object.keys(set).length > 0) {
      await this.repo.updateBot(patch.iid, set);
      this.onBotChanged(patch.iid);
    }
    return this.botSettings(patch);
  }

  private checkTenant(accountId: string, iid: string): void {
    checkTenant(accountId, iid);
  }

  /** Validates the tenant and the name, and that the bot exists in that account. */
  private async checkNamed(input: { accountId: string; iid: string; name: string }): Promise<string> {
    this.checkTenant(input.accountId, input.iid);
    const name = checkedName(input.name);
    await requireBot(this.repo, input);
    return name;
  }
}

function checkTenant(accountId: string, iid: string): void {
  if (typeof accountId !== 'string' || !ACCOUNT_ID.test(accountId)) {
    throw errors.validation('accountId', 'accountId must be 1-64 letters, digits, "-" or "_"');
  }
  if (typeof iid !== 'string' || !BOT_ID.test(iid)) throw errors.validation('iid', 'iid must look like st-<id>');
}

/** The bot of an admin request: 400 for ids that cannot be ones, 404 when it is not in that account. */
export async function requireBot(repo: TenancyRepo, input: { accountId: string; iid: string }): Promise<BotRow> {
  checkTenant(input.accountId, input.iid);
  const bot = await repo.findBot(input.iid);
  if (!bot || bot.account_id !== input.accountId)
    throw errors.notFound('Bot', `${input.iid} in account ${input.accountId}`);
  return bot;
}
