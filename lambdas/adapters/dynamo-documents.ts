import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

/**
 * The document client every table adapter works through: plain JavaScript values in and out, and
 * an optional attribute left `undefined` is left out of the item rather than refused.
 */
export function documentClientOf(client: DynamoDBClient): DynamoDBDocumentClient {
  return DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
}

/**
 * What an adapter over one table holds: the document client it works through and the table's
 * name. `create` makes one over a plain client.
 */
export abstract class TableAdapter {
  constructor(
    protected readonly client: DynamoDBDocumentClient,
    protected readonly tableName: string,
  ) {}

  static create<T>(
    this: new (client: DynamoDBDocumentClient, tableName: string) => T,
    client: DynamoDBClient,
    tableName: string,
  ): T {
    return new this(documentClientOf(client), tableName);
  }
}
