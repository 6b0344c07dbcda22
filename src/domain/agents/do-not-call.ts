import { errors } from '../../shared/errors.js';
import type { Tenant } from '../../shared/tenant.js';
import type { ContactListsRepo } from '../../storage/repos/contact-lists-repo.js';
import type { ContactListService } from '../contacts/contact-list-service.js';
import type { ImportService } from '../contacts/import-service.js';
import type { AddToDnc } from './call-dispositions.js';

/** The name of the global DNC list made for an account that has none when an agent first needs one. */
export const GLOBAL_DNC_NAME = 'Global DNC';

/**
 * A disposition's do-not-call: the number goes on the campaign's own DNC list, or, when it has
 * none, on the account's global DNC list (as Kore's agents add numbers to the Global DNC), which is
 * created when the account has none. Added through the one import use case, so the number counts
 * for every campaign checked against that list from now on.
 */
export function addToDncVia(
  imports: ImportService,
  lists: ContactListsRepo,
  contactLists: ContactListService,
): AddToDnc {
  const globalList = async (t: Tenant): Promise<{ id: string; name: string }> => {
    const global = await lists.findGlobalDnc(t.accountId);
    if (global) return { id: global.id, name: global.name };
    try {
      const made = await contactLists.create(t, { name: GLOBAL_DNC_NAME, isGlobalDNC: true });
      return { id: made._id, name: made.name };
    } catch (err) {
      // Another agent's disposition made it a moment ago.
      const now = await lists.findGlobalDnc(t.accountId);
      if (now) return { id: now.id, name: now.name };
      throw err;
    }
  };
  return async (t, campaignDnc, e164) => {
    const target = campaignDnc ?? (await globalList(t));
    const job = await imports.submit({ tenant: t, list: { id: target.id }, input: { rows: [{ phoneNumber: e164 }] } });
    if (job.status !== 'completed')
      throw errors.unavailable(`Could not add ${e164} to DNC list ${target.name}: ${job.error ?? job.status}`);
    return { listId: target.id, listName: target.name };
  };
}
