import type { JSX, TargetedEvent } from 'preact';
import { useState } from 'preact/hooks';
import type { components } from '../../../src/client/index.js';
import { KORE, messageOf } from '../api.js';
import { Notice } from '../ui/form.js';
import { pieceOf, splitRecords } from './csv.js';
import type { ScreenProps } from './live.js';

type ContactList = components['schemas']['ContactList'];
type ImportJob = components['schemas']['ImportJob'];

/** Rejects shown at most (the rest are counted). */
const MAX_REJECTS_SHOWN = 500;

/**
 * Rows per upload. The upload answers with the finished import job, so the file goes in pieces, each one
 * job, and the bar moves as each job completes: at least 500 rows a piece, and about 20 pieces at most.
 */
const rowsPerPiece = (rows: number) => Math.min(20_000, Math.max(500, Math.ceil(rows / 20)));

interface Reject {
  line: number;
  column: string | null;
  reason: string;
}
interface Outcome {
  rows: number;
  imported: number;
  duplicates: number;
  rejected: number;
  rejects: Reject[];
}

/**
 * Upload a CSV into a list through the Kore API's CSV import (campaignd extension:
 * `POST …/campaign/contactList/{id}/contacts.csv`, text/csv), the same for app and operator sessions
 * (an operator's Kore calls carry a minted token). The browser only finds where records end, to send the
 * file in pieces; the server parses and validates every row, and each piece's rejected rows are read
 * from its job (`GET …/campaign/imports/{id}/rejects`).
 */
export function CsvUpload(
  props: ScreenProps & { list: ContactList; onDone: () => void; title?: string; hint?: JSX.Element },
): JSX.Element {
  const { client, iid, list } = props;
  const [progress, setProgress] = useState<{ done: number; total: number }>();
  const [outcome, setOutcome] = useState<Outcome>();
  const [error, setError] = useState<string>();
  const titleId = `upload-title-${list.id}`;

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
    const out: Outcome = { rows: records.length, imported: 0, duplicates: 0, rejected: 0, rejects: [] };
    try {
      const size = rowsPerPiece(records.length);
      for (let first = 0; first < records.length; first += size) {
        const piece = records.slice(first, first + size);
        const { csv, fileLine } = pieceOf(header, piece);
        const job = await uploadPiece(csv, file.name);
        out.imported += job.imported;
        out.duplicates += job.duplicates;
        out.rejected += job.rejected;
        if (job.rejected > 0 && out.rejects.length < MAX_REJECTS_SHOWN) await readRejects(job, fileLine, out);
        setProgress({ done: Math.min(records.length, first + piece.length), total: records.length });
      }
      setOutcome(out);
      props.onDone();
    } catch (err) {
      if (out.imported + out.rejected + out.duplicates > 0) setOutcome(out);
      setError(messageOf(err));
    } finally {
      setProgress(undefined);
    }
  }

  async function uploadPiece(csv: string, fileName: string): Promise<ImportJob> {
    const { data: job, error: err } = await client.POST(`${KORE}/campaign/contactList/{contactListId}/contacts.csv`, {
      params: { path: { iid, contactListId: list.id }, query: { fileName } },
      // The document describes the body as a raw text/csv stream, which openapi-fetch cannot type.
      body: csv as never,
      bodySerializer: (b: unknown) => b as string,
      headers: { 'content-type': 'text/csv' },
    });
    if (!job) throw new Error(messageOf(err));
    return job;
  }

  async function readRejects(job: ImportJob, fileLine: (line: number) => number, out: Outcome): Promise<void> {
    const { data, error: err } = await client.GET(`${KORE}/campaign/imports/{importId}/rejects`, {
      params: { path: { iid, importId: job.id }, query: { limit: String(MAX_REJECTS_SHOWN - out.rejects.length) } },
    });
    if (!data) throw new Error(messageOf(err));
    for (const r of data.results) out.rejects.push({ line: fileLine(r.rowNumber), column: r.column, reason: r.reason });
  }

  return (
    <form class="sv-form" onSubmit={upload} aria-labelledby={titleId}>
      <h2 id={titleId}>{props.title ?? 'Upload a CSV'}</h2>
      {props.hint ?? (
        <p class="hint">
          A header row, then one contact per row: <code>phoneNumber</code> and any of <code>firstName</code>,{' '}
          <code>lastName</code>, <code>timeZone</code>, <code>uniqueId</code> or your own columns.
        </p>
      )}
      <div class="field">
        <label for={`csv-file-${list.id}`}>CSV file</label>
        <input id={`csv-file-${list.id}`} name="file" type="file" accept=".csv,text/csv" required />
      </div>
      <button type="submit" disabled={!!progress}>
        Upload
      </button>
      {progress && (
        <p>
          <label for="csv-progress">Importing</label>{' '}
          <progress id="csv-progress" max={progress.total} value={progress.done} /> {progress.done} of {progress.total}{' '}
          rows
        </p>
      )}
      {error && <Notice kind="error">{error}</Notice>}
      {outcome && (
        <div>
          <p>
            <label for="csv-done">Imported</label> <progress id="csv-done" max={outcome.rows} value={outcome.rows} />{' '}
            {outcome.rows} of {outcome.rows} rows
          </p>
          <Notice kind={outcome.rejected > 0 ? 'info' : 'success'}>
            {outcome.rows} rows read; {outcome.imported} added, {outcome.duplicates} duplicates skipped,{' '}
            {outcome.rejected} rejected.
            {outcome.rejected > outcome.rejects.length &&
              ` The first ${outcome.rejects.length} rejected rows are shown.`}
          </Notice>
          {outcome.rejects.length > 0 && (
            <div class="table-scroll" role="region" tabIndex={0} aria-label="Rejected rows table">
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
                    <tr key={`${r.line}-${r.column}`}>
                      <td>{r.line}</td>
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
