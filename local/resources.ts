import {
  CreateTableCommand,
  UpdateTimeToLiveCommand,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';
import { CreateQueueCommand, GetQueueAttributesCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { TABLE_SCHEMA } from '../lambdas/adapters/dynamo-schema.js';

/** Names of what local mode creates; the bus keeps the deployed default so rules read the same. */
export const LOCAL_NAMES = {
  table: 'kyc-webhooks-events',
  queue: 'kyc-webhooks-ingest',
  deadLetterQueue: 'kyc-webhooks-ingest-dlq',
  eventBus: 'kyc-webhooks',
} as const;

export interface TableOptions {
  /**
   * Also the legacy `bySubject` index, as a stack deployed before `byLookupKey` keeps it: for
   * reading items of that layout. @default false, as a new stack
   */
  readonly legacySubjectIndex?: boolean;
  /**
   * Whether expired items are deleted, as the stack's TTL does. DynamoDB Local deletes them too,
   * within seconds: tests whose fixed clocks date their items in the past turn it off, or their
   * items would vanish under them. @default true
   */
  readonly timeToLive?: boolean;
}

/** The table as the stack defines it, from the same `TABLE_SCHEMA`, TTL attribute included. */
export async function createTable(
  client: DynamoDBClient,
  tableName: string,
  options: TableOptions = {},
): Promise<void> {
  const indexes = [
    {
      ...TABLE_SCHEMA.lookupIndex,
      Projection: {
        ProjectionType: 'INCLUDE' as const,
        NonKeyAttributes: [...TABLE_SCHEMA.lookupIndex.projected],
      },
    },
    ...(options.legacySubjectIndex
      ? [{ ...TABLE_SCHEMA.legacySubjectIndex, Projection: { ProjectionType: 'ALL' as const } }]
      : []),
  ];
  await client.send(
    new CreateTableCommand({
      TableName: tableName,
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: [
        TABLE_SCHEMA.partitionKey,
        ...indexes.flatMap((index) => [index.partitionKey, index.sortKey]),
      ].map((name) => ({ AttributeName: name, AttributeType: 'S' as const })),
      KeySchema: [{ AttributeName: TABLE_SCHEMA.partitionKey, KeyType: 'HASH' }],
      GlobalSecondaryIndexes: indexes.map((index) => ({
        IndexName: index.name,
        KeySchema: [
          { AttributeName: index.partitionKey, KeyType: 'HASH' as const },
          { AttributeName: index.sortKey, KeyType: 'RANGE' as const },
        ],
        Projection: index.Projection,
      })),
    }),
  );
  if (options.timeToLive === false) return;
  await client.send(
    new UpdateTimeToLiveCommand({
      TableName: tableName,
      TimeToLiveSpecification: { AttributeName: TABLE_SCHEMA.timeToLiveAttribute, Enabled: true },
    }),
  );
}

export interface QueueSettings {
  /** Must exceed the time the poller gives one batch, as in AWS. */
  readonly visibilityTimeoutSeconds: number;
  /** Receives before a message moves to the DLQ (the stack's default is 5). */
  readonly maxReceiveCount: number;
}

export interface LocalQueues {
  readonly queueUrl: string;
  readonly queueArn: string;
  readonly deadLetterQueueUrl: string;
  readonly deadLetterQueueArn: string;
}

/** A queue and its DLQ (by default the ingest queue's), with the same redrive as the stack. */
export async function createQueues(
  client: SQSClient,
  settings: QueueSettings,
  names: { readonly queue: string; readonly deadLetterQueue: string } = LOCAL_NAMES,
): Promise<LocalQueues> {
  const deadLetterQueueUrl = await createQueue(client, names.deadLetterQueue, {});
  const deadLetterQueueArn = await queueArn(client, deadLetterQueueUrl);
  const queueUrl = await createQueue(client, names.queue, {
    VisibilityTimeout: String(settings.visibilityTimeoutSeconds),
    RedrivePolicy: JSON.stringify({
      deadLetterTargetArn: deadLetterQueueArn,
      maxReceiveCount: settings.maxReceiveCount,
    }),
  });
  return {
    queueUrl,
    queueArn: await queueArn(client, queueUrl),
    deadLetterQueueUrl,
    deadLetterQueueArn,
  };
}

/** Creates (or finds) a queue by name with these attributes, and returns its URL. */
async function createQueue(
  client: SQSClient,
  name: string,
  attributes: Record<string, string>,
): Promise<string> {
  const { QueueUrl } = await client.send(
    new CreateQueueCommand({ QueueName: name, Attributes: attributes }),
  );
  if (QueueUrl === undefined) throw new Error(`Local SQS returned no URL for queue ${name}`);
  return QueueUrl;
}

async function queueArn(client: SQSClient, queueUrl: string): Promise<string> {
  const { Attributes } = await client.send(
    new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['QueueArn'] }),
  );
  const arn = Attributes?.QueueArn;
  if (arn === undefined) throw new Error(`Local SQS returned no ARN for ${queueUrl}`);
  return arn;
}
