import { Logger } from '@aws-lambda-powertools/logger';
import { DeleteMessageBatchCommand, ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { DynamoEventStore } from '../lambdas/adapters/dynamo-event-store.js';
import { EventBridgeEventPublisher } from '../lambdas/adapters/eventbridge-event-publisher.js';
import { SqsEventQueue } from '../lambdas/adapters/sqs-event-queue.js';
import { createIngestHandler } from '../lambdas/ingest/ingest-handler.js';
import { createProcessorHandler } from '../lambdas/processor/process-batch.js';
import { LOCAL_REGION } from '../local/clients.js';
import { toSqsRecord } from '../local/poller.js';
import type { MeterRecord } from './aws-meter.js';
import type { BenchEngines } from './bench-engines.js';
import { fixtureSecrets, type SignedBody } from './deliveries.js';
import { apiGatewayEvent } from './fixtures.js';
import { captureStdout } from './log-capture.js';

/**
 * One scenario end to end through the local engines, metered: deliveries through the ingest
 * handler onto SQS, then drained the way Lambda's event source mapping does (receive up to 10,
 * invoke the processor, delete what it did not report failed). Both handlers log through
 * Powertools at INFO, as deployed, so their log lines are captured too.
 */

export interface ScenarioRun {
  readonly deliveries: number;
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
const BATCH_SIZE = 10;
/** Receives that may come back empty before the drain gives up on missing messages. */
const MAX_EMPTY_RECEIVES = 20;

export async function runScenario(
  engines: BenchEngines,
  bodies: readonly SignedBody[],
): Promise<ScenarioRun> {
  const vendorId = bodies[0]?.vendorId;
  if (vendorId === undefined) throw new Error('bench: a scenario needs deliveries');
  const { clients, queues, meter } = engines;
  const ingest = createIngestHandler({
    vendorId,
    secrets: fixtureSecrets(),
    queue: new SqsEventQueue(clients.sqs, queues.queueUrl),
    log: new Logger({ serviceName: `kyc-ingest-${vendorId}`, logLevel: 'INFO' }),
  });
  const processor = createProcessorHandler({
    store: DynamoEventStore.create(clients.dynamodb, engines.tableName),
    publisher: new EventBridgeEventPublisher(clients.eventBridge, engines.eventBusName),
    now: () => new Date(),
    includePayload: true,
    retentionDays: 90,
    log: new Logger({ serviceName: 'kyc-processor', logLevel: 'INFO' }),
  });

  meter.reset();
  meter.enabled = true;
  const previousTrace = process.env[TRACE_ENV];
  process.env[TRACE_ENV] = TRACE_ID;
  let processorInvocations = 0;
  try {
    const { lines } = await captureStdout(async () => {
      for (const [i, delivery] of bodies.entries()) {
        const event = apiGatewayEvent(delivery.route, delivery.body, delivery.headers, `acc-${i}`);
        const answer = await ingest(event);
        if (answer.statusCode !== 200)
          throw new Error(`bench: ingest answered ${answer.statusCode}`);
      }
      let received = 0;
      let empty = 0;
      while (received < bodies.length && empty < MAX_EMPTY_RECEIVES) {
        const { Messages = [] } = await clients.sqs.send(
          new ReceiveMessageCommand({
            QueueUrl: queues.queueUrl,
            MaxNumberOfMessages: BATCH_SIZE,
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
        const response = await processor(
          { Records: records },
          { getRemainingTimeInMillis: () => 30_000 },
        );
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
    const serviceOf = (line: string): string => {
      try {
        return String((JSON.parse(line) as { service?: unknown }).service ?? '');
      } catch {
        return '';
      }
    };
    return {
      deliveries: bodies.length,
      records: [...meter.records()],
      ingestLogLines: lines.filter((l) => serviceOf(l).startsWith('kyc-ingest')),
      processorLogLines: lines.filter((l) => serviceOf(l) === 'kyc-processor'),
      ingestInvocations: bodies.length,
      processorInvocations,
    };
  } finally {
    meter.enabled = false;
    if (previousTrace === undefined) delete process.env[TRACE_ENV];
    else process.env[TRACE_ENV] = previousTrace;
  }
}
