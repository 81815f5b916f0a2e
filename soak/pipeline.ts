import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DeleteTableCommand } from '@aws-sdk/client-dynamodb';
import { DynamoEventStore } from '../lambdas/adapters/dynamo-event-store.js';
import { EventBridgeEventPublisher } from '../lambdas/adapters/eventbridge-event-publisher.js';
import { SqsEventQueue } from '../lambdas/adapters/sqs-event-queue.js';
import type { EventStore } from '../lambdas/core/ports.js';
import type { IngestLog } from '../lambdas/ingest/ingest-handler.js';
import { createIngestHandler } from '../lambdas/ingest/ingest-handler.js';
import { createProcessorHandler } from '../lambdas/processor/process-batch.js';
import { createLocalClients, LOCAL_REGION, type LocalClients } from '../local/clients.js';
import { startEngines, type Engines } from '../local/engines.js';
import { FileSecretSource } from '../local/file-secret-source.js';
import { SqsPoller } from '../local/poller.js';
import type { PublishedEvent } from '../local/put-events-server.js';
import { createQueues, createTable, LOCAL_NAMES, type LocalQueues } from '../local/resources.js';
import { startLocalEnrichment, type LocalEnrichment } from '../local/enrichment.js';
import { DEFAULT_PATHS } from '../local/project-paths.js';
import { Logger } from '@aws-lambda-powertools/logger';
import { VENDORS } from '../lambdas/vendors/registry.js';
import { SOAK_API_TIMEOUT_MS, vendorApiFaults } from './vendor-api-faults.js';
import { injectPublishFaults, injectQueueFaults, injectStoreFaults } from './fault-injectors.js';
import type { FaultSwitch } from './faults.js';
import { tally, type Ledger } from './ledger.js';
import { ObservedEventPublisher, ObservedEventStore } from './observed-ports.js';
import { createHarnessedProcessor, createProcessorLog } from './processor-harness.js';
import { keyed } from './random.js';
import { MAX_RECEIVES } from './verdict.js';
import type { IngestHandler } from './vendor-traffic.js';

/** The stack's default event retention, for the processor and the vendor API worker alike. */
const RETENTION_DAYS = 90;

export interface SoakPipelineOptions {
  readonly seed: number;
  readonly faults: FaultSwitch;
  /**
   * A DynamoDB Local already running (the tests share one), where the run gets a table of its
   * own; else one is started for the run.
   */
  readonly dynamodbEndpoint?: string;
  readonly ledger: Ledger;
  readonly secretsFile: string;
  readonly visibilityTimeoutSeconds: number;
  /** Each invocation's time budget (and so its publication lease); below the visibility timeout. */
  readonly invocationMs: number;
  /** Concurrent processor invocations, as Lambda would scale them. */
  readonly pollers: number;
  readonly onPublished: (event: PublishedEvent) => void;
}

export interface SoakPipeline {
  readonly ingest: IngestHandler;
  /** Fault-free clients, for watching queues and for the audit. */
  readonly clients: LocalClients;
  readonly queues: LocalQueues;
  /** The real store over a fault-free client, for the audit. */
  readonly store: EventStore;
  /**
   * The vendor API worker of local mode (enrichment and subject tracking) on the same engines,
   * its stand-in APIs failing and timing out under `faults`.
   */
  readonly enrichment: LocalEnrichment;
  readonly tableName: string;
  readonly eventsFile: string;
  startPollers(): void;
  stopPollers(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * The pipeline of local mode (local/handlers.ts), in one process: the real ingest and processor
 * handlers over the real adapters and the local engines, with faults injected into the SDK
 * clients the adapters use and crash points into the processor's ports. The poller of local
 * mode plays the SQS event source mapping, several at once.
 */
export async function startSoakPipeline(options: SoakPipelineOptions): Promise<SoakPipeline> {
  const dir = await mkdtemp(join(tmpdir(), 'kyc-soak-'));
  const eventsFile = join(dir, 'events.jsonl');
  let engines: Engines | undefined;
  let clean: LocalClients | undefined;
  let faulty: LocalClients | undefined;
  let pollers: SqsPoller[] = [];
  let enrichment: LocalEnrichment | undefined;
  const stopPollers = async (): Promise<void> => {
    await Promise.all(pollers.map((poller) => poller.stop()));
    pollers = [];
  };
  const tableName =
    options.dynamodbEndpoint === undefined ? LOCAL_NAMES.table : `kyc-soak-${randomUUID()}`;
  const stop = async (): Promise<void> => {
    await stopPollers();
    await enrichment?.stop();
    if (options.dynamodbEndpoint !== undefined && clean) {
      await clean.dynamodb.send(new DeleteTableCommand({ TableName: tableName })).catch(() => {});
    }
    clean?.destroy();
    faulty?.destroy();
    await engines?.stop();
    await rm(dir, { recursive: true, force: true });
  };

  try {
    engines = await startEngines({
      dynamodb:
        options.dynamodbEndpoint === undefined
          ? { port: 0 }
          : { endpoint: options.dynamodbEndpoint },
      sqsPort: 0,
      eventBridgePort: 0,
      eventsFile,
      onEvent: (event) => {
        options.onPublished(event);
        enrichment?.onPublished(event);
      },
    });
    clean = createLocalClients(engines.endpoints);
    faulty = createLocalClients(engines.endpoints);
    const { ledger, faults } = options;
    injectQueueFaults(faulty.sqs, faults, (body) => ledger.queued(body));
    injectStoreFaults(faulty.dynamodb, faults);
    injectPublishFaults(faulty.eventBridge, faults);

    const [queues] = await Promise.all([
      createQueues(clean.sqs, {
        visibilityTimeoutSeconds: options.visibilityTimeoutSeconds,
        maxReceiveCount: MAX_RECEIVES,
      }),
      createTable(clean.dynamodb, tableName),
    ]);

    // Receive times strictly increase, so two deliveries of one subject from a vendor without
    // event times never tie (a tie between non-terminal statuses is decided by arrival).
    let lastReceivedAt = 0;
    const ingest = createIngestHandler({
      secrets: new FileSecretSource(options.secretsFile),
      queue: new SqsEventQueue(faulty.sqs, queues.queueUrl),
      log: ingestLog(ledger),
      now: () => {
        lastReceivedAt = Math.max(Date.now(), lastReceivedAt + 1);
        return new Date(lastReceivedAt);
      },
    });
    const processor = createHarnessedProcessor({
      processor: createProcessorHandler({
        store: new ObservedEventStore(
          DynamoEventStore.create(faulty.dynamodb, tableName),
          (eventId) =>
            faults.on && keyed(options.seed, 'hot', eventId).chance(faults.rates.hotEvents),
        ),
        publisher: new ObservedEventPublisher(
          new EventBridgeEventPublisher(faulty.eventBridge, LOCAL_NAMES.eventBus),
        ),
        now: () => new Date(),
        includePayload: true,
        retentionDays: RETENTION_DAYS,
        log: createProcessorLog(ledger),
      }),
      seed: options.seed,
      faults,
      ledger,
      invocationMs: options.invocationMs,
    });

    // The worker's own calls (its queue, the ingest queue, its table) are fault-free: the faults
    // it meets are the vendor API's, and the processor meets all the others on its messages.
    enrichment = await startLocalEnrichment({
      sqs: clean.sqs,
      dynamodb: clean.dynamodb,
      openSubjectsTable: `${tableName}-open-subjects`,
      eventTable: tableName,
      retentionDays: RETENTION_DAYS,
      ingestQueueUrl: queues.queueUrl,
      secrets: new FileSecretSource(options.secretsFile),
      vendors: VENDORS,
      fixturesDir: DEFAULT_PATHS.fixtures,
      visibilityTimeoutSeconds: options.visibilityTimeoutSeconds,
      maxReceiveCount: MAX_RECEIVES,
      invocationMs: options.invocationMs,
      pollWaitSeconds: 0,
      idleMs: 20,
      apiTimeoutMs: SOAK_API_TIMEOUT_MS,
      log: new Logger({ serviceName: 'kyc-enrichment-soak', logLevel: 'SILENT' }),
    });
    enrichment.standIn.setFaults(vendorApiFaults(options.seed, faults));

    const cleanClients = clean;
    return {
      ingest,
      clients: clean,
      queues,
      store: DynamoEventStore.create(clean.dynamodb, tableName),
      enrichment,
      tableName,
      eventsFile,
      startPollers() {
        for (let i = 0; i < options.pollers; i += 1) {
          const poller = new SqsPoller({
            sqs: cleanClients.sqs,
            queueUrl: queues.queueUrl,
            queueArn: queues.queueArn,
            region: LOCAL_REGION,
            handler: processor,
            invocationMs: options.invocationMs,
            waitTimeSeconds: 0,
            idleMs: 20,
            log: {
              error(message, attributes) {
                // A dead invocation is expected (it was crashed); anything else is worth a look.
                if (!message.includes('batch failed')) {
                  tally(ledger.pollerErrors, `${message} ${JSON.stringify(attributes)}`);
                }
              },
            },
          });
          poller.start();
          pollers.push(poller);
        }
      },
      stopPollers,
      stop,
    };
  } catch (error) {
    await stop().catch(() => undefined);
    throw error;
  }
}

function ingestLog(ledger: Ledger): IngestLog {
  const note = (what: string, attributes: Record<string, unknown>): void => {
    tally(ledger.ingestOutcomes, `${what}: ${String(attributes['reason'] ?? 'unexpected')}`);
  };
  return {
    info() {},
    warn: (_message, attributes) => note('refused', attributes),
    error: (_message, attributes) => note('not queued', attributes),
  };
}
