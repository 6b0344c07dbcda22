import type { Tenant } from '../../storage/repos/campaigns-repo.js';
import type { ContactListsRepo } from '../../storage/repos/contact-lists-repo.js';
import type { ContactsRepo } from '../../storage/repos/contacts-repo.js';

/** How long the id of an account's global DNC list is reused before it is looked up again. */
const GLOBAL_CACHE_MS = 5_000;

/**
 * Do-not-call membership, for the engine: a number is blocked when it is on one of the campaign's
 * DNC lists or on the account's global DNC list (`isGlobalDNC`). Numbers must be E.164 (the form
 * contacts are stored in). Both checks are indexed lookups on contacts(list_id, phone_e164);
 * contacts of unfinished imports do not count.
 *
 *   const blocked = await services.dnc.blockedNumbers(tenant, campaignDncListIds, batchOfE164);
 */
export class DncService {
  private readonly globals = new Map<string, { id: string | null; until: number }>();

  constructor(
    private readonly lists: ContactListsRepo,
    private readonly contacts: ContactsRepo,
    private readonly now: () => number,
  ) {}

  /** True when `e164` is on any of `listIds` or on the account's global DNC list. */
  async isOnDnc(t: Pick<Tenant, 'accountId'>, listIds: readonly string[], e164: string): Promise<boolean> {
    return (await this.blockedNumbers(t, listIds, [e164])).has(e164);
  }

  /** The subset of `numbers` on any of `listIds` or on the account's global DNC list. */
  async blockedNumbers(t: Pick<Tenant, 'accountId'>, listIds: readonly string[], numbers: readonly string[]): Promise<Set<string>> {
    const global = await this.globalListId(t.accountId);
    const ids = global && !listIds.includes(global) ? [...listIds, global] : [...listIds];
    return this.contacts.onLists(ids, numbers);
  }

  /** Forget cached global-list ids (after a global DNC list is created or deleted). */
  invalidate(accountId: string): void {
    this.globals.delete(accountId);
  }

  private async globalListId(accountId: string): Promise<string | null> {
    const now = this.now();
    const hit = this.globals.get(accountId);
    if (hit && hit.until > now) return hit.id;
    const row = await this.lists.findGlobalDnc(accountId);
    const id = row?.id ?? null;
    this.globals.set(accountId, { id, until: now + GLOBAL_CACHE_MS });
    return id;
  }
}
