import { Duration, Names, RemovalPolicy } from 'aws-cdk-lib';
import type { Alarm } from 'aws-cdk-lib/aws-cloudwatch';
import { Rule, Schedule } from 'aws-cdk-lib/aws-events';
import type { IEventBus } from 'aws-cdk-lib/aws-events';
import { LambdaFunction, SqsQueue } from 'aws-cdk-lib/aws-events-targets';
import { Grant, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import {
  AttributeType,
  BillingMode,
  type ITable,
  Table,
  TableEncryption,
} from 'aws-cdk-lib/aws-dynamodb';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import type { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { Bucket } from 'aws-cdk-lib/aws-s3';
import type { ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import type { Vendor } from '../../lambdas/core/vendor.js';
import { ENRICHMENT_BATCH_SIZE, RECORD_BUDGET_MS } from '../../lambdas/enrichment/settings.js';
import { vendorApiPattern } from '../../lambdas/enrichment/trigger-pattern.js';
import { OPEN_SUBJECTS_SCHEMA } from '../../lambdas/adapters/dynamo-open-subjects.js';
import { TABLE_SCHEMA } from '../../lambdas/adapters/dynamo-schema.js';
import { isLinkArchive } from '../../lambdas/core/vendor-api.js';
import { ENV } from '../../lambdas/runtime/env.js';
import { WHEN_ABOVE } from './alarms.js';
import { grantSecretRead, QUEUE_SEND_KEY_ACTIONS } from './ingest-api.js';
import { IngestQueue } from './ingest-queue.js';
import { buildNodeFunction, sharedFunctionSettings } from './node-function.js';
import { privateBucket } from './private-bucket.js';
import { EVENT_SOURCE_QUEUE_ACTIONS, TABLE_KEY_ACTIONS } from './processor.js';

/**
 * Calls one vendor API at a time per instance (records are enriched one after the other; a
 * Truuth callback's report links, `LINK_CONCURRENCY` at a time), so this bounds the calls in
 * flight to a vendor: the least Lambda allows, as vendors rate-limit their APIs (IDWise asks for
 * 2 s between summary calls) and enrichment may wait.
 */
export const ENRICHMENT_MAX_CONCURRENCY = 2;

/**
 * A record's budget for each record of a batch: a full batch of records that each wait out one
 * slow call (or one round of links) fits, and the worker starts nothing it has no budget left for
 * (lambdas/enrichment/time-left.ts), so an invocation never runs into this.
 */
export const ENRICHMENT_TIMEOUT = Duration.millis(ENRICHMENT_BATCH_SIZE * RECORD_BUDGET_MS);

/** How often the reconciliation sweep runs; the shortest window (IDWise's, a day) is far longer. */
export const RECONCILE_EVERY = Duration.hours(1);
/** Lambda's longest: a sweep asks one subject after another, each within the API timeout. */
export const RECONCILE_TIMEOUT = Duration.minutes(15);

export interface EnrichmentProps {
  /** The vendors whose API declares triggers, each with the secret holding its credentials. */
  readonly vendors: readonly { readonly vendor: Vendor; readonly secret: ISecret }[];
  readonly bus: IEventBus;
  /** The ingest queue: findings go through the processor like any delivery. */
  readonly ingestQueue: IQueue;
  /** The event table: a link-archiving vendor's stored bodies are read from it. */
  readonly eventTable: ITable;
  /** Days an archived answer is kept: the events' retention. */
  readonly retentionDays: number;
  readonly logRetention: RetentionDays;
  /** The stack's customer-managed key, if any. @default S3-managed and SQS-managed encryption */
  readonly encryptionKey?: IKey;
  readonly secretMaxAgeSeconds: number;
  readonly metricsNamespace?: string;
  readonly tracing?: boolean;
}

/**
 * What the pipeline asks of vendors' own APIs (lambdas/enrichment/, lambdas/reconcile/). A rule
 * per vendor on the pipeline's own bus sends its events to a queue of their own (with a DLQ), so a
 * vendor API outage delays only this; a function follows each subject left without a verdict in a
 * small table of its own (only for vendors that reconcile, so no other vendor's writes cost more)
 * and, after the events that say a result is ready, asks the API. An hourly sweep asks about
 * subjects left open past their window. Both archive the answer in an encrypted bucket and queue
 * what consumers decide on to the ingest queue, so the processor orders and deduplicates it.
 */
export class Enrichment extends Construct {
  readonly function: NodejsFunction;
  readonly queue: IngestQueue;
  readonly bucket: Bucket;
  readonly openSubjects: Table;
  /** The scheduled reconciliation sweep. */
  readonly reconcile: NodejsFunction;
  /**
   * Fires when a published event could not be enriched or followed after every receive: a vendor
   * API down for longer than the retries, or credentials it refuses. The stack sends it where the
   * pipeline's other alarms go.
   */
  readonly deadLetters: Alarm;

  constructor(scope: Construct, id: string, props: EnrichmentProps) {
    super(scope, id);
    const key = props.encryptionKey;
    this.bucket = privateBucket(this, 'Results', {
      ...(key && { encryptionKey: key }),
      expirationDays: props.retentionDays,
      writers: 'the enrichment function',
    });

    // SQS-managed encryption even where the stack has a key: the queue holds only events the bus
    // published, and EventBridge can send to it without a key policy naming every rule.
    this.queue = new IngestQueue(this, 'Queue', { consumerTimeout: ENRICHMENT_TIMEOUT });
    this.deadLetters = this.queue.deadLetterQueue
      .metricApproximateNumberOfMessagesVisible({
        period: Duration.minutes(5),
        statistic: 'Maximum',
      })
      .createAlarm(this, 'DeadLetters', {
        alarmDescription:
          "A vendor's API failed an event's enrichment on every retry; fix the cause (the API, " +
          'its credentials in the api member of the secret), then redrive the enrichment DLQ',
        ...WHEN_ABOVE,
      });

    this.openSubjects = new Table(this, 'OpenSubjects', {
      partitionKey: { name: OPEN_SUBJECTS_SCHEMA.partitionKey, type: AttributeType.STRING },
      billingMode: BillingMode.PAY_PER_REQUEST,
      timeToLiveAttribute: OPEN_SUBJECTS_SCHEMA.timeToLiveAttribute,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      ...(key
        ? { encryption: TableEncryption.CUSTOMER_MANAGED, encryptionKey: key }
        : { encryption: TableEncryption.AWS_MANAGED }),
      removalPolicy: RemovalPolicy.RETAIN,
    });

    const environment = {
      [ENV.queueUrl]: props.ingestQueue.queueUrl,
      [ENV.resultsBucket]: this.bucket.bucketName,
      ...(key && { [ENV.resultsKeyId]: key.keyArn }),
      [ENV.secretIds]: JSON.stringify(
        Object.fromEntries(
          props.vendors.map(({ vendor, secret }) => [vendor.id, secret.secretArn]),
        ),
      ),
      [ENV.secretMaxAgeSeconds]: String(props.secretMaxAgeSeconds),
      [ENV.openSubjectsTable]: this.openSubjects.tableName,
      [ENV.tableName]: props.eventTable.tableName,
      [ENV.retentionDays]: String(props.retentionDays),
    };
    const shared = {
      ...sharedFunctionSettings(props),
      environment,
    };

    this.function = buildNodeFunction(this, 'Function', {
      entry: 'lambdas/enrichment/handler.ts',
      serviceName: 'kyc-enrichment',
      description: "Follows vendors' subjects and fetches their results after their webhooks",
      timeout: ENRICHMENT_TIMEOUT,
      memorySize: 256,
      ...shared,
    });
    const queue = this.queue.queue;
    this.function.addEventSourceMapping(`SqsEventSource:${Names.nodeUniqueId(queue.node)}`, {
      eventSourceArn: queue.queueArn,
      batchSize: ENRICHMENT_BATCH_SIZE,
      maxConcurrency: ENRICHMENT_MAX_CONCURRENCY,
      reportBatchItemFailures: true,
    });
    queue.grant(this.function, ...EVENT_SOURCE_QUEUE_ACTIONS);
    this.#grantAsking(this.function, props);
    // lambdas/adapters/dynamo-open-subjects.ts: conditional PutItem and DeleteItem.
    this.#grantTable(this.function, ['dynamodb:DeleteItem', 'dynamodb:PutItem'], key);
    this.#grantBodyReads(this.function, props);

    this.reconcile = buildNodeFunction(this, 'ReconcileFunction', {
      entry: 'lambdas/reconcile/handler.ts',
      serviceName: 'kyc-reconcile',
      description: "Asks vendors' APIs about subjects left without a verdict past their window",
      timeout: RECONCILE_TIMEOUT,
      memorySize: 256,
      ...shared,
    });
    this.#grantAsking(this.reconcile, props);
    // The sweep reads the whole (small) table: Scan, paginated.
    this.#grantTable(this.reconcile, ['dynamodb:Scan'], key);
    new Rule(this, 'ReconcileSchedule', {
      description: 'Runs the reconciliation sweep',
      schedule: Schedule.rate(RECONCILE_EVERY),
      targets: [new LambdaFunction(this.reconcile, { retryAttempts: 0 })],
    });

    for (const { vendor } of props.vendors) {
      const pattern = vendorApiPattern(vendor);
      if (!pattern) continue;
      new Rule(this, `${vendor.id}Trigger`, {
        eventBus: props.bus,
        description: `Sends ${vendor.displayName} events to its API worker`,
        eventPattern: {
          source: [...pattern.source],
          ...(pattern.detail && { detail: pattern.detail }),
        },
        targets: [new SqsQueue(queue)],
      });
    }
  }

  /**
   * What asking a vendor's API takes (lambdas/enrichment/ask-vendor-api.ts): its secret
   * (GetSecretValue alone), SendMessage to the ingest queue, and PutObject in the results bucket,
   * granted by the bucket's policy (same account: it suffices), so its writers are stated where
   * the data is; `grantPut` would add legal holds, retention and tagging, which nothing calls.
   */
  #grantAsking(fn: NodejsFunction, props: EnrichmentProps): void {
    for (const { secret } of props.vendors) grantSecretRead(fn, secret.secretArn);
    props.ingestQueue.grant(fn, 'sqs:SendMessage');
    props.ingestQueue.encryptionMasterKey?.grant(fn, ...QUEUE_SEND_KEY_ACTIONS);
    this.bucket.addToResourcePolicy(
      new PolicyStatement({
        principals: [fn.grantPrincipal],
        actions: ['s3:PutObject'],
        resources: [this.bucket.arnForObjects('*')],
      }),
    );
    // Writing an object under the bucket's key.
    props.encryptionKey?.grant(fn, 'kms:GenerateDataKey');
  }

  /**
   * What archiving a link-archiving vendor's links takes (lambdas/enrichment/archive-links.ts):
   * GetItem on the event table, for that vendor's event items and the body chunks they name
   * (the leading key: `<vendor>:…` or the chunk prefix), and the table key's Decrypt when the
   * table has a customer key. Nothing when no such vendor is enabled.
   */
  #grantBodyReads(fn: NodejsFunction, props: EnrichmentProps): void {
    const vendorIds = props.vendors
      .filter(({ vendor }) => isLinkArchive(vendor.api))
      .map(({ vendor }) => vendor.id);
    if (vendorIds.length === 0) return;
    fn.addToRolePolicy(
      new PolicyStatement({
        actions: ['dynamodb:GetItem'],
        resources: [props.eventTable.tableArn],
        conditions: {
          'ForAllValues:StringLike': {
            'dynamodb:LeadingKeys': [
              ...vendorIds.map((id) => `${id}:*`),
              `${TABLE_SCHEMA.keyPrefixes.bodyChunk}*`,
            ],
          },
        },
      }),
    );
    props.eventTable.encryptionKey?.grant(fn, 'kms:Decrypt');
  }

  /** `actions` on the open-subjects table alone, and its key's when it has one. */
  #grantTable(fn: NodejsFunction, actions: string[], key: IKey | undefined): void {
    Grant.addToPrincipal({ grantee: fn, actions, resourceArns: [this.openSubjects.tableArn] });
    key?.grant(fn, ...TABLE_KEY_ACTIONS);
  }
}
