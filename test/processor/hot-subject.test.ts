import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SendMessageBatchCommand } from '@aws-sdk/client-sqs';
import type { SQSRecord } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoEventStore } from '../../lambdas/adapters/dynamo-event-store.js';
import { queueDepth } from '../../lambdas/adapters/sqs-queue-depth.js';
import { EventBridgeEventPublisher } from '../../lambdas/adapters/eventbridge-event-publisher.js';
import { StoreBusyError } from '../../lambdas/core/errors.js';
import type { EventDetail } from '../../lambdas/core/event.js';
import type {
  EventStore,
  StoredEvent,
  SubjectChange,
  SubjectState,
} from '../../lambdas/core/ports.js';
import { createProcessorHandler } from '../../lambdas/processor/process-batch.js';
import { SubjectTurns } from '../../lambdas/processor/subject-turns.js';
import { createLocalClients, LOCAL_REGION, type LocalClients } from '../../local/clients.js';
import { startEngines, type Engines } from '../../local/engines.js';
import { SqsPoller } from '../../local/poller.js';
import { createQueues, createTable, LOCAL_NAMES, type LocalQueues } from '../../local/resources.js';
import { idwiseMessage, lambdaContext, sqsEvent, sqsRecord } from '../support/deliveries.js';
import { dynamodbEndpoint, uniqueTableName } from '../support/local-pipeline.js';
import { MemoryEventStore, MemoryPublisher } from '../support/memory-ports.js';

/*
 * A hot subject: many events of one subject at once, in one batch and across processor
 * instances running concurrently. Each event is stored with one transaction conditioned on its
 * subject's version, so all but one of the writers that race for the subject are refused; that
 * must cost retries, never a genuine event in the DLQ, and never a status regression. IDWise
 * sends no event time, so these events are ordered by their receive times.
 */

const JOURNEY = '64f1c2a9b7e4d3a2c1b0f9e8';
const SUBJECT = `idwise#journey#${JOURNEY}`;
const DECISIONS = ['Incomplete', 'Refer'] as const;

/** `count` events of the journey, received a second apart from `start`, the last one approved. */
function journeyEvents(prefix: string, count: number, start: number) {
  return Array.from({ length: count }, (_, i) =>
    idwiseMessage({
      eventId: `${prefix}-${i}`,
      finalDecision: i === count - 1 ? 'Approved' : DECISIONS[i % DECISIONS.length],
      receivedAt: new Date(start + i * 1000).toISOString(),
    }),
  );
}

/** A fixed shuffle, so a batch does not arrive in time order. */
function shuffled<T>(items: readonly T[]): T[] {
  return items
    .map((item, i) => ({ item, key: (i * 7919) % 101 }))
    .sort((a, b) => a.key - b.key)
    .map(({ item }) => item);
}

/**
 * What "no regression" means for the published stream of one subject: the events that changed
 * the subject, in time order, each name the one before as the previous status; every event
 * published out of order is older than one that changed it; and the subject ends on the newest.
 */
function expectNoRegression(details: readonly EventDetail[], state: SubjectState | undefined) {
  const byTime = (a: EventDetail, b: EventDetail) => a.occurredAt.localeCompare(b.occurredAt);
  const applied = details.filter((detail) => !detail.outOfOrder).sort(byTime);
  applied.forEach((detail, i) => {
    expect(detail.previousStatus).toBe(i === 0 ? null : applied[i - 1]?.status);
  });
  for (const late of details.filter((detail) => detail.outOfOrder)) {
    expect(applied.some((detail) => detail.occurredAt > late.occurredAt)).toBe(true);
  }
  const newest = [...details].sort(byTime).at(-1);
  expect(state).toMatchObject({ eventId: newest?.eventId, status: 'approved' });
}

/** A log that keeps what the processor says about refused writes and failed records. */
function recordingLog() {
  const refused: string[] = [];
  const failures: string[] = [];
  return {
    refused,
    failures,
    log: {
      info: (message: string, attributes: Record<string, unknown>) => {
        if (message.includes('reading again')) refused.push(String(attributes['eventId']));
      },
      warn: (message: string, attributes: Record<string, unknown>) => {
        if (message.startsWith('record failed')) failures.push(String(attributes['reason']));
      },
    },
  };
}

/** One turn of the event loop: what a round trip to a store costs here. */
const tick = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * DynamoDB's concurrency, in memory: every call takes a turn of the event loop, a transaction
 * holds its items for its whole call, and a transaction touching an item another one holds is
 * cancelled for a conflict (`TransactionConflict`) while reads see the last committed state.
 */
class ContendedStore implements EventStore {
  readonly #held = new Set<string>();
  conflicts = 0;

  constructor(readonly memory: MemoryEventStore) {}

  async recordEvent(event: StoredEvent, change: SubjectChange) {
    const items = [event.detail.eventId, change.kind === 'replace' ? change.state.key : change.key];
    if (items.some((item) => this.#held.has(item))) {
      await tick();
      this.conflicts += 1;
      throw new StoreBusyError('conflict', 'Transaction cancelled [None, TransactionConflict]');
    }
    for (const item of items) this.#held.add(item);
    try {
      await tick();
      return await this.memory.recordEvent(event, change);
    } finally {
      for (const item of items) this.#held.delete(item);
    }
  }
  async getEvent(eventId: string) {
    await tick();
    return this.memory.getEvent(eventId);
  }
  async getSubject(key: string) {
    await tick();
    return this.memory.getSubject(key);
  }
  async reviseEvent(...args: Parameters<EventStore['reviseEvent']>) {
    await tick();
    return this.memory.reviseEvent(...args);
  }
  async takeLease(...args: Parameters<EventStore['takeLease']>) {
    await tick();
    return this.memory.takeLease(...args);
  }
  async markPublished(...args: Parameters<EventStore['markPublished']>) {
    await tick();
    return this.memory.markPublished(...args);
  }
}

function processor(
  store: EventStore,
  publisher: MemoryPublisher,
  log: ReturnType<typeof recordingLog>['log'],
) {
  return createProcessorHandler({
    store,
    publisher,
    now: () => new Date(),
    includePayload: false,
    retentionDays: 90,
    log,
  });
}

const failedIds = (response: { batchItemFailures: { itemIdentifier: string }[] }) =>
  response.batchItemFailures.map((failure) => failure.itemIdentifier);

describe('subject turns', () => {
  it('runs the turns of one subject one after another, in the order asked, and others alongside', async () => {
    const turns = new SubjectTurns();
    const trace: string[] = [];
    const turn = (key: string, name: string) =>
      turns.take(key, async () => {
        trace.push(`${name} starts`);
        await tick();
        trace.push(`${name} ends`);
        return name;
      });

    const results = await Promise.all([
      turn('a', 'a1'),
      turn('a', 'a2'),
      turn('b', 'b1'),
      turn('a', 'a3'),
    ]);

    expect(results).toEqual(['a1', 'a2', 'b1', 'a3']);
    expect(trace.filter((line) => line.startsWith('a'))).toEqual([
      'a1 starts',
      'a1 ends',
      'a2 starts',
      'a2 ends',
      'a3 starts',
      'a3 ends',
    ]);
    // b's turn did not wait for a's.
    expect(trace.indexOf('b1 starts')).toBeLessThan(trace.indexOf('a1 ends'));
  });

  it('ends a turn whose work failed, so the next one runs', async () => {
    const turns = new SubjectTurns();
    const failed = turns.take('a', async () => {
      throw new Error('boom');
    });
    const next = turns.take('a', async () => 'ran');
    await expect(failed).rejects.toThrow('boom');
    await expect(next).resolves.toBe('ran');
  });
});

describe('a hot subject: many events of one subject at once', () => {
  it('stores a batch of ten events of one subject in turns: no write refused, none failed', async () => {
    const memory = new MemoryEventStore();
    const store = new ContendedStore(memory);
    const publisher = new MemoryPublisher();
    const { log, refused, failures } = recordingLog();
    const records = shuffled(journeyEvents('batch', 10, Date.now())).map((m) => sqsRecord(m));

    const response = await processor(store, publisher, log)(sqsEvent(...records), lambdaContext());

    expect(response.batchItemFailures).toEqual([]);
    expect(failures).toEqual([]);
    // Ten records of one subject raced each other before; in turns, not one write is refused.
    expect(refused).toEqual([]);
    expect(store.conflicts).toBe(0);
    expect(publisher.published).toHaveLength(10);
    expectNoRegression(
      publisher.published.map((event) => event.detail),
      memory.subjects.get(SUBJECT),
    );
  });

  it('stores every event when five invocations race for the subject, retrying lost writes at once', async () => {
    const memory = new MemoryEventStore();
    const store = new ContendedStore(memory);
    const publisher = new MemoryPublisher();
    const { log, refused, failures } = recordingLog();
    const messages = shuffled(journeyEvents('race', 50, Date.now()));
    const batches = Array.from({ length: 5 }, (_, b) =>
      messages.slice(b * 10, b * 10 + 10).map((m) => sqsRecord(m)),
    );
    const handler = processor(store, publisher, log);

    const responses = await Promise.all(
      batches.map((records) => handler(sqsEvent(...records), lambdaContext())),
    );

    expect(failures).toEqual([]);
    expect(responses.flatMap(failedIds)).toEqual([]);
    expect(failures).toEqual([]);
    // They did race: DynamoDB refused writes, for conflicts and for a moved subject alike.
    expect(store.conflicts).toBeGreaterThan(0);
    expect(refused.length).toBeGreaterThan(0);
    const published = publisher.published.map((event) => event.detail);
    expect(new Set(published.map((detail) => detail.eventId)).size).toBe(50);
    expect(published).toHaveLength(50);
    expect([...memory.events.values()].every((event) => event.publishedAt !== undefined)).toBe(
      true,
    );
    expectNoRegression(published, memory.subjects.get(SUBJECT));
  });

  it('still hands a record back to SQS when a conflict leaves the subject where it was', async () => {
    const memory = new MemoryEventStore();
    const publisher = new MemoryPublisher();
    const { log, failures } = recordingLog();
    let conflicts = 1;
    const store: EventStore = {
      getEvent: (eventId) => memory.getEvent(eventId),
      getSubject: (key) => memory.getSubject(key),
      recordEvent: async (event, change) => {
        if (conflicts-- > 0) throw new StoreBusyError('conflict', 'TransactionConflict');
        return memory.recordEvent(event, change);
      },
      reviseEvent: (...args) => memory.reviseEvent(...args),
      takeLease: (...args) => memory.takeLease(...args),
      markPublished: (...args) => memory.markPublished(...args),
    };
    const record: SQSRecord = sqsRecord(journeyEvents('alone', 1, Date.now())[0]!, 'alone');

    const response = await processor(store, publisher, log)(sqsEvent(record), lambdaContext());

    // Nothing moved, so nothing shows the conflicting write landed: SQS retries, under its reason.
    expect(failedIds(response)).toEqual(['alone']);
    expect(failures).toEqual(['store_conflict']);
    expect(memory.events.size).toBe(0);
  });
});

/* ------------------------------------------------ on the real engines, through the queue */

describe('a hot subject on DynamoDB Local, through SQS and four processor instances', () => {
  const INSTANCES = 4;
  const EVENTS = 60;
  const MAX_RECEIVES = 5;
  let dir: string;
  let engines: Engines;
  let clients: LocalClients;
  let queues: LocalQueues;
  let pollers: SqsPoller[] = [];
  const published: EventDetail[] = [];
  const recorder = recordingLog();
  let table: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'kyc-hot-subject-'));
    engines = await startEngines({
      dynamodb: { endpoint: dynamodbEndpoint() },
      sqsPort: 0,
      eventBridgePort: 0,
      eventsFile: join(dir, 'events.jsonl'),
      onEvent: (event) => published.push(JSON.parse(event.Detail) as EventDetail),
    });
    clients = createLocalClients(engines.endpoints);
    table = uniqueTableName('hot-subject');
    // The stack's redrive (5 receives). The visibility timeout is longer than the test waits, so
    // a record that failed would not come back in time and the test fails on it; and a batch
    // slowed by a loaded machine is never handed to a second instance while still in hand.
    [queues] = await Promise.all([
      createQueues(clients.sqs, { visibilityTimeoutSeconds: 60, maxReceiveCount: MAX_RECEIVES }),
      createTable(clients.dynamodb, table),
    ]);
  });

  afterAll(async () => {
    await Promise.all(pollers.map((poller) => poller.stop()));
    clients?.destroy();
    await engines?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const depth = (queueUrl: string) => queueDepth(clients.sqs, queueUrl);

  it('stores and publishes every event once, dead-letters none, and regresses nothing', async () => {
    // Times near now: DynamoDB Local's TTL removes items whose expiry has passed.
    const messages = shuffled(journeyEvents('hot', EVENTS, Date.now() - EVENTS * 1000));
    for (let i = 0; i < messages.length; i += 10) {
      await clients.sqs.send(
        new SendMessageBatchCommand({
          QueueUrl: queues.queueUrl,
          Entries: messages.slice(i, i + 10).map((message, j) => ({
            Id: String(j),
            MessageBody: JSON.stringify(message),
          })),
        }),
      );
    }
    // Started with the queue full, each instance takes a batch of ten of the subject's events at
    // once: four batches racing, each of them ten events of one subject.
    const store = DynamoEventStore.create(clients.dynamodb, table);
    const publisher = new EventBridgeEventPublisher(clients.eventBridge, LOCAL_NAMES.eventBus);
    const handler = createProcessorHandler({
      store,
      publisher,
      now: () => new Date(),
      includePayload: false,
      retentionDays: 90,
      log: recorder.log,
    });
    pollers = Array.from({ length: INSTANCES }, () => {
      const poller = new SqsPoller({
        sqs: clients.sqs,
        queueUrl: queues.queueUrl,
        queueArn: queues.queueArn,
        region: LOCAL_REGION,
        handler,
        invocationMs: 20_000,
        waitTimeSeconds: 0,
        log: { error: () => undefined },
      });
      poller.start();
      return poller;
    });

    const deadline = Date.now() + 25_000;
    while (published.length < EVENTS || (await depth(queues.queueUrl)) > 0) {
      if (Date.now() > deadline) break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }

    expect(recorder.failures).toEqual([]);
    // The instances did race for the subject: some writes were refused, and tried again at once.
    expect(recorder.refused.length).toBeGreaterThan(0);
    expect(await depth(queues.deadLetterQueueUrl)).toBe(0);
    expect(await depth(queues.queueUrl)).toBe(0);
    expect(published).toHaveLength(EVENTS);
    expect(new Set(published.map((detail) => detail.eventId)).size).toBe(EVENTS);
    for (const detail of published) {
      expect((await store.getEvent(detail.eventId))?.publishedAt).toBeDefined();
    }
    expectNoRegression(published, await store.getSubject(SUBJECT));
  });
});
