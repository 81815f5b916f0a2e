import type { SQSRecord } from 'aws-lambda';
import type { DeadLetterNotes } from '../core/dead-letter-note.js';
import { KycError } from '../core/errors.js';
import { UNEXPECTED_ERROR, type MetricRecorder } from '../runtime/metrics.js';
import type { ProcessorLog } from './record-event.js';

export interface FailureDeps {
  readonly log: ProcessorLog;
  readonly metrics: MetricRecorder;
  readonly now: () => Date;
  /**
   * The ingest queue's `maxReceiveCount` (its redrive policy): the receive after which SQS moves
   * a message that failed again to the dead-letter queue. @default unknown: every failure is
   * logged as one SQS retries
   */
  readonly maxReceiveCount?: number;
  /** Where the reason of a dead-lettered message is noted for `redrive`. @default nowhere */
  readonly deadLetters?: DeadLetterNotes;
}

export const RECORD_RETRIED = 'record failed; SQS will retry it';
export const RECORD_DEAD_LETTERED =
  'record failed on its last receive; SQS moves it to the dead-letter queue';

/**
 * Logs (and counts) a record that failed, saying what SQS does with it next: retry it, or, on
 * its last receive, move it to the dead-letter queue, when the processor also notes the reason
 * for `redrive --dry-run` (a note that cannot be written is logged, never thrown: the record's
 * own failure is what SQS must see).
 */
export async function reportRecordFailure(
  record: Pick<SQSRecord, 'messageId' | 'attributes'>,
  error: unknown,
  deps: FailureDeps,
): Promise<void> {
  const reason = error instanceof KycError ? error.code : UNEXPECTED_ERROR;
  const receiveCount = Number(record.attributes?.ApproximateReceiveCount ?? 0);
  const last = deps.maxReceiveCount !== undefined && receiveCount >= deps.maxReceiveCount;
  deps.metrics.record('RecordFailures', 1, { reason });
  deps.log.warn(last ? RECORD_DEAD_LETTERED : RECORD_RETRIED, {
    messageId: record.messageId,
    receiveCount,
    ...(deps.maxReceiveCount !== undefined && { maxReceiveCount: deps.maxReceiveCount }),
    reason,
    error: error instanceof Error ? error.message : String(error),
  });
  if (!last || !deps.deadLetters) return;
  try {
    await deps.deadLetters.record({
      messageId: record.messageId,
      reason,
      errorName: error instanceof Error ? error.name : typeof error,
      receiveCount,
      failedAt: deps.now().toISOString(),
    });
  } catch (noteError) {
    deps.log.warn('dead-letter note not written', {
      messageId: record.messageId,
      error: noteError instanceof Error ? noteError.name : String(noteError),
    });
  }
}
