/*
 * What an import writes with: the writer interface and what both dialects share. The writers
 * themselves are sqlite-import-writer.ts and pg-import-writer.ts; ImportsRepo.openWriter picks one.
 */
import type { Kysely } from 'kysely';
import type { Db } from '../db.js';
import type { Database, ImportRow } from '../schema.js';
import type { ImportBatch } from './import-batch.js';
import { appendEvents, importEvent } from './outbox.js';

export interface ImportTarget {
  id: string;
  listId: string;
  allowDuplicates: boolean;
}

/** Thrown when the job was failed underneath a running import (the sweeper judged it dead). */
export class ImportCancelled extends Error {}

export interface BatchResult {
  imported: number;
  duplicates: number;
}

/**
 * Writes one job's batches and completes it. The job holds its list's one running slot
 * (imports_running_list_uq, taken by ImportsRepo.start), so nothing else writes to the list while
 * it runs: its rows are the list's rows beyond `visible_seq`, invisible to every read until
 * `complete` moves `visible_seq` over them and adds the count to the list, in one transaction.
 * Each batch commits on its own (with the job's progress, so a job failed underneath cancels the
 * batch); a job that never completes leaves rows that ImportsRepo.fail deletes.
 * Duplicate detection (allowDuplicates false) matches a number against every row of the list: the
 * visible ones and the job's own. PostgreSQL finds duplicates batch by batch; SQLite finds them all
 * when the import completes (its batches report none), as it fills the list's contact_phones.
 */
export interface ImportWriter {
  /** Writes one batch; the counts are final, though the batch may still be committing (see `settle`). */
  write(batch: ImportBatch, nowMs: number): Promise<BatchResult>;
  /** Waits for writes still in flight, whatever their outcome (a job that failed ends with nothing running). */
  settle(): Promise<void>;
  /** Makes the job's rows visible and counts them on the list; throws ImportCancelled if the job is no longer running. */
  complete(nowMs: number, nowIso: string): Promise<ImportRow>;
}

/** Deletes the list's rows beyond `visible_seq`: those of its running job, which is being failed. */
export async function deleteUnfinishedRows(trx: Kysely<Database>, listId: string): Promise<void> {
  const list = await trx
    .selectFrom('contact_lists')
    .select(['list_no', 'visible_seq'])
    .where('id', '=', listId)
    .executeTakeFirst();
  if (!list) return;
  // SQLite: the numbers a completing job had indexed. (PostgreSQL: the view deletes the same contacts.)
  await trx
    .deleteFrom('contact_phones')
    .where('list_no', '=', list.list_no)
    .where('seq', '>', list.visible_seq)
    .execute();
  await trx.deleteFrom('contacts').where('list_no', '=', list.list_no).where('seq', '>', list.visible_seq).execute();
}
/** What both dialects share: list order and completion. */
export abstract class BaseImportWriter implements ImportWriter {
  protected readonly listNo: number;
  /** The seq of the list's last row: its last visible one, then the last this job wrote. */
  protected lastSeq: number;

  constructor(
    protected readonly db: Db,
    protected readonly job: ImportTarget,
    at: { listNo: number; lastSeq: number },
  ) {
    this.listNo = at.listNo;
    this.lastSeq = at.lastSeq;
  }

  abstract write(batch: ImportBatch, nowMs: number): Promise<BatchResult>;

  /** Nothing is in flight between two writes (PostgreSQL overrides this). */
  async settle(): Promise<void> {}

  abstract complete(nowMs: number, nowIso: string): Promise<ImportRow>;

  /**
   * Completes the job and makes its rows visible, counting them on the list, in one transaction.
   * `lateDuplicates`: rows the batches counted as imported that turned out to be duplicates (and
   * were deleted) while completing.
   */
  protected finish(nowMs: number, nowIso: string, lateDuplicates: number): Promise<ImportRow> {
    const { job, lastSeq } = this;
    return this.db.kysely.transaction().execute(async (trx) => {
      const res = await trx
        .updateTable('imports')
        .set((eb) => ({
          status: 'completed',
          finished_at: nowIso,
          heartbeat_at: nowMs,
          imported: eb('imported', '-', lateDuplicates),
          duplicates: eb('duplicates', '+', lateDuplicates),
        }))
        .where('id', '=', job.id)
        .where('status', '=', 'running')
        .executeTakeFirst();
      if (Number(res.numUpdatedRows) !== 1) throw new ImportCancelled(`import ${job.id} is no longer running`);
      const row = await trx.selectFrom('imports').selectAll().where('id', '=', job.id).executeTakeFirstOrThrow();
      await trx
        .updateTable('contact_lists')
        .set((eb) => ({
          visible_seq: lastSeq,
          total_record_count: eb('total_record_count', '+', Number(row.imported)),
          updated_at: nowIso,
        }))
        .where('id', '=', job.listId)
        .execute();
      await appendEvents(trx, [importEvent(row)]);
      return row;
    });
  }
}
