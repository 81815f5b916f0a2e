import { queueDepth } from '../../lambdas/adapters/sqs-queue-depth.js';
import {
  GetQueueAttributesCommand,
  ListDeadLetterSourceQueuesCommand,
  ListMessageMoveTasksCommand,
  StartMessageMoveTaskCommand,
  type ListMessageMoveTasksResultEntry,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import { parseCommandArgs, TARGET_OPTIONS, TARGET_USAGE } from '../args.js';
import type { Command } from '../command.js';
import { CliError, EXIT, UsageError } from '../errors.js';
import type { QueueRef } from '../target.js';

const OPTIONS = {
  'dry-run': { type: 'boolean' },
  json: { type: 'boolean' },
  ...TARGET_OPTIONS,
} as const;

const USAGE = `Usage: npx kyc-webhooks redrive [--dry-run] [options]

Moves every message of the dead-letter queue back to the ingest queue (SQS
StartMessageMoveTask), showing progress until the move is done; the processor then takes
them up again. Fix the cause first: the processor's log has a "record failed" line with each
message's messageId and reason. A delivery that fails again returns to the DLQ after five
receives. Stored events are never duplicated by a redrive (one stored event per eventId).

  --dry-run   show how many messages would move, and where; move nothing
  --json      machine-readable summary

${TARGET_USAGE}`;

/** Move-task states after which nothing changes any more. */
const FINAL_STATES = new Set(['COMPLETED', 'CANCELLED', 'FAILED']);

export const redriveCommand: Command = {
  name: 'redrive',
  summary: 'move dead-letter messages back to the ingest queue, with progress',
  usage: USAGE,
  async run(argv, context) {
    const { out } = context;
    const { values, positionals } = parseCommandArgs(argv, OPTIONS);
    if (positionals.length > 0)
      throw new UsageError(`redrive takes no arguments: ${positionals.join(' ')}`);
    const target = await context.target(values);
    const { sqs } = target;
    const dlq = await target.deadLetterQueue();
    const { waiting, destination, latest: running } = await deadLetterState(sqs, dlq);
    const to = destination ?? 'the queues they came from';
    if (values['dry-run'] || (waiting === 0 && running?.Status !== 'RUNNING')) {
      const summary = `${waiting} message${waiting === 1 ? '' : 's'} in the dead-letter queue ${dlq.arn}`;
      if (values.json) {
        out.json({ dryRun: values['dry-run'] === true, waiting, source: dlq.arn, destination: to });
      } else {
        out.line(
          waiting === 0
            ? `${summary}: nothing to redrive.`
            : `${summary}; a redrive would move them to ${to}.`,
        );
      }
      return EXIT.ok;
    }

    let task: ListMessageMoveTasksResultEntry | undefined;
    if (running?.Status === 'RUNNING') {
      out.note(`A redrive of ${dlq.arn} is already running; following it.`);
    } else {
      await startRedrive(sqs, dlq.arn, destination);
      out.note(`Moving ${waiting} message${waiting === 1 ? '' : 's'} from ${dlq.arn} to ${to}…`);
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
        `Moved ${moved} message${moved === 1 ? '' : 's'} back to ${to}; the processor takes them up from there.`,
      );
    } else {
      out.line(
        `Redrive ${task.Status}: moved ${moved}; ${task.FailureReason ?? 'no reason given'}.`,
      );
    }
    return task.Status === 'COMPLETED' ? EXIT.ok : EXIT.failed;
  },
};

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

/** Starts moving every message of the DLQ back to `destination` (else where each came from). */
export async function startRedrive(
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
async function sourceQueueArn(sqs: SQSClient, dlqUrl: string): Promise<string | undefined> {
  const { queueUrls = [] } = await sqs.send(
    new ListDeadLetterSourceQueuesCommand({ QueueUrl: dlqUrl }),
  );
  const [only] = queueUrls;
  if (only === undefined || queueUrls.length > 1) return undefined;
  const { Attributes } = await sqs.send(
    new GetQueueAttributesCommand({ QueueUrl: only, AttributeNames: ['QueueArn'] }),
  );
  return Attributes?.QueueArn;
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
