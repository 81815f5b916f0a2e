import { Logger } from '@aws-lambda-powertools/logger';
import type { LogLevel } from '@aws-lambda-powertools/logger/types';
import { DynamoDeadLetterNotes } from '../lambdas/adapters/dynamo-dead-letter-notes.js';
import { DynamoEventStore } from '../lambdas/adapters/dynamo-event-store.js';
import { EventBridgeEventPublisher } from '../lambdas/adapters/eventbridge-event-publisher.js';
import { SqsEventQueue } from '../lambdas/adapters/sqs-event-queue.js';
import type { EventQueue } from '../lambdas/core/ports.js';
import { createIngestHandler } from '../lambdas/ingest/ingest-handler.js';
import { createProcessorHandler } from '../lambdas/processor/process-batch.js';
import { NO_METRICS, type MetricRecorder } from '../lambdas/runtime/metrics.js';
import { DEFAULT_TOKEN_TTL_SECONDS, TOKEN_PATH } from '../lambdas/token/issue-token.js';
import { createTokenHandler } from '../lambdas/token/token-handler.js';
import { ONDATO_VENDOR_ID } from '../lambdas/vendors/ondato.js';
import { findVendor, VENDORS } from '../lambdas/vendors/registry.js';
import type { LocalClients } from './clients.js';
import { FileDeliveryLog, FileRefusedBodyStore } from './file-delivery-log.js';
import { FileSecretSource } from './file-secret-source.js';
import type { HttpRoute } from './http-server.js';
import type { BatchHandler } from './poller.js';

/**
 * Local mode's composition root: the Lambda handlers built exactly as their `handler.ts` files
 * build them in AWS, over the same adapters, except that clients point at the local engines and
 * secrets come from a file.
 */

export interface LocalHandlerSettings {
  readonly clients: LocalClients;
  readonly queueUrl: string;
  readonly tableName: string;
  readonly eventBusName: string;
  readonly secretsFile: string;
  /** The delivery log: one JSON `DeliveryRecord` per attempt, appended. @default the log line only */
  readonly deliveriesFile?: string;
  /** Where refused bodies are kept; absent, they are not kept (the default). */
  readonly refusedBodiesDir?: string;
  /** When absent, Powertools reads `POWERTOOLS_LOG_LEVEL`. */
  readonly logLevel?: LogLevel;
  readonly includePayload: boolean;
  readonly retentionDays: number;
  /** The ingest queue's redrive `maxReceiveCount`, as the stack tells the processor. @default unknown */
  readonly maxReceiveCount?: number;
  /**
   * Where the handlers' metrics go. @default nowhere: EMF lines would bury the log on the
   * console, and nothing reads them locally
   */
  readonly metrics?: MetricRecorder;
  /** Told each time ingest has queued a delivery (local mode wakes its poller). */
  readonly onQueued?: () => void;
}

export interface LocalHandlers {
  /** Every API route: each vendor route to ingest, and Ondato's token endpoint if registered. */
  readonly routes: readonly HttpRoute[];
  /** Ingest also answers unknown `/webhooks/…` paths, with a 404 it logs. */
  readonly ingest: HttpRoute['handler'];
  readonly processor: BatchHandler;
  readonly processorLog: Logger;
}

export function createLocalHandlers(settings: LocalHandlerSettings): LocalHandlers {
  const { clients, logLevel } = settings;
  const metrics = settings.metrics ?? NO_METRICS;
  const logger = (serviceName: string): Logger =>
    new Logger({ serviceName, ...(logLevel && { logLevel }) });
  const secrets = new FileSecretSource(settings.secretsFile);

  const ingest = createIngestHandler({
    secrets,
    queue: notifying(new SqsEventQueue(clients.sqs, settings.queueUrl), settings.onQueued),
    log: logger('kyc-ingest-local'),
    ...(settings.deliveriesFile !== undefined && {
      deliveryLog: new FileDeliveryLog(settings.deliveriesFile),
    }),
    ...(settings.refusedBodiesDir !== undefined && {
      refusedBodies: new FileRefusedBodyStore(settings.refusedBodiesDir),
    }),
  });
  const processorLog = logger('kyc-processor-local');
  const processor = createProcessorHandler({
    store: DynamoEventStore.create(clients.dynamodb, settings.tableName),
    deadLetters: DynamoDeadLetterNotes.create(clients.dynamodb, settings.tableName),
    ...(settings.maxReceiveCount !== undefined && { maxReceiveCount: settings.maxReceiveCount }),
    publisher: new EventBridgeEventPublisher(clients.eventBridge, settings.eventBusName),
    now: () => new Date(),
    includePayload: settings.includePayload,
    retentionDays: settings.retentionDays,
    log: processorLog,
    metrics,
  });

  const routes: HttpRoute[] = VENDORS.flatMap((vendor) =>
    vendor.routes.map((path) => ({ path, handler: ingest })),
  );
  // Ondato may fetch an OAuth2 token before delivering; the stack serves it when Ondato is on.
  if (findVendor(ONDATO_VENDOR_ID)) {
    routes.push({
      path: TOKEN_PATH,
      handler: createTokenHandler({
        secrets,
        ttlSeconds: DEFAULT_TOKEN_TTL_SECONDS,
        log: logger('kyc-token-local'),
        metrics,
      }),
    });
  }
  return { routes, ingest, processor, processorLog };
}

/** The queue, telling `onQueued` once each message is durably queued. */
function notifying(queue: EventQueue, onQueued: (() => void) | undefined): EventQueue {
  if (!onQueued) return queue;
  return {
    async send(message) {
      await queue.send(message);
      onQueued();
    },
  };
}
