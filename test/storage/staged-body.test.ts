import { createHash } from 'node:crypto';
import { GetItemCommand, ScanCommand } from '@aws-sdk/client-dynamodb';
import { describe, expect, it } from 'vitest';
import { TABLE_SCHEMA } from '../../lambdas/adapters/dynamo-schema.js';
import type { QueueMessage } from '../../lambdas/core/queue-message.js';
import { eventsOf } from '../../lambdas/processor/process-record.js';
import { judge } from '../../lambdas/processor/record-event.js';
import type { StoredEvent } from '../../lambdas/core/ports.js';
import { STATUSES, type Status } from '../../lambdas/core/event.js';
import { itemSize } from '../../bench/item-size.js';
import { useTestEngines } from '../support/local-pipeline.js';

/**
 * The processor stages an event's body (`stageBody`) while it reads the subject, before the
 * event is judged and leased: what judging and leasing add must not push a body staged into the
 * event item past one write unit, and a staged body serves only its own event.
 */

const KB = 1024;
const local = useTestEngines();
const PK = TABLE_SCHEMA.partitionKey;
const CHUNK_PREFIX = TABLE_SCHEMA.keyPrefixes.bodyChunk;
/** Written here, not taken from the store: the longest word of the status vocabulary. */
const LONGEST_STATUS: Status = 'in_progress';

/**
 * An IDWise delivery whose body holds `padding` characters that do not compress, the same ones
 * on every call (a hash chain), so that sizes found by the search below hold when it is over.
 */
function candidate(padding: number): StoredEvent {
  let block = createHash('sha256').update(String(padding)).digest();
  const blocks = Array.from({ length: Math.ceil(padding / 32) }, () => {
    block = createHash('sha256').update(block).digest();
    return block;
  });
  const filler = Buffer.concat(blocks).toString('base64').slice(0, padding);
  const message: QueueMessage = {
    vendor: 'idwise',
    route: '/webhooks/idwise',
    receivedAt: '2030-01-01T00:00:00.000Z',
    requestId: 'staged-body',
    sourceIp: '192.0.2.1',
    dedupId: `staged-${padding}`,
    contentType: 'application/json',
    body: JSON.stringify({
      event: 'Finished Journey',
      body: { journeyId: `j-${padding}`, referenceNo: filler },
    }),
  };
  const [event] = eventsOf(message, { retentionDays: 90 });
  if (!event) throw new Error('no event');
  return event;
}

describe('a body staged before its event is judged', () => {
  it('knows the longest status word', () => {
    expect(Math.max(...STATUSES.map((status) => status.length))).toBe(LONGEST_STATUS.length);
  });

  it('stays within one write unit at the largest body staged into the event item', async () => {
    const { store, table } = await local.freshStore('staged');
    const chunkCount = async (): Promise<number> => {
      const { Items = [] } = await local.clients.dynamodb.send(
        new ScanCommand({ TableName: table, ConsistentRead: true }),
      );
      return Items.filter((item) => item[PK]?.S?.startsWith(CHUNK_PREFIX)).length;
    };
    const stagedInline = async (event: StoredEvent): Promise<boolean> => {
      const before = await chunkCount();
      await store.stageBody(event);
      return (await chunkCount()) === before;
    };
    // The largest incompressible padding still staged into the event item (none is at 0 B
    // more than a write unit holds; all are at 0 B of padding).
    let fits = 0;
    let spills = KB;
    expect(await stagedInline(candidate(fits))).toBe(true);
    expect(await stagedInline(candidate(spills))).toBe(false);
    while (spills - fits > 1) {
      const middle = Math.floor((fits + spills) / 2);
      if (await stagedInline(candidate(middle))) fits = middle;
      else spills = middle;
    }
    const event = candidate(fits);
    const staged = await store.stageBody(event);
    // Judged and leased as widely as it can be: a lease, the longest status word as the
    // subject's previous one, and out of order (a stored detail leaves out `false`).
    const leased = { ...event, leaseUntil: '2030-01-01T00:00:30.000Z' };
    const { event: judged, change } = judge(leased, undefined);
    const widest = {
      ...judged,
      detail: { ...judged.detail, previousStatus: LONGEST_STATUS, outOfOrder: true },
    };
    expect(await store.recordEvent(widest, change, staged)).toBe('stored');

    const { Item } = await local.clients.dynamodb.send(
      new GetItemCommand({ TableName: table, Key: { [PK]: { S: event.detail.eventId } } }),
    );
    expect(Item?.['rawBodyBr']?.B).toBeDefined();
    expect(itemSize(Item)).toBeLessThanOrEqual(KB);
    expect((await store.getEvent(event.detail.eventId))?.rawBody).toBe(event.rawBody);
  });

  it('refuses a body staged for another event', async () => {
    const { store } = await local.freshStore('staged');
    const one = candidate(200);
    const other = candidate(201);
    const staged = await store.stageBody(one);
    const { event, change } = judge(other, undefined);
    await expect(store.recordEvent(event, change, staged)).rejects.toThrow(/not staged for it/);
  });
});
