import { DynamoDeadLetterNotes } from '../../lambdas/adapters/dynamo-dead-letter-notes.js';
import { queueDepth } from '../../lambdas/adapters/sqs-queue-depth.js';
import type { DeadLetterNotes } from '../../lambdas/core/dead-letter-note.js';
import {
  GetQueueAttributesCommand,
  ListDeadLetterSourceQueuesCommand,
  ListMessageMoveTasksCommand,
  StartMessageMoveTaskCommand,
  type ListMessageMoveTasksResultEntry,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import { defineCommand, sharedOption } from '../command.js';
import {
  DeadLetterReading,
  isEverything,
  matches,
  type DeadLetter,
  type DeadLetterSelection,
} from '../dead-letters.js';
import { CliError, EXIT } from '../errors.js';
import type { Output } from '../io.js';
import type { QueueRef } from '../target.js';

const USAGE = `Usage: npx kyc-webhooks redrive [selection] [--dry-run] [options]

Moves dead-letter messages back to the ingest queue, where the processor takes them up again.
Fix the cause first: --dry-run lists each message with the reason its last receive failed
(noted by the processor when it dead-lettered it). A delivery that fails again returns to the
DLQ after its receives. Stored events are never duplicated by a redrive (one stored event per
eventId).`;

/** Move-task states after which nothing changes any more. */
const FINAL_STATES = new Set(['COMPLETED', 'CANCELLED', 'FAILED']);

export const redriveCommand = defineCommand({
  name: 'redrive',
  summary: 'list dead letters with their reason, and move all or some back to the ingest queue',
  usage: USAGE,
  options: {
    ...sharedOption('vendor', 'messages of this vendor', {
      heading:
        'Selection (without one, every message moves, by SQS StartMessageMoveTask, with progress):',
    }),
    id: {
      type: 'string',
      multiple: true,
      value: 'ID',
      help: 'this message: its message id, eventId or dedup id (repeatable)',
    },
    reason: {
      type: 'string',
      value: 'CODE',
      help: 'messages whose last failure had this reason code (none: no note)',
      note:
        'Selected messages are sent to the ingest queue one by one, each deleted from the DLQ only\n' +
        'once sent; the others stay in the DLQ.',
    },
    'dry-run': {
      type: 'boolean',
      heading: '',
      help:
        'list the selected messages (message id, vendor, received, dedup id, receives,\n' +
        'last reason) and where they would go; move nothing',
    },
    ...sharedOption('json'),
  },
  target: true,
  examples: ['--dry-run', '--vendor idwise --reason unexpected_error'],
  async run({ values, vendor }, context) {
    const { out } = context;
    const selection: DeadLetterSelection = {
      ...(vendor && { vendor: vendor.id }),
      ...(values.id !== undefined && { ids: values.id }),
      ...(values.reason !== undefined && { reason: values.reason }),
    };
    const target = await context.target(values);
    const { sqs } = target;
    const dlq = await target.deadLetterQueue();
    const notes = DynamoDeadLetterNotes.create(target.dynamodb, target.tableName);

    // Each way reads only what it uses: a selected move finds the ingest queue itself.
    if (values['dry-run']) {
      const to = towards(await sourceQueueArn(sqs, dlq.url));
      const reading = await DeadLetterReading.read(sqs, dlq, notes);
      await reading.release();
      const selected = reading.letters.filter((letter) => matches(letter, selection));
      if (values.json) {
        const total = reading.letters.length;
        out.json({ dryRun: true, waiting: total, source: dlq.arn, destination: to, selected });
      } else {
        printLetters(out, selected);
        out.line(
          `${selected.length} of ${plural(reading.letters.length, 'message')} in the ` +
            `dead-letter queue ${dlq.arn} selected; a redrive would move them to ${to}.`,
        );
      }
      return EXIT.ok;
    }
    if (!isEverything(selection)) {
      return redriveSelected(context.out, { sqs, dlq, selection, notes });
    }
    const { start, waiting, destination } = await redriveAll(sqs, dlq);
    const to = towards(destination);
    if (start === 'empty') {
      const summary = `0 messages in the dead-letter queue ${dlq.arn}: nothing to redrive.`;
      if (values.json) out.json({ waiting, source: dlq.arn, destination: to });
      else out.line(summary);
      return EXIT.ok;
    }

    let task: ListMessageMoveTasksResultEntry | undefined;
    if (start === 'already-running') {
      out.note(`A redrive of ${dlq.arn} is already running; following it.`);
    } else {
      out.note(`Moving ${plural(waiting, 'message')} from ${dlq.arn} to ${to}…`);
    }
    for (;;) {
      task = await latestTask(sqs, dlq.arn);
      if (!task)
        throw new CliError(`SQS lists no move task for ${dlq.arn}; check it in the console`);
      const total = task.ApproximateNumberOfMessagesToMove ?? waiting;
      out.progress(
        `  ${task.Status ?? '?'}: moved ${task.ApproximateNumberOfMessagesMoved ?? 0} of ${total}`,
      );
      if (FINAL_STATES.has(task.Status ?? '')) break;
      await new Promise((resolve) => setTimeout(resolve, context.pollMs));
    }

    const moved = task.ApproximateNumberOfMessagesMoved ?? 0;
    if (values.json) {
      out.json({
        status: task.Status,
        moved,
        source: dlq.arn,
        destination: to,
        ...(task.FailureReason && { failureReason: task.FailureReason }),
      });
    } else if (task.Status === 'COMPLETED') {
      out.line(
        `Moved ${plural(moved, 'message')} back to ${to}; the processor takes them up from there.`,
      );
    } else {
      out.line(
        `Redrive ${task.Status}: moved ${moved}; ${task.FailureReason ?? 'no reason given'}.`,
      );
    }
    return task.Status === 'COMPLETED' ? EXIT.ok : EXIT.failed;
  },
});

/** What a selected redrive reads and moves, and through which clients. */
export interface SelectedRedrive {
  readonly sqs: SQSClient;
  readonly dlq: QueueRef;
  readonly selection: DeadLetterSelection;
  readonly notes: Pick<DeadLetterNotes, 'find'>;
}

/**
 * Moves the selected messages to the ingest queue one by one; the others stay in the DLQ (CLI
 * and inspector). `total` is how many the DLQ held.
 */
export async function moveSelected(how: SelectedRedrive): Promise<{
  ingest: QueueRef;
  total: number;
  moved: DeadLetter[];
  notDeleted: DeadLetter[];
}> {
  const ingest = await sourceQueue(how.sqs, how.dlq.url);
  if (!ingest) {
    throw new CliError(
      `SQS names no single queue that feeds ${how.dlq.arn}; a selected redrive needs it`,
    );
  }
  const reading = await DeadLetterReading.read(how.sqs, how.dlq, how.notes);
  const { moved, notDeleted } = await reading.move(how.selection, ingest);
  return { ingest, total: reading.letters.length, moved, notDeleted };
}

/** Moves the selected messages and says what it moved. */
async function redriveSelected(out: Output, how: SelectedRedrive): Promise<number> {
  const { ingest, total, moved, notDeleted } = await moveSelected(how);
  const stayed = total - moved.length - notDeleted.length;
  out.line(
    `Moved ${plural(moved.length, 'message')} of ${total} back to ${ingest.arn}; ` +
      `${stayed} stay in the dead-letter queue.`,
  );
  printLetters(out, moved);
  for (const letter of notDeleted) {
    out.note(
      `${letter.messageId} was sent back but SQS did not delete it from the dead-letter queue: ` +
        'its copy there is a duplicate the processor stores once; run the redrive again to move it',
    );
  }
  if (moved.length + notDeleted.length === 0) {
    out.note('No message of the dead-letter queue matches the selection (see --dry-run).');
    return EXIT.failed;
  }
  return notDeleted.length > 0 ? EXIT.failed : EXIT.ok;
}

/** One line per message: id, vendor, received, dedup id, receives, last reason. */
function printLetters(out: Output, letters: readonly DeadLetter[]): void {
  for (const letter of letters) {
    const reason = letter.note
      ? `${letter.note.reason} (${letter.note.errorName})`
      : 'no reason noted';
    out.line(
      [
        letter.messageId,
        letter.vendor ?? '?',
        letter.receivedAt ?? '?',
        letter.dedupId ?? '(unreadable body)',
        `receives=${letter.receiveCount}`,
        reason,
      ].join('  '),
    );
  }
}

/** Where a redrive sends the messages: the ingest queue, else where each came from. */
function towards(destination: string | undefined): string {
  return destination ?? 'the queues they came from';
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

/** What a redrive would move and where, and the DLQ's latest move task (CLI and inspector). */
export interface DeadLetterState {
  readonly waiting: number;
  /** The ingest queue's ARN; absent when SQS cannot tell (the messages go back where they came from). */
  readonly destination?: string;
  readonly latest?: ListMessageMoveTasksResultEntry;
}

export async function deadLetterState(sqs: SQSClient, dlq: QueueRef): Promise<DeadLetterState> {
  const [waiting, destination, latest] = await Promise.all([
    queueDepth(sqs, dlq.url),
    sourceQueueArn(sqs, dlq.url),
    latestTask(sqs, dlq.arn),
  ]);
  return {
    waiting,
    ...(destination !== undefined && { destination }),
    ...(latest !== undefined && { latest }),
  };
}

/** How a redrive of the whole DLQ went on from its state. */
export type RedriveStart =
  /** A move task started. */
  | 'started'
  /** One was running already: it is left to finish, not started twice. */
  | 'already-running'
  /** Nothing waits in the DLQ: nothing moves. */
  | 'empty';

/**
 * Moves every message of the DLQ back (CLI and inspector), by one SQS move task, unless one is
 * running already or the DLQ is empty; with the state it decided from.
 */
export async function redriveAll(
  sqs: SQSClient,
  dlq: QueueRef,
): Promise<DeadLetterState & { readonly start: RedriveStart }> {
  const state = await deadLetterState(sqs, dlq);
  if (state.latest?.Status === 'RUNNING') return { ...state, start: 'already-running' };
  if (state.waiting === 0) return { ...state, start: 'empty' };
  await startRedrive(sqs, dlq.arn, state.destination);
  return { ...state, start: 'started' };
}

/** Starts moving every message of the DLQ back to `destination` (else where each came from). */
async function startRedrive(
  sqs: SQSClient,
  dlqArn: string,
  destination: string | undefined,
): Promise<void> {
  await sqs.send(
    new StartMessageMoveTaskCommand({
      SourceArn: dlqArn,
      ...(destination !== undefined && { DestinationArn: destination }),
    }),
  );
}

/**
 * The queue whose redrive policy feeds this DLQ, named explicitly: messages that reached the
 * DLQ some other way (sent to it by hand) have no source queue of their own to return to.
 */
async function sourceQueue(sqs: SQSClient, dlqUrl: string): Promise<QueueRef | undefined> {
  const { queueUrls = [] } = await sqs.send(
    new ListDeadLetterSourceQueuesCommand({ QueueUrl: dlqUrl }),
  );
  const [only] = queueUrls;
  if (only === undefined || queueUrls.length > 1) return undefined;
  const { Attributes } = await sqs.send(
    new GetQueueAttributesCommand({ QueueUrl: only, AttributeNames: ['QueueArn'] }),
  );
  const arn = Attributes?.QueueArn;
  return arn === undefined ? undefined : { url: only, arn };
}

async function sourceQueueArn(sqs: SQSClient, dlqUrl: string): Promise<string | undefined> {
  return (await sourceQueue(sqs, dlqUrl))?.arn;
}

/** SQS lists the most recent move task of a source first. */
async function latestTask(
  sqs: SQSClient,
  sourceArn: string,
): Promise<ListMessageMoveTasksResultEntry | undefined> {
  const { Results = [] } = await sqs.send(
    new ListMessageMoveTasksCommand({ SourceArn: sourceArn, MaxResults: 1 }),
  );
  return Results[0];
}
