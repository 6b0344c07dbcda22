import { InvalidArgumentError, type Command } from 'commander';
import { EVENT_TYPE_NAMES, type EventType, type Subscription } from '../contract/events.js';
import { print, withServices } from './cli-support.js';

interface AccountOpts {
  accountId: string;
  json?: boolean;
}

const accountOptions = (cmd: Command) =>
  cmd.requiredOption('--account-id <id>', 'account id').option('--json', 'print JSON');

function seqOf(value: string): number {
  if (!/^\d{1,15}$/.test(value)) throw new InvalidArgumentError('an event sequence number (0 or more)');
  return Number(value);
}

function typesOf(value: string): EventType[] {
  const types = value.split(',').map((s) => s.trim());
  const bad = types.filter((x) => !(EVENT_TYPE_NAMES as string[]).includes(x));
  if (bad.length > 0)
    throw new InvalidArgumentError(`unknown event type ${bad.join(', ')}; known: ${EVENT_TYPE_NAMES.join(', ')}`);
  return types as EventType[];
}

function line(s: Subscription): string {
  const types = s.eventTypes ? s.eventTypes.join(',') : 'all';
  const extra = s.status === 'failing' && s.lastError ? `  (${s.lastError})` : '';
  return `${s.id}  ${s.status.padEnd(7)}  cursor ${s.cursor}  ${types}  ${s.url}${extra}\n`;
}

/** `campaignd webhooks …`: event webhook subscriptions, the same use cases as the admin API (docs/events.md). */
export function registerWebhooksCommands(program: Command): void {
  const wh = program.command('webhooks').description('event webhooks: subscriptions, their delivery logs, replay');

  accountOptions(wh.command('add').description('subscribe a URL to the account’s events (prints the secret once)'))
    .requiredOption('--url <url>', 'http(s) URL events are POSTed to')
    .option('--bot <botId>', "only this bot's events")
    .option('--secret <whsec>', 'whsec_… secret (default: generated)')
    .option('--events <types>', `comma-separated event types (default: all): ${EVENT_TYPE_NAMES.join(', ')}`, typesOf)
    .option('--from <seq>', 'deliver events after this sequence number (default: from now on)', seqOf)
    .action(
      async (o: AccountOpts & { url: string; bot?: string; secret?: string; events?: EventType[]; from?: number }) => {
        const out = await withServices((s) =>
          s.webhooks.create({
            accountId: o.accountId,
            url: o.url,
            ...(o.bot !== undefined ? { botId: o.bot } : {}),
            ...(o.secret !== undefined ? { secret: o.secret } : {}),
            ...(o.events !== undefined ? { eventTypes: o.events } : {}),
            ...(o.from !== undefined ? { fromSeq: o.from } : {}),
          }),
        );
        print({ ...out.subscription, secret: out.secret }, o.json);
      },
    );

  accountOptions(wh.command('list').description('the account’s subscriptions')).action(async (o: AccountOpts) => {
    const subs = await withServices((s) => s.webhooks.list(o.accountId));
    if (o.json) print({ subscriptions: subs }, true);
    else for (const sub of subs) process.stdout.write(line(sub));
  });

  for (const [name, paused, what] of [
    ['pause', true, 'stop delivering (events accumulate)'],
    ['resume', false, 'deliver again, from where it stopped'],
  ] as const) {
    accountOptions(wh.command(name).description(what))
      .argument('<id>', 'subscription id (wh-…)')
      .action(async (id: string, o: AccountOpts) => {
        const sub = await withServices((s) => s.webhooks.setPaused(o.accountId, id, paused));
        if (o.json) print(sub, true);
        else process.stdout.write(line(sub));
      });
  }

  accountOptions(wh.command('delete').description('delete a subscription and its delivery log'))
    .argument('<id>', 'subscription id')
    .action(async (id: string, o: AccountOpts) => {
      await withServices((s) => s.webhooks.delete(o.accountId, id));
      print({ deleted: id }, o.json);
    });

  accountOptions(wh.command('deliveries').description('the delivery log, newest first'))
    .argument('<id>', 'subscription id')
    .option('--limit <n>', 'how many (default 50)', seqOf)
    .action(async (id: string, o: AccountOpts & { limit?: number }) => {
      const rows = await withServices((s) => s.webhooks.deliveries(o.accountId, id, Math.min(1000, o.limit ?? 50)));
      if (o.json) print({ deliveries: rows }, true);
      else
        for (const d of rows)
          process.stdout.write(
            `${d.at}  evt_${d.eventSeq}  ${d.ok ? 'ok  ' : 'FAIL'}  ${d.status ?? '-'}  ${d.durationMs} ms${d.error ? `  ${d.error}` : ''}\n`,
          );
    });

  accountOptions(wh.command('replay').description('deliver (again) every matching event after a sequence number'))
    .argument('<id>', 'subscription id')
    .requiredOption('--from <seq>', 'events with a greater sequence number are delivered', seqOf)
    .action(async (id: string, o: AccountOpts & { from: number }) => {
      const sub = await withServices((s) => s.webhooks.replay(o.accountId, id, o.from));
      if (o.json) print(sub, true);
      else process.stdout.write(line(sub));
    });
}
