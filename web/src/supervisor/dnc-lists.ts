import { useEffect, useState } from 'preact/hooks';
import type { components } from '../../../src/client/index.js';
import { KORE } from '../api.js';
import type { ScreenProps } from './live.js';

type ContactList = components['schemas']['ContactList'];

/** Which lists campaigns use as their DNC list: list id -> the campaigns' names. */
export type DncUse = ReadonlyMap<string, string[]>;

/** Campaign pages read to find the campaigns' DNC lists (100 each): the first 2,000 campaigns. */
const MAX_PAGES = 20;

/**
 * The campaigns' DNC lists. A list's `campaignInUse` names every campaign that refers to it, as contacts
 * or as DNC list alike, so the campaigns' `dncLists` tell which is which.
 */
export function useDncUse({ client, iid }: ScreenProps, version: number): DncUse {
  const [use, setUse] = useState<DncUse>(new Map());
  useEffect(() => {
    let cancelled = false;
    void (async () => {
      const found = new Map<string, string[]>();
      for (let page = 1; page <= MAX_PAGES; page++) {
        const { data } = await client.POST(`${KORE}/campaign/getAllCampaignDetails`, {
          params: { path: { iid } },
          body: { page, limit: 100 },
        });
        if (!data) break;
        for (const c of data.data.results)
          if (c.dncLists?.id) found.set(c.dncLists.id, [...(found.get(c.dncLists.id) ?? []), c.name]);
        if (page >= data.data.totalPages) break;
      }
      if (!cancelled) setUse(found);
    })();
    return () => {
      cancelled = true;
    };
  }, [version]);
  return use;
}

/** How a list is a do-not-call list, in words, or undefined for a plain contact list. */
export function dncKindOf(list: ContactList, use: DncUse): string | undefined {
  if (list.isGlobalDNC) return 'Do-not-call (global)';
  const campaigns = use.get(list.id);
  return campaigns ? `Do-not-call (campaign: ${campaigns.join(', ')})` : undefined;
}
