import { Metrics } from '@aws-lambda-powertools/metrics';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { DynamoDeadLetterNotes } from '../adapters/dynamo-dead-letter-notes.js';
import { DynamoEventStore } from '../adapters/dynamo-event-store.js';
import { EventBridgeEventPublisher } from '../adapters/eventbridge-event-publisher.js';
import { booleanEnv, ENV, numberEnv, requireEnv, RUNTIME_DEFAULTS } from '../runtime/env.js';
import { createLogger } from '../runtime/lean-log-formatter.js';
import { observeInvocations, PowertoolsMetricRecorder } from '../runtime/observability.js';
import { createProcessorHandler } from './process-batch.js';

// Composition root: read the environment once and build clients at cold start.
const logger = createLogger();
const metrics = new PowertoolsMetricRecorder(new Metrics());
const dynamodb = new DynamoDBClient({});
const tableName = requireEnv(ENV.tableName);
// 0 (unset): unknown, and every failure is logged as one SQS retries.
const maxReceiveCount = numberEnv(ENV.maxReceiveCount, 0);

// A batch holds records of many deliveries, so there is no one correlation id: each line names
// its record's `messageId` and event's `eventId` instead, beside the Lambda request id.
export const handler = observeInvocations(
  createProcessorHandler({
    store: DynamoEventStore.create(dynamodb, tableName),
    deadLetters: DynamoDeadLetterNotes.create(dynamodb, tableName),
    ...(maxReceiveCount > 0 && { maxReceiveCount }),
    publisher: new EventBridgeEventPublisher(
      new EventBridgeClient({}),
      requireEnv(ENV.eventBusName),
    ),
    now: () => new Date(),
    includePayload: booleanEnv(ENV.includePayload, RUNTIME_DEFAULTS.includePayload),
    retentionDays: numberEnv(ENV.retentionDays, RUNTIME_DEFAULTS.retentionDays),
    log: logger,
    metrics,
  }),
  { logger, metrics },
);
