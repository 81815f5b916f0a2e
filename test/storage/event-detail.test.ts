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
 * An event item stores its detail without what its keys hold (eventId, vendor, vendor time),
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
    expect(stored['status']).toBe(event.detail.status);

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
