import { gzipSync } from 'node:zlib';
import { DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { TABLE_SCHEMA } from '../../lambdas/adapters/dynamo-schema.js';
import { idwiseDetail } from '../support/deliveries.js';
import { DynamoEventStore } from '../../lambdas/adapters/dynamo-event-store.js';
import { createTable } from '../../local/resources.js';
import { uniqueTableName, useTestEngines } from '../support/local-pipeline.js';

/**
 * Items written before the lookup index and Brotli (the legacy layout) stay readable until they
 * expire: a gzip body in the event item, and a gzip body split over chunk items that name no
 * codec. Written here as that version wrote them.
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
