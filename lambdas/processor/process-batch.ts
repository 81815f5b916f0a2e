import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { KycError } from '../core/errors.js';
import type { EventPublisher } from '../core/ports.js';
import { processRecord, type ProcessorDeps } from './process-record.js';
import { PublishBarrier } from './publish-barrier.js';

export type BatchDeps = Omit<ProcessorDeps, 'leaseMs'> & { readonly publisher: EventPublisher };

/**
 * The processor's Lambda handler over its ports: every record of the batch is processed in
 * parallel, their events are published together, and only the records that failed are
 * reported back (SQS partial batch response), so SQS retries exactly those.
 */
export function createProcessorHandler(
  deps: BatchDeps,
): (
  event: SQSEvent,
  context: Pick<Context, 'getRemainingTimeInMillis'>,
) => Promise<SQSBatchResponse> {
  return async (event, context) => {
    const barrier = new PublishBarrier(deps.publisher, event.Records.length);
    // An attempt cannot outlive its invocation, so its publication lease ends with it.
    const recordDeps: ProcessorDeps = { ...deps, leaseMs: context.getRemainingTimeInMillis() };
    const handleRecord = (record: SQSRecord): Promise<void> =>
      barrier.run(async (publish) => {
        try {
          const outcomes = await processRecord(record, recordDeps, publish);
          for (const [eventId, outcome] of outcomes) {
            deps.log.info(outcome === 'published' ? 'event published' : 'duplicate event skipped', {
              eventId,
              messageId: record.messageId,
            });
          }
        } catch (error) {
          deps.log.warn('record failed; SQS will retry it', {
            messageId: record.messageId,
            receiveCount: Number(record.attributes?.ApproximateReceiveCount ?? 0),
            reason: error instanceof KycError ? error.code : 'unexpected_error',
            error: error instanceof Error ? error.message : String(error),
          });
          throw error;
        }
      });
    return processPartialResponse(event, handleRecord, new BatchProcessor(EventType.SQS), {
      processInParallel: true,
      throwOnFullBatchFailure: false,
    });
  };
}
