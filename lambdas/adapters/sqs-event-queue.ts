import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { EventQueue } from '../core/ports.js';
import { serializeQueueMessage, type QueueMessage } from '../core/queue-message.js';

export class SqsEventQueue implements EventQueue {
  constructor(
    private readonly client: SQSClient,
    private readonly queueUrl: string,
  ) {}

  async send(message: QueueMessage): Promise<void> {
    await this.client.send(
      new SendMessageCommand({
        QueueUrl: this.queueUrl,
        MessageBody: serializeQueueMessage(message),
      }),
    );
  }
}
