import {
  GetQueueAttributesCommand,
  ListMessageMoveTasksCommand,
  StartMessageMoveTaskCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import { setTimeout as sleep } from 'node:timers/promises';

/** Messages waiting plus messages received and not yet deleted (in flight). */
export async function queueDepth(sqs: SQSClient, queueUrl: string): Promise<number> {
  const { Attributes = {} } = await sqs.send(
    new GetQueueAttributesCommand({
      QueueUrl: queueUrl,
      AttributeNames: [
        'ApproximateNumberOfMessages',
        'ApproximateNumberOfMessagesNotVisible',
        'ApproximateNumberOfMessagesDelayed',
      ],
    }),
  );
  return (
    Number(Attributes.ApproximateNumberOfMessages ?? 0) +
    Number(Attributes.ApproximateNumberOfMessagesNotVisible ?? 0) +
    Number(Attributes.ApproximateNumberOfMessagesDelayed ?? 0)
  );
}

/**
 * Waits until every queue is empty and stays so for `quietMs` (a message whose visibility just
 * ended is counted again only a moment later). Returns false at the deadline.
 */
export async function waitUntilEmpty(
  sqs: SQSClient,
  queueUrls: readonly string[],
  options: { readonly deadline: number; readonly quietMs: number },
): Promise<boolean> {
  let emptySince: number | undefined;
  while (Date.now() < options.deadline) {
    const depths = await Promise.all(queueUrls.map((url) => queueDepth(sqs, url)));
    if (depths.every((depth) => depth === 0)) {
      emptySince ??= Date.now();
      if (Date.now() - emptySince >= options.quietMs) return true;
    } else {
      emptySince = undefined;
    }
    await sleep(100);
  }
  return false;
}

/**
 * Moves every message of the DLQ back to the queue it came from, as the README's operating
 * section does (`aws sqs start-message-move-task --source-arn <DLQ ARN>`).
 */
export async function redrive(
  sqs: SQSClient,
  deadLetterQueueUrl: string,
  deadline: number,
): Promise<number> {
  const { Attributes = {} } = await sqs.send(
    new GetQueueAttributesCommand({ QueueUrl: deadLetterQueueUrl, AttributeNames: ['QueueArn'] }),
  );
  const sourceArn = Attributes.QueueArn;
  if (sourceArn === undefined) throw new Error('The DLQ has no ARN');
  const waiting = await queueDepth(sqs, deadLetterQueueUrl);
  if (waiting === 0) return 0;
  await sqs.send(new StartMessageMoveTaskCommand({ SourceArn: sourceArn }));
  while (Date.now() < deadline) {
    const { Results = [] } = await sqs.send(
      new ListMessageMoveTasksCommand({ SourceArn: sourceArn, MaxResults: 1 }),
    );
    const task = Results[0];
    if (task && task.Status !== 'RUNNING') {
      if (task.Status !== 'COMPLETED') {
        throw new Error(`The DLQ redrive ended ${task.Status}: ${task.FailureReason ?? ''}`);
      }
      return task.ApproximateNumberOfMessagesMoved ?? waiting;
    }
    await sleep(100);
  }
  throw new Error('The DLQ redrive did not finish in time');
}
