import type { ExportContactRow, ReportsRepo } from '../../storage/repos/reports-repo.js';
import { contactId } from '../../storage/repos/contacts-repo.js';
import { csvLine, type CsvValue } from './csv-format.js';

/** The columns every contact has, named as the contacts page (getAllContacts) names them. */
const FIXED = [
  'id',
  'phoneNumber',
  'phoneNumberE164',
  'extension',
  'firstName',
  'lastName',
  'timeZone',
  'uniqueId',
  'contactPriority',
  'createdAt',
] as const;

/** Extra columns not in the header (see below) go here, as a JSON object. */
export const OTHER_COLUMNS = 'otherColumns';

function parseExtra(raw: string | null): Record<string, string> {
  return raw ? (JSON.parse(raw) as Record<string, string>) : {};
}

function fixedValues(listId: string, r: ExportContactRow): CsvValue[] {
  return [
    r.id ?? contactId(listId, r.seq),
    r.phone_raw,
    r.phone_e164,
    r.extension,
    r.first_name,
    r.last_name,
    r.time_zone,
    r.unique_id,
    r.contact_priority,
    new Date(r.created_at).toISOString(),
  ];
}

/**
 * A list's visible contacts (seq <= the mark taken when the export began) as CSV, read by keyset
 * on the contacts key (list_no, seq), a chunk per query, as the reader pulls.
 *
 * The header must be written before the rows, and a list's extra columns are whatever its imports
 * carried; finding all of them first would read the list twice. The extra columns are those of the
 * first chunk (an import's rows share their CSV's header, so usually every one), in order of first
 * appearance; a later row's columns not among them go to `otherColumns` as JSON, so nothing is lost.
 */
export async function* contactsCsv(
  repo: ReportsRepo,
  listId: string,
  mark: { listNo: number; visibleSeq: number },
  chunk: number,
): AsyncGenerator<string> {
  let rows = await repo.contacts(mark.listNo, 0, mark.visibleSeq, chunk);
  const reserved = new Set<string>([...FIXED, OTHER_COLUMNS]);
  const extraCols: string[] = [];
  const seen = new Set<string>();
  for (const r of rows)
    for (const k of Object.keys(parseExtra(r.extra)))
      if (!seen.has(k) && !reserved.has(k)) {
        seen.add(k);
        extraCols.push(k);
      }
  yield csvLine([...FIXED, ...extraCols, OTHER_COLUMNS]);
  while (rows.length > 0) {
    let out = '';
    for (const r of rows) {
      const extra = parseExtra(r.extra);
      const other: Record<string, string> = {};
      for (const [k, v] of Object.entries(extra)) if (!seen.has(k)) other[k] = v;
      out += csvLine([
        ...fixedValues(listId, r),
        ...extraCols.map((c) => extra[c]),
        Object.keys(other).length > 0 ? JSON.stringify(other) : '',
      ]);
    }
    yield out;
    if (rows.length < chunk) return;
    rows = await repo.contacts(mark.listNo, rows.at(-1)!.seq, mark.visibleSeq, chunk);
  }
}
