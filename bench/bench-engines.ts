import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DeleteTableCommand } from '@aws-sdk/client-dynamodb';
import { CreateQueueCommand } from '@aws-sdk/client-sqs';
import { createLocalClients, type LocalClients } from '../local/clients.js';
import { startEngines, type Engines } from '../local/engines.js';
import { createQueues, createTable, LOCAL_NAMES, type LocalQueues } from '../local/resources.js';
import { AwsMeter } from './aws-meter.js';

/**
 * The local engines local mode runs on (DynamoDB Local, local-aws-sqs, the PutEvents endpoint),
 * on free ports, with two sets of clients: metered ones for the pipeline, and plain ones
 * the meter uses to read item images.
 */
export interface BenchEngines {
  readonly clients: LocalClients;
  readonly meter: AwsMeter;
  readonly queues: LocalQueues;
  readonly tableName: string;
  readonly eventBusName: string;
  /** A queue of its own for timing ingest, so timing runs leave the metered queue empty. */
  readonly timingQueueUrl: string;
  stop(): Promise<void>;
}

/**
 * `dynamodbEndpoint`: a DynamoDB Local already running (the tests share one), where the bench
 * gets a table of its own; else one is started for the bench.
 */
export async function startBenchEngines(dynamodbEndpoint?: string): Promise<BenchEngines> {
  const dir = mkdtempSync(join(tmpdir(), 'kyc-bench-'));
  const tableName =
    dynamodbEndpoint === undefined ? LOCAL_NAMES.table : `kyc-bench-${randomUUID()}`;
  let engines: Engines | undefined;
  let clients: LocalClients | undefined;
  let plain: LocalClients | undefined;
  const stop = async (): Promise<void> => {
    if (dynamodbEndpoint !== undefined && plain) {
      await plain.dynamodb.send(new DeleteTableCommand({ TableName: tableName })).catch(() => {});
    }
    clients?.destroy();
    plain?.destroy();
    await engines?.stop();
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    engines = await startEngines({
      dynamodb: dynamodbEndpoint === undefined ? { port: 0 } : { endpoint: dynamodbEndpoint },
      sqsPort: 0,
      eventBridgePort: 0,
      eventsFile: join(dir, 'events.jsonl'),
    });
    clients = createLocalClients(engines.endpoints);
    plain = createLocalClients(engines.endpoints);
    const meter = new AwsMeter();
    meter.attachDynamo(clients.dynamodb, plain.dynamodb);
    meter.attachSqs(clients.sqs);
    meter.attachEventBridge(clients.eventBridge);

    const [queues] = await Promise.all([
      // As deployed: redrive after 5 receives; a visibility timeout the bench never reaches.
      createQueues(clients.sqs, { visibilityTimeoutSeconds: 180, maxReceiveCount: 5 }),
      createTable(clients.dynamodb, tableName),
    ]);
    const { QueueUrl } = await clients.sqs.send(
      new CreateQueueCommand({ QueueName: 'kyc-bench-ingest-timing' }),
    );
    if (QueueUrl === undefined) throw new Error('bench: local SQS returned no queue URL');
    return {
      clients,
      meter,
      queues,
      tableName,
      eventBusName: LOCAL_NAMES.eventBus,
      timingQueueUrl: QueueUrl,
      stop,
    };
  } catch (error) {
    await stop().catch(() => undefined);
    throw error;
  }
}
