import type { Clock } from '../../shared/clock.js';
import type { Tenant } from '../../shared/tenant.js';
import type { ContactListsRepo } from '../../storage/repos/contact-lists-repo.js';
import type { ContactsRepo } from '../../storage/repos/contacts-repo.js';

/** A DNC list a campaign's numbers are checked against, and why it applies. */
export interface DncList {
  id: string;
  name: string;
  kind: 'campaign DNC list' | 'global DNC list';
}

/** A list a number is on, and until when the entry counts (epoch ms; null: never expires). */
export interface DncListHit extends DncList {
  expiresAt: number | null;
}

/**
 * Do-not-call membership, for the engine: a number is blocked when it is on one of the campaign's
 * DNC lists or on the account's global DNC list (`isGlobalDNC`). Numbers must be E.164 (the form
 * contacts are stored in). Both checks are indexed lookups in contact_phones (list_no, phone_e164);
 * contacts of unfinished imports do not count (ContactsRepo reads only visible ones), nor do
 * entries whose expiry (`expires_at`, DNC management) is at or before the clock's now. Nothing is
 * cached: the engine asks right before dialing, and a global list created, an entry removed or
 * expired a moment ago (by another process, too) must already count.
 *
 *   const blocked = await services.dnc.blockedNumbers(tenant, campaignDncListIds, batchOfE164);
 */
export class DncService {
  constructor(
    private readonly lists: ContactListsRepo,
    private readonly contacts: ContactsRepo,
    private readonly clock: Clock,
  ) {}

  /** True when `e164` is on any of `listIds` or on the account's global DNC list. */
  async isOnDnc(t: Pick<Tenant, 'accountId'>, listIds: readonly string[], e164: string): Promise<boolean> {
    return (await this.blockedNumbers(t, listIds, [e164])).has(e164);
  }

  /** The subset of `numbers` on any of `listIds` or on the account's global DNC list. */
  async blockedNumbers(
    t: Pick<Tenant, 'accountId'>,
    listIds: readonly string[],
    numbers: readonly string[],
  ): Promise<Set<string>> {
    const global = (await this.lists.findGlobalDnc(t.accountId))?.id;
    const ids = global && !listIds.includes(global) ? [...listIds, global] : [...listIds];
    return new Set((await this.contacts.onLists(ids, numbers, this.clock.now())).keys());
  }

  /** The lists a campaign is checked against, with their names (play and explain say which one a number is on). */
  async listsFor(t: Pick<Tenant, 'accountId'>, own: { id: string; name: string } | undefined): Promise<DncList[]> {
    const out: DncList[] = own ? [{ id: own.id, name: own.name, kind: 'campaign DNC list' }] : [];
    const global = await this.lists.findGlobalDnc(t.accountId);
    if (global && global.id !== own?.id) out.push({ id: global.id, name: global.name, kind: 'global DNC list' });
    return out;
  }

  /** Which of `numbers` are on `lists` now (unexpired), each with the list whose entry holds longest. */
  async hits(lists: readonly DncList[], numbers: readonly string[]): Promise<Map<string, DncListHit>> {
    const byId = new Map(lists.map((l) => [l.id, l]));
    const hits = await this.contacts.entriesOn([...byId.keys()], numbers, this.clock.now());
    return new Map([...hits].map(([phone, e]) => [phone, { ...byId.get(e.listId)!, expiresAt: e.expiresAt }]));
  }
}
