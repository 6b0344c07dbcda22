import type { JSX, TargetedEvent } from 'preact';
import { useState } from 'preact/hooks';
import type { components } from '../../../src/client/index.js';
import { KORE, messageOf } from '../api.js';
import { Notice } from '../ui/form.js';
import { toObjects, splitRecords } from './csv.js';
import type { ScreenProps } from './live.js';

type ContactList = components['schemas']['ContactList'];

/** Rows per request: each piece is one import, so the bar moves as pieces are taken in. */
const ROWS_PER_PIECE = 500;
/** Rejects shown at most (the rest are counted). */
const MAX_REJECTS_SHOWN = 500;

interface Reject {
  row: number;
  column: string | null;
  reason: string;
}
interface Outcome {
  rows: number;
  imported: number | undefined;
  duplicates: number | undefined;
  rejected: number | undefined;
  rejects: Reject[];
  note?: string;
}

/**
 * Upload a CSV into a list. The operator's session uses the admin API's CSV import
 * (`POST /admin/v1/contact-lists/{listId}/imports`, text/csv) piece by piece and then reads each
 * piece's rejects; an app session (the Kore API has no CSV upload) sends the rows as JSON through
 * `addContacts`, whose import jobs only the admin API can read, so it reports what the list gained.
 */
export function CsvUpload(props: ScreenProps & { list: ContactList; onDone: () => void }): JSX.Element {
  const { client, iid, session, list } = props;
  const [progress, setProgress] = useState<{ done: number; total: number }>();
  const [outcome, setOutcome] = useState<Outcome>();
  const [error, setError] = useState<string>();

  async function upload(e: TargetedEvent<HTMLFormElement, SubmitEvent>) {
    e.preventDefault();
    const file = (new FormData(e.currentTarget).get('file') as File | null) ?? undefined;
    if (!file || file.size === 0) return setError('Choose a CSV file first.');
    setError(undefined);
    setOutcome(undefined);
    const records = splitRecords(await file.text());
    const header = records.shift();
    if (!header || records.length === 0) return setError('The file has no rows under its header.');
    setProgress({ done: 0, total: records.length });
    try {
      setOutcome(
        session.kind === 'operator' ? await viaAdmin(header, records, file.name) : await viaKore(header, records),
      );
      props.onDone();
    } catch (err) {
      setError(messageOf(err));
    } finally {
      setProgress(undefined);
    }
  }

  async function viaAdmin(header: string, records: string[], fileName: string): Promise<Outcome> {
    const out: Outcome = { rows: records.length, imported: 0, duplicates: 0, rejected: 0, rejects: [] };
    for (let first = 0; first < records.length; first += ROWS_PER_PIECE) {
      const piece = records.slice(first, first + ROWS_PER_PIECE);
      const csv = `${header}\n${piece.join('\n')}\n`;
      const { data: job, error: err } = await client.POST('/admin/v1/contact-lists/{listId}/imports', {
        params: { path: { listId: list.id }, query: { accountId: session.accountId, iid, fileName } },
        // The document types the body as a raw text/csv stream, which openapi-fetch cannot express.
        body: csv as never,
        bodySerializer: (b: unknown) => b as string,
        headers: { 'content-type': 'text/csv' },
      });
      if (!job) throw new Error(messageOf(err));
      out.imported! += job.imported;
      out.duplicates! += job.duplicates;
      out.rejected! += job.rejected;
      if (job.rejected > 0 && out.rejects.length < MAX_REJECTS_SHOWN) {
        const { data } = await client.GET('/admin/v1/imports/{id}/rejects', {
          params: { path: { id: job.id }, query: { limit: String(MAX_REJECTS_SHOWN - out.rejects.length) } },
        });
        // A piece's line 2 is the file's line first + 2 (line 1 is the header in both).
        for (const r of data?.results ?? [])
          out.rejects.push({ row: r.rowNumber + first, column: r.column, reason: r.reason });
      }
      setProgress({ done: Math.min(records.length, first + piece.length), total: records.length });
    }
    return out;
  }

  async function viaKore(header: string, records: string[]): Promise<Outcome> {
    const before = list.totalRecordCount;
    const rows = toObjects(header, records);
    for (let first = 0; first < rows.length; first += ROWS_PER_PIECE) {
      const { data, error: err } = await client.POST(`${KORE}/campaign/contactList/addContacts`, {
        params: { path: { iid } },
        body: { contact_list_name: list.name, data: rows.slice(first, first + ROWS_PER_PIECE) },
      });
      if (!data) throw new Error(messageOf(err));
      setProgress({ done: Math.min(rows.length, first + ROWS_PER_PIECE), total: rows.length });
    }
    // The imports run in the server: wait for the list to be Ready again, then see what it gained.
    let now: ContactList | undefined;
    for (let i = 0; i < 60; i++) {
      const { data } = await client.GET(`${KORE}/campaign/contactList/{contactListId}`, {
        params: { path: { iid, contactListId: list.id } },
      });
      now = data?.data;
      if (!now || now.status !== 'Importing') break;
      await new Promise((r) => setTimeout(r, 500));
    }
    const imported = now ? now.totalRecordCount - before : undefined;
    return {
      rows: rows.length,
      imported,
      duplicates: undefined,
      rejected: undefined,
      rejects: [],
      note:
        imported !== undefined && imported < rows.length
          ? `${rows.length - imported} rows were not added (rejected or duplicates). Each row's reason is in the import job, which the operator's session shows.`
          : undefined,
    };
  }

  return (
    <form class="sv-form" onSubmit={upload} aria-labelledby="upload-title">
      <h2 id="upload-title">Upload a CSV</h2>
      <p class="hint">
        A header row, then one contact per row: <code>phoneNumber</code> and any of <code>firstName</code>,{' '}
        <code>lastName</code>, <code>timeZone</code>, <code>uniqueId</code> or your own columns.
      </p>
      <div class="field">
        <label for="csv-file">CSV file</label>
        <input id="csv-file" name="file" type="file" accept=".csv,text/csv" required />
      </div>
      <button type="submit" disabled={!!progress}>
        Upload
      </button>
      {progress && (
        <p>
          <label for="csv-progress">Uploading</label>{' '}
          <progress id="csv-progress" max={progress.total} value={progress.done} /> {progress.done} of {progress.total}{' '}
          rows
        </p>
      )}
      {error && <Notice kind="error">{error}</Notice>}
      {outcome && (
        <div>
          <Notice kind={outcome.rejects.length > 0 || outcome.note ? 'info' : 'success'}>
            {outcome.rows} rows read; {outcome.imported ?? '?'} added
            {outcome.duplicates !== undefined && `, ${outcome.duplicates} duplicates skipped`}
            {outcome.rejected !== undefined && `, ${outcome.rejected} rejected`}.{outcome.note && ` ${outcome.note}`}
          </Notice>
          {outcome.rejects.length > 0 && (
            <div class="table-scroll">
              <table>
                <caption>Rejected rows</caption>
                <thead>
                  <tr>
                    <th scope="col">Line</th>
                    <th scope="col">Column</th>
                    <th scope="col">Reason</th>
                  </tr>
                </thead>
                <tbody>
                  {outcome.rejects.map((r) => (
                    <tr key={`${r.row}-${r.column}`}>
                      <td>{r.row}</td>
                      <td>{r.column ?? '—'}</td>
                      <td>{r.reason}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
        </div>
      )}
    </form>
  );
}
