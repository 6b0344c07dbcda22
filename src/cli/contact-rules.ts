import fs from 'node:fs';
import { InvalidArgumentError, type Command } from 'commander';
import type { Blackout } from '../contract/contact-rules.js';
import { print, withServices } from './cli-support.js';

/**
 * `--frequency-caps 3/24h,10/7d` (`none`: clear): caps as `attempts/window`, the window in hours
 * (`h`) or days (`d`). Range checks are the admin API's (AdminService), so both say the same.
 */
export function parseFrequencyCaps(v: string): { attempts: number; hours: number }[] {
  if (v.trim().toLowerCase() === 'none') return [];
  return v.split(',').map((part) => {
    const m = /^\s*(\d{1,9})\s*\/\s*(\d{1,9})\s*([hd])\s*$/i.exec(part);
    if (!m) throw new InvalidArgumentError(`expected caps like 3/24h,10/7d (attempts/hours or days) or 'none'`);
    return { attempts: Number(m[1]), hours: Number(m[2]) * (m[3]!.toLowerCase() === 'd' ? 24 : 1) };
  });
}

/** `--rule-packs us-federal,us-fl` (`none`: clear). */
export function parseRulePackIds(v: string): string[] {
  if (v.trim().toLowerCase() === 'none') return [];
  const ids = v.split(',').map((s) => s.trim());
  if (ids.some((s) => s === '')) throw new InvalidArgumentError("expected pack ids like us-federal,us-fl or 'none'");
  return ids;
}

/** A usage problem found before any work: one line on stderr, exit code 1. */
function fail(message: string): void {
  process.stderr.write(`campaignd: ${message}\n`);
  process.exitCode = 1;
}

interface JsonOpt {
  json?: boolean;
}

interface BlackoutOpts extends JsonOpt {
  accountId: string;
  iid?: string;
  name?: string;
  from?: string;
  to?: string;
}

const blackoutLine = (b: Blackout): string =>
  `${b.id}  ${b.from === b.to ? b.from : `${b.from}..${b.to}`}  ${b.iid ?? 'every bot'}  ${b.name}\n`;

/** `campaignd rule-packs …` and `campaignd blackouts …`: the same use cases as the admin API. */
export function registerContactRulesCommands(program: Command): void {
  const packs = program
    .command('rule-packs')
    .description('jurisdiction rule packs: the shipped ones and your own (docs/contact-protection.md)');

  packs
    .command('list')
    .description('every pack a bot may choose, with the bots that chose it')
    .option('--json', 'print one JSON object')
    .action(async (opts: JsonOpt) => {
      const out = await withServices((s) => s.rulesAdmin.listPacks());
      if (opts.json) return print({ ...out }, true);
      for (const p of out.results) {
        const used = p.usedBy.length > 0 ? `  used by ${p.usedBy.join(', ')}` : '';
        process.stdout.write(`${p.id}  ${p.version}  ${p.builtIn ? 'shipped' : 'custom'}  ${p.name}${used}\n`);
      }
    });

  packs
    .command('show')
    .description('print a whole pack (JSON)')
    .argument('<id>', 'pack id, e.g. us-fl')
    .option('--json', 'print one JSON object on one line')
    .action(async (id: string, opts: JsonOpt) => {
      const pack = await withServices((s) => s.rulesAdmin.findPack(id));
      process.stdout.write(`${JSON.stringify(pack, null, opts.json ? undefined : 2)}\n`);
    });

  packs
    .command('add')
    .description("create or replace your own pack from a JSON file (its id is the file's id; shipped ids are refused)")
    .argument('<file>', "the pack, JSON ('-' reads stdin)")
    .option('--json', 'print one JSON object')
    .action(async (file: string, opts: JsonOpt) => {
      let body: unknown;
      try {
        body = JSON.parse(fs.readFileSync(file === '-' ? 0 : file, 'utf8'));
      } catch (err) {
        return fail(`${file}: ${(err as Error).message}`);
      }
      const id = (body as { id?: unknown } | null)?.id;
      if (typeof id !== 'string') return fail(`${file}: the pack has no "id"`);
      const out = await withServices((s) => s.rulesAdmin.putPack(id, body));
      const { version, name } = out.pack;
      print({ id: out.pack.id, version, name, result: out.created ? 'created' : 'replaced' }, opts.json);
    });

  packs
    .command('remove')
    .description('delete your own pack (not a shipped one, nor one a bot uses)')
    .argument('<id>', 'pack id')
    .option('--json', 'print one JSON object')
    .action(async (id: string, opts: JsonOpt) => {
      await withServices((s) => s.rulesAdmin.deletePack(id));
      print({ id, result: 'removed' }, opts.json);
    });

  const blackouts = program
    .command('blackouts')
    .description('dates on which nobody of an account (or bot) is called, in the contact’s own time zone');

  blackouts
    .command('list')
    .description("the account's blackouts, or with --iid those that apply to the bot")
    .requiredOption('--account-id <id>', 'account id')
    .option('--iid <botId>', 'bot id (st-…)')
    .option('--json', 'print one JSON object')
    .action(async (opts: BlackoutOpts) => {
      const out = await withServices((s) =>
        s.rulesAdmin.listBlackouts({ accountId: opts.accountId, ...(opts.iid !== undefined ? { iid: opts.iid } : {}) }),
      );
      if (opts.json) return print({ ...out }, true);
      for (const b of out.results) process.stdout.write(blackoutLine(b));
    });

  blackouts
    .command('add')
    .description('add a blackout: one date (--from) or a range (--from … --to …), for the account or one bot')
    .requiredOption('--account-id <id>', 'account id')
    .option('--iid <botId>', 'only this bot (default: every bot of the account)')
    .requiredOption('--name <name>', 'e.g. Company holiday')
    .requiredOption('--from <date>', 'YYYY-MM-DD')
    .option('--to <date>', 'YYYY-MM-DD, included (default: --from); at most 366 days')
    .option('--json', 'print one JSON object')
    .action(async (opts: BlackoutOpts) => {
      const b = await withServices((s) =>
        s.rulesAdmin.addBlackout({
          accountId: opts.accountId,
          name: opts.name!,
          from: opts.from!,
          ...(opts.iid !== undefined ? { iid: opts.iid } : {}),
          ...(opts.to !== undefined ? { to: opts.to } : {}),
        }),
      );
      print({ ...b }, opts.json);
    });

  blackouts
    .command('remove')
    .description('remove a blackout of the account')
    .argument('<id>', 'blackout id (blk-…)')
    .requiredOption('--account-id <id>', 'account id')
    .option('--json', 'print one JSON object')
    .action(async (id: string, opts: BlackoutOpts) => {
      await withServices((s) => s.rulesAdmin.deleteBlackout({ accountId: opts.accountId }, id));
      print({ id, result: 'removed' }, opts.json);
    });
}
