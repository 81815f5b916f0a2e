import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { MAX_QUEUE_MESSAGE_BYTES } from '../../lambdas/ingest/ingest-delivery.js';

export interface IngestQueueProps {
  /** Timeout of the function consuming the queue; the visibility timeout is derived from it. */
  readonly consumerTimeout: Duration;
  /** The consumer's maximum batching window, which also counts against visibility. @default none */
  readonly consumerBatchingWindow?: Duration;
  /** Receives before a message moves to the dead-letter queue. @default DEFAULT_MAX_RECEIVE_COUNT */
  readonly maxReceiveCount?: number;
  /** A customer-managed key for both queues. @default SQS-managed encryption */
  readonly encryptionKey?: IKey;
}

/**
 * Receives before a message moves to the dead-letter queue. The DLQ is for messages that fail
 * on every receive (a poison body, a defect, a table that refuses the write), and five receives a
 * visibility timeout apart (about 15 minutes) tell those from failures that pass.
 *
 * Contention on a hot subject is not what these receives are for, and need not be: the processor
 * absorbs it within an invocation (lambdas/processor/record-event.ts). A batch's events of one
 * subject take turns, so at most one write per processor instance is in flight on a subject, and a
 * write another instance beat is tried again at once while the subject is seen moving (each move
 * is one of its events stored, so this ends with the burst). What still reaches SQS is a conflict
 * on a subject nobody is seen writing (`store_conflict`) or throttling of one hot item
 * (`store_throttled`, past ~500 transactional writes a second to that item): each is retried a
 * visibility timeout (about 3 minutes) later, by when a burst has passed, and would need five such
 * receives in a row — a subject hot for a quarter of an hour — to reach the DLQ. A higher count
 * would buy nothing for that, and keep an operator from hearing about poison messages for longer.
 */
export const DEFAULT_MAX_RECEIVE_COUNT = 5;

/** How long the queue keeps a message the processor has not taken. */
const QUEUE_RETENTION = Duration.days(4);
/** The longest SQS allows: an operator has two weeks to fix a cause and redrive. */
const DEAD_LETTER_RETENTION = Duration.days(14);

/**
 * The durable hand-off between ingest and processor, with a dead-letter queue that keeps poison
 * messages for the longest SQS allows so an operator can fix and redrive them.
 *
 * Both are retained with the table when the stack is deleted: their messages are deliveries the
 * vendors were told we accepted and that exist nowhere else yet. They still expire on their own
 * (`QUEUE_RETENTION`, `DEAD_LETTER_RETENTION`), so nothing is kept longer by retaining them.
 */
export class IngestQueue extends Construct {
  readonly queue: Queue;
  readonly deadLetterQueue: Queue;
  /**
   * The least time a message can spend in the dead-letter queue before SQS deletes it. A standard
   * queue expires a message by its first enqueue, which moving it to the DLQ does not reset, while
   * the DLQ's `ApproximateAgeOfOldestMessage` counts from the move: a message that waited in the
   * queue as long as it may is gone once its DLQ age reaches the difference of the retentions.
   */
  readonly deadLettersExpireAfter: Duration;
  /** Receives after which SQS moves a message that failed again to the dead-letter queue. */
  readonly maxReceiveCount: number;

  constructor(scope: Construct, id: string, props: IngestQueueProps) {
    super(scope, id);
    const maxReceiveCount = props.maxReceiveCount ?? DEFAULT_MAX_RECEIVE_COUNT;
    if (!Number.isInteger(maxReceiveCount) || maxReceiveCount < 1) {
      throw new Error(
        `IngestQueue: maxReceiveCount must be a positive integer, got ${maxReceiveCount}`,
      );
    }
    this.maxReceiveCount = maxReceiveCount;
    const encryption = props.encryptionKey
      ? { encryption: QueueEncryption.KMS, encryptionMasterKey: props.encryptionKey }
      : { encryption: QueueEncryption.SQS_MANAGED };
    this.deadLetterQueue = new Queue(this, 'DeadLetterQueue', {
      retentionPeriod: DEAD_LETTER_RETENTION,
      // Ingest accepts messages up to this size; set explicitly, so no account or region
      // default below it can make large authentic deliveries fail to queue (503 for ever).
      maxMessageSizeBytes: MAX_QUEUE_MESSAGE_BYTES,
      ...encryption,
      enforceSSL: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    // AWS's rule for Lambda event sources: six times the function timeout plus the batching
    // window, so a message is not redelivered while a retrying invocation still holds it.
    const visibilitySeconds =
      6 * props.consumerTimeout.toSeconds() + (props.consumerBatchingWindow?.toSeconds() ?? 0);
    this.queue = new Queue(this, 'Queue', {
      visibilityTimeout: Duration.seconds(visibilitySeconds),
      // SQS ages a dead-lettered message from its first enqueue, so the DLQ must keep longer.
      retentionPeriod: QUEUE_RETENTION,
      maxMessageSizeBytes: MAX_QUEUE_MESSAGE_BYTES,
      ...encryption,
      enforceSSL: true,
      deadLetterQueue: { queue: this.deadLetterQueue, maxReceiveCount },
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.deadLettersExpireAfter = Duration.seconds(
      DEAD_LETTER_RETENTION.toSeconds() - QUEUE_RETENTION.toSeconds(),
    );
  }
}
