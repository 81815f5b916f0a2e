import { Duration, Names, RemovalPolicy, Validations } from 'aws-cdk-lib';
import { Rule } from 'aws-cdk-lib/aws-events';
import type { IEventBus } from 'aws-cdk-lib/aws-events';
import { SqsQueue } from 'aws-cdk-lib/aws-events-targets';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import type { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { BlockPublicAccess, Bucket, BucketEncryption, ObjectOwnership } from 'aws-cdk-lib/aws-s3';
import type { ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import type { Vendor } from '../../lambdas/core/vendor.js';
import { ENRICHMENT_BATCH_SIZE, VENDOR_API_TIMEOUT_MS } from '../../lambdas/enrichment/settings.js';
import { enrichmentPattern } from '../../lambdas/enrichment/trigger-pattern.js';
import { ENV } from '../../lambdas/runtime/env.js';
import { grantSecretRead, QUEUE_SEND_KEY_ACTIONS } from './ingest-api.js';
import { IngestQueue } from './ingest-queue.js';
import { buildNodeFunction } from './node-function.js';
import { EVENT_SOURCE_QUEUE_ACTIONS } from './processor.js';

/**
 * Calls one vendor API at a time per instance (records are enriched one after the other), so this
 * bounds the calls in flight to a vendor: the least Lambda allows, as vendors rate-limit their
 * APIs (IDWise asks for 2 s between summary calls) and enrichment may wait.
 */
export const ENRICHMENT_MAX_CONCURRENCY = 2;

/** Each record may wait out one API timeout; a margin for the secret read, archive and queue. */
export const ENRICHMENT_TIMEOUT = Duration.millis(
  ENRICHMENT_BATCH_SIZE * VENDOR_API_TIMEOUT_MS + 10_000,
);

export interface EnrichmentProps {
  /** The vendors whose API declares triggers, each with the secret holding its credentials. */
  readonly vendors: readonly { readonly vendor: Vendor; readonly secret: ISecret }[];
  readonly bus: IEventBus;
  /** The ingest queue: findings go through the processor like any delivery. */
  readonly ingestQueue: IQueue;
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
 * Enrichment: a rule per vendor on the pipeline's own bus sends the events after which the vendor
 * says its result is ready to a queue of their own (with a DLQ), so a vendor API outage delays
 * only enrichment; a function asks the API, archives the answer in an encrypted bucket and queues
 * what consumers decide on to the ingest queue (lambdas/enrichment/).
 */
export class Enrichment extends Construct {
  readonly function: NodejsFunction;
  readonly queue: IngestQueue;
  readonly bucket: Bucket;

  constructor(scope: Construct, id: string, props: EnrichmentProps) {
    super(scope, id);
    const key = props.encryptionKey;
    this.bucket = new Bucket(this, 'Results', {
      ...(key
        ? { encryption: BucketEncryption.KMS, encryptionKey: key, bucketKeyEnabled: true }
        : { encryption: BucketEncryption.S3_MANAGED }),
      enforceSSL: true,
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      objectOwnership: ObjectOwnership.BUCKET_OWNER_ENFORCED,
      lifecycleRules: [{ expiration: Duration.days(props.retentionDays) }],
      // Like the table: personal data the stack holds outlives the stack only deliberately.
      removalPolicy: RemovalPolicy.RETAIN,
    });
    Validations.of(this.bucket).acknowledge({
      id: 'AwsSolutions-S1',
      reason:
        'Only the enrichment function writes here, and CloudTrail records its calls; server ' +
        'access logs would need a second bucket holding the object keys for as long.',
    });

    // SQS-managed encryption even where the stack has a key: the queue holds only events the bus
    // published, and EventBridge can send to it without a key policy naming every rule.
    this.queue = new IngestQueue(this, 'Queue', { consumerTimeout: ENRICHMENT_TIMEOUT });

    this.function = buildNodeFunction(this, 'Function', {
      entry: 'lambdas/enrichment/handler.ts',
      serviceName: 'kyc-enrichment',
      description: "Fetches vendors' results after their webhooks and queues what they say",
      timeout: ENRICHMENT_TIMEOUT,
      memorySize: 256,
      logRetention: props.logRetention,
      ...(props.metricsNamespace !== undefined && { metricsNamespace: props.metricsNamespace }),
      ...(props.tracing !== undefined && { tracing: props.tracing }),
      environment: {
        [ENV.queueUrl]: props.ingestQueue.queueUrl,
        [ENV.resultsBucket]: this.bucket.bucketName,
        ...(key && { [ENV.resultsKeyId]: key.keyArn }),
        [ENV.secretIds]: JSON.stringify(
          Object.fromEntries(
            props.vendors.map(({ vendor, secret }) => [vendor.id, secret.secretArn]),
          ),
        ),
        [ENV.secretMaxAgeSeconds]: String(props.secretMaxAgeSeconds),
      },
    });
    const queue = this.queue.queue;
    this.function.addEventSourceMapping(`SqsEventSource:${Names.nodeUniqueId(queue.node)}`, {
      eventSourceArn: queue.queueArn,
      batchSize: ENRICHMENT_BATCH_SIZE,
      maxConcurrency: ENRICHMENT_MAX_CONCURRENCY,
      reportBatchItemFailures: true,
    });
    queue.grant(this.function, ...EVENT_SOURCE_QUEUE_ACTIONS);
    // As ingest sends: SendMessage alone (`grantSendMessages` adds GetQueueAttributes and
    // GetQueueUrl), and the queue's key when it has one.
    props.ingestQueue.grant(this.function, 'sqs:SendMessage');
    props.ingestQueue.encryptionMasterKey?.grant(this.function, ...QUEUE_SEND_KEY_ACTIONS);
    // PutObject alone, granted by the bucket (same account: its policy suffices), so the one
    // writer is stated where the data is; `grantPut` would add legal holds, retention and tagging,
    // which nothing calls.
    this.bucket.addToResourcePolicy(
      new PolicyStatement({
        principals: [this.function.grantPrincipal],
        actions: ['s3:PutObject'],
        resources: [this.bucket.arnForObjects('*')],
      }),
    );
    // Writing an object under the bucket's key.
    key?.grant(this.function, 'kms:GenerateDataKey');

    for (const { vendor, secret } of props.vendors) {
      grantSecretRead(this.function, secret.secretArn);
      const pattern = enrichmentPattern(vendor);
      if (!pattern) continue;
      new Rule(this, `${vendor.id}Trigger`, {
        eventBus: props.bus,
        description: `Sends ${vendor.displayName} events after which its result is ready to enrichment`,
        eventPattern: { source: [...pattern.source], detail: pattern.detail },
        targets: [new SqsQueue(queue)],
      });
    }
  }
}
