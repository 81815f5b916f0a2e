import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { describe, expect, it } from 'vitest';
import { DynamoEventStore } from '../../lambdas/adapters/dynamo-event-store.js';
import { TABLE_SCHEMA } from '../../lambdas/adapters/dynamo-schema.js';
import { EventBridgeEventPublisher } from '../../lambdas/adapters/eventbridge-event-publisher.js';
import { SqsEventQueue } from '../../lambdas/adapters/sqs-event-queue.js';
import { StoreBusyError } from '../../lambdas/core/errors.js';
import type { StoredEvent, SubjectChange, SubjectState } from '../../lambdas/core/ports.js';
import { parseQueueMessage } from '../../lambdas/core/queue-message.js';
import { createQueues } from '../../local/resources.js';
import { idwiseDetail, idwiseMessage, sqsRecord } from '../support/deliveries.js';
import { useTestEngines } from '../support/local-pipeline.js';
import { processorHarness } from '../support/processor-harness.js';

/** The adapters against engines that speak the AWS wire protocols (DynamoDB Local, local-aws-sqs). */

const local = useTestEngines();
const freshStore = () => local.freshStore('events');

function storedEvent(eventId: string, overrides: Partial<StoredEvent> = {}): StoredEvent {
  return {
    detail: idwiseDetail(eventId, { subject: { kind: 'journey', id: 'j1', externalRef: 'ref' } }),
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
    expiresAt: 1_800_000_000,
    ...overrides,
  };
}

/** The change of an event that is its subject's first. */
function firstOf(event: StoredEvent): Extract<SubjectChange, { kind: 'replace' }> {
  return {
    kind: 'replace',
    state: subject(1, { key: event.subjectKey, eventId: event.detail.eventId }),
  };
}

describe('DynamoEventStore on DynamoDB Local', () => {
  it('stores an event once and reads it back as stored', async () => {
    const { store } = await freshStore();
    const event = storedEvent('idwise:e1');

    expect(await store.recordEvent(event, firstOf(event))).toBe('stored');
    expect(await store.recordEvent({ ...event, rawBody: 'other' }, firstOf(event))).toBe(
      'event-exists',
    );
    expect(await store.getEvent('idwise:e1')).toEqual(event);
    expect(await store.getEvent('idwise:missing')).toBeUndefined();
  });

  it('keeps a base64 body marked as such', async () => {
    const { store } = await freshStore();
    const event = storedEvent('idwise:b', { rawBody: '/w==', bodyEncoding: 'base64' });
    await store.recordEvent(event, firstOf(event));
    expect((await store.getEvent('idwise:b'))?.bodyEncoding).toBe('base64');
  });

  it('gives the lease to one attempt at a time, and never for a published event', async () => {
    const { store } = await freshStore();
    const event = storedEvent('idwise:e1', { leaseUntil: '2026-01-01T00:00:30.000Z' });
    await store.recordEvent(event, firstOf(event));

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

  it('stores an event and its subject change in one write, or neither', async () => {
    const { store } = await freshStore();
    const e1 = storedEvent('idwise:e1');
    const e2 = storedEvent('idwise:e2');
    const e3 = storedEvent('idwise:e3');
    const v2 = subject(2, {
      eventId: 'idwise:e2',
      status: 'approved',
      previousStatus: 'in_review',
    });
    expect(await store.recordEvent(e1, firstOf(e1))).toBe('stored');

    // Judged against a subject read before e1 was stored: refused, and e2 is not stored either.
    expect(await store.recordEvent(e2, { kind: 'replace', state: v2 })).toBe('subject-moved');
    expect(await store.getEvent('idwise:e2')).toBeUndefined();
    expect(await store.recordEvent(e2, { kind: 'replace', state: v2, readVersion: 1 })).toBe(
      'stored',
    );
    expect(await store.getSubject('idwise#journey#j1')).toEqual(v2);

    // An event that leaves the subject as it is still checks the version it was judged on.
    const keep = (readVersion: number): SubjectChange => ({
      kind: 'keep',
      key: 'idwise#journey#j1',
      readVersion,
    });
    expect(await store.recordEvent(e3, keep(1))).toBe('subject-moved');
    expect(await store.getEvent('idwise:e3')).toBeUndefined();
    expect(await store.recordEvent(e3, keep(2))).toBe('stored');
    expect(await store.getSubject('idwise#journey#j1')).toEqual(v2);

    // Both conditions fail for a copy of a stored event judged on an old state: it is stored.
    expect(await store.recordEvent(e2, keep(1))).toBe('event-exists');
  });

  it('revises a stored event with its subject change, unpublished and leased, keeping its body', async () => {
    const { store } = await freshStore();
    const event = storedEvent('idwise:r1', { leaseUntil: '2026-01-01T00:00:30.000Z' });
    await store.recordEvent(event, firstOf(event));
    const moved: StoredEvent = {
      ...event,
      detail: { ...event.detail, status: 'rejected', subject: { kind: 'journey', id: 'j2' } },
      subjectKey: 'idwise#journey#j2',
      leaseUntil: '2026-01-01T00:02:00.000Z',
    };
    const change = firstOf(moved);

    // Not while the processor's attempt holds the lease.
    expect(await store.reviseEvent(moved, change, '2026-01-01T00:00:10.000Z')).toBe(
      'event-unavailable',
    );
    await store.markPublished('idwise:r1', '2026-01-01T00:00:20.000Z');
    expect(
      await store.reviseEvent(moved, { ...change, readVersion: 3 }, '2026-01-01T00:01:00.000Z'),
    ).toBe('subject-moved');
    expect((await store.getEvent('idwise:r1'))?.publishedAt).toBe('2026-01-01T00:00:20.000Z');

    expect(await store.reviseEvent(moved, change, '2026-01-01T00:01:00.000Z')).toBe('revised');
    const { publishedAt: _published, ...unpublished } = moved;
    expect(await store.getEvent('idwise:r1')).toEqual(unpublished);
    expect(await store.getSubject('idwise#journey#j2')).toEqual(change.state);
    expect(
      await store.reviseEvent(
        { ...moved, detail: { ...moved.detail, eventId: 'idwise:none' } },
        undefined,
        '2026-01-01T00:05:00.000Z',
      ),
    ).toBe('event-unavailable');
  });

  it('lists a subject’s history from the index, oldest first, without the subject item', async () => {
    const { store, table } = await freshStore();
    const late = storedEvent('idwise:late', {
      detail: {
        ...storedEvent('x').detail,
        eventId: 'idwise:late',
        occurredAt: '2026-01-03T00:00:00.000Z',
      },
    });
    const early = storedEvent('idwise:early', {
      detail: {
        ...storedEvent('x').detail,
        eventId: 'idwise:early',
        occurredAt: '2026-01-02T00:00:00.000Z',
      },
    });
    await store.recordEvent(late, firstOf(late));
    await store.recordEvent(early, { kind: 'keep', key: early.subjectKey, readVersion: 1 });

    const documents = DynamoDBDocumentClient.from(local.clients.dynamodb);
    const { Items = [] } = await documents.send(
      new QueryCommand({
        TableName: table,
        IndexName: TABLE_SCHEMA.lookupIndex.name,
        KeyConditionExpression: '#s = :s',
        ExpressionAttributeNames: { '#s': TABLE_SCHEMA.lookupIndex.partitionKey },
        ExpressionAttributeValues: { ':s': 'idwise#journey#j1' },
      }),
    );
    expect(Items.map((item) => item[TABLE_SCHEMA.partitionKey])).toEqual([
      'idwise:early',
      'idwise:late',
    ]);
  });

  it('keeps one subject state consistent when events race on the real engine', async () => {
    const { store } = await freshStore();
    const publisher = new EventBridgeEventPublisher(local.clients.eventBridge, 'kyc-webhooks');
    const processor = processorHarness({
      start: '2026-02-01T00:00:00.000Z',
      retentionDays: 30,
      vendor: 'idwise',
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

    const response = await processor.run(records, { store, publisher });

    expect(response.batchItemFailures).toEqual([]);
    const state = await store.getSubject('idwise#journey#64f1c2a9b7e4d3a2c1b0f9e8');
    expect(state).toMatchObject({ status: 'rejected', eventId: 'idwise:race-9' });
    for (const m of minutes) {
      expect((await store.getEvent(`idwise:race-${m}`))?.publishedAt).toBeDefined();
    }
  });
});

describe('DynamoEventStore, a cancelled transaction', () => {
  /** A store whose every write DynamoDB cancels with these reasons, one per item. */
  const cancelling = (codes: string[]) =>
    new DynamoEventStore(
      {
        send: async () => {
          throw new TransactionCanceledException({
            $metadata: { httpStatusCode: 400 },
            message: `Transaction cancelled [${codes.join(', ')}]`,
            CancellationReasons: codes.map((Code) => ({ Code })),
          });
        },
      } as unknown as DynamoDBDocumentClient,
      'events',
    );
  const event = storedEvent('idwise:c1');

  it.each([
    [['ConditionalCheckFailed', 'None'], 'event-exists'],
    [['ConditionalCheckFailed', 'ConditionalCheckFailed'], 'event-exists'],
    [['None', 'ConditionalCheckFailed'], 'subject-moved'],
  ])('answers %j as %s', async (codes, answer) => {
    expect(await cancelling(codes).recordEvent(event, firstOf(event))).toBe(answer);
  });

  it.each([
    [['TransactionConflict', 'None'], 'store_conflict'],
    [['None', 'TransactionConflict'], 'store_conflict'],
    [['ThrottlingError', 'None'], 'store_throttled'],
    [['None', 'ProvisionedThroughputExceeded'], 'store_throttled'],
  ])('throws %j as a retryable %s', async (codes, code) => {
    const written = cancelling(codes).recordEvent(event, firstOf(event));
    await expect(written).rejects.toBeInstanceOf(StoreBusyError);
    await expect(written).rejects.toMatchObject({ code });
  });

  it('throws any other cancellation as it is', async () => {
    await expect(
      cancelling(['ValidationError', 'None']).recordEvent(event, firstOf(event)),
    ).rejects.toBeInstanceOf(TransactionCanceledException);
  });
});

describe('SqsEventQueue on local-aws-sqs', () => {
  it('sends the queue message that the processor reads back unchanged', async () => {
    const queues = await createQueues(local.clients.sqs, {
      visibilityTimeoutSeconds: 30,
      maxReceiveCount: 5,
    });
    const message = idwiseMessage({ eventId: 'q1' });
    await new SqsEventQueue(local.clients.sqs, queues.queueUrl).send(message);

    const { Messages = [] } = await local.clients.sqs.send(
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
    const queue = new SqsEventQueue(
      local.clients.sqs,
      `${local.engines.endpoints.sqs}/123456789012/missing`,
    );
    await expect(queue.send(idwiseMessage({ eventId: 'q2' }))).rejects.toThrow();
  });
});
