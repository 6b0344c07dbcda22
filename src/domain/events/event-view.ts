import type { Event } from '../../contract/events.js';
import type { StoredEvent } from '../../storage/repos/webhooks-repo.js';

/** An outbox row as receivers see it: the envelope of docs/events.md. */
export function toEvent(r: StoredEvent): Event {
  return {
    id: `evt_${r.seq}`,
    seq: Number(r.seq),
    type: r.type as Event['type'],
    version: r.version,
    timestamp: new Date(Number(r.occurred_at)).toISOString(),
    accountId: r.account_id,
    botId: r.bot_id,
    data: JSON.parse(r.data) as Record<string, unknown>,
  };
}
