import { ConditionalCheckFailedException, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import type { EventStore, StoredEvent, SubjectState } from '../core/ports.js';
import { TABLE_SCHEMA } from './dynamo-schema.js';

const PK = TABLE_SCHEMA.partitionKey;
const SUBJECT_PREFIX = 'SUBJECT#';

/**
 * One table (see dynamo-schema.ts). Event items are keyed by eventId and carry the subject key
 * and vendor time under the subject index's attribute names, so the index lists a subject's
 * history. Subject items use other attribute names and so stay out of that index.
 */
export class DynamoEventStore implements EventStore {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  /** The store over a plain client; undefined attributes are left out rather than refused. */
  static create(client: DynamoDBClient, tableName: string): DynamoEventStore {
    const documents = DynamoDBDocumentClient.from(client, {
      marshallOptions: { removeUndefinedValues: true },
    });
    return new DynamoEventStore(documents, tableName);
  }

  async getEvent(eventId: string): Promise<StoredEvent | undefined> {
    const { Item } = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: { [PK]: eventId }, ConsistentRead: true }),
    );
    return Item ? fromEventItem(Item) : undefined;
  }

  async createEvent(event: StoredEvent): Promise<boolean> {
    return this.#conditional(
      this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: toEventItem(event),
          // Two deliveries of one event may race here: exactly one stores it.
          ConditionExpression: 'attribute_not_exists(#pk)',
          ExpressionAttributeNames: { '#pk': PK },
        }),
      ),
    );
  }

  async takeLease(eventId: string, until: string, now: string): Promise<boolean> {
    return this.#conditional(
      this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { [PK]: eventId },
          UpdateExpression: 'SET leaseUntil = :until',
          // Only an unpublished event, and only once the previous attempt's lease has ended:
          // otherwise a concurrent duplicate would publish it a second time.
          ConditionExpression:
            'attribute_exists(#pk) AND attribute_not_exists(publishedAt) AND ' +
            '(attribute_not_exists(leaseUntil) OR leaseUntil < :now)',
          ExpressionAttributeNames: { '#pk': PK },
          ExpressionAttributeValues: { ':until': until, ':now': now },
        }),
      ),
    );
  }

  async markPublished(eventId: string, publishedAt: string): Promise<void> {
    await this.client.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: { [PK]: eventId },
        UpdateExpression: 'SET publishedAt = :at REMOVE leaseUntil',
        ConditionExpression: 'attribute_exists(#pk)',
        ExpressionAttributeNames: { '#pk': PK },
        ExpressionAttributeValues: { ':at': publishedAt },
      }),
    );
  }

  async getSubject(key: string): Promise<SubjectState | undefined> {
    const { Item } = await this.client.send(
      new GetCommand({
        TableName: this.tableName,
        Key: { [PK]: SUBJECT_PREFIX + key },
        ConsistentRead: true,
      }),
    );
    return Item ? fromSubjectItem(Item) : undefined;
  }

  async saveSubject(state: SubjectState, expectedVersion: number | undefined): Promise<boolean> {
    return this.#conditional(
      this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: toSubjectItem(state),
          // Compare-and-set: a concurrent event for the same subject makes this fail and retry.
          ...(expectedVersion === undefined
            ? {
                ConditionExpression: 'attribute_not_exists(#pk)',
                ExpressionAttributeNames: { '#pk': PK },
              }
            : {
                ConditionExpression: '#version = :expected',
                ExpressionAttributeNames: { '#version': 'version' },
                ExpressionAttributeValues: { ':expected': expectedVersion },
              }),
        }),
      ),
    );
  }

  /** Runs a conditional write; `false` when its condition did not hold. */
  async #conditional(write: Promise<unknown>): Promise<boolean> {
    try {
      await write;
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      // Some engines (and older SDK paths) surface the error by name only.
      if (error instanceof Error && error.name === 'ConditionalCheckFailedException') return false;
      throw error;
    }
  }
}

type Item = Record<string, unknown>;

function toEventItem(event: StoredEvent): Item {
  const { detail } = event;
  return {
    [PK]: detail.eventId,
    itemType: 'event',
    eventId: detail.eventId,
    vendor: detail.vendor,
    vendorEventType: detail.vendorEventType,
    detailType: event.detailType,
    status: detail.status,
    [TABLE_SCHEMA.subjectIndex.partitionKey]: event.subjectKey,
    [TABLE_SCHEMA.subjectIndex.sortKey]: detail.occurredAt,
    receivedAt: detail.receivedAt,
    route: event.route,
    detail,
    rawBody: event.rawBody,
    bodyEncoding: event.bodyEncoding,
    leaseUntil: event.leaseUntil,
    publishedAt: event.publishedAt,
    [TABLE_SCHEMA.timeToLiveAttribute]: event.expiresAt,
  };
}

function fromEventItem(item: Item): StoredEvent {
  return {
    detail: item['detail'] as StoredEvent['detail'],
    detailType: item['detailType'] as StoredEvent['detailType'],
    subjectKey: item[TABLE_SCHEMA.subjectIndex.partitionKey] as string,
    route: item['route'] as string,
    rawBody: item['rawBody'] as string,
    ...(item['bodyEncoding'] === 'base64' && { bodyEncoding: 'base64' as const }),
    ...(typeof item['publishedAt'] === 'string' && { publishedAt: item['publishedAt'] }),
    ...(typeof item['leaseUntil'] === 'string' && { leaseUntil: item['leaseUntil'] }),
    expiresAt: item[TABLE_SCHEMA.timeToLiveAttribute] as number,
  };
}

function toSubjectItem(state: SubjectState): Item {
  return {
    [PK]: SUBJECT_PREFIX + state.key,
    itemType: 'subject',
    subject: state.key,
    status: state.status,
    previousStatus: state.previousStatus,
    statusOccurredAt: state.occurredAt,
    eventId: state.eventId,
    version: state.version,
    updatedAt: state.updatedAt,
    [TABLE_SCHEMA.timeToLiveAttribute]: state.expiresAt,
  };
}

function fromSubjectItem(item: Item): SubjectState {
  return {
    key: item['subject'] as string,
    status: item['status'] as SubjectState['status'],
    previousStatus: (item['previousStatus'] ?? null) as SubjectState['previousStatus'],
    occurredAt: item['statusOccurredAt'] as string,
    eventId: item['eventId'] as string,
    version: item['version'] as number,
    updatedAt: item['updatedAt'] as string,
    expiresAt: item[TABLE_SCHEMA.timeToLiveAttribute] as number,
  };
}
