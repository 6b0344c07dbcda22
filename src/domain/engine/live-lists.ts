import { newId } from '../../shared/ids.js';
import type { ContactsRepo } from '../../storage/repos/contacts-repo.js';
import type { AbsorbableList, LiveListsRepo } from '../../storage/repos/live-lists-repo.js';
import type { DncService } from '../contacts/dnc.js';
import type { CampaignPolicy } from './campaign-policy.js';
import { dncHitsOf, planRecords } from './dial-plan.js';

/** Contacts taken into one run per list per tick: one transaction each, like an import's batch. */
export const LIVE_BATCH = 2_000;

/**
 * Live lists: contacts that become visible on a list of a running campaign (addContacts, a CSV
 * import, `campaignd contacts import`: when their import completes) join the run. The engine asks
 * at every tick for its Active instances; each list of a run keeps a high-water mark
 * (`instance_lists.absorbed_seq`), so the work is a probe per list plus the range of new contacts,
 * never a scan of the lists, and any engine process picks up where another stopped or crashed.
 *
 * New contacts go through what play does (dial-plan.ts): one record per number (a number already
 * in the run is not added), DNC-scrubbed against the campaign's and the account's global list
 * (a hit is a final `dnc` record), ordered by contactPriority then list order among themselves.
 * Against the records already in the run: FIFO puts them after every one of them (next_at from
 * now: after whatever is due), LIFO before every one (next_at as play gave its records, so they
 * come first). docs/engine.md, "Live lists".
 */
export class LiveLists {
  constructor(
    private readonly repo: LiveListsRepo,
    private readonly contacts: ContactsRepo,
    private readonly dnc: DncService,
  ) {}

  /** Takes in up to LIVE_BATCH new contacts per list of each running instance; returns how many records it added. */
  async absorb(policies: ReadonlyMap<string, CampaignPolicy>, now: number): Promise<number> {
    let added = 0;
    for (const list of await this.repo.pending([...policies.keys()])) {
      const policy = policies.get(list.instanceId);
      if (policy) added += await this.absorbList(list, policy, now);
    }
    return added;
  }

  private async absorbList(list: AbsorbableList, policy: CampaignPolicy, now: number): Promise<number> {
    const contacts = await this.contacts.playContactsAfter(list.listNo, list.absorbedSeq, LIVE_BATCH);
    // Fewer than a batch: everything visible up to visibleSeq was read (seqs of deleted rows are gaps).
    const toSeq =
      contacts.length === LIVE_BATCH
        ? Number(contacts[contacts.length - 1]!.seq)
        : Math.max(list.visibleSeq, ...contacts.map((c) => Number(c.seq)));
    const order = policy.dialingOrder ?? 'FIFO';
    const hits = await this.dnc.hits(await this.dnc.listsFor(policy, policy.dncList), [
      ...new Set(contacts.map((c) => c.phone_e164)),
    ]);
    const plan = planRecords({
      instance: { id: list.instanceId, campaign_id: policy.campaignId },
      contacts,
      order,
      dnc: dncHitsOf(hits),
      hours: policy.hours,
      now,
      windowFrom: order === 'LIFO' ? list.startedAt : now,
      newId: () => newId('dr'),
    });
    const done = await this.repo.absorb({
      instanceId: list.instanceId,
      listNo: list.listNo,
      fromSeq: list.absorbedSeq,
      toSeq,
      records: plan.records,
      placement: order === 'LIFO' ? 'before' : 'after',
      at: now,
    });
    return done?.added ?? 0;
  }
}
