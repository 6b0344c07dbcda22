import { Readable, pipeline } from 'node:stream';
import { CsvError, parse } from 'csv-parse';
import type { Options } from 'csv-parse';
import { errors } from '../../shared/errors.js';
import { toCopyText } from '../../storage/repos/copy-text.js';
import { emptyBatch, packContact, type ImportBatch, type PackedContact } from '../../storage/repos/import-batch.js';
import { KNOWN_FIELDS, contactFromValues, csvRowPacker, parseTarget, planColumns } from './contact-record.js';
import type { ColumnError, ColumnPlan, ContactField, ContactResult } from './contact-record.js';
import { CsvParser, CsvSyntaxError, type CsvRecord } from './csv-parser.js';
import { toCountryCode } from './phone.js';

/*
 * Streaming CSV import: rows are pulled one at a time by the consumer (`for await`), so a
 * million-row file is read with flat memory and the consumer's pace (batched DB inserts) is the
 * pace of the read: the next chunk of input is read only when the rows of the last one are taken.
 *
 * The tokenizer is csv-parser.ts, which behaves as csv-parse 6 does with the options below
 * (readCsvRowsReference still runs csv-parse itself: for UTF-16 input, and as the reference the
 * tests compare against); line numbers are counted by the tokenizer.
 *
 * csv-parse v6 research, and what was chosen:
 * - Records are read as arrays (`columns` off) and the header is handled here: that lets a row
 *   with the wrong number of cells become a rejected row with a reason, instead of either aborting
 *   the import (`relax_column_count: false`) or vanishing (`skip_records_with_error` drops the
 *   record and only reports it to `on_skip`; it also lost the following record after a
 *   CSV_MAX_RECORD_SIZE error in our trials). Extra cells that are all empty are tolerated
 *   (trailing commas from spreadsheet exports); missing cells are not.
 * - `relax_quotes`: a stray quote inside an unquoted cell (5'10" or 12"3) is kept as text.
 * - An unclosed quote or a record over `maxRowBytes` aborts the import with an AppError naming the
 *   line: past that point the file cannot be split into rows reliably, and the size cap is what
 *   stops one unclosed quote from buffering the whole rest of the file in memory.
 * - Line numbers: `rowNumber` is the physical line on which the data row starts (header = line 1,
 *   blank lines counted, CRLF once). csv-parse's own `info.lines` counts a CRLF inside a quoted
 *   cell twice and reports the end line; the reference reader counts from each record's `raw`
 *   text, which drops the LF of a CRLF and so is one line short after a blank CRLF line followed
 *   by a blank LF line (csv-parser.ts counts the bytes themselves).
 * - Blank lines and rows whose cells are all blank (",,,") are skipped silently. This is done in
 *   our on_record hook, not with `skip_records_with_empty_values`, whose skipped records take their
 *   `raw` text (and so their line breaks) with them.
 * - Record delimiters CRLF, LF and CR are all accepted, even mixed in one file. A UTF-8 BOM is dropped.
 */

/** Default cap on one record, in characters: 150 extra columns of 1 KiB plus the known fields fit. */
export const DEFAULT_MAX_ROW_BYTES = 256 * 1024;

export interface CsvRow {
  /** Physical line number where the data row starts; the header is line 1. */
  rowNumber: number;
  result: ContactResult;
}

export interface CsvOptions {
  /** Source column -> known field or `extra:<name>` (see parseMapArgs). */
  mapping?: Record<string, string>;
  /** ISO2 country for numbers written in national format. */
  defaultCountry: string;
  /** Largest record accepted, in characters (csv-parse counts characters). Default 262144. */
  maxRowBytes?: number;
  /** Import batches carry their contacts as COPY text (`ImportBatch.copy`: PostgreSQL's writer wants them so). */
  copyText?: boolean;
}

interface RawRecord {
  record: string[];
  raw: string;
}

interface ParsedRecord {
  cells: string[];
  /** Physical line the record starts on. */
  line: number;
}

/**
 * Reads contacts from a CSV stream. Throws (on the first `next()`) an AppError when the file cannot
 * be imported at all: no header, duplicate or conflicting columns, no phone column, a mapped column
 * that does not exist, an unknown default country; later, on an unclosed quote or an oversized row.
 */
export async function* readCsvRows(
  input: NodeJS.ReadableStream,
  opts: CsvOptions,
): AsyncGenerator<CsvRow, void, undefined> {
  for await (const chunk of csvChunks(input, opts)) {
    if ('reference' in chunk) yield* chunk.reference;
    else
      for (const { cells, line } of chunk.records)
        yield { rowNumber: line, result: rowResult(chunk.plan, cells, opts.defaultCountry) };
  }
}

/**
 * readCsvRows as import batches of `batchRows` rows (rejected rows count, as they are reported):
 * the same rows and reasons, valid contacts packed for the insert. The import's hot path: the rows
 * of one input chunk are converted in one synchronous loop, and only batches cross a promise.
 */
export async function* readCsvImportBatches(
  input: NodeJS.ReadableStream,
  opts: CsvOptions,
  batchRows: number,
): AsyncGenerator<ImportBatch, void, undefined> {
  const encoded = opts.copyText ? asCopyText : (b: ImportBatch) => b;
  let batch = emptyBatch();
  let pack: ReturnType<typeof csvRowPacker> | undefined;
  for await (const chunk of csvChunks(input, opts)) {
    if ('reference' in chunk) {
      for await (const { rowNumber, result } of chunk.reference) {
        addRow(batch, rowNumber, result.ok ? { ok: true, contact: packContact(result.contact) } : result);
        if (batch.rows >= batchRows) {
          yield encoded(batch);
          batch = emptyBatch();
        }
      }
      continue;
    }
    const { plan, records } = chunk;
    pack ??= csvRowPacker(plan, opts.defaultCountry); // one header, one plan
    for (let i = 0; i < records.length; i++) {
      const { cells, line } = records[i]!;
      addRow(batch, line, checkedColumns(plan, cells) ?? pack(cells));
      if (batch.rows >= batchRows) {
        yield encoded(batch);
        batch = emptyBatch();
      }
    }
  }
  if (batch.rows > 0) yield encoded(batch);
}

/** `batch` with its contacts as COPY text. */
function asCopyText(batch: ImportBatch): ImportBatch {
  return { ...batch, contacts: [], copy: [toCopyText(batch.contacts)] };
}

function addRow(
  batch: ImportBatch,
  rowNumber: number,
  result: { ok: true; contact: PackedContact } | { ok: false; errors: ColumnError[] },
): void {
  batch.rows++;
  if (result.ok) batch.contacts.push(result.contact);
  else {
    batch.rejectedRows++;
    for (const e of result.errors) batch.rejects.push({ rowNumber, column: e.column, reason: e.reason });
  }
}

/** `input` as a stream that reports the size of every chunk read from it. */
export function counted(input: NodeJS.ReadableStream, onChunk: (bytes: number) => void): NodeJS.ReadableStream {
  return Readable.from(
    (async function* () {
      for await (const chunk of input as AsyncIterable<Buffer | string>) {
        onChunk(typeof chunk === 'string' ? Buffer.byteLength(chunk) : chunk.length);
        yield chunk;
      }
    })(),
    { objectMode: false },
  );
}

/**
 * What the tokenizer made of one chunk of input: the data records (header and blank rows taken
 * out) with the header's plan; or, for a UTF-16 file, the whole file read by csv-parse.
 */
type CsvChunk = { plan: ColumnPlan; records: CsvRecord[] } | { reference: AsyncGenerator<CsvRow, void, undefined> };

async function* csvChunks(input: NodeJS.ReadableStream, opts: CsvOptions): AsyncGenerator<CsvChunk, void, undefined> {
  if (!toCountryCode(opts.defaultCountry)) {
    throw errors.validation('defaultCountry', `"${opts.defaultCountry}" is not a supported ISO 3166 country code`);
  }
  const parser = new CsvParser(opts.maxRowBytes ?? DEFAULT_MAX_ROW_BYTES);
  let records: CsvRecord[] = [];
  let plan: ColumnPlan | undefined;
  let failure: Error | undefined;
  /** Feeds the parser; false for a UTF-16 file. A syntax error is kept until the rows before it are out. */
  const feed = (chunk: Buffer | undefined): boolean => {
    try {
      return chunk === undefined ? parser.end(records) : parser.push(chunk, records);
    } catch (err) {
      failure = err instanceof CsvSyntaxError ? syntaxError(err) : (err as Error);
      return true;
    }
  };
  /** The data records fed so far: the header becomes the plan, blank rows go. */
  const take = (): CsvChunk | undefined => {
    let data = records;
    records = [];
    if (!plan && data.length > 0) {
      plan = planHeader(data[0]!.cells, opts.mapping);
      data = data.slice(1);
    }
    data = data.filter((r) => !isBlank(r.cells));
    return plan && data.length > 0 ? { plan, records: data } : undefined;
  };
  const chunks = input as AsyncIterable<Buffer | string>;
  for await (const chunk of chunks) {
    if (!feed(typeof chunk === 'string' ? Buffer.from(chunk) : chunk)) {
      yield { reference: readCsvRowsReference(replay(parser.unread(), chunks), opts) };
      return;
    }
    const out = take();
    if (out) yield out;
    if (failure) throw failure;
  }
  if (!feed(undefined)) {
    yield { reference: readCsvRowsReference(replay(parser.unread(), []), opts) };
    return;
  }
  const out = take();
  if (out) yield out;
  if (failure) throw failure;
  if (!plan) throw errors.validation('file', 'CSV file is empty: expected a header row naming the columns');
}

/** A UTF-16 file goes to csv-parse, which decodes those: the bytes read so far, then the rest. */
function replay(head: Buffer, rest: AsyncIterable<Buffer | string> | Iterable<Buffer | string>): NodeJS.ReadableStream {
  return Readable.from(
    (async function* () {
      yield head;
      yield* rest;
    })(),
  );
}

// Rows whose cells are all blank (",,,") are skipped; the header never is.
function isBlank(cells: string[]): boolean {
  for (let i = 0; i < cells.length; i++) if (cells[i]!.length > 0 && cells[i]!.trim() !== '') return false;
  return true;
}

function syntaxError(err: CsvSyntaxError): Error {
  return err.code === 'CSV_QUOTE_NOT_CLOSED'
    ? errors.validation(
        'file',
        `CSV is malformed: the quoted field in the row starting on line ${err.line} is never closed`,
      )
    : errors.validation(
        'file',
        `CSV row starting on line ${err.line} is larger than the row size limit (an unclosed quote?)`,
      );
}

/**
 * readCsvRows with csv-parse as the tokenizer: the same contract, slower. Used for UTF-16 input
 * and as the reference csv-parser.ts is tested against.
 */
export async function* readCsvRowsReference(
  input: NodeJS.ReadableStream,
  opts: CsvOptions,
): AsyncGenerator<CsvRow, void, undefined> {
  if (!toCountryCode(opts.defaultCountry)) {
    throw errors.validation('defaultCountry', `"${opts.defaultCountry}" is not a supported ISO 3166 country code`);
  }
  // Lines are counted as csv-parse produces records (on_record runs synchronously, in order), not
  // as we consume them: the parser runs ahead of us by its buffer, and on a fatal error the records
  // it buffered are dropped, so only this count knows where the bad record starts.
  let parsedLines = 1;
  let header = true;
  const options: Options<ParsedRecord, RawRecord> = {
    bom: true,
    raw: true,
    relax_column_count: true,
    relax_quotes: true,
    skip_empty_lines: true,
    record_delimiter: ['\r\n', '\n', '\r'],
    max_record_size: opts.maxRowBytes ?? DEFAULT_MAX_ROW_BYTES,
    // With `raw`, csv-parse hands on_record `{ record, raw }` rather than the bare cells.
    on_record: ({ record: cells, raw }): ParsedRecord | undefined => {
      const line = parsedLines + leadingBreaks(raw);
      parsedLines += countBreaks(raw);
      if (!header && cells.every((cell) => cell.trim() === '')) return undefined;
      header = false;
      return { cells, line };
    },
  };
  // csv-parse's typings only let on_record change the record type together with `columns`.
  const parser = parse(options as unknown as Options);
  // Errors of either stream surface through the iteration below; leaving the loop early destroys
  // the parser, and pipeline then destroys the input.
  const records = pipeline(input, parser, () => {}) as AsyncIterable<ParsedRecord>;

  let plan: ColumnPlan | undefined;
  try {
    for await (const { cells, line } of records) {
      if (!plan) plan = planHeader(cells, opts.mapping);
      else yield { rowNumber: line, result: rowResult(plan, cells, opts.defaultCountry) };
    }
  } catch (err) {
    throw err instanceof CsvError ? malformed(err, parsedLines) : err;
  }
  if (!plan) throw errors.validation('file', 'CSV file is empty: expected a header row naming the columns');
}

function rowResult(plan: ColumnPlan, record: string[], defaultCountry: string): ContactResult {
  return (
    checkedColumns(plan, record) ??
    contactFromValues(
      plan,
      record.length > plan.columns.length ? record.slice(0, plan.columns.length) : record,
      defaultCountry,
    )
  );
}

/** The row's failure when its cell count differs from the header's (extra cells that are all blank are fine). */
function checkedColumns(plan: ColumnPlan, record: string[]): { ok: false; errors: ColumnError[] } | undefined {
  const expected = plan.columns.length;
  if (record.length === expected) return undefined;
  if (record.length > expected && record.slice(expected).every((cell) => cell.trim() === '')) return undefined;
  return {
    ok: false,
    errors: [{ column: '(row)', reason: `expected ${expected} columns as in the header, found ${record.length}` }],
  };
}

const leadingBreaks = (raw: string): number => countBreaks(/^[\r\n]*/.exec(raw)?.[0] ?? '');

// "\r\n" is one line break, as is a lone "\r" or "\n".
function countBreaks(text: string): number {
  let n = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 10 || (c === 13 && text.charCodeAt(i + 1) !== 10)) n++;
  }
  return n;
}

function planHeader(header: string[], mapping: Record<string, string> | undefined): ColumnPlan {
  const columns = header.map((h) => h.trim());
  const found = `columns found: ${columns.map((c) => JSON.stringify(c)).join(', ')}`;
  // U+FFFD: bytes that were not UTF-8; a column named so would read back as something else.
  const garbled = columns.find((c) => c.includes('\uFFFD'));
  if (garbled !== undefined) {
    throw errors.validation(
      'file',
      `CSV header cannot be used: column ${JSON.stringify(garbled)} is not valid UTF-8 text; ${found}`,
    );
  }
  const seen = new Set<string>();
  const duplicates = columns.filter((c) => c !== '' && (seen.has(c) ? true : (seen.add(c), false)));
  if (duplicates.length > 0) {
    throw errors.validation(
      'file',
      `CSV header repeats column ${[...new Set(duplicates)].map((c) => JSON.stringify(c)).join(', ')}; ${found}`,
    );
  }
  const planned = planColumns(columns, mapping);
  if (!planned.ok) {
    const detail = planned.errors.map((e) => `${JSON.stringify(e.column)}: ${e.reason}`).join('; ');
    throw errors.validation('file', `CSV header cannot be used: ${detail}; ${found}`);
  }
  const { plan } = planned;
  if (plan.unmatchedSources.length > 0) {
    const missing = plan.unmatchedSources.map((c) => JSON.stringify(c)).join(', ');
    throw errors.validation('map', `mapped column ${missing} is not in the CSV header; ${found}`);
  }
  if (!plan.targets.some((t) => t.kind === 'field' && t.field === 'phoneNumber')) {
    throw errors.validation(
      'file',
      `CSV has no phone number column: name one "phoneNumber" or map one with --map "<column>=phoneNumber"; ${found}`,
    );
  }
  return plan;
}

function malformed(err: CsvError, parsedLines: number): Error {
  // The failing record's own raw text starts with any blank lines before it.
  const raw = (err as CsvError & { raw?: unknown }).raw;
  const line = parsedLines + leadingBreaks(typeof raw === 'string' ? raw : '');
  if (err.code === 'CSV_QUOTE_NOT_CLOSED') {
    return errors.validation(
      'file',
      `CSV is malformed: the quoted field in the row starting on line ${line} is never closed`,
    );
  }
  if (err.code === 'CSV_MAX_RECORD_SIZE') {
    return errors.validation(
      'file',
      `CSV row starting on line ${line} is larger than the row size limit (an unclosed quote?)`,
    );
  }
  return errors.validation('file', `CSV is malformed in the row starting on line ${line}: ${err.message}`);
}

/**
 * Parses CLI `--map "<column>=<target>"` flags. The target is a known field (any case; returned
 * canonical) or `extra:<name>` to rename a column into extras; anything else is refused so a typo
 * ("phonenumbr") fails loudly instead of silently importing into extras. The last '=' splits, since
 * column names with '=' are likelier than targets with one. Throws an AppError listing every problem.
 */
export function parseMapArgs(args: readonly string[]): Record<string, string> {
  const mapping = Object.create(null) as Record<string, string>;
  const fieldSources = new Map<ContactField, string>();
  const problems: string[] = [];
  for (const arg of args) {
    const eq = arg.lastIndexOf('=');
    const source = eq < 0 ? '' : arg.slice(0, eq).trim();
    const targetText = eq < 0 ? '' : arg.slice(eq + 1).trim();
    if (eq < 0 || source === '') {
      problems.push(`${JSON.stringify(arg)}: expected <column>=<field>`);
      continue;
    }
    const target = parseTarget(targetText);
    if (!target) {
      problems.push(
        `${JSON.stringify(arg)}: ${JSON.stringify(targetText)} is not one of ${KNOWN_FIELDS.join(', ')} or extra:<name>`,
      );
      continue;
    }
    if (Object.hasOwn(mapping, source)) {
      problems.push(`column ${JSON.stringify(source)} is mapped more than once`);
      continue;
    }
    if (target.kind === 'field') {
      const other = fieldSources.get(target.field);
      if (other !== undefined)
        problems.push(`${target.field} is mapped from both ${JSON.stringify(other)} and ${JSON.stringify(source)}`);
      fieldSources.set(target.field, source);
    }
    mapping[source] = target.kind === 'field' ? target.field : `extra:${target.name}`;
  }
  if (problems.length > 0) throw errors.validation('map', `Invalid --map: ${problems.join('; ')}`);
  return mapping;
}
