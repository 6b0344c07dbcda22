import type { ExpressionBuilder } from 'kysely';
import type { Database } from '../schema.js';

/**
 * The dial record whose current attempt is `attemptId`, named by primary key: the attempt knows
 * its record. No index holds `current_attempt_id`, so a `current_attempt_id = ?` alone read every
 * record, for every answered Predictive call and under the claim lock (PredictiveCallsRepo.bindIn).
 */
export function recordOfAttempt(attemptId: string) {
  return (eb: ExpressionBuilder<Database, 'dial_records'>) =>
    eb.and([
      eb(
        'dial_records.id',
        '=',
        eb.selectFrom('attempts').select('attempts.record_id').where('attempts.id', '=', attemptId),
      ),
      eb('dial_records.current_attempt_id', '=', attemptId),
    ]);
}
