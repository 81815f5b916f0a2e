import { randomBytes } from 'node:crypto';
import { type DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, describe, expect, it } from 'vitest';
import { DynamoEventStore } from '../../lambdas/adapters/dynamo-event-store.js';
import { TABLE_SCHEMA } from '../../lambdas/adapters/dynamo-schema.js';
import { createProcessorHandler } from '../../lambdas/processor/process-batch.js';
import { judge } from '../../lambdas/processor/record-event.js';
import { eventsOf } from '../../lambdas/processor/process-record.js';
import type { QueueMessage } from '../../lambdas/core/queue-message.js';
import { createLocalClients } from '../../local/clients.js';
import { MemoryPublisher } from '../support/memory-ports.js';
import { idwiseMessage, lambdaContext, sqsEvent, sqsRecord } from '../support/deliveries.js';
import { silent } from '../support/processor-harness.js';
import { useTestEngines } from '../support/local-pipeline.js';

/**
 * The store answers what a batch asks for at once with one request: its records' subject reads
 * (BatchGetItem), body chunks (BatchWriteItem), transactions (one TransactWriteItems), and
 * publication marks when PutEvents answers (BatchExecuteStatement). A new event then costs a
 * share of five requests.
 */

const local = useTestEngines();
const PK = TABLE_SCHEMA.partitionKey;
const clientsToClose: (() => void)[] = [];
afterAll(() => clientsToClose.forEach((close) => close()));

/** A store over a client of its own whose requests are counted by command. */
async function countedStore(): Promise<{
  store: DynamoEventStore;
  client: DynamoDBClient;
  table: string;
  requests: Map<string, number>;
}> {
  const table = await local.freshTable('coalesced');
  const own = createLocalClients(local.engines.endpoints);
  clientsToClose.push(() => own.destroy());
  const requests = new Map<string, number>();
  own.dynamodb.middlewareStack.add(
    (next, context) => (args) => {
      const name = context.commandName ?? '?';
      requests.set(name, (requests.get(name) ?? 0) + 1);
      return next(args);
    },
    { step: 'initialize', name: 'countRequests' },
  );
  return {
    store: DynamoEventStore.create(own.dynamodb, table),
    client: own.dynamodb,
    table,
    requests,
  };
}

/**
 * Holds each TransactWriteItems that names `eventId` until `until` others have answered. It
 * orders what the engine is asked, and changes nothing in what it answers.
 */
function holdTransactionsOf(client: DynamoDBClient, eventId: string, { until }: { until: number }) {
  let answered = 0;
  let release: () => void = () => undefined;
  const othersAnswered = new Promise<void>((resolve) => (release = resolve));
  client.middlewareStack.add(
    (next, context) => async (args) => {
      if (context.commandName !== 'TransactWriteItemsCommand') return next(args);
      if (JSON.stringify(args.input).includes(JSON.stringify(eventId))) {
        await othersAnswered;
        return next(args);
      }
      try {
        return await next(args);
      } finally {
        if (++answered === until) release();
      }
    },
    { step: 'initialize', name: 'holdTransactions' },
  );
}

async function rawItem(table: string, key: string) {
  const { Item } = await local.clients.dynamodb.send(
    new GetItemCommand({ TableName: table, Key: { [PK]: { S: key } }, ConsistentRead: true }),
  );
  return Item;
}

/** The delivery with `bytes` of base64 noise in its body (it does not compress). */
function withNoise(message: QueueMessage, bytes: number): QueueMessage {
  if (bytes === 0) return message;
  const body = JSON.parse(message.body) as Record<string, unknown>;
  return {
    ...message,
    body: JSON.stringify({ ...body, noise: randomBytes(bytes).toString('base64') }),
  };
}

/** Stores an IDWise event as its subject's first, unpublished. */
async function storeOne(store: DynamoEventStore, eventId: string, journeyId = eventId) {
  const [candidate] = eventsOf(idwiseMessage({ eventId, journeyId }), { retentionDays: 90 });
  if (!candidate) throw new Error('no event');
  const leased = { ...candidate, leaseUntil: '2026-01-01T00:00:30.000Z' };
  const { event, change } = judge(leased, undefined);
  expect(await store.recordEvent(event, change)).toBe('stored');
  return event;
}

describe('requests asked for at once', () => {
  it('reads the subjects in one BatchGetItem, found or not', async () => {
    const { store, requests } = await countedStore();
    const stored = await storeOne(store, 'one');
    requests.clear();

    const [found, missing, again] = await Promise.all([
      store.getSubject(stored.subjectKey),
      store.getSubject('idwise#journey#nobody'),
      store.getSubject(stored.subjectKey),
    ]);
    expect(Object.fromEntries(requests)).toEqual({ BatchGetItemCommand: 1 });
    expect(found).toMatchObject({ key: stored.subjectKey, eventId: 'idwise:one', version: 1 });
    expect(again).toEqual(found);
    expect(missing).toBeUndefined();
  });

  it('marks events published in one request, and fails only the mark of a missing event', async () => {
    const { store, table, requests } = await countedStore();
    await storeOne(store, 'a');
    await storeOne(store, 'b');
    requests.clear();

    const marks = await Promise.allSettled([
      store.markPublished('idwise:a', '2026-01-01T00:00:05.000Z'),
      store.markPublished('idwise:missing', '2026-01-01T00:00:05.000Z'),
      store.markPublished('idwise:b', '2026-01-01T00:00:06.000Z'),
    ]);
    expect(Object.fromEntries(requests)).toEqual({ BatchExecuteStatementCommand: 1 });
    expect(marks.map((mark) => mark.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect(marks[1]).toMatchObject({
      reason: { name: 'ConditionalCheckFailedException' },
    });
    for (const [id, at] of [
      ['idwise:a', '2026-01-01T00:00:05.000Z'],
      ['idwise:b', '2026-01-01T00:00:06.000Z'],
    ] as const) {
      const item = await rawItem(table, id);
      expect(item?.['publishedAt']).toEqual({ S: at });
      expect(item?.['leaseUntil']).toBeUndefined();
    }
    // An UPDATE never creates the item it did not find.
    expect(await rawItem(table, 'idwise:missing')).toBeUndefined();
  });

  it('records events asked for at once in one transaction, each answered as on its own', async () => {
    const { store, client, requests } = await countedStore();
    await storeOne(store, 'known');
    requests.clear();
    const judged = ['known', 'new-1', 'new-2'].map((id) => {
      const [candidate] = eventsOf(idwiseMessage({ eventId: id, journeyId: id }), {
        retentionDays: 90,
      });
      if (!candidate) throw new Error('no event');
      return judge(candidate, undefined);
    });
    // A second event of new-2's subject, judged as its first too: it cannot share the others'
    // transaction, so it goes in one of its own, sent at the same time.
    const [sameSubject] = eventsOf(idwiseMessage({ eventId: 'new-3', journeyId: 'new-2' }), {
      retentionDays: 90,
    });
    if (!sameSubject) throw new Error('no event');
    const late = judge(sameSubject, undefined);
    // The engine takes the two transactions in either order. The later one is held until the
    // other three have answered, so this run has one order to check: with the other first, the
    // shared transaction's own reasons answer new-2, and it is never written alone.
    holdTransactionsOf(client, 'idwise:new-3', { until: 3 });

    const answers = await Promise.all(
      [...judged, late].map(({ event, change }) => store.recordEvent(event, change)),
    );
    expect(answers).toEqual(['event-exists', 'stored', 'stored', 'subject-moved']);
    // One transaction for the three disjoint events, cancelled by the known one; the two new
    // ones again on their own; the fourth, sharing a subject, in a transaction of its own.
    expect(requests.get('TransactWriteItemsCommand')).toBe(1 + 2 + 1);
    expect(await store.getEvent('idwise:new-1')).toBeDefined();
    expect(await store.getEvent('idwise:new-2')).toBeDefined();
    expect(await store.getEvent('idwise:new-3')).toBeUndefined();
  });

  it.each([
    ['that fit their event items', 0, {}],
    ['whose bodies need a chunk each', 3000, { BatchWriteItemCommand: 1 }],
  ])('a batch of ten new events %s: one request of each kind', async (_, noise, chunks) => {
    const { store, requests } = await countedStore();
    const publisher = new MemoryPublisher();
    const handler = createProcessorHandler({
      store,
      publisher,
      now: () => new Date('2026-01-01T00:00:10Z'),
      includePayload: true,
      retentionDays: 90,
      log: silent,
    });
    const records = Array.from({ length: 10 }, (_, i) =>
      sqsRecord(
        withNoise(idwiseMessage({ eventId: `batch-${i}`, journeyId: `journey-${i}` }), noise),
      ),
    );

    const { batchItemFailures } = await handler(sqsEvent(...records), lambdaContext());
    expect(batchItemFailures).toEqual([]);
    expect(publisher.published).toHaveLength(10);
    expect(Object.fromEntries(requests)).toEqual({
      BatchGetItemCommand: 1,
      ...chunks,
      TransactWriteItemsCommand: 1,
      BatchExecuteStatementCommand: 1,
    });
    for (const record of records) {
      const { dedupId, body } = JSON.parse(record.body) as QueueMessage;
      expect((await store.getEvent(`idwise:${dedupId}`))?.rawBody).toBe(body);
    }
  });
});
