import type { Logger } from '../shared/logger.js';
import type { Metrics } from '../shared/metrics.js';
import type { ImportService } from './contacts/import-service.js';
import type { OutcomeHandler } from './engine/outcome-handler.js';
import type { Outcome } from './engine/retry-policy.js';
import type { OperationsGauges } from './operations-gauges.js';

/** Outcomes that mean the dial itself failed (refused by the network, or lost): one warn line each. */
const FAILED_DIALS: ReadonlySet<Outcome> = new Set(['failed', 'unknown']);

/**
 * Connects the domain's observers to the process's metrics and logs, once per process (services.ts):
 * every ended attempt counts its outcome, a failed dial is logged with its tenant, campaign and
 * instance, every finished import counts its rows, and the scrape-time gauges read the database.
 */
export function instrument(
  parts: { outcomes: OutcomeHandler; imports: ImportService; gauges: OperationsGauges },
  metrics: Metrics,
  engineLog: Logger,
): void {
  parts.outcomes.onEnded((e) => {
    metrics.engine.outcomes.inc({ outcome: e.outcome });
    if (FAILED_DIALS.has(e.outcome)) {
      const { accountId, botId, campaignId } = e.policy;
      engineLog.warn(
        {
          accountId,
          botId,
          campaignId,
          instanceId: e.instanceId,
          attemptId: e.attemptId,
          outcome: e.outcome,
          detail: e.detail,
        },
        'dial failed',
      );
    }
  });
  parts.imports.onFinished((job) => {
    if (!job) {
      metrics.imports.jobs.inc({ status: 'failed' });
      return;
    }
    metrics.imports.jobs.inc({ status: 'completed' });
    metrics.imports.rows.inc({ result: 'imported' }, job.imported);
    metrics.imports.rows.inc({ result: 'duplicate' }, job.duplicates);
    metrics.imports.rows.inc({ result: 'rejected' }, job.rejected);
    metrics.imports.rejects.inc(job.rejected);
  });
  metrics.setGaugeSource(parts.gauges);
}
