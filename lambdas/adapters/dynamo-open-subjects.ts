import { ConditionalCheckFailedException, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { DeleteCommand, paginateScan, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { Status, SubjectRef } from '../core/event.js';
import { subjectKeyOf } from '../core/ports.js';
import { documentClientOf } from './dynamo-documents.js';
import type { OpenSubject, OpenSubjects } from '../reconcile/open-subjects.js';

/** The open-subjects table's shape, stated once for the adapter, the stack and local mode. */
export const OPEN_SUBJECTS_SCHEMA = {
  partitionKey: 'pk',
  timeToLiveAttribute: 'expiresAt',
} as const;

const PK = OPEN_SUBJECTS_SCHEMA.partitionKey;

/**
 * `OpenSubjects` in a DynamoDB table of its own, one small item per open subject. Both writes are
 * conditioned on the recorded `since`: events reach this store in any order (its queue does not
 * keep one), and an older event must not reopen a subject a newer one closed, nor close one a
 * newer one opened. An item expires with the events' retention, so a subject nobody ever resolves
 * is not asked about for ever.
 */
export class DynamoOpenSubjects implements OpenSubjects {
  readonly #documents: DynamoDBDocumentClient;

  constructor(
    client: DynamoDBClient,
    private readonly tableName: string,
    private readonly retentionDays: number,
  ) {
    this.#documents = documentClientOf(client);
  }

  async open(open: OpenSubject): Promise<void> {
    await this.#ignoringNewer(
      new PutCommand({
        TableName: this.tableName,
        Item: {
          [PK]: subjectKeyOf(open.vendor, open.subject),
          vendor: open.vendor,
          kind: open.subject.kind,
          id: open.subject.id,
          status: open.status,
          since: open.since,
          eventId: open.eventId,
          [OPEN_SUBJECTS_SCHEMA.timeToLiveAttribute]:
            Math.floor(Date.parse(open.since) / 1000) + this.retentionDays * 86_400,
        },
        ConditionExpression: 'attribute_not_exists(#pk) OR #since <= :since',
        ExpressionAttributeNames: { '#pk': PK, '#since': 'since' },
        ExpressionAttributeValues: { ':since': open.since },
      }),
    );
  }

  async close(vendor: string, subject: SubjectRef, since: string): Promise<void> {
    await this.#ignoringNewer(
      new DeleteCommand({
        TableName: this.tableName,
        Key: { [PK]: subjectKeyOf(vendor, subject) },
        ConditionExpression: 'attribute_not_exists(#pk) OR #since <= :since',
        ExpressionAttributeNames: { '#pk': PK, '#since': 'since' },
        ExpressionAttributeValues: { ':since': since },
      }),
    );
  }

  async *list(): AsyncIterable<OpenSubject> {
    for await (const page of paginateScan(
      { client: this.#documents },
      { TableName: this.tableName },
    )) {
      for (const item of page.Items ?? []) {
        yield {
          vendor: String(item['vendor']),
          subject: { kind: String(item['kind']), id: String(item['id']) },
          status: item['status'] as Status,
          since: String(item['since']),
          eventId: String(item['eventId']),
        };
      }
    }
  }

  async #ignoringNewer(command: PutCommand | DeleteCommand): Promise<void> {
    try {
      await this.#documents.send(command as PutCommand);
    } catch (error) {
      // A newer event's state is recorded: it stands.
      if (error instanceof ConditionalCheckFailedException) return;
      throw error;
    }
  }
}
