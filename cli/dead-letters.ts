import {
  ChangeMessageVisibilityBatchCommand,
  DeleteMessageCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
  type Message,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import type { DeadLetterNote, DeadLetterNotes } from '../lambdas/core/dead-letter-note.js';
import { parseQueueMessage } from '../lambdas/core/queue-message.js';
import type { QueueRef } from './target.js';

/**
 * The dead-letter queue's messages one by one, for `redrive --dry-run` and a redrive of some of
 * them (the CLI and the inspector). A message says what it is (vendor, time received, dedup id)
 * through its body — a queue message ingest wrote — and why it is there through the note the
 * processor left under its message id when it dead-lettered it (record-failure.ts).
 *
 * Reading a queue's messages means receiving them: each is held (invisible) while it is read and
 * released at once afterwards, or, when selected for a move, sent to the ingest queue and only
 * then deleted from the dead-letter queue. So a move never loses a message; a failure between
 * the send and the delete leaves a copy in both queues, which the processor stores once all the
 * same (one stored event per eventId) and which is reported.
 */

export interface DeadLetter {
  readonly messageId: string;
  /** What the body says, when it is a queue message; absent for a body the processor could not read. */
  readonly vendor?: string;
  readonly receivedAt?: string;
  readonly dedupId?: string;
  /** Receives before it was dead-lettered (the note's), else SQS's count so far. */
  readonly receiveCount: number;
  /** The processor's note: reason code, error name, when; absent when none was written. */
  readonly note?: Omit<DeadLetterNote, 'messageId' | 'receiveCount'>;
}

export interface DeadLetterSelection {
  readonly vendor?: string;
  /** Message ids, eventIds (`<vendor>:<dedup id>[#n]`) or dedup ids; any one matches. */
  readonly ids?: readonly string[];
  /** The note's reason code; `none` selects messages without a note. */
  readonly reason?: string;
}

/** A selection that names nothing selects everything. */
export function isEverything(selection: DeadLetterSelection): boolean {
  return (
    selection.vendor === undefined &&
    (selection.ids === undefined || selection.ids.length === 0) &&
    selection.reason === undefined
  );
}

export function matches(letter: DeadLetter, selection: DeadLetterSelection): boolean {
  if (selection.vendor !== undefined && letter.vendor !== selection.vendor) return false;
  if (selection.reason !== undefined && (letter.note?.reason ?? 'none') !== selection.reason) {
    return false;
  }
  const { ids } = selection;
  if (ids === undefined || ids.length === 0) return true;
  const eventId =
    letter.vendor === undefined || letter.dedupId === undefined
      ? undefined
      : `${letter.vendor}:${letter.dedupId}`;
  return ids.some(
    (id) =>
      id === letter.messageId ||
      (letter.dedupId !== undefined && id === letter.dedupId) ||
      (eventId !== undefined && (id === eventId || id.replace(/#\d+$/, '') === eventId)),
  );
}

/** Long enough to read a full queue and move what was selected; released at once after. */
const HOLD_SECONDS = 300;
/**
 * A long poll (any wait) asks every SQS host, unlike a short poll, which samples some: so one
 * empty answer means the queue holds no other visible message.
 */
const WAIT_SECONDS = 1;

interface Held {
  readonly letter: DeadLetter;
  readonly body: string;
  readonly receiptHandle: string;
}

/** Every message of the dead-letter queue, held until `release` (or moved by `move`). */
export class DeadLetterReading {
  readonly #held: Held[];
  #done = false;

  private constructor(
    private readonly sqs: SQSClient,
    private readonly dlq: QueueRef,
    held: Held[],
  ) {
    this.#held = held;
  }

  static async read(
    sqs: SQSClient,
    dlq: QueueRef,
    notes: Pick<DeadLetterNotes, 'find'>,
  ): Promise<DeadLetterReading> {
    const received = new Map<string, Message>();
    for (;;) {
      const { Messages = [] } = await sqs.send(
        new ReceiveMessageCommand({
          QueueUrl: dlq.url,
          MaxNumberOfMessages: 10,
          VisibilityTimeout: HOLD_SECONDS,
          WaitTimeSeconds: WAIT_SECONDS,
          // AttributeNames too, as the local poller asks: local-aws-sqs reads it (DESIGN §7).
          AttributeNames: ['All'],
          MessageSystemAttributeNames: ['ApproximateReceiveCount'],
        }),
      );
      const fresh = Messages.filter((m) => m.MessageId && !received.has(m.MessageId));
      if (fresh.length === 0) break;
      for (const message of fresh) received.set(message.MessageId ?? '', message);
    }
    let found: Map<string, DeadLetterNote>;
    try {
      found = await notes.find([...received.keys()]);
    } catch (error) {
      // Not readable now: the messages go back as they were, not hidden for minutes.
      await release(
        sqs,
        dlq,
        [...received.values()].map((m) => m.ReceiptHandle ?? ''),
      );
      throw error;
    }
    const held = [...received.values()].map((message) => ({
      letter: letterOf(message, found.get(message.MessageId ?? '')),
      body: message.Body ?? '',
      receiptHandle: message.ReceiptHandle ?? '',
    }));
    held.sort((a, b) => (a.letter.receivedAt ?? '').localeCompare(b.letter.receivedAt ?? ''));
    return new DeadLetterReading(sqs, dlq, held);
  }

  get letters(): DeadLetter[] {
    return this.#held.map((held) => held.letter);
  }

  /**
   * Sends the selected messages to `destination` (the ingest queue), each deleted from the
   * dead-letter queue only once the send succeeded, and releases the others. Returns what was
   * moved, and the messages sent but not deleted (then in both queues).
   */
  async move(
    selection: DeadLetterSelection,
    destination: QueueRef,
  ): Promise<{ moved: DeadLetter[]; notDeleted: DeadLetter[] }> {
    const moved: DeadLetter[] = [];
    const notDeleted: DeadLetter[] = [];
    const chosen = this.#held.filter((held) => matches(held.letter, selection));
    try {
      for (const held of chosen) {
        await this.sqs.send(
          new SendMessageCommand({ QueueUrl: destination.url, MessageBody: held.body }),
        );
        try {
          await this.sqs.send(
            new DeleteMessageCommand({ QueueUrl: this.dlq.url, ReceiptHandle: held.receiptHandle }),
          );
          moved.push(held.letter);
        } catch {
          notDeleted.push(held.letter);
        }
      }
    } finally {
      const movedIds = new Set([...moved, ...notDeleted].map((letter) => letter.messageId));
      await this.#releaseAll((held) => !movedIds.has(held.letter.messageId));
    }
    return { moved, notDeleted };
  }

  /** Makes every held message visible again, as it was. */
  async release(): Promise<void> {
    await this.#releaseAll(() => true);
  }

  async #releaseAll(which: (held: Held) => boolean): Promise<void> {
    if (this.#done) return;
    this.#done = true;
    const handles = this.#held.filter(which).map((held) => held.receiptHandle);
    await release(this.sqs, this.dlq, handles);
  }
}

/** Makes received messages visible again at once. */
async function release(sqs: SQSClient, dlq: QueueRef, handles: readonly string[]): Promise<void> {
  for (let start = 0; start < handles.length; start += 10) {
    await sqs.send(
      new ChangeMessageVisibilityBatchCommand({
        QueueUrl: dlq.url,
        Entries: handles.slice(start, start + 10).map((handle, i) => ({
          Id: String(i),
          ReceiptHandle: handle,
          VisibilityTimeout: 0,
        })),
      }),
    );
  }
}

function letterOf(message: Message, note: DeadLetterNote | undefined): DeadLetter {
  const messageId = message.MessageId ?? '';
  const sqsCount = Number(message.Attributes?.ApproximateReceiveCount ?? 0);
  let content: Pick<DeadLetter, 'vendor' | 'receivedAt' | 'dedupId'> = {};
  try {
    const { vendor, receivedAt, dedupId } = parseQueueMessage(message.Body ?? '');
    content = { vendor, receivedAt, dedupId };
  } catch {
    // A body the processor could not read either: listed by its message id and note only.
  }
  return {
    messageId,
    ...content,
    receiveCount: note?.receiveCount ?? sqsCount,
    ...(note && {
      note: { reason: note.reason, errorName: note.errorName, failedAt: note.failedAt },
    }),
  };
}
