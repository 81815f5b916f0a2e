import { Metrics } from '@aws-lambda-powertools/metrics';
import { DeleteMessageBatchCommand, ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { DynamoEventStore } from '../lambdas/adapters/dynamo-event-store.js';
import { EventBridgeEventPublisher } from '../lambdas/adapters/eventbridge-event-publisher.js';
import { SqsEventQueue } from '../lambdas/adapters/sqs-event-queue.js';
import { createIngestHandler } from '../lambdas/ingest/ingest-handler.js';
import { createProcessorHandler } from '../lambdas/processor/process-batch.js';
import { createLogger } from '../lambdas/runtime/lean-log-formatter.js';
import { observeInvocations, PowertoolsMetricRecorder } from '../lambdas/runtime/observability.js';
import { METRICS_NAMESPACE } from '../lib/constructs/node-function.js';
import { LOCAL_REGION } from '../local/clients.js';
import { toSqsRecord } from '../local/poller.js';
import type { MeterRecord } from './aws-meter.js';
import type { BenchEngines } from './bench-engines.js';
import { fixtureSecrets, type SignedBody } from './deliveries.js';
import { apiGatewayEvent } from './fixtures.js';
import { lambdaContext } from './lambda-context.js';
import { captureStdout } from './log-capture.js';

/**
 * One scenario end to end through the local engines, metered: deliveries through the ingest
 * handler onto SQS, then drained the way Lambda's event source mapping does (receive up to 10,
 * invoke the processor, delete what it did not report failed). Both handlers are composed as
 * their Lambda entry points compose them (the ingest and processor handler.ts): Powertools logger at INFO with
 * the Lambda context on every line, and the processor's metrics flushed as EMF lines (ingest
 * writes none: metric filters count its delivery lines), so the captured lines are the ones a
 * deployment writes.
 */

export interface ScenarioRun {
  readonly deliveries: number;
  /** Messages per processor invocation: the event source mapping's batch, 10 under load. */
  readonly batchSize: number;
  readonly records: readonly MeterRecord[];
  readonly ingestLogLines: readonly string[];
  readonly processorLogLines: readonly string[];
  readonly ingestInvocations: number;
  readonly processorInvocations: number;
}

/**
 * Lambda sets this per invocation, and Powertools adds its root to every log line: set a
 * representative value so the captured lines are as long as deployed ones.
 */
const TRACE_ENV = '_X_AMZN_TRACE_ID';
const TRACE_ID = 'Root=1-6744a1b2-5c3d2e1f0a9b8c7d6e5f4a3b;Parent=53995c3f42cd8ad8;Sampled=0';

/** The event source mapping's batch size (lib/constructs/processor.ts). */
export const BATCH_SIZE = 10;
/** Receives that may come back empty before the drain gives up on missing messages. */
const MAX_EMPTY_RECEIVES = 20;

/**
 * The request id of the contexts the handlers get (names as the stack's functions get them), so
 * the logger's context fields are as long as deployed ones.
 */
const REQUEST_ID = '6f7f0961-4a0e-4d8d-9d4e-5f7b2d0e3a11';

/** Powertools metrics as the functions publish them, in the stack's default namespace. */
function deployedMetrics(serviceName: string): PowertoolsMetricRecorder {
  return new PowertoolsMetricRecorder(new Metrics({ namespace: METRICS_NAMESPACE, serviceName }));
}

export async function runScenario(
  engines: BenchEngines,
  bodies: readonly SignedBody[],
  batchSize = BATCH_SIZE,
): Promise<ScenarioRun> {
  const vendorId = bodies[0]?.vendorId;
  if (vendorId === undefined) throw new Error('bench: a scenario needs deliveries');
  const { clients, queues, meter } = engines;
  const ingestLogger = createLogger({ serviceName: 'kyc-webhooks-ingest', logLevel: 'INFO' });
  const ingest = observeInvocations(
    createIngestHandler({
      vendorId,
      secrets: fixtureSecrets(),
      queue: new SqsEventQueue(clients.sqs, queues.queueUrl),
      log: ingestLogger,
    }),
    {
      logger: ingestLogger,
      correlationId: (event) => event.requestContext.requestId,
    },
  );
  const processorLogger = createLogger({ serviceName: 'kyc-webhooks-processor', logLevel: 'INFO' });
  const processorMetrics = deployedMetrics('kyc-webhooks-processor');
  const processor = observeInvocations(
    createProcessorHandler({
      store: DynamoEventStore.create(clients.dynamodb, engines.tableName),
      publisher: new EventBridgeEventPublisher(clients.eventBridge, engines.eventBusName),
      now: () => new Date(),
      includePayload: true,
      retentionDays: 90,
      log: processorLogger,
      metrics: processorMetrics,
    }),
    { logger: processorLogger, metrics: processorMetrics },
  );
  const ingestContext = lambdaContext(
    `KycWebhooks-Ingest${vendorId}Function8A1B2C3D-AbCdEfGhIjKl`,
    { memoryMb: 256, requestId: REQUEST_ID },
  );
  const processorContext = lambdaContext('KycWebhooks-ProcessorFunction5E6F7A8B-MnOpQrStUvWx', {
    memoryMb: 512,
    requestId: REQUEST_ID,
  });

  meter.reset();
  meter.enabled = true;
  const previousTrace = process.env[TRACE_ENV];
  process.env[TRACE_ENV] = TRACE_ID;
  let processorInvocations = 0;
  try {
    const ingested = await captureStdout(async () => {
      for (const [i, delivery] of bodies.entries()) {
        const event = apiGatewayEvent(delivery.route, delivery.body, delivery.headers, `acc-${i}`);
        const answer = await ingest(event, ingestContext);
        if (answer.statusCode !== 200)
          throw new Error(`bench: ingest answered ${answer.statusCode}`);
      }
    });
    const processed = await captureStdout(async () => {
      let received = 0;
      let empty = 0;
      while (received < bodies.length && empty < MAX_EMPTY_RECEIVES) {
        const { Messages = [] } = await clients.sqs.send(
          new ReceiveMessageCommand({
            QueueUrl: queues.queueUrl,
            MaxNumberOfMessages: batchSize,
            WaitTimeSeconds: 0,
            AttributeNames: ['All'],
            MessageSystemAttributeNames: ['All'],
          }),
        );
        if (Messages.length === 0) {
          empty += 1;
          continue;
        }
        received += Messages.length;
        const records = Messages.map((m) => toSqsRecord(m, queues.queueArn, LOCAL_REGION));
        processorInvocations += 1;
        const response = await processor({ Records: records }, processorContext);
        if (response.batchItemFailures.length > 0) {
          throw new Error(`bench: ${response.batchItemFailures.length} records failed`);
        }
        await clients.sqs.send(
          new DeleteMessageBatchCommand({
            QueueUrl: queues.queueUrl,
            Entries: records.map((r, i) => ({ Id: String(i), ReceiptHandle: r.receiptHandle })),
          }),
        );
      }
      if (received < bodies.length) throw new Error('bench: not every delivery reached the queue');
    });
    return {
      deliveries: bodies.length,
      batchSize,
      records: [...meter.records()],
      ingestLogLines: ingested.lines,
      processorLogLines: processed.lines,
      ingestInvocations: bodies.length,
      processorInvocations,
    };
  } finally {
    meter.enabled = false;
    if (previousTrace === undefined) delete process.env[TRACE_ENV];
    else process.env[TRACE_ENV] = previousTrace;
  }
}
