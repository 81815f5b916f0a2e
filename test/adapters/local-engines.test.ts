import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoEventStore } from '../../lambdas/adapters/dynamo-event-store.js';
import { TABLE_SCHEMA } from '../../lambdas/adapters/dynamo-schema.js';
import { EventBridgeEventPublisher } from '../../lambdas/adapters/eventbridge-event-publisher.js';
import { SqsEventQueue } from '../../lambdas/adapters/sqs-event-queue.js';
import type { StoredEvent, SubjectState } from '../../lambdas/core/ports.js';
import { parseQueueMessage } from '../../lambdas/core/queue-message.js';
import { createProcessorHandler } from '../../lambdas/processor/process-batch.js';
import type { LocalClients } from '../../local/clients.js';
import type { Engines } from '../../local/engines.js';
import { createQueues, createTable } from '../../local/resources.js';
import { idwiseMessage, lambdaContext, sqsEvent, sqsRecord } from '../support/deliveries.js';
import { startTestEngines, uniqueTableName, type TestEngines } from '../support/local-pipeline.js';

/** The adapters against engines that speak the AWS wire protocols (DynamoDB Local, local-aws-sqs). */

let engines: Engines;
let clients: LocalClients;
let testEngines: TestEngines;

beforeAll(async () => {
  testEngines = await startTestEngines();
  ({ engines, clients } = testEngines);
});

afterAll(async () => {
  await testEngines?.stop();
});

async function freshStore(): Promise<{ store: DynamoEventStore; table: string }> {
  const table = uniqueTableName('events');
  await createTable(clients.dynamodb, table);
  return { store: DynamoEventStore.create(clients.dynamodb, table), table };
}

function storedEvent(eventId: string, overrides: Partial<StoredEvent> = {}): StoredEvent {
  return {
    detail: {
      schemaVersion: '1',
      eventId,
      vendor: 'idwise',
      vendorEventType: 'Finished Journey',
      subject: { kind: 'journey', id: 'j1', externalRef: 'ref' },
      status: 'approved',
      scope: 'verification',
      vendorStatus: 'final=Complete',
      previousStatus: null,
      outOfOrder: false,
      occurredAt: '2026-01-01T00:00:00.000Z',
      receivedAt: '2026-01-01T00:00:01.000Z',
    },
    detailType: 'KYC Verification Updated',
    subjectKey: 'idwise#journey#j1',
    route: '/webhooks/idwise',
    rawBody: '{"event":"Finished Journey"}',
    leaseUntil: '2026-01-01T00:00:31.000Z',
    expiresAt: 1_800_000_000,
    ...overrides,
  };
}

function subject(version: number, overrides: Partial<SubjectState> = {}): SubjectState {
  return {
    key: 'idwise#journey#j1',
    status: 'in_review',
    previousStatus: null,
    occurredAt: '2026-01-01T00:00:00.000Z',
    eventId: 'idwise:e1',
    version,
    updatedAt: '2026-01-01T00:00:02.000Z',
    expiresAt: 1_800_000_000,
    ...overrides,
  };
}

describe('DynamoEventStore on DynamoDB Local', () => {
  it('stores an event once and reads it back as stored', async () => {
    const { store } = await freshStore();
    const event = storedEvent('idwise:e1');

    expect(await store.createEvent(event)).toBe(true);
    expect(await store.createEvent({ ...event, rawBody: 'other' })).toBe(false);
    expect(await store.getEvent('idwise:e1')).toEqual(event);
    expect(await store.getEvent('idwise:missing')).toBeUndefined();
  });

  it('keeps a base64 body marked as such', async () => {
    const { store } = await freshStore();
    const event = storedEvent('idwise:b', { rawBody: '/w==', bodyEncoding: 'base64' });
    await store.createEvent(event);
    expect((await store.getEvent('idwise:b'))?.bodyEncoding).toBe('base64');
  });

  it('gives the lease to one attempt at a time, and never for a published event', async () => {
    const { store } = await freshStore();
    await store.createEvent(storedEvent('idwise:e1', { leaseUntil: '2026-01-01T00:00:30.000Z' }));

    expect(
      await store.takeLease('idwise:e1', '2026-01-01T00:01:00.000Z', '2026-01-01T00:00:10.000Z'),
    ).toBe(false);
    expect(
      await store.takeLease('idwise:e1', '2026-01-01T00:01:00.000Z', '2026-01-01T00:00:31.000Z'),
    ).toBe(true);
    expect(
      await store.takeLease('idwise:e1', '2026-01-01T00:02:00.000Z', '2026-01-01T00:00:40.000Z'),
    ).toBe(false);

    await store.markPublished('idwise:e1', '2026-01-01T00:00:45.000Z');
    const published = await store.getEvent('idwise:e1');
    expect(published?.publishedAt).toBe('2026-01-01T00:00:45.000Z');
    expect(published?.leaseUntil).toBeUndefined();
    expect(
      await store.takeLease('idwise:e1', '2026-01-01T00:09:00.000Z', '2026-01-01T00:08:00.000Z'),
    ).toBe(false);
    expect(
      await store.takeLease(
        'idwise:missing',
        '2026-01-01T00:09:00.000Z',
        '2026-01-01T00:08:00.000Z',
      ),
    ).toBe(false);
  });

  it('writes subject state by compare-and-set on its version', async () => {
    const { store } = await freshStore();

    expect(await store.saveSubject(subject(1), undefined)).toBe(true);
    expect(await store.saveSubject(subject(1, { status: 'approved' }), undefined)).toBe(false);
    expect(
      await store.saveSubject(subject(2, { status: 'approved', previousStatus: 'in_review' }), 1),
    ).toBe(true);
    expect(await store.saveSubject(subject(2, { status: 'rejected' }), 1)).toBe(false);
    expect(await store.getSubject('idwise#journey#j1')).toEqual(
      subject(2, { status: 'approved', previousStatus: 'in_review' }),
    );
  });

  it('lists a subject’s history from the index, oldest first, without the subject item', async () => {
    const { store, table } = await freshStore();
    await store.createEvent(
      storedEvent('idwise:late', {
        detail: {
          ...storedEvent('x').detail,
          eventId: 'idwise:late',
          occurredAt: '2026-01-03T00:00:00.000Z',
        },
      }),
    );
    await store.createEvent(
      storedEvent('idwise:early', {
        detail: {
          ...storedEvent('x').detail,
          eventId: 'idwise:early',
          occurredAt: '2026-01-02T00:00:00.000Z',
        },
      }),
    );
    await store.saveSubject(subject(1), undefined);

    const documents = DynamoDBDocumentClient.from(clients.dynamodb);
    const { Items = [] } = await documents.send(
      new QueryCommand({
        TableName: table,
        IndexName: TABLE_SCHEMA.subjectIndex.name,
        KeyConditionExpression: '#s = :s',
        ExpressionAttributeNames: { '#s': TABLE_SCHEMA.subjectIndex.partitionKey },
        ExpressionAttributeValues: { ':s': 'idwise#journey#j1' },
      }),
    );
    expect(Items.map((item) => item['eventId'])).toEqual(['idwise:early', 'idwise:late']);
  });

  it('keeps one subject state consistent when events race on the real engine', async () => {
    const { store } = await freshStore();
    const publisher = new EventBridgeEventPublisher(clients.eventBridge, 'kyc-webhooks');
    const handler = createProcessorHandler({
      store,
      publisher,
      now: () => new Date('2026-02-01T00:00:00.000Z'),
      includePayload: true,
      retentionDays: 30,
      log: { info: () => undefined, warn: () => undefined },
    });
    const minutes = [4, 1, 9, 3, 7, 2, 8, 5, 6, 0];
    const records = minutes.map((m) =>
      sqsRecord(
        idwiseMessage({
          eventId: `race-${m}`,
          finalDecision: m === 9 ? 'Rejected' : 'Refer',
          receivedAt: `2026-01-01T00:0${m}:00.000Z`,
        }),
      ),
    );

    const response = await handler(sqsEvent(...records), lambdaContext());

    expect(response.batchItemFailures).toEqual([]);
    const state = await store.getSubject('idwise#journey#64f1c2a9b7e4d3a2c1b0f9e8');
    expect(state).toMatchObject({ status: 'rejected', eventId: 'idwise:race-9' });
    for (const m of minutes) {
      expect((await store.getEvent(`idwise:race-${m}`))?.publishedAt).toBeDefined();
    }
  });
});

describe('SqsEventQueue on local-aws-sqs', () => {
  it('sends the queue message that the processor reads back unchanged', async () => {
    const queues = await createQueues(clients.sqs, {
      visibilityTimeoutSeconds: 30,
      maxReceiveCount: 5,
    });
    const message = idwiseMessage({ eventId: 'q1' });
    await new SqsEventQueue(clients.sqs, queues.queueUrl).send(message);

    const { Messages = [] } = await clients.sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: queues.queueUrl,
        MaxNumberOfMessages: 10,
        WaitTimeSeconds: 0,
      }),
    );
    expect(Messages).toHaveLength(1);
    expect(parseQueueMessage(Messages[0]?.Body ?? '')).toEqual(message);
  });

  it('fails loudly when the queue does not exist, so ingest answers 503', async () => {
    const queue = new SqsEventQueue(clients.sqs, `${engines.endpoints.sqs}/123456789012/missing`);
    await expect(queue.send(idwiseMessage({ eventId: 'q2' }))).rejects.toThrow();
  });
});
