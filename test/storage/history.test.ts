import { DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { DynamoEventHistory } from '../../lambdas/adapters/dynamo-event-history.js';
import { DynamoEventStore } from '../../lambdas/adapters/dynamo-event-store.js';
import { TABLE_SCHEMA } from '../../lambdas/adapters/dynamo-schema.js';
import type { StoredEvent } from '../../lambdas/core/ports.js';
import { judge } from '../../lambdas/processor/record-event.js';
import { idwiseDetail } from '../support/deliveries.js';
import { uniqueTableName, useTestEngines } from '../support/local-pipeline.js';
import { createTable } from '../../local/resources.js';

/**
 * The operator's history through the lookup index on DynamoDB Local: a subject's events (new
 * layout and, on a table that kept the legacy index, items written before the lookup index,
 * until they expire) and subjects found by the customer's own reference, with no scan.
 */

const local = useTestEngines();
const SUBJECT = 'idwise#journey#j-hist';

function event(eventId: string, occurredAt: string, externalRef?: string): StoredEvent {
  return {
    detail: idwiseDetail(eventId, {
      subject: { kind: 'journey', id: 'j-hist', ...(externalRef && { externalRef }) },
      occurredAt,
      receivedAt: occurredAt,
    }),
    detailType: 'KYC Verification Updated',
    subjectKey: SUBJECT,
    route: '/webhooks/idwise',
    rawBody: '{"event":"x"}',
    leaseUntil: '2030-01-01T00:00:00.000Z',
    expiresAt: 1_900_000_000,
  };
}

/** A table as a stack deployed before the lookup index keeps it: with the legacy index. */
async function legacyTable(): Promise<{ store: DynamoEventStore; table: string }> {
  const table = uniqueTableName('history-legacy');
  await createTable(local.clients.dynamodb, table, { legacySubjectIndex: true, timeToLive: false });
  return { store: DynamoEventStore.create(local.clients.dynamodb, table), table };
}

async function storeEvents(store: DynamoEventStore): Promise<void> {
  const first = event('idwise:h1', '2026-01-01T00:00:00.000Z', 'cust-42');
  const one = judge(first, undefined);
  expect(await store.recordEvent(one.event, one.change)).toBe('stored');
  await store.markPublished('idwise:h1', '2026-01-01T00:00:05.000Z');
  // A later event without the reference keeps the subject findable by it.
  const second = event('idwise:h2', '2026-01-02T00:00:00.000Z');
  const two = judge(second, await store.getSubject(SUBJECT));
  expect(await store.recordEvent(two.event, two.change)).toBe('stored');
}

describe('DynamoEventHistory', () => {
  it('reads a table without the legacy index, which it never queries', async () => {
    const { store, table } = await local.freshStore('history');
    await storeEvents(store);
    const history = DynamoEventHistory.create(local.clients.dynamodb, table);
    expect(await history.subjectsByReference('idwise', 'cust-42')).toEqual([SUBJECT]);
    const events = await history.subjectEvents(SUBJECT);
    expect(events.map((e) => e.detail.eventId)).toEqual(['idwise:h2', 'idwise:h1']);
    expect(events.map((e) => e.publishedAt)).toEqual([undefined, '2026-01-01T00:00:05.000Z']);
    // What querying it would do: the table has no such index.
    const told = DynamoEventHistory.create(local.clients.dynamodb, table, {
      legacySubjectIndex: true,
    });
    await expect(told.subjectEvents(SUBJECT)).rejects.toThrow(
      expect.objectContaining({ name: 'ValidationException' }),
    );
  });

  it('finds a subject by reference and lists old- and new-layout events, newest first', async () => {
    const { store, table } = await legacyTable();
    const history = DynamoEventHistory.create(local.clients.dynamodb, table, {
      legacySubjectIndex: true,
    });
    await storeEvents(store);
    // An item in the layout written before the lookup index existed.
    const legacy = TABLE_SCHEMA.legacySubjectIndex;
    await DynamoDBDocumentClient.from(local.clients.dynamodb).send(
      new PutCommand({
        TableName: table,
        Item: {
          pk: 'idwise:h0',
          itemType: 'event',
          [legacy.partitionKey]: SUBJECT,
          [legacy.sortKey]: '2025-12-31T00:00:00.000Z',
          detail: idwiseDetail('idwise:h0', { occurredAt: '2025-12-31T00:00:00.000Z' }),
          detailType: 'KYC Verification Updated',
          rawBody: '{"event":"old"}',
          publishedAt: '2025-12-31T00:00:01.000Z',
          expiresAt: 1_900_000_000,
        },
      }),
    );

    expect(await history.subjectsByReference('idwise', 'cust-42')).toEqual([SUBJECT]);
    expect(await history.subjectsByReference('idwise', 'cust-43')).toEqual([]);
    expect(await history.subjectsByReference('treezor', 'cust-42')).toEqual([]);

    const events = await history.subjectEvents(SUBJECT);
    expect(events.map((e) => e.detail.eventId)).toEqual(['idwise:h2', 'idwise:h1', 'idwise:h0']);
    expect(events.map((e) => e.publishedAt)).toEqual([
      undefined,
      '2026-01-01T00:00:05.000Z',
      '2025-12-31T00:00:01.000Z',
    ]);
    expect(events[0]?.leaseUntil).toBe('2030-01-01T00:00:00.000Z');
    expect(events.every((e) => e.subjectKey === SUBJECT)).toBe(true);
    // The old item reads back whole through the store too, body and subject included.
    expect(await store.getEvent('idwise:h0')).toMatchObject({
      subjectKey: SUBJECT,
      rawBody: '{"event":"old"}',
      publishedAt: '2025-12-31T00:00:01.000Z',
    });
  });
});
