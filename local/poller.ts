import {
  DeleteMessageBatchCommand,
  ReceiveMessageCommand,
  type Message,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';

/** The processor handler as the Lambda runtime would call it. */
export type BatchHandler = (
  event: SQSEvent,
  context: Pick<Context, 'getRemainingTimeInMillis'>,
) => Promise<SQSBatchResponse>;

export interface PollerLog {
  error(message: string, attributes: Record<string, unknown>): void;
}

export interface PollerOptions {
  readonly sqs: SQSClient;
  readonly queueUrl: string;
  readonly queueArn: string;
  readonly region: string;
  readonly handler: BatchHandler;
  /** The time one batch is given, as a Lambda timeout; must stay below the visibility timeout. */
  readonly invocationMs: number;
  /**
   * Long-poll wait per receive; `0` short-polls, and then `idleMs` paces an empty queue unless
   * `wake()` says a message was just sent.
   */
  readonly waitTimeSeconds: number;
  readonly idleMs?: number;
  readonly log: PollerLog;
}

/** Lambda's SQS batch size limit for standard queues without a batching window. */
const BATCH_SIZE = 10;
/** Pause after an engine error, so a broken engine is not called in a tight loop. */
const ERROR_PAUSE_MS = 1_000;

/**
 * Plays the Lambda event-source mapping for the ingest queue: receive a batch, hand it to the
 * processor as an `SQSEvent`, delete the records it did not report as failed, and leave the
 * failed ones to reappear after the visibility timeout (and reach the DLQ after
 * `maxReceiveCount` receives, which the queue's redrive policy does, as in AWS).
 */
export class SqsPoller {
  readonly #options: PollerOptions;
  readonly #abort = new AbortController();
  #loop?: Promise<void>;
  /** Set by `wake()`; cleared before each receive. */
  #woken = false;
  /** Ends the idle pause in progress, if any. */
  #endIdle?: () => void;

  constructor(options: PollerOptions) {
    this.#options = options;
  }

  start(): void {
    this.#loop ??= this.#run();
  }

  /** Ends the receive in progress and waits for the batch in hand, if any, to finish. */
  async stop(): Promise<void> {
    this.#abort.abort();
    await this.#loop;
  }

  /**
   * Receives again now instead of after the idle pause: a message was just queued. (local-aws-sqs
   * answers a long poll only when it holds a full batch or the wait ends, where SQS answers as
   * soon as a message is there; short polls woken by the sender give a delivery SQS's latency.)
   */
  wake(): void {
    this.#woken = true;
    this.#endIdle?.();
  }

  get #stopped(): boolean {
    return this.#abort.signal.aborted;
  }

  async #run(): Promise<void> {
    const { log } = this.#options;
    while (!this.#stopped) {
      let messages: Message[];
      this.#woken = false;
      try {
        messages = await this.#receive();
      } catch (error) {
        if (this.#stopped) break;
        log.error('local poller: receive failed', { error: describe(error) });
        await this.#pause(ERROR_PAUSE_MS);
        continue;
      }
      if (messages.length === 0) {
        if (this.#options.waitTimeSeconds === 0 && !this.#woken) await this.#idle();
        continue;
      }
      try {
        await this.#process(messages);
      } catch (error) {
        // As in Lambda, a batch whose invocation failed returns whole after the visibility timeout.
        log.error('local poller: batch failed; its messages will be redelivered', {
          messages: messages.length,
          error: describe(error),
        });
      }
    }
  }

  async #receive(): Promise<Message[]> {
    const { Messages = [] } = await this.#options.sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: this.#options.queueUrl,
        MaxNumberOfMessages: BATCH_SIZE,
        WaitTimeSeconds: this.#options.waitTimeSeconds,
        // Both spellings: the SDK's current one, and the one local-aws-sqs reads. Without them
        // ApproximateReceiveCount, which the processor logs, is not returned.
        AttributeNames: ['All'],
        MessageSystemAttributeNames: ['All'],
      }),
      { abortSignal: this.#abort.signal },
    );
    return Messages;
  }

  async #process(messages: readonly Message[]): Promise<void> {
    const { handler, invocationMs, sqs, queueUrl } = this.#options;
    const deadline = Date.now() + invocationMs;
    const records = messages.map((message) =>
      toSqsRecord(message, this.#options.queueArn, this.#options.region),
    );
    const response = await handler(
      { Records: records },
      { getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()) },
    );
    const failed = new Set(response.batchItemFailures.map((failure) => failure.itemIdentifier));
    const done = records.filter((record) => !failed.has(record.messageId));
    if (done.length === 0) return;
    const { Failed = [] } = await sqs.send(
      new DeleteMessageBatchCommand({
        QueueUrl: queueUrl,
        Entries: done.map((record, i) => ({ Id: String(i), ReceiptHandle: record.receiptHandle })),
      }),
    );
    if (Failed.length > 0) {
      this.#options.log.error('local poller: some processed messages were not deleted', {
        failed: Failed.map((entry) => entry.Code ?? 'unknown'),
      });
    }
  }

  /** The idle pause between empty short polls, ended early by `wake()` or `stop()`. */
  async #idle(): Promise<void> {
    const woken = new Promise<void>((resolve) => (this.#endIdle = resolve));
    await Promise.race([this.#pause(this.#options.idleMs ?? 50), woken]);
    this.#endIdle = undefined;
  }

  /** Waits `ms`, or less if the poller is stopped meanwhile. */
  #pause(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.#abort.signal.removeEventListener('abort', done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.#abort.signal.addEventListener('abort', done);
    });
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

/** A received message as the Lambda event source mapping hands it to the function. */
export function toSqsRecord(message: Message, queueArn: string, region: string): SQSRecord {
  const attributes = message.Attributes ?? {};
  return {
    messageId: message.MessageId ?? '',
    receiptHandle: message.ReceiptHandle ?? '',
    body: message.Body ?? '',
    attributes: {
      ApproximateReceiveCount: attributes.ApproximateReceiveCount ?? '1',
      SentTimestamp: attributes.SentTimestamp ?? '',
      SenderId: attributes.SenderId ?? '',
      ApproximateFirstReceiveTimestamp: attributes.ApproximateFirstReceiveTimestamp ?? '',
    },
    messageAttributes: {},
    md5OfBody: message.MD5OfBody ?? '',
    eventSource: 'aws:sqs',
    eventSourceARN: queueArn,
    awsRegion: region,
  };
}
