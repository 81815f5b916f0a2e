import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import type { OutgoingEvent } from '../core/event.js';
import type { EventPublisher, PublishOutcome } from '../core/ports.js';
import { NO_METRICS, type MetricRecorder } from '../runtime/metrics.js';
import { processRecord, type ProcessorDeps, type ProcessorLog } from './process-record.js';
import { PublishBarrier, type Publish } from './publish-barrier.js';
import { reportRecordFailure, type FailureDeps } from './record-failure.js';
import { SubjectTurns } from './subject-turns.js';

export type BatchDeps = Omit<ProcessorDeps, 'leaseMs'> &
  Pick<FailureDeps, 'maxReceiveCount' | 'deadLetters'> & {
    readonly publisher: EventPublisher;
    /** Where per-event and per-record outcomes are counted. @default nothing is recorded */
    readonly metrics?: MetricRecorder;
  };

/** The log line of each event EventBridge took; `tail` follows these on a deployed stack. */
export const EVENT_PUBLISHED = 'event published';

/**
 * The processor's Lambda handler over its ports: every record of the batch is processed in
 * parallel (events of one subject taking turns to write it), their events are published
 * together, and only the records that failed are reported back (SQS partial batch response),
 * so SQS retries exactly those.
 */
export function createProcessorHandler(
  deps: BatchDeps,
): (
  event: SQSEvent,
  context: Pick<Context, 'getRemainingTimeInMillis'>,
) => Promise<SQSBatchResponse> {
  const metrics = deps.metrics ?? NO_METRICS;
  return async (event, context) => {
    const barrier = new PublishBarrier(deps.publisher, event.Records.length);
    // An attempt cannot outlive its invocation, so its publication lease ends with it.
    const recordDeps: ProcessorDeps = {
      ...deps,
      leaseMs: context.getRemainingTimeInMillis(),
      turns: new SubjectTurns(),
    };
    const handleRecord = (record: SQSRecord): Promise<void> =>
      barrier.run(async (publish) => {
        // Observed where EventBridge answers, so that events of a record that then fails are
        // counted too, and the lag ends when the event reached the bus.
        const observedPublish: Publish = async (events) => {
          const results = await publish(events);
          observePublication(events, results, { ...deps, metrics }, record.messageId);
          return results;
        };
        try {
          const outcomes = await processRecord(record, recordDeps, observedPublish);
          for (const [eventId, { result, vendor }] of outcomes) {
            if (result === 'duplicate') metrics.record('DuplicateEvents', 1, {});
            deps.log.info(result === 'published' ? EVENT_PUBLISHED : 'duplicate event skipped', {
              eventId,
              messageId: record.messageId,
              vendor,
            });
          }
        } catch (error) {
          await reportRecordFailure(record, error, { ...deps, metrics });
          throw error;
        }
      });
    return processPartialResponse(event, handleRecord, new BatchProcessor(EventType.SQS), {
      processInParallel: true,
      throwOnFullBatchFailure: false,
    });
  };
}

/** Counts each event EventBridge took or refused, and how long after its times it was published. */
function observePublication(
  events: readonly OutgoingEvent[],
  results: readonly PublishOutcome[],
  deps: { readonly now: () => Date; readonly log: ProcessorLog; readonly metrics: MetricRecorder },
  messageId: string,
): void {
  const publishedAt = deps.now().getTime();
  events.forEach(({ detail }, i) => {
    const result = results[i];
    if (!result?.ok) {
      deps.metrics.record('PublishFailures', 1, {});
      deps.log.warn('event not published', {
        eventId: detail.eventId,
        messageId,
        vendor: detail.vendor,
        reason: result?.reason ?? 'no outcome',
      });
      return;
    }
    deps.metrics.record('EventsPublished', 1, {});
    if (detail.outOfOrder) deps.metrics.record('OutOfOrderEvents', 1, {});
    if (detail.payloadOmitted === 'too_large') deps.metrics.record('PayloadsOmitted', 1, {});
    deps.metrics.record('LagFromEventTime', lagMs(detail.occurredAt, publishedAt), {});
    deps.metrics.record('LagFromReceipt', lagMs(detail.receivedAt, publishedAt), {});
  });
}

/** Milliseconds from an ISO time to `end`; a vendor clock ahead of ours counts as no lag. */
function lagMs(from: string, end: number): number {
  return Math.max(0, end - Date.parse(from));
}
