import { randomBytes, randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { DynamoEventStore } from '../../lambdas/adapters/dynamo-event-store.js';
import { entrySize, MAX_ENTRY_BYTES } from '../../lambdas/core/event.js';
import { serializeQueueMessage, type QueueMessage } from '../../lambdas/core/queue-message.js';
import { MAX_QUEUE_MESSAGE_BYTES } from '../../lambdas/ingest/ingest-delivery.js';
import { idwise, IDWISE_ROUTE } from '../../lambdas/vendors/idwise.js';
import { localCredentials } from '../support/credentials.js';
import { useTestPipeline } from '../support/local-pipeline.js';
import {
  publishedWithId,
  waitFor,
  waitForQueueDrained,
  type PublishedEvent,
} from '../support/wait.js';

/**
 * The product's promise for large deliveries, end to end over HTTP: the largest body the queue
 * accepts is answered 200, stored once and published once (without its payload when the entry
 * would exceed EventBridge's limit); one byte more is answered 413 and goes nowhere.
 */

/** Every local server listens on loopback IPv4, so this is the source address ingest queues. */
const SOURCE_IP = '127.0.0.1';
const CONTENT_TYPE = 'application/json';

const used = useTestPipeline();
let store: DynamoEventStore;

beforeAll(() => {
  store = DynamoEventStore.create(used.test.clients.dynamodb, used.pipeline.tableName);
});

/* ------------------------------------------------------------------------------- helpers */

/** An IDWise `Finished Journey` body padded with an extra field (IDWise ignores extra fields). */
function idwiseBody(eventId: string, padding: string): string {
  return JSON.stringify({
    event: 'Finished Journey',
    body: {
      eventId,
      journeyId: `journey-${eventId}`,
      referenceNo: 'ref-large',
      systemDecision: 'Complete',
      manualDecision: null,
      finalDecision: 'Complete',
      padding,
    },
  });
}

/** Random base64: needs no escaping in JSON, so one character of padding is one queued byte. */
function filler(length: number): string {
  return randomBytes(Math.ceil((length * 3) / 4) + 3)
    .toString('base64')
    .slice(0, length);
}

/**
 * The message ingest queues for `body`. `receivedAt` (an ISO instant) and `requestId` (a UUID)
 * have fixed lengths, so any values of those lengths give the real message's size.
 */
function queueMessage(
  body: string,
  dedupId: string,
  ids: { receivedAt: string; requestId: string } = {
    receivedAt: new Date().toISOString(),
    requestId: randomUUID(),
  },
): QueueMessage {
  return {
    vendor: idwise.id,
    route: IDWISE_ROUTE,
    receivedAt: ids.receivedAt,
    requestId: ids.requestId,
    sourceIp: SOURCE_IP,
    dedupId,
    contentType: CONTENT_TYPE,
    body,
  };
}

function queuedBytes(message: QueueMessage): number {
  return Buffer.byteLength(serializeQueueMessage(message), 'utf8');
}

/** An IDWise body whose queue message is exactly `MAX_QUEUE_MESSAGE_BYTES + extra` bytes. */
function bodyAtLimit(eventId: string, extra = 0): string {
  const envelope = queuedBytes(queueMessage(idwiseBody(eventId, ''), eventId));
  const body = idwiseBody(eventId, filler(MAX_QUEUE_MESSAGE_BYTES - envelope + extra));
  expect(queuedBytes(queueMessage(body, eventId))).toBe(MAX_QUEUE_MESSAGE_BYTES + extra);
  return body;
}

/** Posts with IDWise's credential header from the local secrets, as the vendor would. */
async function postIdwise(body: string): Promise<{ status: number; requestId: string }> {
  const credentials = localCredentials(idwise);
  const signed = idwise.sign(body, IDWISE_ROUTE, credentials);
  // The loopback address itself, so the queued source address is known.
  const url = new URL(IDWISE_ROUTE, used.pipeline.urls.server);
  url.hostname = SOURCE_IP;
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': CONTENT_TYPE, ...signed.headers },
    body: signed.body,
  });
  await response.arrayBuffer();
  return { status: response.status, requestId: response.headers.get('apigw-requestid') ?? '' };
}

function eventsWithId(eventId: string): PublishedEvent[] {
  return publishedWithId(used.pipeline.eventsFile, eventId);
}

/** Each wait here allows 15 s, more than the shared default, for bodies of hundreds of kilobytes. */
const LARGE_WAIT_MS = 15_000;

/** The processor is done with every delivery ingest queued. */
async function ingestQueueDrained(): Promise<void> {
  await waitForQueueDrained(used.test.clients.sqs, used.pipeline.urls.queue, LARGE_WAIT_MS);
}

/* --------------------------------------------------------------------------------- tests */

describe('local mode with deliveries at the queue limit', () => {
  it('stores and publishes once, without payload, a delivery exactly at the limit', async () => {
    const dedupId = 'large-at-limit-0001';
    const eventId = `idwise:${dedupId}`;
    const body = bodyAtLimit(dedupId);

    const answer = await postIdwise(body);
    expect(answer.status).toBe(200);
    await waitFor(
      'the event to be published',
      () => eventsWithId(eventId).length > 0,
      LARGE_WAIT_MS,
    );
    await ingestQueueDrained();

    const stored = await store.getEvent(eventId);
    expect(stored?.rawBody === body).toBe(true);
    expect(stored?.publishedAt).toEqual(expect.any(String));
    // The message ingest queued, rebuilt from what was stored and answered: exactly the limit.
    const queued = queueMessage(body, dedupId, {
      receivedAt: stored?.detail.receivedAt ?? '',
      requestId: answer.requestId,
    });
    expect(queued.receivedAt).toHaveLength(24);
    expect(queued.requestId).toHaveLength(36);
    expect(queuedBytes(queued)).toBe(MAX_QUEUE_MESSAGE_BYTES);

    const published = eventsWithId(eventId);
    expect(published).toHaveLength(1);
    expect(published[0]).toMatchObject({
      Source: 'kyc.idwise',
      DetailType: 'KYC Verification Updated',
      detail: { status: 'approved', payloadOmitted: 'too_large' },
    });
    expect(published[0]?.detail.payload).toBeUndefined();
  });

  it('answers 413 to one byte more, and stores and publishes nothing', async () => {
    const dedupId = 'large-over-limit-001';
    const eventId = `idwise:${dedupId}`;

    expect((await postIdwise(bodyAtLimit(dedupId, 1))).status).toBe(413);

    await ingestQueueDrained();
    expect(await store.getEvent(eventId)).toBeUndefined();
    expect(eventsWithId(eventId)).toHaveLength(0);
  });

  it('publishes a 300 KB delivery with its payload', async () => {
    const dedupId = 'large-300kb-0001';
    const eventId = `idwise:${dedupId}`;
    const body = idwiseBody(dedupId, filler(300 * 1024));

    expect((await postIdwise(body)).status).toBe(200);
    await waitFor(
      'the event to be published',
      () => eventsWithId(eventId).length > 0,
      LARGE_WAIT_MS,
    );
    await ingestQueueDrained();

    expect((await store.getEvent(eventId))?.rawBody === body).toBe(true);
    const published = eventsWithId(eventId);
    expect(published).toHaveLength(1);
    const [event] = published;
    if (!event) throw new Error('not published');
    expect(event.detail.payloadOmitted).toBeUndefined();
    expect(event.detail.payload).toEqual(JSON.parse(body));
    const entry = { source: event.Source, detailType: 'KYC Verification Updated' as const };
    expect(entrySize({ ...entry, detail: event.detail })).toBeLessThanOrEqual(MAX_ENTRY_BYTES);
  });
});
