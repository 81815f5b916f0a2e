import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { documentClientOf } from '../../lambdas/adapters/dynamo-documents.js';
import { DynamoEventHistory } from '../../lambdas/adapters/dynamo-event-history.js';
import { TABLE_SCHEMA } from '../../lambdas/adapters/dynamo-schema.js';
import { eventsOf } from '../../lambdas/processor/process-record.js';
import { judge } from '../../lambdas/processor/record-event.js';
import { idwiseMessage } from '../support/deliveries.js';
import { useTestEngines } from '../support/local-pipeline.js';

/**
 * An event item stores its detail without what its keys hold (eventId, vendor, vendor time) and
 * without the members at their usual values (schema version 1, no previous status, in order),
 * and every reader gives the whole detail back: the store, a subject's history from the index,
 * and a scan.
 */

const local = useTestEngines();

describe('the detail an event item stores', () => {
  it('leaves out what the keys hold, and reads back whole everywhere', async () => {
    const { store, table } = await local.freshStore('detail');
    const [candidate] = eventsOf(idwiseMessage({ eventId: 'whole', journeyId: 'j-whole' }), {
      retentionDays: 3650,
    });
    if (!candidate) throw new Error('no event');
    const { event, change } = judge(candidate, undefined);
    expect(await store.recordEvent(event, change)).toBe('stored');

    const { Item } = await documentClientOf(local.clients.dynamodb).send(
      new GetCommand({ TableName: table, Key: { [TABLE_SCHEMA.partitionKey]: 'idwise:whole' } }),
    );
    const stored = Item?.['detail'] as Record<string, unknown>;
    expect(Object.keys(stored)).not.toContain('eventId');
    expect(Object.keys(stored)).not.toContain('vendor');
    expect(Object.keys(stored)).not.toContain('occurredAt');
    expect(Object.keys(stored)).not.toContain('schemaVersion');
    expect(Object.keys(stored)).not.toContain('previousStatus');
    expect(Object.keys(stored)).not.toContain('outOfOrder');
    expect(stored['status']).toBe(event.detail.status);
    expect(event.detail).toMatchObject({
      schemaVersion: '1',
      previousStatus: null,
      outOfOrder: false,
    });

    const history = DynamoEventHistory.create(local.clients.dynamodb, table);
    expect((await store.getEvent('idwise:whole'))?.detail).toEqual(event.detail);
    expect((await history.subjectEvents(event.subjectKey)).map((e) => e.detail)).toEqual([
      event.detail,
    ]);
    expect((await history.listEvents({ vendor: 'idwise' })).map((e) => e.detail)).toEqual([
      event.detail,
    ]);
  });
});

describe('a detail whose members differ from their usual values', () => {
  it('stores them, and reads them back everywhere', async () => {
    const { store, table } = await local.freshStore('detail');
    const [first, late] = ['first', 'late'].map((eventId, i) => {
      const [candidate] = eventsOf(
        idwiseMessage({
          eventId,
          journeyId: 'j-late',
          finalDecision: i === 0 ? 'Complete' : 'Refer',
          receivedAt: `2026-01-0${2 - i}T00:00:00.000Z`,
        }),
        { retentionDays: 3650 },
      );
      if (!candidate) throw new Error('no event');
      return candidate;
    });
    if (!first || !late) throw new Error('no events');
    const one = judge(first, undefined);
    expect(await store.recordEvent(one.event, one.change)).toBe('stored');
    // Older by vendor time than the subject's state: out of order, after an approval.
    const two = judge(late, await store.getSubject(late.subjectKey));
    expect(two.event.detail).toMatchObject({ outOfOrder: true, previousStatus: 'approved' });
    expect(await store.recordEvent(two.event, two.change)).toBe('stored');

    const { Item } = await documentClientOf(local.clients.dynamodb).send(
      new GetCommand({ TableName: table, Key: { [TABLE_SCHEMA.partitionKey]: 'idwise:late' } }),
    );
    expect(Item?.['detail']).toMatchObject({ outOfOrder: true, previousStatus: 'approved' });
    const history = DynamoEventHistory.create(local.clients.dynamodb, table);
    expect((await store.getEvent('idwise:late'))?.detail).toEqual(two.event.detail);
    expect((await history.subjectEvents(late.subjectKey)).map((e) => e.detail)).toEqual([
      one.event.detail,
      two.event.detail,
    ]);
    expect((await history.listEvents({ vendor: 'idwise' })).map((e) => e.detail)).toEqual([
      two.event.detail,
      one.event.detail,
    ]);
  });
});
