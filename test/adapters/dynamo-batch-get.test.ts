import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { BatchGetCommand, DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { describe, expect, it } from 'vitest';
import { batchGetAll } from '../../lambdas/adapters/dynamo-batch-get.js';

/**
 * BatchGetItem's two limits, injected: at most 100 keys a request, and keys the service leaves
 * unprocessed (throttling, response size) that must be asked for again.
 */

const TABLE = 'events';
const keysOf = (count: number) => Array.from({ length: count }, (_, i) => ({ pk: `k${i}` }));

describe('batchGetAll', () => {
  it('asks for at most 100 keys at a time, and again for those left unprocessed', async () => {
    const documents = DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'us-east-1' }));
    const mock = mockClient(documents);
    let leftOnce = false;
    mock
      .on(BatchGetCommand)
      .callsFake((input: { RequestItems: Record<string, { Keys: { pk: string }[] }> }) => {
        const keys = input.RequestItems[TABLE]?.Keys ?? [];
        // The first request's last key is left unprocessed once, as a throttled table does.
        const unprocessed = leftOnce ? [] : keys.slice(-1);
        leftOnce = true;
        const served = keys.filter((key) => !unprocessed.includes(key));
        return {
          Responses: { [TABLE]: served.map((key) => ({ ...key, found: true })) },
          ...(unprocessed.length > 0 && { UnprocessedKeys: { [TABLE]: { Keys: unprocessed } } }),
        };
      });

    const items = await batchGetAll(documents, TABLE, keysOf(150), { consistentRead: true });

    expect(items.map((item) => item['pk']).sort()).toEqual(
      keysOf(150)
        .map((key) => key.pk)
        .sort(),
    );
    const requests = mock.commandCalls(BatchGetCommand).map((call) => call.args[0].input);
    expect(requests.map((input) => input.RequestItems?.[TABLE]?.Keys?.length)).toEqual([
      100, 1, 50,
    ]);
    expect(requests.every((input) => input.RequestItems?.[TABLE]?.ConsistentRead === true)).toBe(
      true,
    );
  });
});
