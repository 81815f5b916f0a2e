import { DynamoDeadLetterNotes } from '../../lambdas/adapters/dynamo-dead-letter-notes.js';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { SQSClient } from '@aws-sdk/client-sqs';
import { deadLetterState, moveSelected, redriveAll } from '../../cli/commands/redrive.js';
import { DeadLetterReading, type DeadLetter } from '../../cli/dead-letters.js';
import type { QueueRef } from '../../cli/target.js';

/**
 * The inspector's dead-letter queue, through the CLI's own code: its depth and latest redrive
 * (as `redrive` reports them), its messages with their last reason (as `redrive --dry-run`), a
 * redrive of all (as `redrive`) or of one message (as `redrive --id <message id>`).
 *
 * Listing a queue's messages means receiving them, which hides them while they are read; so one
 * listing, move or depth reading runs at a time: two pages open at once never hide messages from
 * each other, and the depth is never read while a listing holds them (local-aws-sqs counts a held
 * message twice, as visible and as in flight). The page lists again only when the depth changes,
 * not on every poll.
 */

/** Why a redrive of all started nothing, as the page says it. */
const WHY_NOT = {
  'already-running': 'a redrive is already running',
  empty: 'the dead-letter queue is empty',
} as const;

export interface DeadLetterView {
  readonly queue: string;
  readonly waiting: number;
  readonly destination?: string;
  readonly latestRedrive?: { status?: string; moved: number; failureReason?: string };
}

export interface InspectorDeadLetters {
  /** The depth and latest redrive, never read while the inspector holds messages. */
  state(): Promise<DeadLetterView>;
  list(): Promise<DeadLetter[]>;
  /** Starts moving every message back; `why` says why nothing started. */
  redriveAll(): Promise<{ started: boolean; why?: string }>;
  /** Moves the message with this SQS message id back; the others stay. */
  redriveOne(messageId: string): Promise<{ moved: DeadLetter[]; notDeleted: DeadLetter[] }>;
}

export function inspectorDeadLetters(
  clients: { readonly sqs: SQSClient; readonly dynamodb: DynamoDBClient },
  tableName: string,
  dlq: QueueRef,
): InspectorDeadLetters {
  const { sqs } = clients;
  const notes = DynamoDeadLetterNotes.create(clients.dynamodb, tableName);
  let turn: Promise<unknown> = Promise.resolve();
  const oneAtATime = <T>(work: () => Promise<T>): Promise<T> => {
    const run = turn.then(work, work);
    turn = run.catch(() => undefined);
    return run;
  };

  return {
    state: () =>
      oneAtATime(async () => {
        const { waiting, destination, latest } = await deadLetterState(sqs, dlq);
        return {
          queue: dlq.arn,
          waiting,
          ...(destination !== undefined && { destination }),
          ...(latest && {
            latestRedrive: {
              status: latest.Status,
              moved: latest.ApproximateNumberOfMessagesMoved ?? 0,
              ...(latest.FailureReason !== undefined && { failureReason: latest.FailureReason }),
            },
          }),
        };
      }),
    list: () =>
      oneAtATime(async () => {
        const reading = await DeadLetterReading.read(sqs, dlq, notes);
        await reading.release();
        return reading.letters;
      }),
    redriveAll: () =>
      oneAtATime(async () => {
        const { start } = await redriveAll(sqs, dlq);
        return start === 'started' ? { started: true } : { started: false, why: WHY_NOT[start] };
      }),
    redriveOne: (messageId) =>
      oneAtATime(async () => {
        const { moved, notDeleted } = await moveSelected({
          sqs,
          dlq,
          notes,
          selection: { ids: [messageId] },
        });
        return { moved, notDeleted };
      }),
  };
}
