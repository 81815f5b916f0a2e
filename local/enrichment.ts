import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Logger } from '@aws-lambda-powertools/logger';
import {
  CreateTableCommand,
  UpdateTimeToLiveCommand,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import S3rver from 's3rver';
import {
  DynamoOpenSubjects,
  OPEN_SUBJECTS_SCHEMA,
} from '../lambdas/adapters/dynamo-open-subjects.js';
import { DynamoEventStore } from '../lambdas/adapters/dynamo-event-store.js';
import { FetchVendorApiClient } from '../lambdas/adapters/fetch-vendor-api-client.js';
import { HttpsLinkFetcher } from '../lambdas/adapters/https-link-fetcher.js';
import { S3ResultArchive } from '../lambdas/adapters/s3-result-archive.js';
import { SqsEventQueue } from '../lambdas/adapters/sqs-event-queue.js';
import type { SecretSource } from '../lambdas/core/ports.js';
import type { Vendor } from '../lambdas/core/vendor.js';
import { createEnrichmentHandler } from '../lambdas/enrichment/enrichment-handler.js';
import { requestBytes } from '../lambdas/ingest/ingest-delivery.js';
import { LINK_MAX_BYTES, VENDOR_API_TIMEOUT_MS } from '../lambdas/enrichment/settings.js';
import { vendorApiPattern } from '../lambdas/enrichment/trigger-pattern.js';
import { sweep, type SweepOptions, type SweepReport } from '../lambdas/reconcile/sweep.js';
import { readSweepRequest, toSweepAnswer } from '../lambdas/reconcile/sweep-request.js';
import type { HttpRoute } from './http-server.js';
import { LOCAL_REGION } from './clients.js';
import { toDeliveredEvent } from './consumer-rules.js';
import { compilePattern } from './event-pattern.js';
import { SqsPoller } from './poller.js';
import type { PublishedEvent } from './put-events-server.js';
import { createQueues } from './resources.js';
import { LOOPBACK } from './servers.js';
import { startVendorApiStandIn, type VendorApiStandIn } from './vendor-api-stand-in.js';

/**
 * Enrichment in local mode, built as the stack builds it: each vendor's enrichment rule (the
 * same pattern, matched by local mode's pattern matcher) sends published events to a queue of
 * their own with a DLQ, a poller plays the event-source mapping for the same enrichment handler,
 * results are archived in a local S3 engine (s3rver, in a temp folder removed on stop), and the
 * vendors' APIs are stand-ins serving their documented examples.
 */

export const LOCAL_ENRICHMENT_NAMES = {
  queue: 'kyc-webhooks-enrichment',
  deadLetterQueue: 'kyc-webhooks-enrichment-dlq',
  bucket: 'kyc-webhooks-results',
} as const;

/**
 * Where the CLI's `reconcile` asks a running `npm start` for a sweep, as it invokes the deployed
 * function: `POST` with the same JSON request. JSON only, so a web page cannot post one (a
 * cross-origin JSON request needs a preflight, which this server never grants).
 */
export const LOCAL_RECONCILE_PATH = '/local/reconcile';

export interface LocalEnrichmentOptions {
  readonly sqs: SQSClient;
  readonly dynamodb: DynamoDBClient;
  /** The open-subjects table to create and use; the tests give each pipeline its own. */
  readonly openSubjectsTable: string;
  /** The event table, read for a link-archiving vendor's stored bodies. */
  readonly eventTable: string;
  readonly retentionDays: number;
  readonly ingestQueueUrl: string;
  readonly secrets: SecretSource;
  readonly vendors: readonly Vendor[];
  readonly fixturesDir: string;
  readonly visibilityTimeoutSeconds: number;
  readonly maxReceiveCount: number;
  readonly invocationMs: number;
  readonly pollWaitSeconds: number;
  readonly log: Logger;
  /** How long one API call may take. @default VENDOR_API_TIMEOUT_MS, as deployed */
  readonly apiTimeoutMs?: number;
  /** The poller's pause on an empty queue when `pollWaitSeconds` is 0. @default the poller's */
  readonly idleMs?: number;
}

export interface LocalEnrichment {
  readonly standIn: VendorApiStandIn;
  /** The local S3 engine's endpoint and the bucket results are archived in. */
  readonly s3: { readonly endpoint: string; readonly bucket: string };
  readonly queueUrl: string;
  readonly deadLetterQueueUrl: string;
  /** Hands a published event to the vendor API rules, as the bus does. */
  onPublished(event: PublishedEvent): void;
  /** Runs the reconciliation sweep now (`now` stands for the clock, to see past a window). */
  reconcile(options: SweepOptions, now?: Date): Promise<SweepReport>;
  /** `LOCAL_RECONCILE_PATH`, for the webhook server. */
  readonly reconcileRoute: HttpRoute;
  stop(): Promise<void>;
}

export async function startLocalEnrichment(
  options: LocalEnrichmentOptions,
): Promise<LocalEnrichment> {
  const { sqs } = options;
  const stops: (() => Promise<unknown>)[] = [];
  const stop = async (): Promise<void> => {
    for (const close of stops.reverse()) await close().catch(() => undefined);
  };
  try {
    const standIn = await startVendorApiStandIn(options.vendors, options.fixturesDir);
    stops.push(() => standIn.close());

    const directory = await mkdtemp(join(tmpdir(), 'kyc-results-'));
    stops.push(() => rm(directory, { recursive: true, force: true }));
    const s3rver = new S3rver({ port: 0, address: LOOPBACK, silent: true, directory });
    const { port } = await s3rver.run();
    stops.push(() => s3rver.close());
    const endpoint = `http://${LOOPBACK}:${port}`;
    const s3 = new S3Client({
      endpoint,
      forcePathStyle: true,
      region: LOCAL_REGION,
      credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
    });
    stops.push(async () => s3.destroy());
    await s3.send(new CreateBucketCommand({ Bucket: LOCAL_ENRICHMENT_NAMES.bucket }));

    const { queueUrl, queueArn, deadLetterQueueUrl } = await createQueues(
      sqs,
      {
        visibilityTimeoutSeconds: options.visibilityTimeoutSeconds,
        maxReceiveCount: options.maxReceiveCount,
      },
      LOCAL_ENRICHMENT_NAMES,
    );

    await createOpenSubjectsTable(options.dynamodb, options.openSubjectsTable);
    const deps = {
      secrets: options.secrets,
      api: new FetchVendorApiClient(options.apiTimeoutMs ?? VENDOR_API_TIMEOUT_MS),
      events: DynamoEventStore.create(options.dynamodb, options.eventTable),
      // Local mode only: the stand-in's loopback origin is exempt from the link rules; every
      // other link must be HTTPS to a public host, as deployed.
      links: new HttpsLinkFetcher({
        maxBytes: LINK_MAX_BYTES,
        timeoutMs: options.apiTimeoutMs ?? VENDOR_API_TIMEOUT_MS,
        allowOrigin: standIn.origin,
      }),
      archive: new S3ResultArchive(s3, LOCAL_ENRICHMENT_NAMES.bucket),
      queue: new SqsEventQueue(sqs, options.ingestQueueUrl),
      now: () => new Date(),
      log: options.log,
      baseUrlFor: (vendorId: string) => standIn.baseUrlFor(vendorId),
      subjects: new DynamoOpenSubjects(
        options.dynamodb,
        options.openSubjectsTable,
        options.retentionDays,
      ),
    };
    const handler = createEnrichmentHandler(deps);
    const poller = new SqsPoller({
      sqs,
      queueUrl,
      queueArn,
      region: LOCAL_REGION,
      // The worker's time checks are sized for the deployed function's timeout, not for this
      // poller's deadline (local queues' short visibility): local mode starts every record.
      handler: (event) =>
        handler(event, { getRemainingTimeInMillis: () => Number.POSITIVE_INFINITY }),
      invocationMs: options.invocationMs,
      waitTimeSeconds: options.pollWaitSeconds,
      ...(options.idleMs !== undefined && { idleMs: options.idleMs }),
      log: options.log,
    });
    poller.start();
    stops.push(() => poller.stop());

    const rules = options.vendors.flatMap((vendor) => {
      const pattern = vendorApiPattern(vendor);
      return pattern ? [compilePattern(pattern)] : [];
    });
    const sends = new Set<Promise<unknown>>();
    stops.push(() => Promise.allSettled([...sends]));
    return {
      standIn,
      s3: { endpoint, bucket: LOCAL_ENRICHMENT_NAMES.bucket },
      queueUrl,
      deadLetterQueueUrl,
      onPublished(event) {
        const delivered = toDeliveredEvent(event);
        if (!rules.some((matches) => matches(delivered))) return;
        const send = sqs
          .send(
            new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: JSON.stringify(delivered) }),
          )
          .catch((error: unknown) =>
            options.log.error('local enrichment rule: the queue did not take an event', {
              error: error instanceof Error ? error.message : String(error),
            }),
          )
          .finally(() => sends.delete(send));
        sends.add(send);
      },
      reconcile: (sweepOptions, now) =>
        sweep(sweepOptions, { ...deps, ...(now && { now: () => now }) }),
      reconcileRoute: {
        path: LOCAL_RECONCILE_PATH,
        async handler(event) {
          const type = event.headers['content-type'] ?? '';
          if (!type.startsWith('application/json')) return { statusCode: 415 };
          let options: SweepOptions;
          try {
            const text = requestBytes(event).toString('utf8');
            options = readSweepRequest(JSON.parse(text === '' ? '{}' : text));
          } catch (error) {
            return { statusCode: 400, body: (error as Error).message };
          }
          const answer = toSweepAnswer(await sweep(options, deps));
          return {
            statusCode: 200,
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify(answer),
          };
        },
      },
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** The open-subjects table as the stack defines it, from the same schema, TTL included. */
async function createOpenSubjectsTable(dynamodb: DynamoDBClient, tableName: string): Promise<void> {
  await dynamodb.send(
    new CreateTableCommand({
      TableName: tableName,
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: [
        { AttributeName: OPEN_SUBJECTS_SCHEMA.partitionKey, AttributeType: 'S' },
      ],
      KeySchema: [{ AttributeName: OPEN_SUBJECTS_SCHEMA.partitionKey, KeyType: 'HASH' }],
    }),
  );
  await dynamodb.send(
    new UpdateTimeToLiveCommand({
      TableName: tableName,
      TimeToLiveSpecification: {
        AttributeName: OPEN_SUBJECTS_SCHEMA.timeToLiveAttribute,
        Enabled: true,
      },
    }),
  );
}
