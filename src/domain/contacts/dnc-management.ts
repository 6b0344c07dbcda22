import { MAX_DNC_NUMBERS, type DncChange, type DncLookup, type DncNumberResult } from '../../contract/dnc.js';
import type { Clock } from '../../shared/clock.js';
import { errors } from '../../shared/errors.js';
import { parseIsoTime } from '../../shared/iso-time.js';
import type { Tenant } from '../../shared/tenant.js';
import type { ContactListsRepo } from '../../storage/repos/contact-lists-repo.js';
import type { DncEntriesRepo } from '../../storage/repos/dnc-entries-repo.js';
import type { TenancyRepo } from '../../storage/repos/tenancy-repo.js';
import type { ContactListRow } from '../../storage/schema.js';
import type { ImportService } from './import-service.js';
import { normalisePhone } from './phone.js';

/** The tenant as the admin API and the CLI name it. */
export interface DncTenant {
  accountId: string;
  iid: string;
}

type Result = DncNumberResult['result'];

/** A list by id (the admin API) or by name, case-insensitive (the CLI's --list). */
export type DncListRef = string | { name: string };

const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/;
const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

/**
 * DNC management (docs/imports.md "DNC management"): add numbers to a list, optionally until a
 * date, take them off, and look one up across the bot's lists and the account's global DNC list.
 * An entry is a row of its list like any contact, so the engine's DNC check (DncService) sees an
 * addition, a removal or an expiry at its next dial; adding goes through the import use case, so
 * it waits for an import running into the same list and keeps list order.
 *
 *   await services.dncAdmin.add({ accountId, iid }, listId, { numbers: ['+14155550100'], expiresAt: '2027-01-01' });
 */
export class DncManagement {
  constructor(
    private readonly d: {
      lists: ContactListsRepo;
      entries: DncEntriesRepo;
      tenancy: TenancyRepo;
      imports: ImportService;
      clock: Clock;
    },
  ) {}

  /** Puts `numbers` on the list (until `expiresAt`, or for good); numbers already there take that expiry. */
  async add(
    who: DncTenant,
    listId: DncListRef,
    body: { numbers: readonly string[]; expiresAt?: string | null | undefined },
  ): Promise<DncChange> {
    const expiresAt = this.expiryOf(body.expiresAt);
    const { t, list, parsed } = await this.prepare(who, listId, body.numbers);
    const wanted = [...new Set(parsed.flatMap((p) => (p.number ? [p.number] : [])))];
    const held = new Map<string, (number | null)[]>();
    for (const e of await this.d.entries.entries([list.id], wanted))
      held.set(e.phone, [...(held.get(e.phone) ?? []), e.expiresAt]);

    const outcome = new Map<string, Result>();
    const toUpdate: string[] = [];
    const toAdd: string[] = [];
    for (const n of wanted) {
      const now = held.get(n);
      if (!now) toAdd.push(n);
      else if (now.every((x) => x === expiresAt)) outcome.set(n, 'already');
      else toUpdate.push(n);
    }
    if (toAdd.length > 0) {
      const job = await this.d.imports.submit({
        tenant: t,
        list: { id: list.id },
        input: { rows: toAdd.map((phoneNumber) => ({ phoneNumber })) },
      });
      if (job.status !== 'completed')
        throw errors.unavailable(`Could not add numbers to list ${list.name}: ${job.error ?? job.status}`);
      // Visible (and counted as permanent) from the import's completion until this sets the expiry:
      // the safe side for a moment, never a call that should not happen.
      if (expiresAt !== null) await this.d.entries.setExpiry(list.id, toAdd, expiresAt);
      for (const n of toAdd) outcome.set(n, 'added');
    }
    if (toUpdate.length > 0) {
      await this.d.entries.setExpiry(list.id, toUpdate, expiresAt);
      for (const n of toUpdate) outcome.set(n, 'updated');
    }
    return this.answer(list, parsed, outcome, iso(expiresAt));
  }

  /** Takes every entry of `numbers` off the list (all of its rows, when the list allows duplicates). */
  async remove(who: DncTenant, listId: DncListRef, body: { numbers: readonly string[] }): Promise<DncChange> {
    const { list, parsed } = await this.prepare(who, listId, body.numbers);
    const wanted = [...new Set(parsed.flatMap((p) => (p.number ? [p.number] : [])))];
    const removed = await this.d.entries.remove(list.id, wanted);
    const outcome = new Map<string, Result>(wanted.map((n) => [n, removed.has(n) ? 'removed' : 'not_found']));
    return this.answer(list, parsed, outcome, undefined);
  }

  /** Every list of the bot, and the account's global DNC list, holding the number, with each entry's expiry. */
  async lookup(who: DncTenant, raw: string): Promise<DncLookup> {
    const t = this.tenantOf(who);
    const country = await this.countryOf(t);
    const phone = normalisePhone(raw, country);
    if (!phone.ok) throw errors.validation('number', `number: ${phone.reason}`);
    const lists = await this.d.lists.listAll(t);
    const global = await this.d.lists.findGlobalDnc(t.accountId);
    if (global && !lists.some((l) => l.id === global.id)) lists.push(global);
    const found = await this.d.entries.entries(
      lists.map((l) => l.id),
      [phone.e164],
    );
    const ids = [...new Set(found.map((e) => e.listId))];
    const uses = (await this.d.lists.usesOf(ids)).filter((u) => u.role === 'dnc');
    const byId = new Map(lists.map((l) => [l.id, l]));
    const now = this.d.clock.now();
    const out = ids.map((id) => {
      // A list that allows duplicates may hold the number more than once: the entry that holds longest answers.
      const mine = found.filter((e) => e.listId === id).map((e) => e.expiresAt);
      const expiresAt = mine.includes(null) ? null : Math.max(...(mine as number[]));
      const list = byId.get(id)!;
      return {
        listId: id,
        listName: list.name,
        isGlobalDNC: list.is_global_dnc === 1,
        dncListOf: uses.filter((u) => u.listId === id).map((u) => ({ id: u.id, name: u.name })),
        expiresAt: iso(expiresAt),
        active: expiresAt === null || expiresAt > now,
      };
    });
    return {
      number: phone.e164,
      onDnc: out.some((l) => l.active && (l.isGlobalDNC || l.dncListOf.length > 0)),
      lists: out,
    };
  }

  private tenantOf(who: DncTenant): Tenant {
    return { accountId: who.accountId, botId: who.iid };
  }

  private async countryOf(t: Tenant): Promise<string> {
    const bot = await this.d.tenancy.findBot(t.botId);
    if (!bot || bot.account_id !== t.accountId) throw errors.notFound('Bot', `${t.botId} in account ${t.accountId}`);
    return bot.default_country;
  }

  /** The expiry as epoch ms (null: never); a bad or past one is a 400 naming `expiresAt`. */
  private expiryOf(raw: string | null | undefined): number | null {
    if (raw === undefined || raw === null) return null;
    const ms = DATE_ONLY.test(raw.trim()) ? parseIsoTime(raw) : parseIsoTime(raw, { requireZone: true });
    if (ms === undefined)
      throw errors.validation(
        'expiresAt',
        'expiresAt: must be a date (2027-01-01) or a date-time with a zone (2027-01-01T00:00:00Z)',
      );
    if (ms <= this.d.clock.now()) throw errors.validation('expiresAt', 'expiresAt: must be in the future');
    return ms;
  }

  private async prepare(who: DncTenant, ref: DncListRef, numbers: readonly string[]) {
    if (numbers.length === 0) throw errors.validation('numbers', 'numbers: give at least one number');
    if (numbers.length > MAX_DNC_NUMBERS)
      throw errors.validation('numbers', `numbers: at most ${MAX_DNC_NUMBERS} per request (got ${numbers.length})`);
    const t = this.tenantOf(who);
    const country = await this.countryOf(t);
    const list = typeof ref === 'string' ? await this.d.lists.find(t, ref) : await this.d.lists.findByName(t, ref.name);
    if (!list) throw errors.contactListNotFound(typeof ref === 'string' ? ref : `'${ref.name}'`);
    const parsed = numbers.map((input) => {
      const p = normalisePhone(input, country);
      return p.ok ? { input, number: p.e164 } : { input, number: null, reason: p.reason };
    });
    return { t, list, parsed };
  }

  private answer(
    list: ContactListRow,
    parsed: { input: string; number: string | null; reason?: string }[],
    outcome: ReadonlyMap<string, Result>,
    expiresAt: string | null | undefined,
  ): DncChange {
    const counts = { added: 0, already: 0, updated: 0, removed: 0, not_found: 0, invalid: 0 };
    // A number given twice is answered as if the requests were made in turn: the second finds the first's work done.
    const seen = new Set<string>();
    const again: Result = expiresAt === undefined ? 'not_found' : 'already';
    const results = parsed.map((p): DncNumberResult => {
      if (p.number === null) {
        counts.invalid++;
        return { input: p.input, number: null, result: 'invalid', reason: p.reason ?? 'not a phone number' };
      }
      const result = seen.has(p.number) ? again : outcome.get(p.number)!;
      seen.add(p.number);
      counts[result]++;
      return { input: p.input, number: p.number, result, ...(expiresAt !== undefined ? { expiresAt } : {}) };
    });
    return { listId: list.id, listName: list.name, counts, results };
  }
}
