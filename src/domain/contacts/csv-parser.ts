/*
 * The CSV tokenizer of imports: csv-parse 6's behaviour for exactly the options csv-source.ts used
 * with it (bom, relax_quotes, relax_column_count, skip_empty_lines, record delimiters CRLF/LF/CR,
 * max_record_size, quote and escape '"', delimiter ','), without its per-byte bookkeeping.
 * csv-parse spent ~6 µs per row of a plain file; here a row without a quote is found with
 * indexOf, decoded once and split, and only rows with a quote take the byte-by-byte path, a port
 * of csv-parse's (lib/api/index.js) quote rules:
 * - a quote opens a quoted field only at the start of a field; elsewhere it is text (relax_quotes);
 * - inside quotes, "" is one quote; a quote followed by a delimiter, a line break, the end of the
 *   input or a NUL byte closes the field; followed by anything else, the field becomes the text
 *   read so far wrapped in quotes and continues unquoted (relax_quotes);
 * - a record whose content exceeds max_record_size fails (csv-parse counts the bytes of the field
 *   being read plus the characters of the record's earlier fields; so does this);
 * - the input ending inside quotes fails.
 * Records are emitted with the physical line they start on (the header is line 1, blank lines and
 * line breaks inside quoted cells count, CRLF counts once). A UTF-8 BOM is dropped; a UTF-16 BOM
 * (csv-parse would switch encodings) is reported so the caller can use csv-parse itself.
 * test/unit/contacts/csv-parser.test.ts compares it with csv-parse over generated files.
 */

const QUOTE = 0x22;
const COMMA = 0x2c;
const CR = 0x0d;
const LF = 0x0a;

export interface CsvRecord {
  cells: string[];
  /** Physical line the record starts on (1-based). */
  line: number;
}

export class CsvSyntaxError extends Error {
  constructor(
    readonly code: 'CSV_QUOTE_NOT_CLOSED' | 'CSV_MAX_RECORD_SIZE',
    /** Physical line the failing record starts on. */
    readonly line: number,
  ) {
    super(code);
  }
}

const EMPTY = Buffer.alloc(0);
const UTF8_BOM = Buffer.from([0xef, 0xbb, 0xbf]);
const UTF16LE_BOM = Buffer.from([0xff, 0xfe]);

/** Growable byte buffer for the field being read on the slow path. */
class Bytes {
  data = Buffer.allocUnsafe(256);
  length = 0;
  push(b: number): void {
    if (this.length === this.data.length) {
      const bigger = Buffer.allocUnsafe(this.data.length * 2);
      this.data.copy(bigger, 0, 0, this.length);
      this.data = bigger;
    }
    this.data[this.length++] = b;
  }
  prependQuote(): void {
    this.push(0);
    this.data.copyWithin(1, 0, this.length - 1);
    this.data[0] = QUOTE;
  }
  take(): string {
    const s = this.data.toString('utf8', 0, this.length);
    this.length = 0;
    return s;
  }
}

type SlowResult = { kind: 'record'; cells: string[]; end: number; breaks: number } | { kind: 'more' };

export class CsvParser {
  private pending: Buffer = EMPTY;
  private bomChecked = false;
  /** Physical line of pending[0]. */
  private line = 1;
  private readonly field = new Bytes();

  constructor(private readonly maxRecordSize: number) {}

  /**
   * Feeds a chunk; appends the records it completes to `out`. Returns false when the input starts
   * with a UTF-16 byte-order mark (not handled here).
   */
  push(chunk: Buffer, out: CsvRecord[]): boolean {
    this.pending = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk]);
    return this.run(false, out);
  }

  /** Bytes fed but not yet parsed (all of them when push returned false). */
  unread(): Buffer {
    return this.pending;
  }

  /** The input ended: appends the last records to `out` (or throws). Same return as push. */
  end(out: CsvRecord[]): boolean {
    return this.run(true, out);
  }

  private run(end: boolean, out: CsvRecord[]): boolean {
    let buf = this.pending;
    if (!this.bomChecked) {
      // As csv-parse: decided once at least three bytes (or the whole input) are there.
      if (buf.length < 3) {
        if (!end) return true;
      } else {
        if (UTF8_BOM.compare(buf, 0, 3) === 0) buf = buf.subarray(3);
        else if (UTF16LE_BOM.compare(buf, 0, 2) === 0) return false;
        this.bomChecked = true;
      }
    }
    const len = buf.length;
    let pos = 0;
    let line = this.line;
    // Next CR, LF and quote at or after pos (-1: none), found once and reused until passed.
    let nextCr = -2;
    let nextLf = -2;
    let nextQuote = -2;
    while (pos < len) {
      if (nextCr !== -1 && nextCr < pos) nextCr = buf.indexOf(CR, pos);
      if (nextLf !== -1 && nextLf < pos) nextLf = buf.indexOf(LF, pos);
      if (nextQuote !== -1 && nextQuote < pos) nextQuote = buf.indexOf(QUOTE, pos);
      const eol = nextCr === -1 ? nextLf : nextLf === -1 ? nextCr : Math.min(nextCr, nextLf);
      if (nextQuote === -1 || (eol !== -1 && nextQuote > eol)) {
        // Fast path: no quote before the end of the line.
        if (eol === -1 && !end) break;
        const stop = eol === -1 ? len : eol;
        // A CR at the end of the buffer may be the first half of a CRLF.
        if (eol === nextCr && eol === len - 1 && !end) break;
        const breakLength = eol === -1 ? 0 : buf[eol] === CR && buf[eol + 1] === LF ? 2 : 1;
        if (stop > pos) {
          const text = buf.toString('utf8', pos, stop);
          const cells = text.split(',');
          if (this.maxRecordSize !== 0 && stop - pos > this.maxRecordSize + 1)
            this.checkSize(buf, pos, stop, cells, line);
          out.push({ cells, line });
        }
        // An empty line is skipped (skip_empty_lines), but counted.
        pos = stop + breakLength;
        if (breakLength > 0) line++;
        continue;
      }
      const r = this.slowRecord(buf, pos, end, line);
      if (r.kind === 'more') break;
      out.push({ cells: r.cells, line });
      line += r.breaks;
      pos = r.end;
    }
    this.pending = pos >= len ? EMPTY : buf.subarray(pos);
    this.line = line;
    if (end && this.pending.length > 0) throw new Error('CSV parser stopped before the end of its input');
    return true;
  }

  /**
   * csv-parse's size rule for a record read on the fast path (only called when it can matter): the
   * bytes of a cell (as in the input, so invalid UTF-8 counts as read) plus the characters of the
   * cells before it.
   */
  private checkSize(buf: Buffer, start: number, stop: number, cells: string[], line: number): void {
    let before = 0;
    let from = start;
    for (const cell of cells) {
      let to = buf.indexOf(COMMA, from);
      if (to === -1 || to > stop) to = stop;
      const bytes = to - from;
      // The check runs before each byte is added: the last byte of this cell sees before + bytes - 1.
      if (bytes > 0 && before + bytes - 1 > this.maxRecordSize) throw new CsvSyntaxError('CSV_MAX_RECORD_SIZE', line);
      before += cell.length;
      from = to + 1;
    }
  }

  /** One record containing a quote, byte by byte (csv-parse's rules). `more`: needs more input. */
  private slowRecord(buf: Buffer, start: number, end: boolean, line: number): SlowResult {
    const len = buf.length;
    const field = this.field;
    field.length = 0;
    const cells: string[] = [];
    let recordChars = 0;
    let quoting = false;
    let breaks = 0;
    const max = this.maxRecordSize;
    const append = (b: number) => {
      if (max !== 0 && recordChars + field.length > max) throw new CsvSyntaxError('CSV_MAX_RECORD_SIZE', line);
      field.push(b);
    };
    const endField = () => {
      const s = field.take();
      cells.push(s);
      recordChars += s.length;
    };
    let i = start;
    for (;;) {
      if (i >= len) {
        if (!end) return { kind: 'more' };
        if (quoting) throw new CsvSyntaxError('CSV_QUOTE_NOT_CLOSED', line);
        endField();
        return { kind: 'record', cells, end: i, breaks };
      }
      const c = buf[i]!;
      if (quoting) {
        if (c === QUOTE) {
          if (i + 1 >= len && !end) return { kind: 'more' };
          const next = i + 1 < len ? buf[i + 1]! : undefined;
          if (next === QUOTE) {
            append(QUOTE);
            i += 2;
            continue;
          }
          quoting = false;
          if (next === undefined || next === 0 || next === COMMA || next === CR || next === LF) {
            i++;
            continue;
          }
          // relax_quotes: the quotes become text and the field goes on unquoted.
          field.prependQuote();
          append(QUOTE);
          i++;
          continue;
        }
        if (c === LF || (c === CR && buf[i + 1] !== LF)) {
          // A CR at the end of the buffer may be half a CRLF: decide with the next chunk.
          if (c === CR && i + 1 >= len && !end) return { kind: 'more' };
          breaks++;
        }
        append(c);
        i++;
        continue;
      }
      if (c === QUOTE && field.length === 0) {
        quoting = true;
        i++;
        continue;
      }
      if (c === CR || c === LF) {
        if (c === CR && i + 1 >= len && !end) return { kind: 'more' };
        endField();
        return { kind: 'record', cells, end: i + (c === CR && buf[i + 1] === LF ? 2 : 1), breaks: breaks + 1 };
      }
      if (c === COMMA) {
        endField();
        i++;
        continue;
      }
      append(c);
      i++;
    }
  }
}
