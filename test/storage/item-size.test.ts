import { GetItemCommand, QueryCommand } from '@aws-sdk/client-dynamodb';
import { describe, expect, it } from 'vitest';
import { TABLE_SCHEMA } from '../../lambdas/adapters/dynamo-schema.js';
import type { QueueMessage } from '../../lambdas/core/queue-message.js';
import { eventsOf } from '../../lambdas/processor/process-record.js';
import { judge } from '../../lambdas/processor/record-event.js';
import { VENDORS } from '../../lambdas/vendors/registry.js';
import { itemSize } from '../../bench/item-size.js';
import { useTestEngines } from '../support/local-pipeline.js';
import { readFixtures } from '../support/vendor-fixtures.js';

/**
 * DESIGN §3.6, lean items: every fixture of every vendor, stored as the processor stores it
 * (normalized, judged as its subject's first event, recorded, marked published) on DynamoDB
 * Local, leaves an event item, a subject item and an index entry that each bill one write unit
 * (1 KB by DynamoDB's documented item-size rule) — and no raw body or payload in the index.
 */

const KB = 1024;
const local = useTestEngines();
const PK = TABLE_SCHEMA.partitionKey;
const LOOKUP = TABLE_SCHEMA.lookupIndex;

const cases = VENDORS.flatMap((vendor) =>
  readFixtures(vendor.id).map((fixture) => ({ vendor, fixture })),
);

describe('stored items of every fixture', () => {
  it('covers every vendor', () => {
    expect(new Set(cases.map((c) => c.vendor.id)).size).toBe(VENDORS.length);
  });

  it.each(cases.map((c) => [`${c.vendor.id}/${c.fixture.name}`, c] as const))(
    '%s fits one write unit per item',
    async (_, { vendor, fixture }) => {
      const { store, table } = await local.freshStore('sizes');
      const message: QueueMessage = {
        vendor: vendor.id,
        route: fixture.expected.route,
        receivedAt: '2030-01-01T00:00:00.000Z',
        requestId: 'size-test',
        sourceIp: '192.0.2.1',
        dedupId: fixture.expected.dedupId,
        contentType: 'application/json',
        body: fixture.body,
      };
      for (const candidate of eventsOf(message, { retentionDays: 90 })) {
        const leased = { ...candidate, leaseUntil: '2030-01-01T00:00:30.000Z' };
        const { event, change } = judge(leased, undefined);
        expect(await store.recordEvent(event, change)).toBe('stored');
        await store.markPublished(event.detail.eventId, '2030-01-01T00:00:02.000Z');

        const eventItem = await getItem(table, event.detail.eventId);
        const subjectItem = await getItem(
          table,
          TABLE_SCHEMA.keyPrefixes.subject + event.subjectKey,
        );
        expect(itemSize(eventItem)).toBeLessThanOrEqual(KB);
        expect(itemSize(subjectItem)).toBeLessThanOrEqual(KB);
        // Nothing stored that the item says otherwise: what it is and whose (the key and the
        // detail), when it was received (the detail), a first state's absent previous status,
        // or when the subject was written (which nothing reads).
        for (const name of ['itemType', 'vendor', 'receivedAt']) {
          expect(eventItem).not.toHaveProperty(name);
        }
        expect(subjectItem).not.toHaveProperty('previousStatus');
        expect(subjectItem).not.toHaveProperty('updatedAt');
        // Stored once, compressed: in the event item, or in one chunk item beside it; the
        // detail holds no second copy of the payload.
        expect(eventItem?.['rawBody']).toBeUndefined();
        expect(eventItem?.['detail']?.M?.['payload']).toBeUndefined();
        const chunkSet = eventItem?.['rawBodyChunkSet']?.S;
        if (chunkSet !== undefined) {
          expect(eventItem?.['rawBodyChunks']?.N).toBe('1');
          const chunk = await getItem(table, `${TABLE_SCHEMA.keyPrefixes.bodyChunk}${chunkSet}#0`);
          expect(itemSize(chunk)).toBeLessThanOrEqual(KB);
        } else {
          expect(eventItem?.['rawBodyBr']?.B).toBeDefined();
        }
        expect((await store.getEvent(event.detail.eventId))?.rawBody).toBe(fixture.body);

        const { Items = [] } = await local.clients.dynamodb.send(
          new QueryCommand({
            TableName: table,
            IndexName: LOOKUP.name,
            KeyConditionExpression: '#k = :k',
            ExpressionAttributeNames: { '#k': LOOKUP.partitionKey },
            ExpressionAttributeValues: { ':k': { S: event.subjectKey } },
          }),
        );
        const entry = Items.find((item) => item[PK]?.S === event.detail.eventId);
        expect(entry).toBeDefined();
        expect(itemSize(entry)).toBeLessThanOrEqual(KB);
        expect(Object.keys(entry ?? {}).sort()).toEqual(
          [PK, LOOKUP.partitionKey, LOOKUP.sortKey, ...LOOKUP.projected].sort(),
        );
      }
    },
  );
});

async function getItem(table: string, key: string) {
  const { Item } = await local.clients.dynamodb.send(
    new GetItemCommand({ TableName: table, Key: { [PK]: { S: key } }, ConsistentRead: true }),
  );
  expect(Item).toBeDefined();
  return Item;
}
