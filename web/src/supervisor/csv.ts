/**
 * Just enough CSV (RFC 4180: quotes, doubled quotes, CRLF) to send a file in pieces: the server
 * parses and validates every row; this only finds where records end.
 */

/** The file's records as raw text (line endings inside quotes kept), the header first. */
export function splitRecords(text: string): string[] {
  const out: string[] = [];
  let start = 0;
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (ch === '"') quoted = !quoted;
    else if (!quoted && (ch === '\n' || ch === '\r')) {
      if (i > start) out.push(text.slice(start, i));
      if (ch === '\r' && text[i + 1] === '\n') i++;
      start = i + 1;
    }
  }
  if (start < text.length) out.push(text.slice(start));
  return out.filter((r) => r.trim() !== '');
}

/** One record's cells. */
export function cells(record: string): string[] {
  const out: string[] = [];
  let cur = '';
  let quoted = false;
  for (let i = 0; i < record.length; i++) {
    const ch = record[i]!;
    if (quoted) {
      if (ch === '"' && record[i + 1] === '"') {
        cur += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else cur += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') {
      out.push(cur);
      cur = '';
    } else cur += ch;
  }
  out.push(cur);
  return out;
}

/** Records as objects keyed by the header's column names (what addContacts takes). */
export function toObjects(header: string, records: string[]): Record<string, string>[] {
  const names = cells(header.replace(/^\uFEFF/, '')).map((n) => n.trim());
  return records.map((r) => {
    const values = cells(r);
    const o: Record<string, string> = {};
    names.forEach((n, i) => {
      if (n !== '' && values[i] !== undefined && values[i] !== '') o[n] = values[i]!;
    });
    return o;
  });
}
