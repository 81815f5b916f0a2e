import { Duration, Names } from 'aws-cdk-lib';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import type { IEventBus } from 'aws-cdk-lib/aws-events';
import { Grant } from 'aws-cdk-lib/aws-iam';
import type { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { ENV } from '../../lambdas/runtime/env.js';
import { buildNodeFunction, sharedFunctionSettings } from './node-function.js';

/** Exported so the queue's visibility timeout is derived from the real values. */
export const PROCESSOR_TIMEOUT = Duration.seconds(30);
/** Short: a delivery should reach consumers in seconds, and batches are small anyway. */
export const PROCESSOR_BATCHING_WINDOW = Duration.seconds(1);

/** What Lambda accepts as an SQS event source's maximum concurrency. */
export const PROCESSOR_MAX_CONCURRENCY_BOUNDS = { min: 2, max: 1_000 } as const;

/**
 * Processor instances the queue may run at once. Ingest answers vendors synchronously, so it is
 * ingest that must find account concurrency free when a burst arrives; the processor works from
 * a queue that holds messages for days, so a busy processor only delays. 10 keeps the processor
 * to 1% of the default account quota (1,000) and still outpaces ingest's ceiling: at the assumed
 * 150 ms per batch of 10 (README, Performance and cost) one instance drains ~65 records a second,
 * ten ~650, above every vendor route at its default limit together (6 routes × 50 rps). Fewer
 * instances also mean fewer writers contending for one subject's item: within an instance a
 * subject's events take turns, so a hot subject sees at most one write in flight per instance.
 * A backlog beyond that waits in the queue, which the `QueueTooOld` alarm watches.
 */
export const DEFAULT_PROCESSOR_MAX_CONCURRENCY = 10;

/**
 * The DynamoDB actions the processor's code calls (lambdas/adapters/dynamo-event-store.ts):
 * `GetItem` and `BatchGetItem` (a batch's subjects), `UpdateItem` (a lease), `PutItem` (body
 * chunks), `TransactWriteItems`, which IAM authorizes per item as `PutItem`, `UpdateItem` and
 * `ConditionCheckItem`, and the publication marks' PartiQL `UPDATE`s (`PartiQLUpdate`). No
 * Query, Scan, BatchWriteItem, DeleteItem or other PartiQL statement: operators read and correct
 * the table with their own credentials.
 */
export const PROCESSOR_TABLE_ACTIONS = [
  'dynamodb:BatchGetItem',
  'dynamodb:ConditionCheckItem',
  'dynamodb:GetItem',
  'dynamodb:PartiQLUpdate',
  'dynamodb:PutItem',
  'dynamodb:UpdateItem',
] as const;

/**
 * What the SQS event source calls with the function's role (AWS's AWSLambdaSQSQueueExecutionRole
 * lists the same three). `grantConsumeMessages` would add `GetQueueUrl` and
 * `ChangeMessageVisibility`, which nothing here calls.
 */
export const EVENT_SOURCE_QUEUE_ACTIONS = [
  'sqs:DeleteMessage',
  'sqs:GetQueueAttributes',
  'sqs:ReceiveMessage',
] as const;

/**
 * KMS calls DynamoDB makes with the caller's permissions on a table under a customer-managed key:
 * reads decrypt, writes also encrypt under a new data key. (Key changes and grants are made by
 * CloudFormation with the deployer's permissions, not by the function.)
 */
export const TABLE_KEY_ACTIONS = [
  'kms:Decrypt',
  'kms:DescribeKey',
  'kms:Encrypt',
  'kms:GenerateDataKey',
] as const;

export interface ProcessorProps {
  /** The ingest queue to consume. */
  readonly queue: IQueue;
  readonly table: ITable;
  readonly bus: IEventBus;
  /** Whether published events carry the vendor payload. */
  readonly includePayload: boolean;
  /** Days a stored event is kept before its TTL expires it. */
  readonly retentionDays: number;
  readonly logRetention: RetentionDays;
  /** The queue's redrive `maxReceiveCount`, so the processor logs a last failure as dead-lettering. */
  readonly maxReceiveCount: number;
  /** Processor instances the queue may run at once. @default DEFAULT_PROCESSOR_MAX_CONCURRENCY */
  readonly maxConcurrency?: number;
  /** @default METRICS_NAMESPACE */
  readonly metricsNamespace?: string;
  /** X-Ray active tracing. @default false */
  readonly tracing?: boolean;
}

/** Drains the ingest queue: normalize, store once, publish; failed records are retried alone. */
export class Processor extends Construct {
  readonly function: NodejsFunction;

  constructor(scope: Construct, id: string, props: ProcessorProps) {
    super(scope, id);
    const maxConcurrency = props.maxConcurrency ?? DEFAULT_PROCESSOR_MAX_CONCURRENCY;
    const { min, max } = PROCESSOR_MAX_CONCURRENCY_BOUNDS;
    if (!Number.isInteger(maxConcurrency) || maxConcurrency < min || maxConcurrency > max) {
      throw new Error(
        `Processor: maxConcurrency must be an integer from ${min} to ${max}, got ${maxConcurrency}`,
      );
    }
    this.function = buildNodeFunction(this, 'Function', {
      entry: 'lambdas/processor/handler.ts',
      serviceName: 'kyc-processor',
      description: 'Normalizes queued webhooks, stores them once and publishes them',
      timeout: PROCESSOR_TIMEOUT,
      memorySize: 512,
      ...sharedFunctionSettings(props),
      environment: {
        [ENV.tableName]: props.table.tableName,
        [ENV.eventBusName]: props.bus.eventBusName,
        [ENV.includePayload]: String(props.includePayload),
        [ENV.retentionDays]: String(props.retentionDays),
        [ENV.maxReceiveCount]: String(props.maxReceiveCount),
      },
    });
    // What `SqsEventSource` would create, under the id it would use (so the mapping keeps its
    // logical id), without its `grantConsumeMessages`: the grants below are exactly the calls.
    this.function.addEventSourceMapping(`SqsEventSource:${Names.nodeUniqueId(props.queue.node)}`, {
      eventSourceArn: props.queue.queueArn,
      batchSize: 10,
      maxBatchingWindow: PROCESSOR_BATCHING_WINDOW,
      maxConcurrency,
      // One bad record must not send its nine neighbours back to the queue.
      reportBatchItemFailures: true,
    });
    props.queue.grant(this.function, ...EVENT_SOURCE_QUEUE_ACTIONS);
    props.queue.encryptionMasterKey?.grant(this.function, 'kms:Decrypt');
    // The table alone. `table.grant` would add its indexes (`<table>/index/*`), which only the
    // operator CLI queries; writes reach the index without any permission on it.
    Grant.addToPrincipal({
      grantee: this.function,
      actions: [...PROCESSOR_TABLE_ACTIONS],
      resourceArns: [props.table.tableArn],
    });
    props.table.encryptionKey?.grant(this.function, ...TABLE_KEY_ACTIONS);
    props.bus.grantPutEventsTo(this.function);
  }
}
