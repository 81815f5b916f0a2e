import {
  GetQueueAttributesCommand,
  ListMessageMoveTasksCommand,
  SendMessageCommand,
  StartMessageMoveTaskCommand,
} from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DeadLetterReading } from '../../cli/dead-letters.js';
import { DynamoDeadLetterNotes } from '../../lambdas/adapters/dynamo-dead-letter-notes.js';
import { DynamoEventStore } from '../../lambdas/adapters/dynamo-event-store.js';
import { EventBridgeEventPublisher } from '../../lambdas/adapters/eventbridge-event-publisher.js';
import type { EventStore, StoredEvent, SubjectChange } from '../../lambdas/core/ports.js';
import { serializeQueueMessage, type QueueMessage } from '../../lambdas/core/queue-message.js';
import { ingestDelivery } from '../../lambdas/ingest/ingest-delivery.js';
import { createProcessorHandler } from '../../lambdas/processor/process-batch.js';
import { processRecord } from '../../lambdas/processor/process-record.js';
import { RECORD_DEAD_LETTERED, RECORD_RETRIED } from '../../lambdas/processor/record-failure.js';
import { LOCAL_REGION } from '../../local/clients.js';
import { SqsPoller } from '../../local/poller.js';
import { createQueues, createTable, LOCAL_NAMES, type LocalQueues } from '../../local/resources.js';
import { uniqueTableName, useTestEngines } from '../support/local-pipeline.js';
import { StaticSecretSource } from '../support/memory-ports.js';
import { publishedDetails, queueDepth, waitFor } from '../support/wait.js';

/**
 * Dead letters against local-aws-sqs, DynamoDB Local and the local PutEvents endpoint, with the real
 * processor and the local poller (DESIGN §4.6; README "Operating it"): a poison message is
 * retried, reaches the DLQ after the configured 5 receives — the last failure logged as going
 * there, and its reason noted for `redrive` under its message id — and a StartMessageMoveTask
 * brings it back; once its cause is fixed it is processed exactly once.
 *
 * The poison is a genuine IDWise delivery that DynamoDB refuses while a fault lasts (injected by
 * wrapping the real store, as a throttled or misconfigured table would); the fault is fixed
 * before the redrive. A second poison, an unfixed one, shows that a redrive before its cause is
 * fixed only sends it back to the DLQ: nothing is deleted silently.
 */

const MAX_RECEIVES = 5;
const TABLE = uniqueTableName('dead-letters');
const IDWISE_AUTH = 'Basic aWR3aXNlLWZpeHR1cmVzOm5vdC1hLXJlYWwtcGFzc3dvcmQtN2YzYQ==';
const IDWISE_SECRET = { headers: { authorization: [IDWISE_AUTH] } };

interface LogLine {
  readonly level: 'info' | 'warn' | 'error';
  readonly message: string;
  readonly attributes: Record<string, unknown>;
}

/** The real store, failing `recordEvent` for chosen events the way DynamoDB reports a refusal. */
class FaultyStore implements EventStore {
  readonly failing = new Set<string>();

  constructor(private readonly store: EventStore) {}

  getEvent(eventId: string) {
    return this.store.getEvent(eventId);
  }
  recordEvent(event: StoredEvent, change: SubjectChange) {
    if (this.failing.has(event.detail.eventId)) {
      const error = new Error('One or more parameter values were invalid: injected refusal');
      error.name = 'ValidationException';
      return Promise.reject(error);
    }
    return this.store.recordEvent(event, change);
  }
  reviseEvent(...args: Parameters<EventStore['reviseEvent']>) {
    return this.store.reviseEvent(...args);
  }
  takeLease(eventId: string, until: string, now: string) {
    return this.store.takeLease(eventId, until, now);
  }
  markPublished(eventId: string, publishedAt: string) {
    return this.store.markPublished(eventId, publishedAt);
  }
  getSubject(key: string) {
    return this.store.getSubject(key);
  }
}

const local = useTestEngines();
let queues: LocalQueues;
let deadLetterQueueArn: string;
let store: FaultyStore;
let notes: DynamoDeadLetterNotes;
let poller: SqsPoller;
const log: LogLine[] = [];

beforeAll(async () => {
  // 1 s, the shortest useful visibility timeout (never 0 with local-aws-sqs, DESIGN §7), and the
  // stack's redrive after 5 receives.
  [queues] = await Promise.all([
    createQueues(local.clients.sqs, { visibilityTimeoutSeconds: 1, maxReceiveCount: MAX_RECEIVES }),
    createTable(local.clients.dynamodb, TABLE),
  ]);
  deadLetterQueueArn = await arnOf(queues.deadLetterQueueUrl);
  store = new FaultyStore(DynamoEventStore.create(local.clients.dynamodb, TABLE));
  notes = DynamoDeadLetterNotes.create(local.clients.dynamodb, TABLE);
  const record =
    (level: LogLine['level']) =>
    (message: string, attributes: Record<string, unknown>): void => {
      log.push({ level, message, attributes });
    };
  poller = new SqsPoller({
    sqs: local.clients.sqs,
    queueUrl: queues.queueUrl,
    queueArn: queues.queueArn,
    region: LOCAL_REGION,
    invocationMs: 500,
    waitTimeSeconds: 0,
    log: { error: record('error') },
    handler: createProcessorHandler({
      store,
      deadLetters: notes,
      maxReceiveCount: MAX_RECEIVES,
      publisher: new EventBridgeEventPublisher(local.clients.eventBridge, LOCAL_NAMES.eventBus),
      now: () => new Date(),
      includePayload: true,
      retentionDays: 90,
      log: { info: record('info'), warn: record('warn') },
    }),
  });
});

afterAll(async () => {
  await poller?.stop();
});

/* ------------------------------------------------------------------------------ helpers */

async function arnOf(queueUrl: string): Promise<string> {
  const { Attributes } = await local.clients.sqs.send(
    new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['QueueArn'] }),
  );
  return Attributes?.QueueArn ?? '';
}

const depth = (queueUrl: string): Promise<number> => queueDepth(local.clients.sqs, queueUrl);

/** This file's waits allow 20 s: a poison takes 5 receives, 1 s apart, to reach the DLQ. */
const WAIT_MS = 20_000;

function publishedEventIds(): string[] {
  return publishedDetails(local.eventsFile).map((detail) => detail.eventId);
}

/** Sends a genuine IDWise delivery through the real ingest onto the real queue. */
async function deliver(body: string): Promise<{ message: QueueMessage; messageId: string }> {
  let sent: { message: QueueMessage; messageId: string } | undefined;
  const { answer } = await ingestDelivery(
    {
      path: '/webhooks/idwise',
      headers: { authorization: IDWISE_AUTH, 'content-type': 'application/json' },
      body,
      isBase64Encoded: false,
      sourceIp: '203.0.113.9',
      requestId: `req-${Date.now()}`,
      now: new Date(),
    },
    {
      secrets: new StaticSecretSource({ idwise: IDWISE_SECRET }),
      // What SqsEventQueue does, keeping the message id the processor will log.
      queue: {
        send: async (message) => {
          const { MessageId = '' } = await local.clients.sqs.send(
            new SendMessageCommand({
              QueueUrl: queues.queueUrl,
              MessageBody: serializeQueueMessage(message),
            }),
          );
          sent = { message, messageId: MessageId };
        },
      },
    },
  );
  expect(answer.statusCode).toBe(200);
  if (!sent) throw new Error('nothing queued');
  return sent;
}

/** Delivers IDWise journey `n`, which DynamoDB then refuses until it leaves `store.failing`. */
async function deliverPoison(
  n: number,
  finalDecision: string,
): Promise<{ message: QueueMessage; messageId: string; eventId: string }> {
  const delivered = await deliver(
    JSON.stringify({
      event: 'Finished Journey',
      body: { eventId: `dlq-evt-${n}`, journeyId: `dlq-journey-${n}`, finalDecision },
    }),
  );
  const eventId = `idwise:${delivered.message.dedupId}`;
  store.failing.add(eventId);
  return { ...delivered, eventId };
}

const isFailure = (line: LogLine): boolean =>
  line.message === RECORD_RETRIED || line.message === RECORD_DEAD_LETTERED;
const failuresOf = (messageId: string): LogLine[] =>
  log.filter((line) => isFailure(line) && line.attributes['messageId'] === messageId);

/* ------------------------------------------------------------------------------- the test */

describe('dead letters', () => {
  it('dead-letters a poison after 5 receives with its reason, and a redrive processes it exactly once once fixed', async () => {
    // Poison 1: DynamoDB refuses this event until the fault is fixed.
    const faulty = await deliverPoison(1, 'Complete');
    const faultyId = faulty.eventId;
    // Poison 2: its cause is never fixed in this test.
    const unfixed = await deliverPoison(2, 'Refer');
    const unfixedId = unfixed.eventId;

    poller.start();
    await waitFor(
      'both poisons in the DLQ',
      async () => (await depth(queues.deadLetterQueueUrl)) === 2,
      WAIT_MS,
    );
    expect(await depth(queues.queueUrl)).toBe(0);

    // Each was tried exactly MAX_RECEIVES times, and every failure says which message and why.
    const tries = (line: LogLine) => line.attributes['receiveCount'];
    expect(failuresOf(faulty.messageId).map(tries)).toEqual([1, 2, 3, 4, 5]);
    for (const line of failuresOf(faulty.messageId)) {
      expect(line.attributes['reason']).toBe('unexpected_error');
      expect(String(line.attributes['error'])).toContain('injected refusal');
    }
    expect(failuresOf(unfixed.messageId).map(tries)).toEqual([1, 2, 3, 4, 5]);
    // Only the last failure of each says where the message goes now.
    for (const { messageId } of [faulty, unfixed]) {
      expect(failuresOf(messageId).map((line) => line.message)).toEqual([
        ...Array<string>(MAX_RECEIVES - 1).fill(RECORD_RETRIED),
        RECORD_DEAD_LETTERED,
      ]);
    }
    // And its reason is noted under its message id, without anything of its content.
    const noted = await notes.find([faulty.messageId, unfixed.messageId]);
    for (const { messageId } of [faulty, unfixed]) {
      expect(noted.get(messageId)).toEqual({
        messageId,
        reason: 'unexpected_error',
        errorName: 'ValidationException',
        receiveCount: MAX_RECEIVES,
        failedAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      });
    }
    expect(publishedEventIds()).toEqual([]);

    // What redrive --dry-run lists: each message under the id the processor noted it by.
    const reading = await DeadLetterReading.read(
      local.clients.sqs,
      { url: queues.deadLetterQueueUrl, arn: deadLetterQueueArn },
      notes,
    );
    await reading.release();
    expect(reading.letters).toEqual(
      [faulty, unfixed].map(({ messageId, message }) => ({
        messageId,
        vendor: 'idwise',
        receivedAt: message.receivedAt,
        dedupId: message.dedupId,
        receiveCount: MAX_RECEIVES,
        note: {
          reason: 'unexpected_error',
          errorName: 'ValidationException',
          failedAt: noted.get(messageId)?.failedAt,
        },
      })),
    );

    // The cause of the first is fixed; the operator redrives the DLQ (README: start-message-move-task).
    store.failing.delete(faultyId);
    await local.clients.sqs.send(
      new StartMessageMoveTaskCommand({ SourceArn: deadLetterQueueArn }),
    );
    await waitFor(
      'the fixed message to be published',
      async () => publishedEventIds().includes(faultyId),
      WAIT_MS,
    );
    const { Results = [] } = await local.clients.sqs.send(
      new ListMessageMoveTasksCommand({ SourceArn: deadLetterQueueArn }),
    );
    expect(Results[0]?.Status).toBe('COMPLETED');
    expect(Results[0]?.ApproximateNumberOfMessagesMoved).toBe(2);

    // The unfixed one is retried again and returns to the DLQ: nothing is deleted silently.
    await waitFor(
      'the unfixed poison back in the DLQ',
      async () =>
        (await depth(queues.deadLetterQueueUrl)) === 1 && (await depth(queues.queueUrl)) === 0,
      WAIT_MS,
    );
    // Five more failures of the unfixed one; none of the fixed one after the redrive.
    expect(log.filter(isFailure)).toHaveLength(3 * MAX_RECEIVES);

    // Exactly once: one event published, stored once and marked published; a vendor retry of
    // the same delivery afterwards is a duplicate.
    await deliver(faulty.message.body);
    await waitFor(
      'the retried copy to be consumed',
      async () => (await depth(queues.queueUrl)) === 0,
      WAIT_MS,
    );
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    expect(publishedEventIds().filter((id) => id === faultyId)).toHaveLength(1);
    expect(publishedEventIds()).not.toContain(unfixedId);
    const stored = await store.getEvent(faultyId);
    expect(stored?.publishedAt).toBeDefined();
    expect(
      log.filter(
        (line) =>
          line.message === 'duplicate event skipped' && line.attributes['eventId'] === faultyId,
      ),
    ).toHaveLength(1);
  }, 60_000);

  // Deliveries that DynamoDB itself would refuse on every receive, and so would end in the DLQ
  // however often they were redriven, unless normalize bounds what it takes from the body: a
  // subject key over 2,048 bytes, or a detail over the 400 KB item limit. Any JSON passes IDWise
  // with the right header, and Treezor's envelope is not signed at all.
  it.each([
    [
      'a 3 KB journey id',
      'idwise',
      { event: 'Finished Journey', body: { eventId: 'long-1', journeyId: 'j'.repeat(3_000) } },
    ],
    [
      'a 450 KB decision word',
      'idwise',
      {
        event: 'Finished Journey',
        body: { eventId: 'long-2', finalDecision: 'x'.repeat(450_000) },
      },
    ],
    [
      'a 450 KB event name',
      'idwise',
      { event: 'E'.repeat(450_000), body: { eventId: 'long-3', journeyId: 'j3' } },
    ],
    [
      'a 450 KB unsigned Treezor event name',
      'treezor',
      {
        webhook: `user.${'x'.repeat(450_000)}`,
        webhook_id: 'long-4',
        object_payload: { users: [{ userId: '1' }] },
      },
    ],
  ])('stores a delivery with %s instead of dead-lettering it', async (_name, vendor, json) => {
    const message: QueueMessage = {
      vendor,
      route: `/webhooks/${vendor}`,
      receivedAt: new Date().toISOString(),
      requestId: `req-${_name}`,
      sourceIp: '203.0.113.9',
      dedupId: `long-${_name.length}-${vendor}`,
      body: JSON.stringify(json),
    };
    const outcomes = await processRecord(
      { messageId: `m-${_name}`, body: serializeQueueMessage(message) },
      {
        store: DynamoEventStore.create(local.clients.dynamodb, TABLE),
        now: () => new Date(),
        includePayload: true,
        retentionDays: 90,
        leaseMs: 30_000,
        log: { info: () => undefined, warn: () => undefined },
      },
      async (events) => events.map(() => ({ ok: true as const })),
    );
    expect(outcomes.size).toBe(1);
  });
});
