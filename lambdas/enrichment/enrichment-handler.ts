import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { KycError } from '../core/errors.js';
import { enrichEvent, type EnrichDeps } from './enrich-event.js';

/**
 * The enrichment function over its ports: the records of a batch are enriched one after the
 * other (with the event source's maximum concurrency, this bounds the calls a vendor's API sees),
 * and only the failed ones are reported back, so SQS retries exactly those and dead-letters them
 * after the queue's receive limit. Logs name the event and the outcome, never an answer.
 */
export function createEnrichmentHandler(
  deps: EnrichDeps,
): (event: SQSEvent) => Promise<SQSBatchResponse> {
  return async (event) => {
    const batchItemFailures: SQSBatchResponse['batchItemFailures'] = [];
    for (const record of event.Records) {
      try {
        const outcome = await enrichEvent(record.body, deps);
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
