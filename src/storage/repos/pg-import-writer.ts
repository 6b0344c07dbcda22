import { finished } from 'node:stream/promises';
import { sql } from 'kysely';
import type pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import type { ImportRow } from '../schema.js';
import { COPY_COLUMNS, CopyLines, toCopyText } from './copy-text.js';
import type { ImportBatch } from './import-batch.js';
import { BaseImportWriter, ImportCancelled, type BatchResult } from './import-writer.js';

/**
 * A fixed-size Bloom filter of the numbers one import wrote (4 MiB, whatever the file's size):
 * "definitely not written yet" skips the index probe; "maybe" probes as before. At a million
 * numbers about 1 in 300 is a false "maybe"; a far bigger file only probes more often.
 */
class NumberFilter {
  private static readonly BITS = 1 << 25;
  private readonly words = new Uint32Array(NumberFilter.BITS >>> 5);

  /** Adds `s`, answering whether it may have been added before ("no" is certain). One hashing for both. */
  add(s: string): boolean {
    let h1 = 0x811c9dc5;
    let h2 = 0x01000193;
    for (let i = 0; i < s.length; i++) {
      const c = s.charCodeAt(i);
      h1 = Math.imul(h1 ^ c, 0x01000193);
      h2 = Math.imul(h2 + c, 0x5bd1e995) ^ (h2 >>> 13);
    }
    const a = h1 >>> 0;
    const b = (h2 | 1) >>> 0;
    let seen = true;
    for (let i = 0; i < 3; i++) {
      const bit = (a + i * b) & (NumberFilter.BITS - 1);
      const mask = 1 << (bit & 31);
      if ((this.words[bit >>> 5]! & mask) === 0) {
        seen = false;
        this.words[bit >>> 5]! |= mask;
      }
    }
    return seen;
  }
}

/**
 * PostgreSQL: which of `numbers` list `listNo` holds (visible or not), one index probe per number
 * whatever the statistics say. `list_no = X AND phone_e164 = ANY(…)` let the planner, while the
 * list's rows were not analysed yet (all through its own import), probe by list_no alone and
 * filter the whole list's numbers: 0.7 s per batch at a million rows. A LATERAL subquery with a
 * LIMIT is never flattened into that. (Exported for the test of its plan.)
 */
export function numbersOnListPg(listNo: number, numbers: readonly string[]) {
  return sql<{ phone: string }>`
    SELECT n.phone FROM unnest(${numbers}::text[]) AS n(phone)
    CROSS JOIN LATERAL (SELECT 1 FROM contacts c WHERE c.list_no = ${listNo} AND c.phone_e164 = n.phone LIMIT 1) AS hit`;
}

/**
 * PostgreSQL: each batch is one transaction on a connection of its own: its contacts sent with
 * COPY (three times as fast on the server as INSERT … SELECT FROM unnest(arrays), and already
 * encoded when they arrive: copy-text.ts), then its rejects and its progress. Batches are
 * pipelined: while one batch's transaction runs on the server, the next is screened for
 * duplicates and sent on another connection, so this process's work overlaps the server's
 * instead of alternating with it. At most two transactions are in flight; their seq ranges are
 * decided here, in order, so they never collide, and a list shows none of their rows until
 * `complete` (which first waits for both).
 * Duplicate screening is exact across the pipeline: the numbers of the batch still in flight are
 * checked in memory, the ones committed before it in the index.
 */
export class PgImportWriter extends BaseImportWriter {
  /** The previous batch's transaction, and the numbers it writes, until this writer has awaited it. */
  private inFlight: { done: Promise<unknown>; numbers: Set<string> } | undefined;
  /**
   * Numbers this job wrote, when that is all the list holds: on a list that was empty at the
   * start (and nothing else writes to it meanwhile), a number the filter has never seen cannot be
   * a duplicate, so it needs no index probe.
   */
  private readonly filter = !this.job.allowDuplicates && this.lastSeq === 0 ? new NumberFilter() : undefined;

  /**
   * Whether `phone` may already be on the list or earlier in this import (then it needs a look);
   * records it as seen. Every number of the import passes here once, in order (a duplicate too:
   * its number is already there anyway).
   */
  private mayRepeat(phone: string): boolean {
    return !this.filter || this.filter.add(phone);
  }

  async write(batch: ImportBatch, nowMs: number): Promise<BatchResult> {
    const { job, listNo } = this;
    const parts = batch.copy ?? [toCopyText(batch.contacts)];
    let onList = new Set<string>();
    if (!job.allowDuplicates) {
      const maybe = parts.flatMap((p) => p.phones.filter((n) => this.mayRepeat(n)));
      if (maybe.length > 0)
        onList = new Set((await numbersOnListPg(listNo, maybe).execute(this.db.kysely)).rows.map((x) => x.phone));
    }
    const pending = this.inFlight?.numbers;
    /** The numbers this batch keeps (a later row with one of them is a duplicate), the next batch's `pending`. */
    const numbers = new Set<string>();
    const copy = new CopyLines(nowMs, listNo, parts);
    let seq = this.lastSeq;
    let duplicates = 0;
    for (const part of parts) {
      for (let i = 0; i < part.phones.length; i++) {
        if (!job.allowDuplicates) {
          const phone = part.phones[i]!;
          if (numbers.has(phone) || onList.has(phone) || pending?.has(phone)) {
            duplicates++;
            continue;
          }
          numbers.add(phone);
        }
        copy.add(part, i, ++seq);
      }
    }
    const result = { imported: seq - this.lastSeq, duplicates };
    this.lastSeq = seq;

    const done = this.inTransaction(async (client) => {
      if (!copy.empty) {
        const stream = client.query(copyFrom(`COPY contacts (${COPY_COLUMNS}) FROM STDIN`));
        stream.end(copy.bytes());
        await finished(stream);
      }
      if (batch.rejects.length > 0) {
        await client.query(
          `INSERT INTO import_rejects (import_id, row_number, column_name, reason)
           SELECT $1, u.r, u.c, u.why FROM unnest($2::integer[], $3::text[], $4::text[]) AS u(r, c, why)`,
          [
            job.id,
            batch.rejects.map((x) => x.rowNumber),
            batch.rejects.map((x) => x.column),
            batch.rejects.map((x) => x.reason),
          ],
        );
      }
      // A heartbeat timer may have beaten since this batch was sent: GREATEST never moves it back.
      const res = await client.query(
        `UPDATE imports SET total_rows = total_rows + $1, imported = imported + $2, duplicates = duplicates + $3, rejected = rejected + $4,
           heartbeat_at = GREATEST(heartbeat_at, $5) WHERE id = $6 AND status = 'running'`,
        [batch.rows, result.imported, duplicates, batch.rejectedRows, nowMs, job.id],
      );
      if (res.rowCount !== 1) throw new ImportCancelled(`import ${job.id} is no longer running`);
    });
    // Its failure surfaces when it is awaited (next write, complete); never as an unhandled rejection.
    done.catch(() => {});
    const previous = this.inFlight;
    this.inFlight = { done, numbers };
    await previous?.done;
    return result;
  }

  /** Runs `fn` in a transaction on a connection of its own (COPY needs the driver's client, which Kysely does not lend). */
  private async inTransaction(fn: (client: pg.PoolClient) => Promise<void>): Promise<void> {
    const client = await this.db.pool!.connect();
    let broken: unknown;
    try {
      await client.query('BEGIN');
      await fn(client);
      await client.query('COMMIT');
    } catch (err) {
      // A connection that cannot even roll back is dropped from the pool, not reused.
      await client.query('ROLLBACK').catch((e: unknown) => (broken = e));
      throw err;
    } finally {
      client.release(broken as Error | undefined);
    }
  }

  override async settle(): Promise<void> {
    const last = this.inFlight;
    this.inFlight = undefined;
    await last?.done.catch(() => {});
  }

  async complete(nowMs: number, nowIso: string): Promise<ImportRow> {
    const last = this.inFlight;
    this.inFlight = undefined;
    await last?.done;
    return this.finish(nowMs, nowIso, 0);
  }
}
