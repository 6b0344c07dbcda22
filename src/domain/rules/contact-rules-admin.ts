import {
  BLACKOUT_DAYS_MAX,
  type Blackout,
  type BlackoutList,
  type CreateBlackoutBody,
  type RulePack as RulePackWire,
  type RulePackList,
} from '../../contract/contact-rules.js';
import type { Clock } from '../../shared/clock.js';
import { errors } from '../../shared/errors.js';
import { newId, nowIso } from '../../shared/ids.js';
import type { ContactRulesRepo } from '../../storage/repos/contact-rules-repo.js';
import type { TenancyRepo } from '../../storage/repos/tenancy-repo.js';
import type { BlackoutRow } from '../../storage/schema.js';
import { checkedName, requireBot } from '../tenancy/admin-service.js';
import type { ContactRulesSource } from './contact-rules.js';
import { isLocalDate, parseRulePack, type RulePack } from './rule-pack.js';

const ACCOUNT_ID = /^[A-Za-z0-9_-]{1,64}$/;
const DAY_MS = 86_400_000;

/** The pack as the API shows it: plain JSON (the parsed pack is deeply frozen and readonly). */
const wire = (p: RulePack): RulePackWire => JSON.parse(JSON.stringify(p)) as RulePackWire;

const blackoutView = (r: BlackoutRow): Blackout => ({
  id: r.id,
  accountId: r.account_id,
  iid: r.bot_id,
  name: r.name,
  from: r.from_date,
  to: r.to_date,
  // PostgreSQL hands a bigint back as a string.
  createdAt: nowIso(Number(r.created_at)),
});

/**
 * What the operator adds to contact protection (docs/contact-protection.md, "Operator rules"): the
 * install-wide rule packs beside the shipped ones, and an account's (or one bot's) blackout dates.
 * A bot's own caps and chosen packs are bot settings (AdminService.configureBot). Every change
 * drops the engine's cached rules of this process; other processes see it within
 * CONTACT_RULES_TTL_MS.
 *
 *   await services.rulesAdmin.putPack('acme-quiet', packJson);
 *   await services.rulesAdmin.addBlackout({ accountId, name: 'Company holiday', from: '2026-12-24', to: '2026-12-26' });
 */
export class ContactRulesAdmin {
  private readonly shippedIds: ReadonlySet<string>;

  constructor(
    private readonly d: {
      repo: ContactRulesRepo;
      tenancy: TenancyRepo;
      rules: ContactRulesSource;
      shipped: readonly RulePack[];
      clock: Clock;
    },
  ) {
    this.shippedIds = new Set(d.shipped.map((p) => p.id));
  }

  /** Every pack a bot may choose, shipped ones first, with the bots that chose each. */
  async listPacks(): Promise<RulePackList> {
    const packs = await this.d.rules.allPacks();
    const results = [];
    for (const p of packs) {
      results.push({
        id: p.id,
        version: p.version,
        name: p.name,
        source: { ...p.source },
        appliesTo: wire(p).appliesTo,
        builtIn: this.shippedIds.has(p.id),
        usedBy: (await this.d.repo.botsUsingPack(p.id)).sort(),
      });
    }
    return { results };
  }

  async findPack(id: string): Promise<RulePackWire> {
    const pack = (await this.d.rules.allPacks()).find((p) => p.id === id);
    if (!pack) throw errors.notFound('Rule pack', id);
    return wire(pack);
  }

  /**
   * Creates or replaces the operator's pack `id` with `body` (its id must be `id`); `created` says
   * which. A shipped id is a 409: a shipped pack changes with campaignd's own releases.
   */
  async putPack(id: string, body: unknown): Promise<{ created: boolean; pack: RulePackWire }> {
    const given = typeof body === 'object' && body !== null && !Array.isArray(body) ? (body as { id?: unknown }) : {};
    if (given.id !== id)
      throw errors.validation(
        'id',
        `id: the pack's id ${given.id === undefined ? '(none)' : JSON.stringify(given.id)} must equal the id in the path, '${id}'`,
      );
    if (this.shippedIds.has(id)) throw this.shippedConflict(id);
    const pack = parseRulePack(body);
    const created = await this.d.repo.putRulePack({
      id: pack.id,
      version: pack.version,
      body: JSON.stringify(pack),
      created_at: this.d.clock.now(),
    });
    this.d.rules.clear();
    return { created, pack: wire(pack) };
  }

  /** Deletes the operator's pack `id`: not a shipped one, nor one a bot still follows. */
  async deletePack(id: string): Promise<void> {
    if (this.shippedIds.has(id)) throw this.shippedConflict(id, 'deleted');
    if (!(await this.d.repo.findRulePack(id))) throw errors.notFound('Rule pack', id);
    const bots = (await this.d.repo.botsUsingPack(id)).sort();
    if (bots.length > 0)
      throw errors.conflict(
        `Rule pack ${id} is used by bot${bots.length > 1 ? 's' : ''} ${bots.join(', ')}; take it off their rulePacks first`,
        'id',
      );
    await this.d.repo.deleteRulePack(id);
    this.d.rules.clear();
  }

  /** The account's blackouts, or (with `iid`) those that apply to that bot: its own and the account-wide ones. */
  async listBlackouts(q: { accountId: string; iid?: string | undefined }): Promise<BlackoutList> {
    const botId = await this.tenantOf(q);
    return { results: (await this.d.repo.blackouts(q.accountId, botId)).map(blackoutView) };
  }

  async addBlackout(body: CreateBlackoutBody): Promise<Blackout> {
    const botId = await this.tenantOf(body);
    const name = checkedName(body.name);
    const from = checkedDate(body.from, 'from');
    const to = body.to === undefined ? from : checkedDate(body.to, 'to');
    const days = (Date.parse(to) - Date.parse(from)) / DAY_MS + 1;
    if (days < 1) throw errors.validation('to', `to: ${to} is before from (${from})`);
    if (days > BLACKOUT_DAYS_MAX)
      throw errors.validation(
        'to',
        `to: a blackout spans at most ${BLACKOUT_DAYS_MAX} days (${from} to ${to} is ${days})`,
      );
    const row: BlackoutRow = {
      id: newId('blk'),
      account_id: body.accountId,
      bot_id: botId ?? null,
      name,
      from_date: from,
      to_date: to,
      created_at: this.d.clock.now(),
    };
    await this.d.repo.addBlackout(row);
    this.d.rules.clear();
    return blackoutView(row);
  }

  async deleteBlackout(q: { accountId: string }, id: string): Promise<void> {
    await this.tenantOf(q);
    if (!(await this.d.repo.deleteBlackout(q.accountId, id))) throw errors.notFound('Blackout', id);
    this.d.rules.clear();
  }

  /** 400 for an id that cannot be one, 404 for an unknown account or a bot not in it; the bot id, if any. */
  private async tenantOf(q: { accountId: string; iid?: string | undefined }): Promise<string | undefined> {
    if (q.iid !== undefined) return (await requireBot(this.d.tenancy, { accountId: q.accountId, iid: q.iid })).id;
    if (typeof q.accountId !== 'string' || !ACCOUNT_ID.test(q.accountId))
      throw errors.validation('accountId', 'accountId must be 1-64 letters, digits, "-" or "_"');
    if (!(await this.d.tenancy.accountExists(q.accountId))) throw errors.notFound('Account', q.accountId);
    return undefined;
  }

  private shippedConflict(id: string, what = 'replaced') {
    return errors.conflict(
      `${id} is a shipped rule pack: shipped packs cannot be ${what}${what === 'replaced' ? '; copy it under a new id' : ''}`,
      'id',
    );
  }
}

function checkedDate(raw: unknown, field: 'from' | 'to'): string {
  const s = typeof raw === 'string' ? raw.trim() : '';
  if (!isLocalDate(s)) throw errors.validation(field, `${field}: must be a calendar date YYYY-MM-DD, e.g. 2026-12-24`);
  return s;
}
