import { Duration } from 'aws-cdk-lib';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { MAX_QUEUE_MESSAGE_BYTES } from '../../lambdas/ingest/ingest-delivery.js';

export interface IngestQueueProps {
  /** Timeout of the function consuming the queue; the visibility timeout is derived from it. */
  readonly consumerTimeout: Duration;
  /** The consumer's maximum batching window, which also counts against visibility. @default none */
  readonly consumerBatchingWindow?: Duration;
  /** Receives before a message moves to the dead-letter queue. @default 5 */
  readonly maxReceiveCount?: number;
}

/**
 * The durable hand-off between ingest and processor, with a dead-letter queue that keeps poison
 * messages for the longest SQS allows so an operator can fix and redrive them.
 */
export class IngestQueue extends Construct {
  readonly queue: Queue;
  readonly deadLetterQueue: Queue;

  constructor(scope: Construct, id: string, props: IngestQueueProps) {
    super(scope, id);
    const maxReceiveCount = props.maxReceiveCount ?? 5;
    if (!Number.isInteger(maxReceiveCount) || maxReceiveCount < 1) {
      throw new Error(
        `IngestQueue: maxReceiveCount must be a positive integer, got ${maxReceiveCount}`,
      );
    }
    this.deadLetterQueue = new Queue(this, 'DeadLetterQueue', {
      retentionPeriod: Duration.days(14),
      // Ingest accepts messages up to this size; set explicitly, so no account or region
      // default below it can make large authentic deliveries fail to queue (503 for ever).
      maxMessageSizeBytes: MAX_QUEUE_MESSAGE_BYTES,
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
    });
    // AWS's rule for Lambda event sources: six times the function timeout plus the batching
    // window, so a message is not redelivered while a retrying invocation still holds it.
    const visibilitySeconds =
      6 * props.consumerTimeout.toSeconds() + (props.consumerBatchingWindow?.toSeconds() ?? 0);
    this.queue = new Queue(this, 'Queue', {
      visibilityTimeout: Duration.seconds(visibilitySeconds),
      // SQS ages a dead-lettered message from its first enqueue, so the DLQ must keep longer.
      retentionPeriod: Duration.days(4),
      maxMessageSizeBytes: MAX_QUEUE_MESSAGE_BYTES,
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      deadLetterQueue: { queue: this.deadLetterQueue, maxReceiveCount },
    });
  }
}
