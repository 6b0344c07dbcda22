import type { Kysely, Updateable } from 'kysely';
import type { AttemptRow, Database, DialRecordRow } from '../schema.js';

/** Attempts and the one transaction that records an outcome on an attempt and its record together. */
export class AttemptsRepo {
  constructor(private readonly db: Kysely<Database>) {}

  find(id: string): Promise<AttemptRow | undefined> {
    return this.db.selectFrom('attempts').selectAll().where('id', '=', id).executeTakeFirst();
  }

  record(id: string): Promise<DialRecordRow | undefined> {
    return this.db.selectFrom('dial_records').selectAll().where('id', '=', id).executeTakeFirst();
  }

  /**
   * Stores the outcome once: the `outcome IS NULL` guard makes a repeated or racing report a no-op
   * (false). The record is updated only while this attempt is still its current one.
   */
  apply(
    attemptId: string,
    attempt: Updateable<AttemptRow>,
    recordId: string,
    record: Updateable<DialRecordRow> | null,
  ): Promise<boolean> {
    return this.db.transaction().execute(async (trx) => {
      const res = await trx
        .updateTable('attempts')
        .set(attempt)
        .where('id', '=', attemptId)
        .where('outcome', 'is', null)
        .executeTakeFirst();
      if (Number(res.numUpdatedRows) !== 1) return false;
      if (record) {
        await trx
          .updateTable('dial_records')
          .set(record)
          .where('id', '=', recordId)
          .where('current_attempt_id', '=', attemptId)
          .where('state', 'in', ['leased', 'in_flight'])
          .execute();
      }
      return true;
    });
  }

  async endedAt(recordId: string, attemptNo: number): Promise<number | null> {
    const row = await this.db
      .selectFrom('attempts')
      .select('ended_at')
      .where('record_id', '=', recordId)
      .where('attempt_no', '=', attemptNo)
      .executeTakeFirst();
    return row?.ended_at ?? null;
  }

  /** A real outcome after `unknown`: kept for reporting only (the record stays final). */
  async storeLate(attemptId: string, outcome: string): Promise<void> {
    await this.db
      .updateTable('attempts')
      .set({ late_outcome: outcome })
      .where('id', '=', attemptId)
      .where('late_outcome', 'is', null)
      .execute();
  }
}
