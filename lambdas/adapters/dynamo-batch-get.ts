import {
  BatchGetCommand,
  type BatchGetCommandOutput,
  type DynamoDBDocumentClient,
} from '@aws-sdk/lib-dynamodb';

/** BatchGetItem's limit of keys per request. */
export const BATCH_GET_KEYS = 100;
/** First pause before asking again for unprocessed keys; doubled each time, up to the cap. */
const RETRY_PAUSE_MS = 50;
const MAX_RETRY_PAUSE_MS = 2_000;

export interface BatchGetOptions {
  readonly consistentRead?: boolean;
  /** Only these attributes (a projection expression and its names). */
  readonly projection?: {
    readonly expression: string;
    readonly names: Record<string, string>;
  };
}

/**
 * Every existing item among `keys`, read with BatchGetItem 100 keys at a time. The keys DynamoDB
 * leaves unprocessed (throttling, response size) are asked for again after a pause that grows,
 * as AWS advises, so a throttled table is not hammered.
 */
export async function batchGetAll(
  client: DynamoDBDocumentClient,
  tableName: string,
  keys: readonly Record<string, unknown>[],
  options: BatchGetOptions = {},
): Promise<Record<string, unknown>[]> {
  const items: Record<string, unknown>[] = [];
  for (let start = 0; start < keys.length; start += BATCH_GET_KEYS) {
    let pending: Record<string, unknown>[] | undefined = keys.slice(start, start + BATCH_GET_KEYS);
    let pauseMs = RETRY_PAUSE_MS;
    while (pending && pending.length > 0) {
      const output: BatchGetCommandOutput = await client.send(
        new BatchGetCommand({
          RequestItems: {
            [tableName]: {
              Keys: pending,
              ...(options.consistentRead && { ConsistentRead: true }),
              ...(options.projection && {
                ProjectionExpression: options.projection.expression,
                ExpressionAttributeNames: options.projection.names,
              }),
            },
          },
        }),
      );
      items.push(...(output.Responses?.[tableName] ?? []));
      pending = output.UnprocessedKeys?.[tableName]?.Keys;
      if (pending && pending.length > 0) {
        await new Promise((resolve) => setTimeout(resolve, pauseMs));
        pauseMs = Math.min(pauseMs * 2, MAX_RETRY_PAUSE_MS);
      }
    }
  }
  return items;
}
