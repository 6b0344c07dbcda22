import fs from 'node:fs';
import type { Command } from 'commander';
import type { DncChange } from '../contract/dnc.js';
import { print, withServices } from './cli-support.js';

interface TenantOpts {
  accountId: string;
  iid: string;
  json?: boolean;
}

interface ChangeOpts extends TenantOpts {
  list: string;
  file?: string;
  expires?: string;
}

const tenantOptions = (cmd: Command) =>
  cmd
    .requiredOption('--account-id <id>', 'account id')
    .requiredOption('--iid <botId>', 'bot id (st-…)')
    .option('--json', 'print one JSON object');

/** The numbers given as arguments, then those of --file (one a line; blank lines and `#` comments skipped). */
function numbersOf(args: string[], file: string | undefined): string[] {
  const fromFile =
    file === undefined
      ? []
      : fs
          .readFileSync(file === '-' ? 0 : file, 'utf8')
          .split(/\r?\n/)
          .map((l) => l.trim())
          .filter((l) => l !== '' && !l.startsWith('#'));
  return [...args, ...fromFile];
}

/** One line per number (`input  result  E.164  detail`), then the counts; exit code 1 when a number was invalid. */
function printChange(out: DncChange, json: boolean | undefined): void {
  if (json) print({ ...out }, true);
  else {
    const rows = out.results.map((r) => [
      r.input,
      r.result,
      r.number ?? '',
      r.result === 'invalid' ? (r.reason ?? '') : r.expiresAt ? `until ${r.expiresAt}` : '',
    ]);
    const widths = [0, 1, 2].map((i) => Math.max(...rows.map((r) => r[i]!.length)));
    for (const r of rows)
      process.stdout.write(
        `${r
          .map((c, i) => (i < 3 ? c.padEnd(widths[i]!) : c))
          .join('  ')
          .trimEnd()}\n`,
      );
    const counts = Object.entries(out.counts)
      .filter(([, n]) => n > 0)
      .map(([k, n]) => `${n} ${k}`)
      .join(', ');
    process.stdout.write(`list ${out.listName} (${out.listId}): ${counts}\n`);
  }
  if (out.counts.invalid > 0) process.exitCode = 1;
}

/** `campaignd dnc add|remove|lookup`: DNC management, the same use cases as the admin API (docs/imports.md). */
export function registerDncCommands(program: Command): void {
  const dnc = program.command('dnc').description('do-not-call entries: add (with an expiry), remove, look up');

  tenantOptions(dnc.command('add').description('put numbers on a list (a DNC list), for good or until --expires'))
    .requiredOption('--list <name>', 'the list, by name')
    .option('--expires <date>', 'the entries stop counting then: 2027-01-01 (UTC) or 2027-01-01T00:00:00Z')
    .option('--file <path>', "more numbers, one a line ('-' reads stdin)")
    .argument('[numbers...]', "numbers, E.164 or national (the bot's default country)")
    .action(async (numbers: string[], opts: ChangeOpts) => {
      const out = await withServices((s) =>
        s.dncAdmin.add(
          { accountId: opts.accountId, iid: opts.iid },
          { name: opts.list },
          {
            numbers: numbersOf(numbers, opts.file),
            ...(opts.expires !== undefined ? { expiresAt: opts.expires } : {}),
          },
        ),
      );
      printChange(out, opts.json);
    });

  tenantOptions(dnc.command('remove').description('take numbers off a list'))
    .requiredOption('--list <name>', 'the list, by name')
    .option('--file <path>', "more numbers, one a line ('-' reads stdin)")
    .argument('[numbers...]', 'numbers, E.164 or national')
    .action(async (numbers: string[], opts: ChangeOpts) => {
      const out = await withServices((s) =>
        s.dncAdmin.remove(
          { accountId: opts.accountId, iid: opts.iid },
          { name: opts.list },
          { numbers: numbersOf(numbers, opts.file) },
        ),
      );
      printChange(out, opts.json);
    });

  tenantOptions(
    dnc.command('lookup').description("which of the bot's lists (and the global DNC list) hold a number, until when"),
  )
    .argument('<number>', 'E.164 or national')
    .action(async (number: string, opts: TenantOpts) => {
      const out = await withServices((s) => s.dncAdmin.lookup({ accountId: opts.accountId, iid: opts.iid }, number));
      if (opts.json) {
        print({ ...out }, true);
        return;
      }
      process.stdout.write(`${out.number}  ${out.onDnc ? 'on DNC' : 'not on DNC'}\n`);
      for (const l of out.lists) {
        const role = l.isGlobalDNC
          ? 'global DNC list'
          : l.dncListOf.length > 0
            ? `DNC list of ${l.dncListOf.map((c) => c.name).join(', ')}`
            : 'not used as a DNC list';
        const until = l.expiresAt === null ? 'never expires' : `${l.active ? 'until' : 'expired'} ${l.expiresAt}`;
        process.stdout.write(`  ${l.listName} (${l.listId})  ${role}  ${until}\n`);
      }
    });
}
