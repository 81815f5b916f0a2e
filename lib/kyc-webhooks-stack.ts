import { CfnOutput, Fn, RemovalPolicy, Stack } from 'aws-cdk-lib';
import type { StackProps } from 'aws-cdk-lib';
import { Key } from 'aws-cdk-lib/aws-kms';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import type { Construct } from 'constructs';
import { ONDATO_VENDOR_ID } from '../lambdas/vendors/ondato.js';
import { VENDORS } from '../lambdas/vendors/registry.js';
import { readConfig } from './config.js';
import { Alarms } from './constructs/alarms.js';
import { OperationsDashboard } from './constructs/dashboard.js';
import { Enrichment } from './constructs/enrichment.js';
import { EVENT_BUS_NAME, KycEventBus } from './constructs/event-bus.js';
import { EventStore } from './constructs/event-store.js';
import { IngestApi } from './constructs/ingest-api.js';
import { IngestQueue } from './constructs/ingest-queue.js';
import { metricsNamespaceFor } from './constructs/node-function.js';
import { PROCESSOR_BATCHING_WINDOW, PROCESSOR_TIMEOUT, Processor } from './constructs/processor.js';
import { RefusedBodyBucket } from './constructs/refused-body-bucket.js';
import { TokenEndpoint } from './constructs/token-endpoint.js';
import { encodeSettings, OUTPUTS, secretOutputName, stackNameFor } from './outputs.js';

export interface KycWebhooksStackProps extends StackProps {
  /**
   * The stage this stack is (`-c stage=staging`): its configuration is `stages.<stage>` over the
   * base block, and every fixed name carries it (bus `kyc-webhooks-staging`, metric namespace
   * and dashboard `KycWebhooks-staging`). Generated names carry the stack's name already.
   * @default none: the base configuration and today's names
   */
  readonly stage?: string;
}

/**
 * The whole pipeline, configured from the `kycWebhooks` context. Construct ids here are part of
 * every logical id below them: renaming one replaces the table, queue or secrets it holds. Output
 * ids are the output keys operators and the CLI read (`./outputs.ts`).
 *
 * Deleting the stack keeps what holds data or is needed to read it: the table (also protected
 * from deletion), both queues, the bus and its archive, the KMS key the stack created, the vendor
 * secrets and the log groups. Each still expires its contents on its own schedule (TTL, queue
 * and archive retention, log retention); deleting them is a deliberate, separate step.
 */
export class KycWebhooksStack extends Stack {
  constructor(scope: Construct, id: string, props: KycWebhooksStackProps = {}) {
    super(scope, id, props);
    const { stage } = props;
    const config = readConfig(
      this,
      VENDORS.map((vendor) => vendor.id),
      stage,
    );
    const metricsNamespace = metricsNamespaceFor(stage);
    const stagedName = stage === undefined ? undefined : stackNameFor(stage);
    const encryptionKey = this.encryptionKey(config.kmsKey);

    const store = new EventStore(this, 'EventStore', {
      ...(encryptionKey && { encryptionKey }),
      legacySubjectIndex: config.legacySubjectIndex,
    });
    const events = new KycEventBus(this, 'EventBus', {
      eventBusName: stage === undefined ? EVENT_BUS_NAME : `${EVENT_BUS_NAME}-${stage}`,
      archiveRetentionDays: config.archiveRetentionDays,
      ...(encryptionKey && { encryptionKey }),
    });
    const queue = new IngestQueue(this, 'IngestQueue', {
      consumerTimeout: PROCESSOR_TIMEOUT,
      consumerBatchingWindow: PROCESSOR_BATCHING_WINDOW,
      ...(encryptionKey && { encryptionKey }),
    });
    const refusedBodies = config.keepRefusedBodies
      ? new RefusedBodyBucket(this, 'RefusedBodies', {
          days: config.keepRefusedBodies.days,
          ...(encryptionKey && { encryptionKey }),
        })
      : undefined;
    const ingest = new IngestApi(this, 'IngestApi', {
      vendors: VENDORS.filter((vendor) => config.vendors.includes(vendor.id)).map((vendor) => ({
        id: vendor.id,
        routes: vendor.routes,
        throttle: config.throttle.vendors[vendor.id],
      })),
      routeThrottle: config.throttle.default,
      queue: queue.queue,
      secretMaxAgeSeconds: config.secretMaxAgeSeconds,
      logRetention: config.logRetentionDays,
      metricsNamespace,
      tracing: config.tracing,
      ...(stagedName !== undefined && { apiName: stagedName }),
      ...(config.ingestReservedConcurrency !== null && {
        reservedConcurrency: config.ingestReservedConcurrency,
      }),
      systemLogLevel: config.ingestSystemLogLevel,
      ...(config.customDomain && { customDomain: config.customDomain }),
      ...(refusedBodies && { refusedBodies }),
    });
    // Ondato's OAuth2 token URL, on the same API, reading the Ondato ingest function's secret.
    const ondato = ingest.vendors.get(ONDATO_VENDOR_ID);
    if (ondato) {
      const token = new TokenEndpoint(this, 'OndatoToken', {
        ingest,
        secret: ondato.secret,
        secretMaxAgeSeconds: config.secretMaxAgeSeconds,
        logRetention: config.logRetentionDays,
        metricsNamespace,
        tracing: config.tracing,
      });
      new CfnOutput(this, OUTPUTS.ondatoTokenUrl, {
        description: 'Token URL to configure in Ondato for OAuth2 webhook authentication',
        value: token.url,
      });
    }
    const processor = new Processor(this, 'Processor', {
      queue: queue.queue,
      maxReceiveCount: queue.maxReceiveCount,
      table: store.table,
      bus: events.bus,
      includePayload: config.includePayload,
      retentionDays: config.retentionDays,
      logRetention: config.logRetentionDays,
      maxConcurrency: config.processorMaxConcurrency,
      metricsNamespace,
      tracing: config.tracing,
    });
    // Vendors whose API says when to fetch a result; each is asked only once its secret holds
    // API credentials (an `api` member), so deploying this costs nothing until then.
    const enriched = VENDORS.filter((vendor) => vendor.api?.enrichAfter.length).flatMap(
      (vendor) => {
        const access = ingest.vendors.get(vendor.id);
        return access ? [{ vendor, secret: access.secret }] : [];
      },
    );
    let enrichment: Enrichment | undefined;
    if (enriched.length > 0) {
      enrichment = new Enrichment(this, 'Enrichment', {
        vendors: enriched,
        bus: events.bus,
        ingestQueue: queue.queue,
        eventTable: store.table,
        retentionDays: config.retentionDays,
        logRetention: config.logRetentionDays,
        secretMaxAgeSeconds: config.secretMaxAgeSeconds,
        metricsNamespace,
        tracing: config.tracing,
        ...(encryptionKey && { encryptionKey }),
      });
      new CfnOutput(this, OUTPUTS.reconcileFunction, {
        description: 'The reconciliation sweep: npx kyc-webhooks reconcile --stack invokes it',
        value: enrichment.reconcile.functionName,
      });
    }
    const alarms = new Alarms(this, 'Alarms', {
      queue: queue.queue,
      deadLetterQueue: queue.deadLetterQueue,
      deadLettersExpireAfter: queue.deadLettersExpireAfter,
      ingestFunctions: [...ingest.vendors.values()].map((vendor) => vendor.function),
      processor: processor.function,
      vendors: [...ingest.vendors.keys()],
      throttledRequests: ingest.throttledRequests,
      tokenEndpoint: ondato !== undefined,
      metricsNamespace,
      alarmEmail: config.alarmEmail,
      alarmTopicArn: config.alarmTopicArn,
      ...(stage !== undefined && { topicDisplayName: `KYC webhooks alarms (${stage})` }),
      // The vendor API worker's dead letters go where the pipeline's alarms go.
      ...(enrichment && { otherAlarms: [enrichment.deadLetters] }),
    });
    const dashboard = new OperationsDashboard(this, 'Dashboard', {
      stage: ingest.stage,
      queue: queue.queue,
      deadLetterQueue: queue.deadLetterQueue,
      processor: processor.function,
      ingestFunctions: [...ingest.vendors.values()].map((vendor) => vendor.function),
      vendors: [...ingest.vendors.keys()],
      alarms: alarms.all,
      maxQueueAge: alarms.maxQueueAge,
      tokenEndpoint: ondato !== undefined,
      metricsNamespace,
      throttledRequests: ingest.throttledRequests,
      ...(stagedName !== undefined && { dashboardName: stagedName }),
    });
    new CfnOutput(this, OUTPUTS.dashboardUrl, {
      description: 'The on-call CloudWatch dashboard',
      value: dashboard.url,
    });

    new CfnOutput(this, OUTPUTS.apiUrl, {
      description: 'Base URL of the webhook API; each vendor is given its route under it',
      value: ingest.url,
    });
    new CfnOutput(this, OUTPUTS.tableName, { value: store.table.tableName });
    new CfnOutput(this, OUTPUTS.eventBusName, { value: events.bus.eventBusName });
    new CfnOutput(this, OUTPUTS.eventBusArn, { value: events.bus.eventBusArn });
    new CfnOutput(this, OUTPUTS.deadLetterQueueUrl, { value: queue.deadLetterQueue.queueUrl });
    new CfnOutput(this, OUTPUTS.deadLetterQueueArn, {
      description: 'Source of a redrive: aws sqs start-message-move-task --source-arn <this>',
      value: queue.deadLetterQueue.queueArn,
    });
    if (ingest.customDomain) {
      new CfnOutput(this, OUTPUTS.customDomainUrl, {
        description: 'Base URL to give vendors once DNS points the domain at the target below',
        value: `${ingest.publicEndpoint}/`,
      });
      new CfnOutput(this, OUTPUTS.customDomainTarget, {
        description: 'Target of the custom domain’s DNS record (CNAME, or Route 53 alias)',
        value: ingest.customDomain.regionalDomainName,
      });
      new CfnOutput(this, OUTPUTS.customDomainHostedZoneId, {
        description: 'Hosted zone of that target, for a Route 53 alias record',
        value: ingest.customDomain.regionalHostedZoneId,
      });
    }
    new CfnOutput(this, OUTPUTS.ingestLogGroups, {
      description: 'The delivery log: npx kyc-webhooks deliveries queries these log groups',
      value: Fn.join(
        ',',
        [...ingest.vendors.values()].map((vendor) => vendor.function.logGroup.logGroupName),
      ),
    });
    new CfnOutput(this, OUTPUTS.processorLogGroup, {
      description: 'What the processor publishes: npx kyc-webhooks tail --stack follows this group',
      value: processor.function.logGroup.logGroupName,
    });
    if (refusedBodies) {
      new CfnOutput(this, OUTPUTS.refusedBodiesBucket, {
        description: 'Refused bodies, by vendor and day (bodyRef in the delivery log)',
        value: refusedBodies.bucket.bucketName,
      });
    }
    for (const [vendorId, vendor] of ingest.vendors) {
      new CfnOutput(this, secretOutputName(vendorId), {
        description: `Secret to fill with the ${vendorId} credentials JSON`,
        value: vendor.secret.secretArn,
      });
    }
    // The deployed stack says how it behaves, so the CLI never guesses from a local cdk.json
    // (a stack deployed with `-c` differs from it): replay must omit payloads where the
    // processor does.
    new CfnOutput(this, OUTPUTS.settings, {
      description: 'Settings this stack was deployed with (JSON), read by the operator CLI',
      value: encodeSettings(config),
    });
  }

  /**
   * The customer-managed key of `kmsKey`, if any. A key the stack creates rotates yearly and is
   * retained with the data it encrypts: deleting it would make the retained table, queues and
   * archive unreadable. A key given by ARN must allow, in its own policy, this account's IAM
   * principals (the functions' grants) and EventBridge (the bus and archive): the stack cannot
   * change another key's policy.
   */
  private encryptionKey(setting: boolean | string): IKey | undefined {
    if (setting === false) return undefined;
    if (typeof setting === 'string') return Key.fromKeyArn(this, 'EncryptionKey', setting);
    return new Key(this, 'EncryptionKey', {
      description: `Encrypts the KYC webhooks table, queues, bus and archive (${this.stackName})`,
      enableKeyRotation: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });
  }
}
