import { mkdir, rm, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { Logger } from '@aws-lambda-powertools/logger';
import type { LogLevel } from '@aws-lambda-powertools/logger/types';
import { TOKEN_PATH } from '../lambdas/token/issue-token.js';
import { VENDORS } from '../lambdas/vendors/registry.js';
import { createLocalClients, LOCAL_REGION, type LocalClients } from './clients.js';
import { describeTarget, dispatchToRules, type ConsumerRule } from './consumer-rules.js';
import { startLocalEnrichment, type LocalEnrichment } from './enrichment.js';
import { startEngines, type Engines } from './engines.js';
import { formatPublishedEvent } from './format-event.js';
import { deliveriesFileFor, FileDeliveryLog, refusedBodiesDirFor } from './file-delivery-log.js';
import { FileSecretSource } from './file-secret-source.js';
import { createLocalHandlers } from './handlers.js';
import { startWebhookServer, type WebhookServer } from './http-server.js';
import { createInspector } from './inspector/inspector.js';
import {
  readInstanceFile,
  removeInstanceFile,
  removeInstanceFileSync,
  writeInstanceFile,
  type LocalInstance,
} from './instance-file.js';
import { SqsPoller } from './poller.js';
import { DEFAULT_PATHS, DEFAULT_PORTS, instanceFileFor } from './project-paths.js';
import type { PublishedEvent } from './put-events-server.js';
import { createQueues, createTable, LOCAL_NAMES } from './resources.js';

export interface LocalPipelineOptions {
  /** Webhook server port (default 3000); `0` picks a free port, as do the others. */
  readonly port?: number;
  /** DynamoDB Local's port (default 8000). */
  readonly dynamodbPort?: number;
  /** A DynamoDB Local already running, used instead of starting one (the tests share one). */
  readonly dynamodbEndpoint?: string;
  /** The table to create and use (default `kyc-webhooks-events`). */
  readonly tableName?: string;
  /** local-aws-sqs's port (default 9324). */
  readonly sqsPort?: number;
  /** The PutEvents endpoint's port (default: any free one). */
  readonly eventBridgePort?: number;
  /**
   * JSON-lines file of published events; emptied once every port is bound, never while the
   * instance file beside it names a running pipeline (default `.local/events.jsonl`).
   */
  readonly eventsFile?: string;
  /**
   * Write the instance file (`instance.json` beside the events file) once ready, and remove it
   * on stop, so the CLI finds this pipeline whatever its ports (default: not written).
   */
  readonly writeInstanceFile?: boolean;
  /** Consumer rules (consumer-rules.ts): every published event goes to those it matches. */
  readonly rules?: readonly ConsumerRule[];
  /** Told about each delivery to a rule's target that failed (default: the console). */
  readonly onRuleFailure?: (failure: RuleFailure) => void;
  /** Secrets file (default `config/local-secrets.json`). */
  readonly secretsFile?: string;
  /** Where each published event is shown; `false` shows nothing (default: the console). */
  readonly printEvent?: ((line: string, event: PublishedEvent) => void) | false;
  /** Handlers' log level; by default Powertools reads `POWERTOOLS_LOG_LEVEL`. */
  readonly logLevel?: LogLevel;
  /** Ingest queue visibility timeout, i.e. the delay before a failed record is retried (30 s). */
  readonly visibilityTimeoutSeconds?: number;
  /** Receives before a message goes to the DLQ (5, as deployed). */
  readonly maxReceiveCount?: number;
  /**
   * The ingest poller's long-poll wait (default 0: short polls, woken as ingest queues each
   * delivery, so a delivery is processed at once; local-aws-sqs holds a long poll open until a
   * full batch or the end of the wait).
   */
  readonly pollWaitSeconds?: number;
  readonly includePayload?: boolean;
  readonly retentionDays?: number;
  /**
   * Keep refused bodies in `refused-bodies/` beside the events file, emptied at start
   * (default off; `npm start` reads `KYC_KEEP_REFUSED_BODIES`).
   */
  readonly keepRefusedBodies?: boolean;
}

/** A rule's target that did not take an event; the event stays published. */
export interface RuleFailure {
  readonly rule: string;
  readonly target: string;
  readonly eventId: string;
  readonly error: string;
}

/** A start refused because the instance file names a pipeline that is still running. */
export class AlreadyRunningError extends Error {
  override readonly name = 'AlreadyRunningError';

  constructor(
    readonly instance: LocalInstance,
    readonly instanceFile: string,
  ) {
    super(
      `local mode is already running with this events file (process ${instance.pid}, started ` +
        `${instance.startedAt}, webhooks at ${instance.urls.server}; ${instanceFile}). ` +
        'Nothing was changed.',
    );
  }
}

export interface WebhookUrl {
  readonly vendor: string;
  readonly route: string;
  readonly url: string;
}

export interface LocalPipeline {
  readonly urls: {
    /** Base URL of the webhook server. */
    readonly server: string;
    /** The inspector page, at the webhook server's root. */
    readonly inspector: string;
    readonly webhooks: readonly WebhookUrl[];
    /** Ondato's OAuth2 token endpoint, when Ondato is registered. */
    readonly ondatoToken?: string;
    readonly dynamodb: string;
    readonly sqs: string;
    readonly eventBridge: string;
    readonly queue: string;
    readonly deadLetterQueue: string;
  };
  readonly tableName: string;
  readonly eventBusName: string;
  readonly eventsFile: string;
  /** The delivery log (`deliveries.jsonl` beside the events file), emptied when it is. */
  readonly deliveriesFile: string;
  /** Where refused bodies are kept, when `keepRefusedBodies` is on. */
  readonly refusedBodiesDir?: string;
  readonly secretsFile: string;
  /** The instance file, when `writeInstanceFile` asked for one. */
  readonly instanceFile?: string;
  /** Enrichment's queue, archive and vendor API stand-ins, when a vendor declares an API. */
  readonly enrichment?: Pick<
    LocalEnrichment,
    'standIn' | 's3' | 'queueUrl' | 'deadLetterQueueUrl' | 'reconcile'
  >;
  /**
   * Stops taking requests, finishes the batch in hand and the deliveries to rules, then stops
   * the engines and removes the instance file.
   */
  stop(): Promise<void>;
}

/** Leaves a Lambda-like margin between a batch's time budget and its visibility timeout. */
const VISIBILITY_MARGIN_MS = 5_000;
const MAX_INVOCATION_MS = 25_000;
/**
 * Between empty short polls of the ingest queue. Ingest wakes the poller as it queues each
 * delivery, so this bounds only what reaches the queue otherwise (a redrive, a vendor API answer).
 */
const IDLE_POLL_MS = 250;

/**
 * The whole pipeline on this machine: the same ingest and processor handlers over the same
 * adapters, pointed at DynamoDB Local, local-aws-sqs and a local PutEvents endpoint, with an HTTP
 * server in API Gateway's place and a poller in the event-source mapping's.
 */
export async function startLocalPipeline(
  options: LocalPipelineOptions = {},
): Promise<LocalPipeline> {
  const eventsFile = options.eventsFile ?? DEFAULT_PATHS.eventsFile;
  const secretsFile = options.secretsFile ?? DEFAULT_PATHS.secretsFile;
  const deliveriesFile = deliveriesFileFor(eventsFile);
  const refusedBodiesDir = options.keepRefusedBodies ? refusedBodiesDirFor(eventsFile) : undefined;
  const includePayload = options.includePayload ?? true;
  const retentionDays = options.retentionDays ?? 90;
  const maxReceiveCount = options.maxReceiveCount ?? 5;
  const visibilityTimeoutSeconds = options.visibilityTimeoutSeconds ?? 30;
  const invocationMs = Math.min(
    MAX_INVOCATION_MS,
    visibilityTimeoutSeconds * 1000 - VISIBILITY_MARGIN_MS,
  );
  if (invocationMs < 1000) {
    throw new Error('visibilityTimeoutSeconds must be at least 6 so a batch has time to run');
  }
  // A pipeline already running on this events file keeps it: refused before anything is touched.
  const instanceFile = instanceFileFor(eventsFile);
  const existing = await readInstanceFile(instanceFile);
  if (existing.state === 'live') throw new AlreadyRunningError(existing.instance, instanceFile);

  const print = options.printEvent ?? ((line: string) => console.log(line));
  const rules = options.rules ?? [];
  const reportRuleFailure =
    options.onRuleFailure ??
    ((failure: RuleFailure) =>
      console.error(
        `rule ${failure.rule}: delivery to ${failure.target} failed for ${failure.eventId}: ` +
          failure.error,
      ));
  const deliveries = new Set<Promise<void>>();
  const deliverToRules = (event: PublishedEvent): void => {
    const delivery = dispatchToRules(rules, event)
      .then((results) => {
        for (const result of results) {
          if (result.ok) continue;
          const rule = rules.find((candidate) => candidate.name === result.rule);
          reportRuleFailure({
            rule: result.rule,
            target: rule ? describeTarget(rule.target) : '?',
            eventId: eventIdOf(event),
            error: result.error ?? 'unknown error',
          });
        }
      })
      .catch((error: unknown) => console.error('local consumer rules: delivery crashed', error))
      .finally(() => deliveries.delete(delivery));
    deliveries.add(delivery);
  };

  const tableName = options.tableName ?? LOCAL_NAMES.table;
  let engines: Engines | undefined;
  let clients: LocalClients | undefined;
  let poller: SqsPoller | undefined;
  let enrichment: LocalEnrichment | undefined;
  let server: WebhookServer | undefined;
  let announced = false;
  const removeOnExit = (): void => removeInstanceFileSync(instanceFile, process.pid);
  const stop = async (): Promise<void> => {
    await server?.close();
    await poller?.stop();
    await enrichment?.stop();
    await Promise.allSettled([...deliveries]);
    clients?.destroy();
    await engines?.stop();
    if (announced) {
      process.off('exit', removeOnExit);
      await removeInstanceFile(instanceFile, process.pid);
    }
  };

  try {
    engines = await startEngines({
      dynamodb:
        options.dynamodbEndpoint === undefined
          ? { port: options.dynamodbPort ?? DEFAULT_PORTS.dynamodb }
          : { endpoint: options.dynamodbEndpoint },
      sqsPort: options.sqsPort ?? DEFAULT_PORTS.sqs,
      eventBridgePort: options.eventBridgePort ?? DEFAULT_PORTS.eventBridge,
      eventsFile,
      onEvent: (event) => {
        if (print) print(formatPublishedEvent(event), event);
        if (rules.length > 0) deliverToRules(event);
        enrichment?.onPublished(event);
      },
    });
    clients = createLocalClients(engines.endpoints);
    const [queues] = await Promise.all([
      createQueues(clients.sqs, { visibilityTimeoutSeconds, maxReceiveCount }),
      createTable(clients.dynamodb, tableName),
    ]);

    const { routes, ingest, processor, processorLog } = createLocalHandlers({
      clients,
      queueUrl: queues.queueUrl,
      tableName,
      eventBusName: LOCAL_NAMES.eventBus,
      secretsFile,
      deliveriesFile,
      ...(refusedBodiesDir !== undefined && { refusedBodiesDir }),
      ...(options.logLevel && { logLevel: options.logLevel }),
      includePayload,
      retentionDays,
      maxReceiveCount,
      onQueued: () => poller?.wake(),
    });

    poller = new SqsPoller({
      sqs: clients.sqs,
      queueUrl: queues.queueUrl,
      queueArn: queues.queueArn,
      region: LOCAL_REGION,
      handler: processor,
      invocationMs,
      waitTimeSeconds: options.pollWaitSeconds ?? 0,
      idleMs: IDLE_POLL_MS,
      log: processorLog,
    });

    if (VENDORS.some((vendor) => vendor.api)) {
      enrichment = await startLocalEnrichment({
        sqs: clients.sqs,
        dynamodb: clients.dynamodb,
        openSubjectsTable: `${tableName}-open-subjects`,
        eventTable: tableName,
        retentionDays,
        ingestQueueUrl: queues.queueUrl,
        secrets: new FileSecretSource(secretsFile),
        vendors: VENDORS,
        fixturesDir: DEFAULT_PATHS.fixtures,
        visibilityTimeoutSeconds,
        maxReceiveCount,
        invocationMs,
        pollWaitSeconds: options.pollWaitSeconds ?? 1,
        log: new Logger({
          serviceName: 'kyc-enrichment-local',
          ...(options.logLevel && { logLevel: options.logLevel }),
        }),
      });
    }

    server = await startWebhookServer({
      port: options.port ?? DEFAULT_PORTS.webhooks,
      routes: enrichment ? [...routes, enrichment.reconcileRoute] : routes,
      webhookFallback: ingest,
      pages: createInspector({
        clients,
        tableName,
        eventBusName: LOCAL_NAMES.eventBus,
        eventsFile,
        deliveriesFile,
        deadLetterQueue: { url: queues.deadLetterQueueUrl, arn: queues.deadLetterQueueArn },
        includePayload,
      }),
      onError: (error) => console.error('local webhook server: handler crashed', error),
    });

    // Every port is bound: this start can no longer fail on one, so the file may mirror this
    // run's engines, whose state starts empty. Nothing is published before the poller runs.
    await mkdir(dirname(eventsFile), { recursive: true });
    await writeFile(eventsFile, '');
    await new FileDeliveryLog(deliveriesFile).reset();
    if (refusedBodiesDir !== undefined)
      await rm(refusedBodiesDir, { recursive: true, force: true });
    for (const rule of rules) {
      if ('file' in rule.target) await mkdir(dirname(rule.target.file), { recursive: true });
    }
    poller.start();

    const base = `http://localhost:${server.port}`;
    const urls = {
      server: base,
      inspector: `${base}/`,
      webhooks: VENDORS.flatMap((vendor) =>
        vendor.routes.map((route) => ({ vendor: vendor.id, route, url: base + route })),
      ),
      ...(routes.some((route) => route.path === TOKEN_PATH) && {
        ondatoToken: base + TOKEN_PATH,
      }),
      ...engines.endpoints,
      queue: queues.queueUrl,
      deadLetterQueue: queues.deadLetterQueueUrl,
    };
    if (options.writeInstanceFile) {
      const { server: serverUrl, dynamodb, sqs, eventBridge, queue, deadLetterQueue } = urls;
      await writeInstanceFile(instanceFile, {
        pid: process.pid,
        startedAt: new Date().toISOString(),
        urls: { server: serverUrl, dynamodb, sqs, eventBridge, queue, deadLetterQueue },
        tableName,
        eventBusName: LOCAL_NAMES.eventBus,
        eventsFile,
        deliveriesFile,
        secretsFile,
      });
      announced = true;
      // A crash skips `stop`; the file must not outlive the process when it can help it.
      process.once('exit', removeOnExit);
    }
    return {
      urls,
      tableName,
      eventBusName: LOCAL_NAMES.eventBus,
      eventsFile,
      deliveriesFile,
      ...(refusedBodiesDir !== undefined && { refusedBodiesDir }),
      secretsFile,
      ...(announced && { instanceFile }),
      ...(enrichment && { enrichment }),
      stop,
    };
  } catch (error) {
    await stop().catch(() => undefined);
    throw error;
  }
}

function eventIdOf(event: PublishedEvent): string {
  try {
    const { eventId } = JSON.parse(event.Detail) as { eventId?: unknown };
    return typeof eventId === 'string' ? eventId : '(no eventId)';
  } catch {
    return '(no eventId)';
  }
}
