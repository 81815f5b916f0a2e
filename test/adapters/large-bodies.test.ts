import { randomBytes, randomInt } from 'node:crypto';
import {
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  ScanCommand,
  TransactWriteCommand,
} from '@aws-sdk/lib-dynamodb';
import { beforeAll, describe, expect, it } from 'vitest';
import { DynamoEventStore } from '../../lambdas/adapters/dynamo-event-store.js';
import { TABLE_SCHEMA } from '../../lambdas/adapters/dynamo-schema.js';
import type { RecordAnswer, StoredEvent } from '../../lambdas/core/ports.js';
import { serializeQueueMessage, type QueueMessage } from '../../lambdas/core/queue-message.js';
import { MAX_QUEUE_MESSAGE_BYTES } from '../../lambdas/ingest/ingest-delivery.js';
import { createLocalClients } from '../../local/clients.js';
import { idwiseDetail } from '../support/deliveries.js';
import { useTestEngines } from '../support/local-pipeline.js';

/**
 * Raw bodies up to the largest one a queue message can carry, against DynamoDB Local, which
 * enforces DynamoDB's 400 KB item limit (and a transaction's 4 MB): each is stored once and read
 * back byte for byte, also after a crash between the body's chunk items and the event item.
 */

const KB = 1024;
/** DynamoDB's item limit, attribute names included. */
const ITEM_LIMIT_BYTES = 400 * KB;
const PK = TABLE_SCHEMA.partitionKey;

const local = useTestEngines();
let documents: DynamoDBDocumentClient;

beforeAll(() => {
  documents = DynamoDBDocumentClient.from(local.clients.dynamodb);
});

/* ------------------------------------------------------------------------------- helpers */

const freshTable = () => local.freshTable('large');
const freshStore = () => local.freshStore('large');

const SUBJECT_KEY = 'idwise#journey#j-large';

function storedEvent(
  eventId: string,
  rawBody: string,
  bodyEncoding?: 'base64',
  expiresAt = 1_800_000_000,
): StoredEvent {
  return {
    detail: idwiseDetail(eventId, {
      subject: { kind: 'journey', id: 'j-large' },
      receivedAt: '2026-01-01T00:00:00.000Z',
    }),
    detailType: 'KYC Verification Updated',
    subjectKey: SUBJECT_KEY,
    route: '/webhooks/idwise',
    rawBody,
    ...(bodyEncoding && { bodyEncoding }),
    leaseUntil: '2026-01-01T00:00:30.000Z',
    expiresAt,
  };
}

/** Stores the event as its subject's first, with the subject's state, in one write. */
function record(store: DynamoEventStore, event: StoredEvent): Promise<RecordAnswer> {
  return store.recordEvent(event, {
    kind: 'replace',
    state: {
      key: event.subjectKey,
      status: event.detail.status,
      previousStatus: null,
      occurredAt: event.detail.occurredAt,
      eventId: event.detail.eventId,
      version: 1,
      expiresAt: event.expiresAt,
    },
  });
}

type Fill = 'random' | 'repetitive' | 'multibyte';

/**
 * An IDWise-shaped JSON body of exactly `bytes` UTF-8 bytes. `random` is base64 of random bytes
 * (gzip gains only about a quarter), `repetitive` compresses a thousandfold, and `multibyte` is
 * random 2-, 3- and 4-byte characters; none needs escaping inside a JSON string.
 */
function jsonBody(bytes: number, fill: Fill): string {
  const head =
    '{"event":"Finished Journey","body":{"eventId":"large","journeyId":"j-large","padding":"';
  const tail = '"}}';
  const room = bytes - Buffer.byteLength(head + tail);
  return head + padding(room, fill) + tail;
}

function padding(bytes: number, fill: Fill): string {
  if (fill === 'random') return randomBytes(bytes).toString('base64').slice(0, bytes);
  if (fill === 'repetitive') return 'approved '.repeat(Math.ceil(bytes / 9)).slice(0, bytes);
  // Cyrillic (2 bytes), CJK (3 bytes) and emoji (4 bytes, a surrogate pair), then ASCII to
  // land on the exact size.
  const pools = [
    { first: 0x0400, count: 256, bytes: 2 },
    { first: 0x4e00, count: 4096, bytes: 3 },
    { first: 0x1f600, count: 64, bytes: 4 },
  ] as const;
  const parts: string[] = [];
  let left = bytes;
  while (left >= 4) {
    const pool = pools[randomInt(pools.length)] ?? pools[0];
    parts.push(String.fromCodePoint(pool.first + randomInt(pool.count)));
    left -= pool.bytes;
  }
  return parts.join('') + 'x'.repeat(left);
}

/** The queue message ingest would build around `body` (fixed-length ids, as in AWS). */
function queueMessage(body: string, bodyEncoding?: 'base64'): QueueMessage {
  return {
    vendor: 'idwise',
    route: '/webhooks/idwise',
    receivedAt: '2026-01-01T00:00:00.000Z',
    requestId: '3f1c2a9b-7e4d-4a2c-9b0f-9e8d7c6b5a41',
    sourceIp: '203.0.113.10',
    dedupId: 'large',
    contentType: 'application/json',
    body,
    ...(bodyEncoding && { bodyEncoding }),
  };
}

function messageBytes(message: QueueMessage): number {
  return Buffer.byteLength(serializeQueueMessage(message), 'utf8');
}

/** The largest JSON body whose queue message is exactly at SQS's limit. */
function largestJsonBody(fill: 'random' | 'repetitive' = 'random'): string {
  // The padding needs no escaping and the ids have fixed lengths, so the envelope is constant.
  const envelope = messageBytes(queueMessage(jsonBody(1 * KB, fill))) - 1 * KB;
  const body = jsonBody(MAX_QUEUE_MESSAGE_BYTES - envelope, fill);
  expect(messageBytes(queueMessage(body))).toBe(MAX_QUEUE_MESSAGE_BYTES);
  return body;
}

/** Base64 of the largest non-UTF-8 body whose queue message fits SQS's limit. */
function largestBinaryBody(): string {
  const envelope = messageBytes(queueMessage('', 'base64'));
  const bytes = Math.floor((MAX_QUEUE_MESSAGE_BYTES - envelope) / 4) * 3;
  const body = binaryBody(bytes);
  expect(messageBytes(queueMessage(body, 'base64'))).toBeLessThanOrEqual(MAX_QUEUE_MESSAGE_BYTES);
  expect(messageBytes(queueMessage(binaryBody(bytes + 1), 'base64'))).toBeGreaterThan(
    MAX_QUEUE_MESSAGE_BYTES,
  );
  return body;
}

/** Base64 of `bytes` random bytes that are not valid UTF-8 (as ingest queues such a body). */
function binaryBody(bytes: number): string {
  const raw = randomBytes(bytes);
  raw[0] = 0xff; // never valid in UTF-8
  return raw.toString('base64');
}

async function rawItem(table: string, key: string): Promise<Record<string, unknown> | undefined> {
  const { Item } = await documents.send(
    new GetCommand({ TableName: table, Key: { [PK]: key }, ConsistentRead: true }),
  );
  return Item;
}

async function allItems(table: string): Promise<Record<string, unknown>[]> {
  const items: Record<string, unknown>[] = [];
  let start: Record<string, unknown> | undefined;
  do {
    const page = await documents.send(
      new ScanCommand({ TableName: table, ConsistentRead: true, ExclusiveStartKey: start }),
    );
    items.push(...(page.Items ?? []));
    start = page.LastEvaluatedKey;
  } while (start);
  return items;
}

/**
 * The event items keyed `eventId` in `table`, and its body chunks: every chunk of the table,
 * since each test has a table of its own (a chunk names no event: its event item names it).
 */
async function itemsOf(
  table: string,
  eventId: string,
): Promise<{ events: number; chunks: Record<string, unknown>[] }> {
  const items = await allItems(table);
  return {
    events: items.filter(
      (item) => item[PK] === eventId && item[TABLE_SCHEMA.eventAttributes.detail] !== undefined,
    ).length,
    chunks: items.filter((item) => String(item[PK]).startsWith(TABLE_SCHEMA.keyPrefixes.bodyChunk)),
  };
}

/** DynamoDB's size of an item: attribute names plus values, as DynamoDB counts it. */
function approximateItemSize(item: Record<string, unknown>): number {
  return Object.entries(item).reduce(
    (sum, [name, value]) =>
      sum +
      Buffer.byteLength(name) +
      (value instanceof Uint8Array ? value.length : Buffer.byteLength(JSON.stringify(value))),
    0,
  );
}

/**
 * A store's document client that records the write units of every write, as DynamoDB Local
 * reports them (a unit per KB of the larger of the item before and after; twice that inside a
 * transaction). It has a client of its own: a document client shares its client's middleware.
 */
function meteredDocuments(): {
  documents: DynamoDBDocumentClient;
  writes: { command: string; units: number }[];
  destroy: () => void;
} {
  const own = createLocalClients(local.engines.endpoints);
  const writes: { command: string; units: number }[] = [];
  const metered = DynamoDBDocumentClient.from(own.dynamodb, {
    marshallOptions: { removeUndefinedValues: true },
  });
  metered.middlewareStack.add(
    (next, context) => async (args) => {
      const input = args.input as Record<string, unknown>;
      input['ReturnConsumedCapacity'] = 'TOTAL';
      const result = await next(args);
      type Consumed = { CapacityUnits?: number };
      const output = result.output as { ConsumedCapacity?: Consumed | Consumed[] };
      // A transaction reports a list, one entry per table.
      const consumed = [output.ConsumedCapacity ?? []].flat();
      if (context.commandName !== 'GetItemCommand') {
        writes.push({
          command: context.commandName ?? '?',
          units: consumed.reduce((sum, entry) => sum + (entry.CapacityUnits ?? 0), 0),
        });
      }
      return result;
    },
    { step: 'initialize', name: 'meterWriteUnits' },
  );
  return { documents: metered, writes, destroy: () => own.destroy() };
}

/** A document client whose writes of `eventId`'s event item fail, as a crash would end them. */
function crashingOnEventItem(eventId: string): DynamoDBDocumentClient {
  const real = DynamoDBDocumentClient.from(local.clients.dynamodb, {
    marshallOptions: { removeUndefinedValues: true },
  });
  return new Proxy(real, {
    get(target, property, receiver) {
      if (property !== 'send') return Reflect.get(target, property, receiver) as unknown;
      return (command: unknown) => {
        const writesEvent =
          command instanceof TransactWriteCommand &&
          (command.input.TransactItems ?? []).some((item) => item.Put?.Item?.[PK] === eventId);
        if (writesEvent) return Promise.reject(new Error('simulated crash before the event item'));
        return (target.send as (command: unknown) => Promise<unknown>)(command);
      };
    },
  });
}

/* --------------------------------------------------------------------------------- tests */

type Form = 'inline' | 'chunks';

interface Case {
  readonly name: string;
  readonly body: () => string;
  readonly bodyEncoding?: 'base64';
  readonly form: Form;
}

const CASES: readonly Case[] = [
  { name: '200 B', body: () => jsonBody(200, 'random'), form: 'inline' },
  { name: '1 KB', body: () => jsonBody(1 * KB, 'random'), form: 'chunks' },
  { name: '4 KB', body: () => jsonBody(4 * KB, 'random'), form: 'chunks' },
  { name: '20 KB compressible', body: () => jsonBody(20 * KB, 'repetitive'), form: 'inline' },
  { name: '20 KB multibyte UTF-8', body: () => jsonBody(20 * KB, 'multibyte'), form: 'chunks' },
  { name: '300 KB random', body: () => jsonBody(300 * KB, 'random'), form: 'chunks' },
  { name: '300 KB compressible', body: () => jsonBody(300 * KB, 'repetitive'), form: 'inline' },
  { name: '399 KB random', body: () => jsonBody(399 * KB, 'random'), form: 'chunks' },
  { name: '500 KB random', body: () => jsonBody(500 * KB, 'random'), form: 'chunks' },
  { name: '500 KB compressible', body: () => jsonBody(500 * KB, 'repetitive'), form: 'inline' },
  { name: '500 KB multibyte UTF-8', body: () => jsonBody(500 * KB, 'multibyte'), form: 'chunks' },
  { name: 'largest queueable, random', body: () => largestJsonBody('random'), form: 'chunks' },
  {
    name: 'largest queueable, compressible',
    body: () => largestJsonBody('repetitive'),
    form: 'inline',
  },
  { name: 'non-UTF-8 1 KB', body: () => binaryBody(768), bodyEncoding: 'base64', form: 'chunks' },
  {
    name: 'non-UTF-8 300 KB',
    body: () => binaryBody(300 * KB),
    bodyEncoding: 'base64',
    form: 'chunks',
  },
  {
    name: 'non-UTF-8 largest queueable',
    body: largestBinaryBody,
    bodyEncoding: 'base64',
    form: 'chunks',
  },
];

describe('DynamoEventStore with bodies up to the queue limit, on DynamoDB Local', () => {
  it.each(CASES)('stores a $name body once and reads it back exactly', async (testCase) => {
    const { store, table } = await freshStore();
    const event = storedEvent('idwise:large', testCase.body(), testCase.bodyEncoding);

    expect(await record(store, event)).toBe('stored');
    expect(await record(store, event)).toBe('event-exists');

    const read = await store.getEvent('idwise:large');
    expect(read).toEqual(event);
    expect(read?.rawBody === event.rawBody).toBe(true);

    const item = await rawItem(table, 'idwise:large');
    if (!item) throw new Error('event item missing');
    const { events, chunks } = await itemsOf(table, 'idwise:large');
    expect(events).toBe(1);
    switch (testCase.form) {
      case 'inline':
        // Compressed, and small enough to leave the event item within one write unit.
        expect(item['rawBody']).toBeUndefined();
        expect(item['rawBodyBr']).toBeInstanceOf(Uint8Array);
        expect(approximateItemSize(item)).toBeLessThanOrEqual(KB);
        expect(chunks).toHaveLength(0);
        break;
      case 'chunks':
        expect(item['rawBody']).toBeUndefined();
        expect(item['rawBodyChunks']).toBe(chunks.length);
        expect(chunks.length).toBeGreaterThan(0);
        break;
    }
    // The event item stays small whatever the body, so its updates stay cheap.
    expect(approximateItemSize(item)).toBeLessThan(6 * KB);
    for (const chunk of chunks) {
      expect(approximateItemSize(chunk)).toBeLessThan(ITEM_LIMIT_BYTES);
      expect(chunk[TABLE_SCHEMA.timeToLiveAttribute]).toBe(event.expiresAt);
    }
  });

  it('keeps body chunks out of the lookup index', async () => {
    const { store, table } = await freshStore();
    await record(store, storedEvent('idwise:indexed', jsonBody(600 * KB, 'random')));

    const index = TABLE_SCHEMA.lookupIndex;
    const { Items = [] } = await documents.send(
      new QueryCommand({
        TableName: table,
        IndexName: index.name,
        KeyConditionExpression: '#s = :s',
        ExpressionAttributeNames: { '#s': index.partitionKey },
        ExpressionAttributeValues: { ':s': SUBJECT_KEY },
      }),
    );
    expect(Items.map((item) => item[TABLE_SCHEMA.partitionKey])).toEqual(['idwise:indexed']);
    expect((await itemsOf(table, 'idwise:indexed')).chunks.length).toBeGreaterThan(1);
  });

  it('stores one event after a crash between the chunks and the event item', async () => {
    const table = await freshTable();
    const event = storedEvent('idwise:crash', largestJsonBody());

    const crashed = new DynamoEventStore(crashingOnEventItem('idwise:crash'), table);
    await expect(record(crashed, event)).rejects.toThrow(/simulated crash/);
    const orphans = await itemsOf(table, 'idwise:crash');
    expect(orphans.events).toBe(0);
    expect(orphans.chunks.length).toBeGreaterThan(1);

    // SQS redelivers the same message: the retry rewrites the same chunks and commits.
    const store = DynamoEventStore.create(local.clients.dynamodb, table);
    expect(await store.getEvent('idwise:crash')).toBeUndefined();
    expect(await record(store, event)).toBe('stored');
    expect(await store.getEvent('idwise:crash')).toEqual(event);
    const after = await itemsOf(table, 'idwise:crash');
    expect(after.events).toBe(1);
    expect(after.chunks.map((chunk) => chunk[PK]).sort()).toEqual(
      orphans.chunks.map((chunk) => chunk[PK]).sort(),
    );
  });

  it('never mixes the chunks of two deliveries of one event with different bodies', async () => {
    const table = await freshTable();
    const first = storedEvent('idwise:mixed', jsonBody(900 * KB, 'random'));
    const second = storedEvent('idwise:mixed', jsonBody(900 * KB, 'random'));

    // The first delivery crashes after its chunks; the second one wins.
    const crashed = new DynamoEventStore(crashingOnEventItem('idwise:mixed'), table);
    await expect(record(crashed, first)).rejects.toThrow(/simulated crash/);
    const store = DynamoEventStore.create(local.clients.dynamodb, table);
    expect(await record(store, second)).toBe('stored');
    // The first one's retry now finds the event stored.
    expect(await record(store, first)).toBe('event-exists');

    expect(await store.getEvent('idwise:mixed')).toEqual(second);
  });

  it('answers a duplicate of a chunked event and keeps the stored body', async () => {
    const { store, table } = await freshStore();
    const stored = storedEvent('idwise:dup', jsonBody(700 * KB, 'random'));
    expect(await record(store, stored)).toBe('stored');

    // Same body again, then another body for the same event id (a retry serialized anew).
    expect(await record(store, stored)).toBe('event-exists');
    expect(await record(store, { ...stored, rawBody: jsonBody(700 * KB, 'random') })).toBe(
      'event-exists',
    );

    expect(await store.getEvent('idwise:dup')).toEqual(stored);
    expect((await itemsOf(table, 'idwise:dup')).events).toBe(1);
  });

  it('leases and marks a chunked event published without touching its body', async () => {
    const { store, table } = await freshStore();
    const stored = storedEvent('idwise:lease', binaryBody(600 * KB), 'base64');
    await record(store, stored);
    const chunksBefore = (await itemsOf(table, 'idwise:lease')).chunks;

    expect(
      await store.takeLease('idwise:lease', '2026-01-01T00:01:30.000Z', '2026-01-01T00:01:00.000Z'),
    ).toBe(true);
    await store.markPublished('idwise:lease', '2026-01-01T00:01:10.000Z');

    const read = await store.getEvent('idwise:lease');
    expect(read?.rawBody).toBe(stored.rawBody);
    expect(read?.bodyEncoding).toBe('base64');
    expect(read?.publishedAt).toBe('2026-01-01T00:01:10.000Z');
    expect(read?.leaseUntil).toBeUndefined();
    const chunksAfter = (await itemsOf(table, 'idwise:lease')).chunks;
    // Compared as buffers: a deep equality over each byte of a Uint8Array takes seconds.
    const fingerprint = (chunks: Record<string, unknown>[]) =>
      chunks
        .map(
          (chunk) =>
            `${String(chunk[PK])} ${Buffer.from(chunk['chunk'] as Uint8Array).toString('base64')}`,
        )
        .sort();
    expect(fingerprint(chunksAfter)).toEqual(fingerprint(chunksBefore));
  });

  it('refuses to return a body whose chunks were damaged, wherever the damage is', async () => {
    const { store, table } = await freshStore();
    await record(store, storedEvent('idwise:damaged', jsonBody(500 * KB, 'random')));
    const [chunk] = (await itemsOf(table, 'idwise:damaged')).chunks;
    if (!chunk) throw new Error('no chunk stored');
    const intact = Buffer.from(chunk['chunk'] as Uint8Array);
    // Brotli has no checksum: a flipped byte in a run of literals often still decodes, to another
    // body of the same size. Many positions, so a read that trusts the decoder fails here.
    const positions = Array.from({ length: 16 }, (_, i) =>
      Math.floor(((i + 0.5) * intact.length) / 16),
    );
    for (const position of positions) {
      const bytes = Buffer.from(intact);
      bytes[position] = (bytes[position] ?? 0) ^ 0x01;
      await documents.send(new PutCommand({ TableName: table, Item: { ...chunk, chunk: bytes } }));
      await expect(store.getEvent('idwise:damaged'), `byte ${position}`).rejects.toThrow(
        /is damaged/,
      );
    }
    await documents.send(new PutCommand({ TableName: table, Item: { ...chunk, chunk: intact } }));
    expect((await store.getEvent('idwise:damaged'))?.rawBody).toHaveLength(500 * KB);
  });

  it('bills the body once, by the chunk, and keeps lease and publish updates small', async () => {
    const table = await freshTable();
    const { documents: metered, writes, destroy } = meteredDocuments();
    const store = new DynamoEventStore(metered, table);
    const event = storedEvent('idwise:billed', largestJsonBody());

    await record(store, event);
    const chunkUnits = writes.slice(0, -1).reduce((sum, write) => sum + write.units, 0);
    const eventWrite = writes.at(-1);
    await store.markPublished('idwise:billed', '2026-01-01T00:01:10.000Z');
    const publishUpdate = writes.at(-1);
    destroy();

    // About a unit per KB of compressed body, which random base64 keeps at ~3/4 of its size.
    expect(chunkUnits).toBeGreaterThan(700);
    expect(chunkUnits).toBeLessThan(820);
    // The event item (under 2 KB) and the subject item (under 1 KB), billed twice in a transaction.
    expect(eventWrite).toMatchObject({ command: 'TransactWriteItemsCommand' });
    expect(eventWrite?.units).toBeLessThanOrEqual(6);
    // The mark is a PartiQL update (BatchExecuteStatement, for which DynamoDB Local reports no
    // capacity): billed like UpdateItem, by the larger of the item before and after, under 2 KB.
    expect(publishUpdate).toMatchObject({ command: 'BatchExecuteStatementCommand' });
    const marked = await rawItem(table, 'idwise:billed');
    expect(marked?.['publishedAt']).toBe('2026-01-01T00:01:10.000Z');
    expect(approximateItemSize(marked ?? {})).toBeLessThan(2 * KB);
  });
});
