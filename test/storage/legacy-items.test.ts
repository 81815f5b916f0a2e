import { createHash } from 'node:crypto';
import { brotliCompressSync, gzipSync } from 'node:zlib';
import { DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { replayEvent } from '../../cli/replay.js';
import { DynamoEventHistory } from '../../lambdas/adapters/dynamo-event-history.js';
import { TABLE_SCHEMA } from '../../lambdas/adapters/dynamo-schema.js';
import { eventsOf } from '../../lambdas/processor/process-record.js';
import { judge } from '../../lambdas/processor/record-event.js';
import { idwiseDetail, idwiseMessage } from '../support/deliveries.js';
import { DynamoEventStore } from '../../lambdas/adapters/dynamo-event-store.js';
import { createTable } from '../../local/resources.js';
import { uniqueTableName, useTestEngines } from '../support/local-pipeline.js';
import { MemoryPublisher } from '../support/memory-ports.js';

/**
 * Items written by earlier versions stay readable, exactly as before, until they expire. Written
 * here by hand as each version wrote them:
 * - the legacy layout (before the lookup index and Brotli): a gzip body in the event item, and
 *   a gzip body split over chunk items that name no codec;
 * - the layout before items left out what they say elsewhere: an event item with `itemType`,
 *   `vendor` and `receivedAt`, every default member in its detail, Brotli chunks named by
 *   `rawBodyChunks` and `rawBodyCodec`; a subject item with `updatedAt` and a `null` previous
 *   status.
 */

const local = useTestEngines();
const LEGACY = TABLE_SCHEMA.legacySubjectIndex;
const SUBJECT = 'idwise#journey#j-old';
const BODY = JSON.stringify({ event: 'Finished Journey', padding: 'approved '.repeat(800) });

function legacyEventItem(eventId: string, body: Record<string, unknown>) {
  return {
    pk: eventId,
    itemType: 'event',
    eventId,
    vendor: 'idwise',
    [LEGACY.partitionKey]: SUBJECT,
    [LEGACY.sortKey]: '2025-12-31T00:00:00.000Z',
    detail: idwiseDetail(eventId, { occurredAt: '2025-12-31T00:00:00.000Z' }),
    detailType: 'KYC Verification Updated',
    route: '/webhooks/idwise',
    receivedAt: '2025-12-31T00:00:01.000Z',
    expiresAt: 1_900_000_000,
    ...body,
  };
}

describe('legacy-layout items', () => {
  it('read back byte for byte: gzip in the item, and gzip chunks without a codec', async () => {
    // A table as a stack deployed before the lookup index keeps it: with the legacy index.
    const table = uniqueTableName('legacy');
    await createTable(local.clients.dynamodb, table, {
      legacySubjectIndex: true,
      timeToLive: false,
    });
    const store = DynamoEventStore.create(local.clients.dynamodb, table);
    const documents = DynamoDBDocumentClient.from(local.clients.dynamodb);
    const put = (item: Record<string, unknown>) =>
      documents.send(new PutCommand({ TableName: table, Item: item }));
    const gzipped = gzipSync(Buffer.from(BODY));
    await put(
      legacyEventItem('idwise:old-gzip', { rawBodyGzip: gzipped, rawBodyBytes: BODY.length }),
    );
    const half = Math.ceil(gzipped.length / 2);
    await put(
      legacyEventItem('idwise:old-chunks', {
        rawBodyChunks: 2,
        rawBodyChunkSet: 'set1',
        rawBodyBytes: BODY.length,
      }),
    );
    await put({ pk: 'BODY#set1#0', itemType: 'bodyChunk', chunk: gzipped.subarray(0, half) });
    await put({ pk: 'BODY#set1#1', itemType: 'bodyChunk', chunk: gzipped.subarray(half) });

    for (const eventId of ['idwise:old-gzip', 'idwise:old-chunks']) {
      expect(await store.getEvent(eventId)).toMatchObject({ subjectKey: SUBJECT, rawBody: BODY });
    }
  });
});

describe('items written before they left out what they say elsewhere', () => {
  const JOURNEY = 'j-former';
  const FORMER = 'idwise:former';
  const SUBJECT_KEY = `idwise#journey#${JOURNEY}`;
  const RECEIVED = '2026-01-01T00:00:00.000Z';
  const NEWER = 'idwise:newer';
  const NEWER_RECEIVED = '2026-01-02T00:00:00.000Z';

  /** The event the processor makes of an IDWise delivery, judged as its subject's first. */
  function firstEvent(eventId: string, journeyId: string, receivedAt: string) {
    const [candidate] = eventsOf(idwiseMessage({ eventId, journeyId, receivedAt }), {
      retentionDays: 3650,
    });
    if (!candidate) throw new Error('no event');
    return judge(candidate, undefined);
  }

  it('read as before through the store, the history and its scans, and replay', async () => {
    const { store, table } = await local.freshStore('former');
    const documents = DynamoDBDocumentClient.from(local.clients.dynamodb);
    const put = (item: Record<string, unknown>) =>
      documents.send(new PutCommand({ TableName: table, Item: item }));
    const { event } = firstEvent('former', JOURNEY, RECEIVED);
    expect(event.detail).toMatchObject({ eventId: FORMER, previousStatus: null });
    const { eventId: _id, vendor: _vendor, occurredAt: _occurred, ...formerDetail } = event.detail;
    const body = Buffer.from(event.rawBody);
    const compressed = brotliCompressSync(body);
    // Named as sets were then: the whole sha-256 of the event id, expiry and compressed bytes.
    const formerSet = createHash('sha256')
      .update(JSON.stringify([FORMER, event.expiresAt]))
      .update(compressed)
      .digest('base64url');
    await put({
      pk: FORMER,
      itemType: 'event',
      vendor: 'idwise',
      gsi1pk: SUBJECT_KEY,
      gsi1sk: event.detail.occurredAt,
      detail: formerDetail,
      detailType: event.detailType,
      receivedAt: RECEIVED,
      route: '/webhooks/idwise',
      rawBodyChunks: 1,
      rawBodyChunkSet: formerSet,
      rawBodyCodec: 'br',
      rawBodyBytes: body.length,
      publishedAt: '2026-01-01T00:00:01.000Z',
      expiresAt: event.expiresAt,
    });
    await put({
      pk: `BODY#${formerSet}#0`,
      chunk: compressed,
      expiresAt: event.expiresAt,
    });
    await put({
      pk: `SUBJECT#${SUBJECT_KEY}`,
      status: event.detail.status,
      previousStatus: null,
      statusOccurredAt: event.detail.occurredAt,
      eventId: FORMER,
      version: 1,
      updatedAt: '2026-01-01T00:00:00.500Z',
      expiresAt: event.expiresAt,
    });
    // A new item of the same vendor beside it, a day later, of another subject.
    const newer = firstEvent('newer', 'j-newer', NEWER_RECEIVED);
    expect(await store.recordEvent(newer.event, newer.change)).toBe('stored');

    const stored = await store.getEvent(FORMER);
    expect(stored).toEqual({
      detail: event.detail,
      detailType: event.detailType,
      subjectKey: SUBJECT_KEY,
      route: '/webhooks/idwise',
      rawBody: event.rawBody,
      publishedAt: '2026-01-01T00:00:01.000Z',
      expiresAt: event.expiresAt,
    });
    expect(await store.getSubject(SUBJECT_KEY)).toEqual({
      key: SUBJECT_KEY,
      status: event.detail.status,
      previousStatus: null,
      occurredAt: event.detail.occurredAt,
      eventId: FORMER,
      version: 1,
      expiresAt: event.expiresAt,
    });

    const history = DynamoEventHistory.create(local.clients.dynamodb, table);
    const ids = async (filter: Parameters<typeof history.listEvents>[0]) =>
      (await history.listEvents(filter)).map((summary) => summary.detail.eventId);
    expect((await history.subjectEvents(SUBJECT_KEY)).map((e) => e.detail)).toEqual([event.detail]);
    expect((await history.listEvents({})).map((e) => e.detail)).toEqual([
      event.detail,
      newer.event.detail,
    ]);
    expect(await ids({ vendor: 'idwise' })).toEqual([FORMER, NEWER]);
    expect(await ids({ vendor: 'treezor' })).toEqual([]);
    expect(await ids({ receivedFrom: RECEIVED, receivedBefore: NEWER_RECEIVED })).toEqual([FORMER]);
    expect(await ids({ receivedFrom: NEWER_RECEIVED })).toEqual([NEWER]);
    expect(await ids({ vendor: 'idwise', unpublished: true })).toEqual([NEWER]);
    expect(await history.findSubjectKeys('idwise', JOURNEY)).toEqual([SUBJECT_KEY]);
    expect(await history.findSubjectKeys('idwise', 'j-newer')).toEqual(['idwise#journey#j-newer']);

    // A replay rewrites it in the current layout; its body and its facts stay.
    const publisher = new MemoryPublisher();
    const deps = {
      store,
      history,
      publisher,
      now: () => new Date('2026-02-01T00:00:00.000Z'),
      includePayload: false,
      leaseMs: 60_000,
    };
    expect(await replayEvent(FORMER, deps, { dryRun: false, force: true })).toMatchObject({
      outcome: 'published',
    });
    expect(publisher.published.map((e) => e.detail)).toEqual([
      { ...event.detail, revision: 1, payloadOmitted: 'disabled' },
    ]);
    const { Item: rewritten = {} } = await documents.send(
      new GetCommand({ TableName: table, Key: { pk: FORMER } }),
    );
    for (const name of ['itemType', 'vendor', 'receivedAt'])
      expect(rewritten).not.toHaveProperty(name);
    expect(rewritten['detail']).not.toHaveProperty('schemaVersion');
    expect(await store.getEvent(FORMER)).toMatchObject({
      detail: { ...event.detail, revision: 1 },
      rawBody: event.rawBody,
      publishedAt: '2026-02-01T00:00:00.000Z',
    });
    expect(await ids({ vendor: 'idwise', receivedBefore: NEWER_RECEIVED })).toEqual([FORMER]);
  });
});
