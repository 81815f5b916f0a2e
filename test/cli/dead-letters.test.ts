import { GetQueueAttributesCommand, SendMessageCommand } from '@aws-sdk/client-sqs';
import { beforeAll, describe, expect, it } from 'vitest';
import { DeadLetterReading, matches, type DeadLetter } from '../../cli/dead-letters.js';
import { DynamoDeadLetterNotes } from '../../lambdas/adapters/dynamo-dead-letter-notes.js';
import { createQueues, type LocalQueues } from '../../local/resources.js';
import { idwiseMessage } from '../support/deliveries.js';
import { useTestEngines } from '../support/local-pipeline.js';

/**
 * Reading the dead-letter queue message by message (redrive --dry-run, a selected redrive, the
 * inspector), on local-aws-sqs and DynamoDB Local: which messages a selection names, and that a
 * reading never leaves messages hidden when it cannot finish.
 */

const LETTER: DeadLetter = {
  messageId: 'f5b7c2e0-0000-4000-8000-000000000001',
  vendor: 'idwise',
  receivedAt: '2026-12-01T10:00:00.000Z',
  dedupId: 'evt-1',
  receiveCount: 5,
  note: {
    reason: 'publish_failed',
    errorName: 'PublishError',
    failedAt: '2026-12-01T10:05:00.000Z',
  },
};

describe('a selection', () => {
  it.each([
    ['everything, when it names nothing', {}, true],
    ['the message id', { ids: [LETTER.messageId] }, true],
    ['the eventId', { ids: ['idwise:evt-1'] }, true],
    ['the eventId of one of its events', { ids: ['idwise:evt-1#2'] }, true],
    ['the dedup id', { ids: ['evt-1'] }, true],
    ['any of several ids', { ids: ['other', 'idwise:evt-1'] }, true],
    ['not another vendor with the same dedup id', { ids: ['treezor:evt-1'] }, false],
    ['the vendor', { vendor: 'idwise' }, true],
    ['not another vendor', { vendor: 'treezor' }, false],
    ['the reason', { reason: 'publish_failed' }, true],
    ['not another reason', { reason: 'poison_message' }, false],
    ['not "none" for a message with a note', { reason: 'none' }, false],
    ['only when every part matches', { vendor: 'idwise', reason: 'poison_message' }, false],
  ])('matches %s', (_case, selection, expected) => {
    expect(matches(LETTER, selection)).toBe(expected);
  });

  it('takes "none" for the messages no processor noted', () => {
    const { note: _note, ...unnoted } = LETTER;
    expect(matches(unnoted, { reason: 'none' })).toBe(true);
    // A body that is no queue message is found by its message id only.
    const unreadable: DeadLetter = { messageId: 'm-2', receiveCount: 5 };
    expect(matches(unreadable, { ids: ['m-2'] })).toBe(true);
    expect(matches(unreadable, { vendor: 'idwise' })).toBe(false);
  });
});

describe('a reading of the dead-letter queue', () => {
  const local = useTestEngines();
  let queues: LocalQueues;

  beforeAll(async () => {
    queues = await createQueues(local.clients.sqs, {
      visibilityTimeoutSeconds: 30,
      maxReceiveCount: 5,
    });
  });

  const dlq = () => ({ url: queues.deadLetterQueueUrl, arn: queues.deadLetterQueueArn });
  /** Messages received and hidden from other readers (in flight). */
  const held = async (): Promise<number> => {
    const { Attributes = {} } = await local.clients.sqs.send(
      new GetQueueAttributesCommand({
        QueueUrl: queues.deadLetterQueueUrl,
        AttributeNames: ['ApproximateNumberOfMessagesNotVisible'],
      }),
    );
    return Number(Attributes.ApproximateNumberOfMessagesNotVisible ?? 0);
  };

  it('lists a body that is not a queue message by its id, and releases what it read', async () => {
    const table = await local.freshTable('dead-letter-reading');
    const notes = DynamoDeadLetterNotes.create(local.clients.dynamodb, table);
    const bodies = [JSON.stringify(idwiseMessage({ eventId: 'read-1' })), 'not a queue message'];
    const ids: string[] = [];
    for (const body of bodies) {
      const { MessageId = '' } = await local.clients.sqs.send(
        new SendMessageCommand({ QueueUrl: queues.deadLetterQueueUrl, MessageBody: body }),
      );
      ids.push(MessageId);
    }

    const reading = await DeadLetterReading.read(local.clients.sqs, dlq(), notes);
    expect(await held()).toBe(2);
    await reading.release();
    expect(await held()).toBe(0);
    const byId = new Map(reading.letters.map((letter) => [letter.messageId, letter]));
    expect(byId.get(ids[0] ?? '')).toMatchObject({ vendor: 'idwise', dedupId: 'read-1' });
    expect(byId.get(ids[1] ?? '')).toEqual({ messageId: ids[1], receiveCount: 1 });

    // And when the notes cannot be read, the messages are not left hidden for minutes.
    const broken = { find: () => Promise.reject(new Error('AccessDeniedException')) };
    await expect(DeadLetterReading.read(local.clients.sqs, dlq(), broken)).rejects.toThrow(
      'AccessDeniedException',
    );
    expect(await held()).toBe(0);
  });
});
