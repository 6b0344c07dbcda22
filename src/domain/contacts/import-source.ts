import type { ImportBatch } from '../../storage/repos/import-batch.js';
import type { ContactResult } from './contact-record.js';

/** One input row: its number (CSV line, or 1-based position in addContacts `data`) and what it became. */
export interface SourceRow {
  rowNumber: number;
  result: ContactResult;
}

/** Rows one at a time (addContacts, the in-process CSV reader). */
export type RowSource = AsyncIterable<SourceRow> | Iterable<SourceRow>;

/** Rows already validated and packed into batches (the CSV worker thread, csv-batches.ts). */
export interface BatchSource {
  batches: AsyncIterable<ImportBatch>;
}

export interface ImportProgress {
  rows: number;
  imported: number;
  duplicates: number;
  rejected: number;
  /** CSV imports: bytes of the file read so far (for a progress bar and its ETA). */
  bytesRead?: number;
}

export interface ImportOptions {
  /**
   * Called after every batch written (on PostgreSQL the last one may still be committing), and once
   * more with the final counts. On SQLite, duplicates are found when the import completes: until
   * then they count as imported.
   */
  onProgress?: (p: ImportProgress) => void;
  /** Called once if the job has to wait because another process is importing into the same list. */
  onWaiting?: () => void;
}
