import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type {
  DeliveryLog,
  DeliveryRecord,
  RefusedBody,
  RefusedBodyStore,
} from '../../lambdas/core/delivery-log.js';
import type { SecretSource } from '../../lambdas/core/ports.js';
import {
  createIngestHandler,
  type IngestHandlerDeps,
} from '../../lambdas/ingest/ingest-handler.js';
import { apiGatewayEvent } from '../support/api-gateway.js';
import { MemoryQueue, StaticSecretSource } from '../support/memory-ports.js';

/**
 * Issue 10, the delivery log: every HTTP attempt, whatever its path through ingest, leaves
 * exactly one record — on the log line and in the delivery log — with the answer and reason,
 * the size and a hash of the raw bytes, and never the content.
 */

const AUTH = 'Basic ZGV2OmRldi1pZHdpc2UtcGFzc3dvcmQ=';
const SUBJECT = 'journey-Ada-Lovelace-1815';
const BODY = JSON.stringify({
  event: 'Finished Journey',
  body: { eventId: 'evt-1', journeyId: SUBJECT },
});
const NOW = new Date('2026-03-01T10:00:00.000Z');
const SOURCE = '198.51.100.7';

const sha256 = (bytes: string | Buffer): string => createHash('sha256').update(bytes).digest('hex');

class MemoryDeliveryLog implements DeliveryLog {
  readonly records: DeliveryRecord[] = [];
  failWith?: Error;
  async record(record: DeliveryRecord): Promise<void> {
    if (this.failWith) throw this.failWith;
    this.records.push(record);
  }
}

class MemoryBodyStore implements RefusedBodyStore {
  readonly kept: RefusedBody[] = [];
  async keep(body: RefusedBody): Promise<string> {
    this.kept.push(body);
    return `memory://${body.vendor}/${body.requestId}`;
  }
}

interface Attempt {
  readonly path?: string;
  readonly headers?: Record<string, string>;
  readonly body?: string;
  readonly isBase64Encoded?: boolean;
}

function harness(overrides: Partial<IngestHandlerDeps> = {}) {
  const lines: { level: string; message: string; attributes: Record<string, unknown> }[] = [];
  const log = (level: string) => (message: string, attributes: Record<string, unknown>) =>
    lines.push({ level, message, attributes });
  const deliveries = new MemoryDeliveryLog();
  const queue = new MemoryQueue();
  const handler = createIngestHandler({
    queue,
    secrets: new StaticSecretSource({ idwise: { headers: { authorization: [AUTH] } } }),
    log: { info: log('info'), warn: log('warn'), error: log('error') },
    now: () => NOW,
    deliveryLog: deliveries,
    ...overrides,
  });
  const send = (attempt: Attempt = {}) =>
    handler(
      apiGatewayEvent({
        path: attempt.path ?? '/webhooks/idwise',
        headers: attempt.headers ?? { authorization: AUTH, 'content-type': 'application/json' },
        body: attempt.body ?? BODY,
        ...(attempt.isBase64Encoded !== undefined && {
          isBase64Encoded: attempt.isBase64Encoded,
        }),
        sourceIp: SOURCE,
        requestId: 'req-9',
      }),
    );
  return { send, lines, deliveries, queue };
}

describe('one delivery record per attempt', () => {
  const refusingSecrets: SecretSource = { get: () => Promise.reject(new Error('AccessDenied')) };
  const brokenQueue = new MemoryQueue();
  brokenQueue.failWith = new Error('ServiceUnavailable');

  it.each<[string, Attempt, Partial<IngestHandlerDeps>, number, string, string | undefined]>([
    ['accepted', {}, {}, 200, 'accepted', undefined],
    ['unknown route', { path: '/webhooks/nobody' }, {}, 404, 'refused', 'unknown_route'],
    [
      'IP refused',
      {},
      {
        secrets: new StaticSecretSource({
          idwise: { headers: { authorization: [AUTH] }, allowedIps: ['203.0.113.0/24'] },
        }),
      },
      403,
      'refused',
      'ip_not_allowed',
    ],
    [
      'bad credential',
      { headers: { authorization: 'Basic d3Jvbmc6d3Jvbmc=' } },
      {},
      401,
      'refused',
      'invalid_authorization',
    ],
    ['too large', {}, { maxMessageBytes: 10 }, 413, 'refused', 'body_too_large'],
    ['secret unavailable', {}, { secrets: refusingSecrets }, 503, 'failed', 'secret_unavailable'],
    ['queue down', {}, { queue: brokenQueue }, 503, 'failed', 'queue_unavailable'],
    [
      'a defect',
      {},
      {
        now: () => {
          throw new TypeError('clock broke');
        },
      },
      503,
      'failed',
      'unexpected_error',
    ],
  ])('%s', async (_name, attempt, deps, status, result, reason) => {
    const { send, lines, deliveries } = harness(deps);
    const answer = await send(attempt);

    expect(answer.statusCode).toBe(status);
    expect(deliveries.records).toHaveLength(1);
    const [record] = deliveries.records;
    expect(record).toMatchObject({
      route: attempt.path ?? '/webhooks/idwise',
      sourceIp: SOURCE,
      requestId: 'req-9',
      bodyBytes: Buffer.byteLength(BODY),
      status,
      result,
      contentHash: sha256(BODY),
    });
    expect(record?.reason).toBe(reason);
    expect(record?.vendor).toBe(reason === 'unknown_route' ? undefined : 'idwise');
    // The clock may be what broke: only a defect's time is the system's own.
    if (reason !== 'unexpected_error') expect(record?.receivedAt).toBe(NOW.toISOString());

    // The log line is the same record (deployed, it is the delivery log), once.
    const recordLines = lines.filter((line) => line.attributes['contentHash'] !== undefined);
    expect(recordLines).toHaveLength(1);
    expect(recordLines[0]?.attributes).toMatchObject({ ...record });

    const written = JSON.stringify({ records: deliveries.records, lines });
    for (const content of [SUBJECT, 'Finished Journey', AUTH, 'd3Jvbmc6d3Jvbmc=']) {
      expect(written).not.toContain(content);
    }
  });

  it('names the dedup id of an accepted delivery', async () => {
    const { send, deliveries } = harness();
    await send();
    expect(deliveries.records[0]?.dedupId).toBe('evt-1');
  });

  it('hashes the raw bytes of a body that is not UTF-8', async () => {
    const bytes = Buffer.from([0xff, 0xfe, 0x00, 0x41]);
    const { send, deliveries } = harness();
    await send({ body: bytes.toString('base64'), isBase64Encoded: true });
    expect(deliveries.records[0]).toMatchObject({ bodyBytes: 4, contentHash: sha256(bytes) });
  });

  it('gives two attempts of one content the same hash, and other content another', async () => {
    const { send, deliveries } = harness();
    await send();
    await send({ headers: { authorization: 'Basic d3Jvbmc6d3Jvbmc=' } });
    await send({ body: BODY.replace('evt-1', 'evt-2') });
    const [first, second, third] = deliveries.records.map((record) => record.contentHash);
    expect(second).toBe(first);
    expect(third).not.toBe(first);
  });
});

describe('a delivery log that cannot write', () => {
  it('does not change the answer when it throws, and says so in the log', async () => {
    const { send, deliveries, lines, queue } = harness();
    deliveries.failWith = new Error('disk full');
    const answer = await send();
    expect(answer.statusCode).toBe(200);
    expect(queue.messages).toHaveLength(1);
    expect(lines).toContainEqual(
      expect.objectContaining({ level: 'error', message: 'delivery log not written' }),
    );
  });

  it('does not hold the answer back when it never answers', async () => {
    const never: DeliveryLog = { record: () => new Promise<void>(() => undefined) };
    const { send, lines } = harness({ deliveryLog: never, recordBoundMs: 20 });
    const answer = await send();
    expect(answer.statusCode).toBe(200);
    expect(lines).toContainEqual(
      expect.objectContaining({ level: 'error', message: 'delivery log not written' }),
    );
  });
});

describe('refused bodies, when switched on', () => {
  it('keeps a refused body, byte for byte, and names it in the record', async () => {
    const store = new MemoryBodyStore();
    const { send, deliveries } = harness({ refusedBodies: store });
    await send({ headers: { authorization: 'Basic d3Jvbmc6d3Jvbmc=', 'content-type': 'text/x' } });

    expect(store.kept).toHaveLength(1);
    expect(Buffer.from(store.kept[0]!.bytes).toString('utf8')).toBe(BODY);
    expect(store.kept[0]).toMatchObject({
      vendor: 'idwise',
      requestId: 'req-9',
      receivedAt: NOW.toISOString(),
      contentType: 'text/x',
    });
    expect(deliveries.records[0]?.bodyRef).toBe('memory://idwise/req-9');
  });

  it('files an unknown route under the function’s own vendor', async () => {
    const store = new MemoryBodyStore();
    const { send } = harness({ refusedBodies: store, vendorId: 'idwise' });
    await send({ path: '/webhooks/idwise/elsewhere' });
    expect(store.kept.map((body) => body.vendor)).toEqual(['idwise']);
  });

  it('never keeps an accepted body, nor one that was not queued for a failure', async () => {
    const store = new MemoryBodyStore();
    const queue = new MemoryQueue();
    const { send, deliveries } = harness({ refusedBodies: store, queue });
    await send();
    queue.failWith = new Error('ServiceUnavailable');
    await send();
    expect(store.kept).toEqual([]);
    expect(deliveries.records.map((record) => record.bodyRef)).toEqual([undefined, undefined]);
  });

  it('does not keep a body over the queue’s limit: its size is the reason', async () => {
    const store = new MemoryBodyStore();
    const { send, deliveries } = harness({ refusedBodies: store, maxMessageBytes: 10 });
    await send();
    expect(deliveries.records[0]?.reason).toBe('body_too_large');
    expect(store.kept).toEqual([]);
  });

  it('answers the same when the store fails or hangs, with no bodyRef', async () => {
    const failing: RefusedBodyStore = { keep: () => Promise.reject(new Error('AccessDenied')) };
    const hanging: RefusedBodyStore = { keep: () => new Promise<string>(() => undefined) };
    for (const store of [failing, hanging]) {
      const { send, deliveries, lines } = harness({ refusedBodies: store, recordBoundMs: 20 });
      const answer = await send({ headers: { authorization: 'Basic d3Jvbmc6d3Jvbmc=' } });
      expect(answer.statusCode).toBe(401);
      expect(deliveries.records).toHaveLength(1);
      expect(deliveries.records[0]?.bodyRef).toBeUndefined();
      expect(lines).toContainEqual(
        expect.objectContaining({ level: 'error', message: 'refused body not kept' }),
      );
    }
  });
});
