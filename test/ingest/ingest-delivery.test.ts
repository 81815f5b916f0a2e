import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { beforeEach, describe, expect, it } from 'vitest';
import { serializeQueueMessage, type QueueMessage } from '../../lambdas/core/queue-message.js';
import { ingestDelivery, type IngestRequest } from '../../lambdas/ingest/ingest-delivery.js';
import { createIngestHandler } from '../../lambdas/ingest/ingest-handler.js';
import { apiGatewayEvent } from '../support/api-gateway.js';
import { MemoryQueue, StaticSecretSource } from '../support/memory-ports.js';

const AUTH = 'Basic ZGV2OmRldi1pZHdpc2UtcGFzc3dvcmQ=';
const BODY = JSON.stringify({
  event: 'Finished Journey',
  body: { eventId: 'evt-1', journeyId: 'j1' },
});
const NOW = new Date('2026-03-01T10:00:00.000Z');

function request(overrides: Partial<IngestRequest> = {}): IngestRequest {
  return {
    path: '/webhooks/idwise',
    headers: { authorization: AUTH, 'content-type': 'application/json' },
    body: BODY,
    isBase64Encoded: false,
    sourceIp: '198.51.100.7',
    requestId: 'req-1',
    now: NOW,
    ...overrides,
  };
}

/** The message ingest queues for `request()`: the delivery exactly as received. */
const QUEUED: QueueMessage = {
  vendor: 'idwise',
  route: '/webhooks/idwise',
  receivedAt: NOW.toISOString(),
  requestId: 'req-1',
  sourceIp: '198.51.100.7',
  dedupId: 'evt-1',
  contentType: 'application/json',
  body: BODY,
};

describe('ingestDelivery', () => {
  let queue: MemoryQueue;
  let secret: Record<string, unknown>;
  const deps = (extra: object = {}) => ({
    queue,
    secrets: new StaticSecretSource({ idwise: secret }),
    ...extra,
  });

  beforeEach(() => {
    queue = new MemoryQueue();
    secret = { headers: { authorization: [AUTH] } };
  });

  it('queues an authentic delivery exactly as received, then answers 200', async () => {
    const { answer, outcome } = await ingestDelivery(request(), deps());

    expect(answer).toEqual({ statusCode: 200, body: '{"received":true}' });
    expect(outcome).toMatchObject({ result: 'accepted', vendor: 'idwise', dedupId: 'evt-1' });
    expect(queue.messages).toEqual([QUEUED]);
  });

  it('never queues credentials', async () => {
    await ingestDelivery(request(), deps());
    expect(JSON.stringify(queue.messages)).not.toContain(AUTH);
  });

  it('reads header names in any case', async () => {
    const { answer } = await ingestDelivery(request({ headers: { AuthoriZation: AUTH } }), deps());
    expect(answer.statusCode).toBe(200);
  });

  it('decodes a base64-encoded body before verifying and queues the original text', async () => {
    const { answer } = await ingestDelivery(
      request({ body: Buffer.from(BODY).toString('base64'), isBase64Encoded: true }),
      deps(),
    );
    expect(answer.statusCode).toBe(200);
    expect(queue.messages[0]?.body).toBe(BODY);
    expect(queue.messages[0]?.bodyEncoding).toBeUndefined();
  });

  it('queues a body that is not valid UTF-8 as base64, byte for byte', async () => {
    const bytes = Buffer.concat([
      Buffer.from('{"event":"x","body":{"eventId":"e","n":"'),
      Buffer.from([0xff]),
      Buffer.from('"}}'),
    ]);
    const { answer } = await ingestDelivery(
      request({ body: bytes.toString('base64'), isBase64Encoded: true }),
      deps(),
    );
    expect(answer.statusCode).toBe(200);
    expect(queue.messages[0]?.bodyEncoding).toBe('base64');
    expect(Buffer.from(queue.messages[0]?.body ?? '', 'base64').equals(bytes)).toBe(true);
  });

  describe('refusals leave nothing queued', () => {
    it.each([
      [
        'a wrong credential',
        request({ headers: { authorization: 'Basic d3Jvbmc6d3Jvbmc=' } }),
        401,
        'invalid_authorization',
      ],
      ['no credential', request({ headers: {} }), 401, 'missing_authorization'],
      ['an unknown route', request({ path: '/webhooks/nobody' }), 404, 'unknown_route'],
      ['an authentic body that is not JSON', request({ body: 'event=x' }), 400, 'malformed_body'],
    ])('%s', async (_name, req, status, reason) => {
      const { answer, outcome } = await ingestDelivery(req, deps());
      expect(answer.statusCode).toBe(status);
      expect(outcome.reason).toBe(reason);
      expect(answer.body).not.toContain(reason);
      expect(queue.messages).toEqual([]);
    });

    it('refuses every delivery when the secret lists no credential', async () => {
      secret = {};
      const { answer, outcome } = await ingestDelivery(request(), deps());
      expect(answer.statusCode).toBe(401);
      expect(outcome.reason).toBe('no_credentials_configured');
      expect(queue.messages).toEqual([]);
    });

    it('accepts unauthenticated deliveries only when the operator allows them', async () => {
      secret = { allowUnauthenticated: true };
      const { answer } = await ingestDelivery(request({ headers: {} }), deps());
      expect(answer.statusCode).toBe(200);
    });

    it('answers 404 for another vendor’s route on a function serving one vendor', async () => {
      const { answer } = await ingestDelivery(request(), deps({ vendorId: 'treezor' }));
      expect(answer.statusCode).toBe(404);
      expect(queue.messages).toEqual([]);
    });
  });

  describe('IP allow-list', () => {
    it('refuses an address outside the list with 403', async () => {
      secret = { ...secret, allowedIps: ['203.0.113.0/24'] };
      const { answer, outcome } = await ingestDelivery(request(), deps());
      expect(answer.statusCode).toBe(403);
      expect(outcome.reason).toBe('ip_not_allowed');
      expect(queue.messages).toEqual([]);
    });

    it('accepts an address inside a listed range', async () => {
      secret = { ...secret, allowedIps: ['198.51.100.0/24'] };
      const { answer } = await ingestDelivery(request(), deps());
      expect(answer.statusCode).toBe(200);
    });

    it('judges the TCP peer, never X-Forwarded-For', async () => {
      secret = { ...secret, allowedIps: ['203.0.113.9'] };
      const { answer } = await ingestDelivery(
        request({ headers: { authorization: AUTH, 'x-forwarded-for': '203.0.113.9' } }),
        deps(),
      );
      expect(answer.statusCode).toBe(403);
    });
  });

  describe('size limit', () => {
    const exactSize = serializeQueueMessage(QUEUED).length;

    it('accepts a delivery whose queue message is exactly at the limit', async () => {
      const { answer } = await ingestDelivery(request(), deps({ maxMessageBytes: exactSize }));
      expect(answer.statusCode).toBe(200);
    });

    it('answers 413 one byte over the limit, and counts it', async () => {
      const { answer, outcome } = await ingestDelivery(
        request(),
        deps({ maxMessageBytes: exactSize - 1 }),
      );
      expect(answer.statusCode).toBe(413);
      expect(outcome).toMatchObject({
        result: 'refused',
        reason: 'body_too_large',
        bodyBytes: BODY.length,
      });
      expect(queue.messages).toEqual([]);
    });
  });

  describe('failures answer 503 so the vendor retries', () => {
    it('when the queue does not accept the message', async () => {
      queue.failWith = new Error('ServiceUnavailable');
      const { answer, outcome } = await ingestDelivery(request(), deps());
      expect(answer.statusCode).toBe(503);
      expect(outcome.reason).toBe('queue_unavailable');
    });

    it('when the secret cannot be read', async () => {
      const { answer, outcome } = await ingestDelivery(request(), {
        queue,
        secrets: { get: () => Promise.reject(new Error('AccessDenied')) },
      });
      expect(answer.statusCode).toBe(503);
      expect(outcome.reason).toBe('secret_unavailable');
    });

    it('when the secret has the wrong shape', async () => {
      secret = { headers: 'not a map' };
      const { answer, outcome } = await ingestDelivery(request(), deps());
      expect(answer.statusCode).toBe(503);
      expect(outcome.reason).toBe('configuration_error');
    });

    it('when an allow-list entry is not an address', async () => {
      secret = { ...secret, allowedIps: ['not-an-ip'] };
      const { answer, outcome } = await ingestDelivery(request(), deps());
      expect(answer.statusCode).toBe(503);
      expect(outcome.reason).toBe('configuration_error');
    });
  });
});

describe('the ingest Lambda handler', () => {
  /** The IDWise delivery through API Gateway, with its credential unless `headers` say otherwise. */
  function apiEvent(
    headers: Record<string, string> = { authorization: AUTH, 'content-type': 'application/json' },
  ): APIGatewayProxyEventV2 {
    return apiGatewayEvent({
      path: '/webhooks/idwise',
      headers,
      body: BODY,
      sourceIp: '198.51.100.7',
      requestId: 'api-req-1',
    });
  }

  function capture() {
    const lines: unknown[] = [];
    const record = (level: string) => (message: string, attributes: Record<string, unknown>) => {
      lines.push({ level, message, ...attributes });
    };
    return { lines, log: { info: record('info'), warn: record('warn'), error: record('error') } };
  }

  it('answers with JSON and logs the outcome with ids and reason codes only', async () => {
    const { lines, log } = capture();
    const queue = new MemoryQueue();
    const handler = createIngestHandler({
      queue,
      secrets: new StaticSecretSource({ idwise: { headers: { authorization: [AUTH] } } }),
      log,
      now: () => NOW,
    });

    const ok = await handler(apiEvent());
    const refused = await handler(apiEvent({ authorization: 'Bearer nope' }));

    expect(ok).toEqual({
      statusCode: 200,
      headers: { 'content-type': 'application/json' },
      body: '{"received":true}',
    });
    expect(refused.statusCode).toBe(401);
    expect(lines).toEqual([
      expect.objectContaining({
        level: 'info',
        message: 'delivery accepted',
        requestId: 'api-req-1',
        vendor: 'idwise',
        dedupId: 'evt-1',
      }),
      expect.objectContaining({
        level: 'warn',
        message: 'delivery refused',
        reason: 'invalid_authorization',
      }),
    ]);
    const logged = JSON.stringify(lines);
    expect(logged).not.toContain(AUTH);
    expect(logged).not.toContain('Bearer nope');
    expect(logged).not.toContain('Finished Journey');
  });

  it('answers 503 rather than crashing when something unexpected throws', async () => {
    const { lines, log } = capture();
    const handler = createIngestHandler({
      queue: new MemoryQueue(),
      secrets: new StaticSecretSource({ idwise: { headers: { authorization: [AUTH] } } }),
      log,
      now: () => {
        throw new TypeError('clock broke');
      },
    });
    const answer = await handler(apiEvent());
    expect(answer.statusCode).toBe(503);
    expect(lines).toEqual([
      expect.objectContaining({ level: 'error', message: 'delivery not queued: unexpected error' }),
    ]);
  });
});
