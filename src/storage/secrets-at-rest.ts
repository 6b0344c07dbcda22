import type { Db } from './db.js';

/** How many stored secrets were sealed again, per place. */
export interface Resealed {
  apps: number;
  bots: number;
  kv: number;
  /** Webhook subscriptions' signing secrets (docs/events.md). */
  webhooks: number;
}

/**
 * Seals every stored secret that is not sealed under the current key: values written before
 * secrets were encrypted, and values under an old key (SECRETS_KEYS_OLD) after a rotation. Runs at
 * every start (after migrations) and as `campaignd secrets rotate`; idempotent, so processes
 * starting together do no harm. Fails, naming the key, when a value was sealed with a key it lacks.
 */
export async function resealSecrets(db: Db): Promise<Resealed> {
  const box = db.secrets;
  const out: Resealed = { apps: 0, bots: 0, kv: 0, webhooks: 0 };
  const k = db.kysely;
  for (const app of await k.selectFrom('apps').select(['id', 'secret']).execute()) {
    if (box.isCurrent(app.secret)) continue;
    await k
      .updateTable('apps')
      .set({ secret: box.seal(box.open(app.secret)) })
      .where('id', '=', app.id)
      .execute();
    out.apps++;
  }
  const bots = await k
    .selectFrom('bots')
    .select(['id', 'precall_config'])
    .where('precall_config', 'is not', null)
    .execute();
  for (const bot of bots) {
    if (box.isCurrent(bot.precall_config!)) continue;
    const sealed = box.seal(box.open(bot.precall_config!));
    await k.updateTable('bots').set({ precall_config: sealed }).where('id', '=', bot.id).execute();
    out.bots++;
  }
  for (const kv of await k.selectFrom('kv').select(['key', 'value']).execute()) {
    if (box.isCurrent(kv.value)) continue;
    await k
      .updateTable('kv')
      .set({ value: box.seal(box.open(kv.value)) })
      .where('key', '=', kv.key)
      .execute();
    out.kv++;
  }
  for (const sub of await k.selectFrom('webhook_subscriptions').select(['id', 'secret']).execute()) {
    if (box.isCurrent(sub.secret)) continue;
    await k
      .updateTable('webhook_subscriptions')
      .set({ secret: box.seal(box.open(sub.secret)) })
      .where('id', '=', sub.id)
      .execute();
    out.webhooks++;
  }
  return out;
}
