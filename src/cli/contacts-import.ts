import fs from 'node:fs';
import path from 'node:path';
import cliProgress from 'cli-progress';
import type { Command } from 'commander';
import { warmCsvWorker } from '../domain/contacts/csv-batches.js';
import { parseMapArgs } from '../domain/contacts/csv-source.js';
import { AppError, errors } from '../shared/errors.js';
import type { ImportProgress } from '../domain/contacts/import-source.js';
import { print, withServices } from './cli-support.js';

interface ImportOpts {
  accountId: string;
  iid: string;
  list: string;
  map: string[];
  create?: boolean;
  json?: boolean;
}

/** Plain progress lines at most this often when stderr is not a terminal (logs, CI). */
const PLAIN_EVERY_MS = 2_000;

/**
 * Progress on stderr: a bar (rows, rows/s, ETA from bytes read) on a terminal, else one line every
 * couple of seconds. stdout keeps only the result, so `--json` output stays machine-readable.
 */
function progressReporter(totalBytes: number) {
  const started = Date.now();
  const rate = (rows: number) => Math.round(rows / Math.max(0.001, (Date.now() - started) / 1000));
  if (process.stderr.isTTY) {
    const bar = new cliProgress.SingleBar(
      {
        format: 'importing [{bar}] {percentage}% | {rows} rows | {rate} rows/s | ETA {eta_formatted}',
        stream: process.stderr,
        etaBuffer: 50,
      },
      cliProgress.Presets.shades_classic,
    );
    // Started at the first progress, so an import refused before it begins leaves no empty bar behind.
    let shown = false;
    return {
      update: (bytes: number, p: ImportProgress) => {
        if (!shown) bar.start(totalBytes, 0, { rows: 0, rate: 0 });
        shown = true;
        bar.update(bytes, { rows: p.rows, rate: rate(p.rows) });
      },
      stop: () => shown && bar.stop(),
    };
  }
  let last = 0;
  /** The latest progress not printed yet: `stop` prints it, so the last line has the final counts. */
  let unprinted: (() => void) | undefined;
  return {
    update: (bytes: number, p: ImportProgress) => {
      const pct = totalBytes > 0 ? Math.floor((bytes / totalBytes) * 100) : 100;
      unprinted = () =>
        process.stderr.write(
          `importing: ${p.rows} rows (${pct}%), ${p.imported} imported, ${p.duplicates} duplicate, ${p.rejected} rejected, ${rate(p.rows)} rows/s\n`,
        );
      if (Date.now() - last < PLAIN_EVERY_MS) return;
      last = Date.now();
      unprinted();
      unprinted = undefined;
    },
    stop: () => unprinted?.(),
  };
}

export function registerContactsCommands(program: Command): void {
  const contacts = program.command('contacts').description('contact lists');
  contacts
    .command('import')
    .description('import a CSV file into a contact list (streamed; progress on stderr)')
    .requiredOption('--account-id <id>', 'account id')
    .requiredOption('--iid <botId>', 'bot id (st-…)')
    .requiredOption('--list <name>', 'contact list name')
    .option(
      '--map <column=field>',
      'map a CSV column to phoneNumber, firstName, lastName, timeZone, uniqueId, contactPriority or extra:<name> (repeatable)',
      (v: string, acc: string[]) => [...acc, v],
      [],
    )
    .option('--create', 'create the list (passiveApi, no duplicates) if it does not exist')
    .option('--json', 'print one JSON object')
    .argument('<file>', 'CSV file with a header row')
    .action(async (file: string, opts: ImportOpts) => {
      const stat = fs.statSync(file, { throwIfNoEntry: false });
      // The CSV worker (if a core is spare) loads while the database opens and the list is found.
      const warm = warmCsvWorker(stat?.isFile() ? stat.size : 0);
      const job = await withServices(async (s) => {
        if (!stat?.isFile()) throw errors.validation('file', `${file}: no such file`);
        const mapping = parseMapArgs(opts.map);
        const progress = progressReporter(stat.size);
        try {
          return await s.imports.submit({
            tenant: { accountId: opts.accountId, botId: opts.iid },
            list: { name: opts.list, create: opts.create === true },
            input: { csv: { file }, fileName: path.basename(file), mapping, sizeBytes: stat.size, warm },
            onProgress: (p) => progress.update(p.bytesRead ?? 0, p),
            onWaiting: () =>
              process.stderr.write(
                `waiting: another process is importing into '${opts.list}'; this import starts when that one ends\n`,
              ),
          });
        } catch (err) {
          // The service names the list; the hint about this command's own flag belongs here.
          if (err instanceof AppError && err.code === 'CONTACT_LIST_NOT_FOUND') {
            throw new AppError(
              err.status,
              err.code,
              `contact list '${opts.list}' does not exist (use --create to create it)`,
            );
          }
          throw err;
        } finally {
          progress.stop();
        }
      }).finally(() => warm.close());
      print({ ...job }, opts.json);
    });
}
