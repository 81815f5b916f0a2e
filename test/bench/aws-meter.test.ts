import {
  BatchExecuteStatementCommand,
  BatchGetCommand,
  BatchWriteCommand,
  DynamoDBDocumentClient,
  PutCommand,
  TransactWriteCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { beforeAll, describe, expect, it } from 'vitest';
import { AwsMeter, type MeterRecord } from '../../bench/aws-meter.js';
import { TABLE_SCHEMA } from '../../lambdas/adapters/dynamo-schema.js';
import { createLocalClients } from '../../local/clients.js';
import { useTestEngines } from '../support/local-pipeline.js';

/**
 * The bench's meter on DynamoDB Local, against units worked out by hand from DynamoDB's billing
 * rules: a transactional write bills 2 units per started KB of each action, a condition check
 * included; an index is written only when its keys or a projected attribute change.
 */

const local = useTestEngines();
const LOOKUP = TABLE_SCHEMA.lookupIndex;
let table: string;
let documents: DynamoDBDocumentClient;
let meter: AwsMeter;

beforeAll(async () => {
  table = await local.freshTable('meter');
  meter = new AwsMeter();
  // A client of its own: the meter's middleware must not see the item images it reads.
  const metered = createLocalClients(local.engines.endpoints);
  meter.attachDynamo(metered.dynamodb, local.clients.dynamodb);
  documents = DynamoDBDocumentClient.from(metered.dynamodb);
  return () => metered.destroy();
});

/** The meter's records of what `work` sends. */
async function metered(work: () => Promise<unknown>): Promise<readonly MeterRecord[]> {
  meter.reset();
  meter.enabled = true;
  try {
    await work();
  } finally {
    meter.enabled = false;
  }
  return meter.records();
}

/** An event-like item of about `bytes` bytes, in the lookup index. */
function eventItem(pk: string, bytes: number): Record<string, unknown> {
  return {
    pk,
    [LOOKUP.partitionKey]: 'idwise#journey#j1',
    [LOOKUP.sortKey]: '2026-01-01T00:00:00.000Z',
    detail: { status: 'approved' },
    padding: 'x'.repeat(bytes),
  };
}

beforeAll(async () => {
  await documents.send(
    new PutCommand({ TableName: table, Item: { pk: 'BODY#b3#0', padding: 'x'.repeat(5000) } }),
  );
});

describe('AwsMeter on DynamoDB Local', () => {
  it('bills a transaction 2 units per started KB of each action, and its index entry once', async () => {
    await documents.send(new PutCommand({ TableName: table, Item: { pk: 'SUBJECT#s1', v: 1 } }));
    const records = await metered(async () => {
      await documents.send(
        new TransactWriteCommand({
          TransactItems: [
            // About 1.5 KB: 2 KB started, twice.
            { Put: { TableName: table, Item: eventItem('idwise:e1', 1500) } },
            // A small item checked: 1 KB started, twice.
            {
              ConditionCheck: {
                TableName: table,
                Key: { pk: 'SUBJECT#s1' },
                ConditionExpression: 'v = :v',
                ExpressionAttributeValues: { ':v': 1 },
              },
            },
          ],
        }),
      );
    });
    const [record] = records;
    expect(record?.operation).toBe('TransactWriteItems');
    expect(record?.wruTable).toBe(2 * 2 + 2 * 1);
    // The index entry holds keys, pk and `detail` only (not `padding`): one unit.
    expect(record?.wruIndex).toBe(1);
  });

  it('writes no index for an update of an attribute the index does not project', async () => {
    await documents.send(new PutCommand({ TableName: table, Item: eventItem('idwise:e2', 100) }));
    const records = await metered(async () => {
      await documents.send(
        new UpdateCommand({
          TableName: table,
          Key: { pk: 'idwise:e2' },
          UpdateExpression: 'SET publishedAt = :at',
          ExpressionAttributeValues: { ':at': '2026-01-01T00:00:01.000Z' },
        }),
      );
      await documents.send(
        new UpdateCommand({
          TableName: table,
          Key: { pk: 'idwise:e2' },
          UpdateExpression: 'SET detail = :d',
          ExpressionAttributeValues: { ':d': { status: 'rejected' } },
        }),
      );
    });
    expect(records.map((r) => [r.wruTable, r.wruIndex])).toEqual([
      [1, 0],
      [1, 1],
    ]);
  });

  it('bills each put of a BatchWriteItem and each key of a BatchGetItem on its own', async () => {
    const records = await metered(async () => {
      await documents.send(
        new BatchWriteCommand({
          RequestItems: {
            [table]: [
              // About 1.5 KB, outside the index: 2 units. A small one: 1 unit.
              { PutRequest: { Item: { pk: 'BODY#b1#0', padding: 'x'.repeat(1500) } } },
              { PutRequest: { Item: { pk: 'BODY#b2#0', padding: 'x' } } },
            ],
          },
        }),
      );
      await documents.send(
        new BatchGetCommand({
          RequestItems: {
            // About 5 KB: 2 units strongly consistent; a missing item bills the minimum, 1.
            [table]: { Keys: [{ pk: 'BODY#b3#0' }, { pk: 'BODY#missing' }], ConsistentRead: true },
          },
        }),
      );
    });
    const [write, read] = records;
    expect(write).toMatchObject({ operation: 'BatchWriteItem', wruTable: 3, wruIndex: 0 });
    expect(read).toMatchObject({ operation: 'BatchGetItem', rru: 2 + 1 });
  });

  it('bills each UPDATE statement of a BatchExecuteStatement like an UpdateItem', async () => {
    await documents.send(new PutCommand({ TableName: table, Item: eventItem('idwise:e3', 1500) }));
    const records = await metered(async () => {
      await documents.send(
        new BatchExecuteStatementCommand({
          Statements: [
            {
              Statement: `UPDATE "${table}" SET publishedAt = ? WHERE "pk" = ?`,
              Parameters: ['2026-01-01T00:00:01.000Z', 'idwise:e3'],
            },
          ],
        }),
      );
    });
    // By the item's size (about 1.5 KB: 2 units); `publishedAt` is not projected: no index write.
    expect(records).toMatchObject([
      { operation: 'BatchExecuteStatement', wruTable: 2, wruIndex: 0 },
    ]);
  });
});
