import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { KycError } from '../core/errors.js';
import { enrichEvent, type EnrichDeps } from './enrich-event.js';
import { hasTimeLeft, NO_TIME_LEFT } from './time-left.js';

/**
 * The enrichment function over its ports: the records of a batch are enriched one after the
 * other (with the event source's maximum concurrency, this bounds the calls a vendor's API sees),
 * and only the failed ones are reported back, so SQS retries exactly those and dead-letters them
 * after the queue's receive limit. A record is started only while the invocation has a record's
 * budget left (`RECORD_BUDGET_MS`); the others are reported failed unstarted (`no_time_left`), so
 * the invocation ends inside its timeout and the records already done stay done. Logs name the
 * event and the outcome, never an answer.
 */
export function createEnrichmentHandler(
  deps: EnrichDeps,
): (
  event: SQSEvent,
  context: Pick<Context, 'getRemainingTimeInMillis'>,
) => Promise<SQSBatchResponse> {
  return async (event, context) => {
    const remainingMs = (): number => context.getRemainingTimeInMillis();
    const batchItemFailures: SQSBatchResponse['batchItemFailures'] = [];
    for (const record of event.Records) {
      if (!hasTimeLeft(remainingMs)) {
        deps.log.warn('enrichment not started; will retry', {
          messageId: record.messageId,
          reason: NO_TIME_LEFT,
        });
        batchItemFailures.push({ itemIdentifier: record.messageId });
        continue;
      }
      try {
        const outcome = await enrichEvent(record.body, deps, remainingMs);
        deps.log.info('event enriched', { messageId: record.messageId, outcome });
      } catch (error) {
        deps.log.error('enrichment failed; will retry', {
          messageId: record.messageId,
          reason: error instanceof KycError ? error.code : 'unexpected',
          error: error instanceof Error ? error.message : String(error),
        });
        batchItemFailures.push({ itemIdentifier: record.messageId });
      }
    }
    return { batchItemFailures };
  };
}
