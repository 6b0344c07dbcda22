/**
 * Just enough CSV (RFC 4180: quotes, doubled quotes, CRLF) to send a file in pieces: the server
 * parses and validates every row; this only finds where records end, and on which line each starts,
 * so that a piece's rejected line numbers can be told as the file's.
 */

/** A record's raw text (line endings inside quotes kept) and the file line it starts on (1-based). */
export interface CsvRecord {
  text: string;
  line: number;
}

/** The file's records, the header first; blank lines are left out (the server skips them too). */
export function splitRecords(text: string): CsvRecord[] {
  const out: CsvRecord[] = [];
  let start = 0;
  let startLine = 1;
  let line = 1;
  let quoted = false;
  const push = (end: number) => {
    const t = text.slice(start, end);
    if (t.trim() !== '') out.push({ text: t, line: startLine });
  };
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (ch === '"') quoted = !quoted;
    else if (ch === '\n' || ch === '\r') {
      const end = i;
      if (ch === '\r' && text[i + 1] === '\n') i++;
      line++;
      if (!quoted) {
        push(end);
        start = i + 1;
        startLine = line;
      }
    }
  }
  if (start < text.length) push(text.length);
  return out;
}

/** Physical lines of a record's text. */
export const linesOf = (text: string): number => text.split(/\r\n|\r|\n/).length;

/**
 * A piece's CSV (the header, then `records`, one per line as the file had them) and how to tell a line of
 * the piece as a line of the file.
 */
export function pieceOf(header: CsvRecord, records: CsvRecord[]): { csv: string; fileLine: (line: number) => number } {
  const starts: { piece: number; file: number }[] = [];
  let pieceLine = linesOf(header.text) + 1;
  for (const r of records) {
    starts.push({ piece: pieceLine, file: r.line });
    pieceLine += linesOf(r.text);
  }
  const fileLine = (line: number): number => {
    let at = starts[0];
    for (const s of starts) {
      if (s.piece > line) break;
      at = s;
    }
    return at ? line - at.piece + at.file : line;
  };
  return { csv: `${header.text}\n${records.map((r) => r.text).join('\n')}\n`, fileLine };
}
