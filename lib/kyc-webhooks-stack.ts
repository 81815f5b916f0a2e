import { CfnOutput, Stack } from 'aws-cdk-lib';
import type { StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { ONDATO_VENDOR_ID } from '../lambdas/vendors/ondato.js';
import { VENDORS } from '../lambdas/vendors/registry.js';
import { readConfig } from './config.js';
import { Alarms } from './constructs/alarms.js';
import { OperationsDashboard } from './constructs/dashboard.js';
import { KycEventBus } from './constructs/event-bus.js';
import { EventStore } from './constructs/event-store.js';
import { IngestApi } from './constructs/ingest-api.js';
import { IngestQueue } from './constructs/ingest-queue.js';
import { PROCESSOR_BATCHING_WINDOW, PROCESSOR_TIMEOUT, Processor } from './constructs/processor.js';
import { TokenEndpoint } from './constructs/token-endpoint.js';
import { encodeSettings, OUTPUTS, secretOutputName } from './outputs.js';

/**
 * The whole pipeline, configured from the `kycWebhooks` context. Construct ids here are part of
 * every logical id below them: renaming one replaces the table, queue or secrets it holds. Output
 * ids are the output keys operators and the CLI read (`./outputs.ts`).
 */
export class KycWebhooksStack extends Stack {
  constructor(scope: Construct, id: string, props?: StackProps) {
    super(scope, id, props);
    const config = readConfig(
      this,
      VENDORS.map((vendor) => vendor.id),
    );

    const store = new EventStore(this, 'EventStore');
    const events = new KycEventBus(this, 'EventBus', {
      archiveRetentionDays: config.archiveRetentionDays,
    });
    const queue = new IngestQueue(this, 'IngestQueue', {
      consumerTimeout: PROCESSOR_TIMEOUT,
      consumerBatchingWindow: PROCESSOR_BATCHING_WINDOW,
    });
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
    });
    // Ondato's OAuth2 token URL, on the same API, reading the Ondato ingest function's secret.
    const ondato = ingest.vendors.get(ONDATO_VENDOR_ID);
    if (ondato) {
      const token = new TokenEndpoint(this, 'OndatoToken', {
        ingest,
        secret: ondato.secret,
        secretMaxAgeSeconds: config.secretMaxAgeSeconds,
        logRetention: config.logRetentionDays,
      });
      new CfnOutput(this, OUTPUTS.ondatoTokenUrl, {
        description: 'Token URL to configure in Ondato for OAuth2 webhook authentication',
        value: token.url,
      });
    }
    const processor = new Processor(this, 'Processor', {
      queue: queue.queue,
      table: store.table,
      bus: events.bus,
      includePayload: config.includePayload,
      retentionDays: config.retentionDays,
      logRetention: config.logRetentionDays,
    });
    const alarms = new Alarms(this, 'Alarms', {
      queue: queue.queue,
      deadLetterQueue: queue.deadLetterQueue,
      ingestFunctions: [...ingest.vendors.values()].map((vendor) => vendor.function),
      processor: processor.function,
      vendors: [...ingest.vendors.keys()],
      alarmEmail: config.alarmEmail,
    });
    const dashboard = new OperationsDashboard(this, 'Dashboard', {
      stage: ingest.stage,
      queue: queue.queue,
      deadLetterQueue: queue.deadLetterQueue,
      processor: processor.function,
      vendors: [...ingest.vendors.keys()],
      alarms: alarms.all,
      maxQueueAge: alarms.maxQueueAge,
      tokenEndpoint: ondato !== undefined,
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
}
