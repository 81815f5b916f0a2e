import { PutCommand } from '@aws-sdk/lib-dynamodb';
import type { DeadLetterNote, DeadLetterNotes } from '../core/dead-letter-note.js';
import { batchGetAll } from './dynamo-batch-get.js';
import { TableAdapter } from './dynamo-documents.js';
import { TABLE_SCHEMA } from './dynamo-schema.js';

const PK = TABLE_SCHEMA.partitionKey;
const TTL = TABLE_SCHEMA.timeToLiveAttribute;

/**
 * Note items share the event table, so the processor needs no other resource and no other
 * permission than the `PutItem` it has (lib/constructs/processor.ts). Their keys start with a
 * prefix no eventId (`<vendor>:…`) can, and they carry no index key, so no history sees them.
 */
const NOTE_PREFIX = TABLE_SCHEMA.keyPrefixes.deadLetterNote;
const NOTE_ITEM_TYPE = 'deadLetterNote';

/** SQS keeps a message at most 14 days: a note never needs to outlive it. */
const NOTE_LIFETIME_SECONDS = 14 * 86_400;

export class DynamoDeadLetterNotes extends TableAdapter implements DeadLetterNotes {
  async record(note: DeadLetterNote): Promise<void> {
    const failedSeconds = Math.floor(Date.parse(note.failedAt) / 1000);
    // Unconditional: a message dead-lettered again after a redrive keeps its id on AWS, and the
    // newest reason is the one the operator needs.
    await this.client.send(
      new PutCommand({
        TableName: this.tableName,
        Item: {
          [PK]: NOTE_PREFIX + note.messageId,
          itemType: NOTE_ITEM_TYPE,
          ...note,
          [TTL]: failedSeconds + NOTE_LIFETIME_SECONDS,
        },
      }),
    );
  }

  async find(messageIds: readonly string[]): Promise<Map<string, DeadLetterNote>> {
    const keys = [...new Set(messageIds)].map((id) => ({ [PK]: NOTE_PREFIX + id }));
    const notes = (await batchGetAll(this.client, this.tableName, keys)).map(noteOf);
    return new Map(
      notes.filter((note) => note !== undefined).map((note) => [note.messageId, note]),
    );
  }
}

function noteOf(item: Record<string, unknown>): DeadLetterNote | undefined {
  const { messageId, reason, errorName, receiveCount, failedAt } = item;
  if (
    typeof messageId !== 'string' ||
    typeof reason !== 'string' ||
    typeof errorName !== 'string' ||
    typeof receiveCount !== 'number' ||
    typeof failedAt !== 'string'
  ) {
    return undefined;
  }
  return { messageId, reason, errorName, receiveCount, failedAt };
}
