import { Logger } from '@aws-lambda-powertools/logger';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { DynamoEventStore } from '../adapters/dynamo-event-store.js';
import { EventBridgeEventPublisher } from '../adapters/eventbridge-event-publisher.js';
import { booleanEnv, ENV, numberEnv, requireEnv } from '../runtime/env.js';
import { createProcessorHandler } from './process-batch.js';

// Composition root: read the environment once and build clients at cold start.
export const handler = createProcessorHandler({
  store: DynamoEventStore.create(new DynamoDBClient({}), requireEnv(ENV.tableName)),
  publisher: new EventBridgeEventPublisher(new EventBridgeClient({}), requireEnv(ENV.eventBusName)),
  now: () => new Date(),
  includePayload: booleanEnv(ENV.includePayload, true),
  retentionDays: numberEnv(ENV.retentionDays, 90),
  log: new Logger(),
});
