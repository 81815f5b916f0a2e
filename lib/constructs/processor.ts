import { CfnElement, Duration, Stack, Validations } from 'aws-cdk-lib';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import type { IEventBus } from 'aws-cdk-lib/aws-events';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import type { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { ENV } from '../../lambdas/runtime/env.js';
import { buildNodeFunction } from './node-function.js';

/** Exported so the queue's visibility timeout is derived from the real values. */
export const PROCESSOR_TIMEOUT = Duration.seconds(30);
/** Short: a delivery should reach consumers in seconds, and batches are small anyway. */
export const PROCESSOR_BATCHING_WINDOW = Duration.seconds(1);

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
}

/** Drains the ingest queue: normalize, store once, publish; failed records are retried alone. */
export class Processor extends Construct {
  readonly function: NodejsFunction;

  constructor(scope: Construct, id: string, props: ProcessorProps) {
    super(scope, id);
    this.function = buildNodeFunction(this, 'Function', {
      entry: 'lambdas/processor/handler.ts',
      serviceName: 'kyc-processor',
      description: 'Normalizes queued webhooks, stores them once and publishes them',
      timeout: PROCESSOR_TIMEOUT,
      memorySize: 512,
      logRetention: props.logRetention,
      environment: {
        [ENV.tableName]: props.table.tableName,
        [ENV.eventBusName]: props.bus.eventBusName,
        [ENV.includePayload]: String(props.includePayload),
        [ENV.retentionDays]: String(props.retentionDays),
      },
    });
    this.function.addEventSource(
      new SqsEventSource(props.queue, {
        batchSize: 10,
        maxBatchingWindow: PROCESSOR_BATCHING_WINDOW,
        // One bad record must not send its nine neighbours back to the queue.
        reportBatchItemFailures: true,
      }),
    );
    props.table.grantReadWriteData(this.function);
    acknowledgeIndexWildcard(this.function, props.table);
    props.bus.grantPutEventsTo(this.function);
  }
}

/** cdk-nag flags the index wildcard `grantReadWriteData` writes; acknowledged where it is granted. */
function acknowledgeIndexWildcard(fn: NodejsFunction, table: ITable): void {
  const resource = table.node.defaultChild;
  if (!(resource instanceof CfnElement) || !fn.role) return;
  // cdk-nag names the finding after the resource as the policy writes it: <LogicalId.Arn>/index/*.
  const logicalId: unknown = Stack.of(fn).resolve(resource.logicalId);
  Validations.of(fn.role).acknowledge({
    id: `AwsSolutions-IAM5[Resource::<${String(logicalId)}.Arn>/index/*]`,
    reason:
      "grantReadWriteData grants on the table's indexes as <table>/index/*; the only index is " +
      'the per-subject history, over the items the processor already reads and writes.',
  });
}
