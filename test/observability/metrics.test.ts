import { readFileSync } from 'node:fs';
import { beforeEach, describe, expect, it } from 'vitest';
import type { QueueMessage } from '../../lambdas/core/queue-message.js';
import {
  AUTHENTICATION_FAILURE_REASONS,
  METRICS,
  NO_REASON,
  UNEXPECTED_ERROR,
  UNKNOWN_VENDOR,
} from '../../lambdas/runtime/metrics.js';
import { createTokenHandler } from '../../lambdas/token/token-handler.js';
import { VENDORS } from '../../lambdas/vendors/registry.js';
import { idwiseMessage, sqsRecord } from '../support/deliveries.js';
import { crashOn, StaticSecretSource, type MemoryEventStore } from '../support/memory-ports.js';
import { apiGatewayEvent } from '../support/api-gateway.js';
import { processorHarness } from '../support/processor-harness.js';
import { RecordingMetrics } from './capture.js';

const NOW = new Date('2026-03-01T10:00:00.000Z');

/**
 * Every recorded value, whatever the scenario, must have exactly its metric's declared
 * dimensions, each from a closed set: ids of events, subjects or requests never become one.
 */
const ALLOWED_DIMENSION_VALUES: Readonly<Record<string, (value: string) => boolean>> = {
  vendor: (value) => value === UNKNOWN_VENDOR || VENDORS.some((vendor) => vendor.id === value),
  outcome: (value) => ['accepted', 'refused', 'failed', 'issued'].includes(value),
  reason: (value) => /^[a-z][a-z_]*$/.test(value),
};

function expectLowCardinality(metrics: RecordingMetrics): void {
  for (const { name, dimensions } of metrics.values) {
    expect(Object.keys(dimensions).sort()).toEqual([...METRICS[name].dimensions].sort());
    for (const [key, value] of Object.entries(dimensions)) {
      expect(ALLOWED_DIMENSION_VALUES[key]?.(value), `${name} ${key}=${value}`).toBe(true);
    }
  }
}

const silentLog = { info: () => undefined, warn: () => undefined, error: () => undefined };

describe('authentication failure reasons', () => {
  it('treats every unauthenticated rejection and the IP allow-list as authentication failures', () => {
    expect([...AUTHENTICATION_FAILURE_REASONS].sort()).toEqual(
      [
        'invalid_authorization',
        'expired_token',
        'revoked_client',
        'foreign_token',
        'invalid_signature',
        'ip_not_allowed',
        'missing_authorization',
        'missing_signature',
        'no_credentials_configured',
      ].sort(),
    );
  });
});

describe('processor metrics', () => {
  /** The processor's clock: each lag is measured to it. */
  const NOW = '2026-01-01T00:00:02.500Z';
  let metrics: RecordingMetrics;
  let harness: ReturnType<typeof processorHarness>;
  beforeEach(() => {
    metrics = new RecordingMetrics();
    harness = processorHarness({ start: NOW, retentionDays: 30, vendor: 'idwise' });
  });

  const run = (messages: (QueueMessage | string)[], overrides: { store?: MemoryEventStore } = {}) =>
    harness.run(
      messages.map((message) => sqsRecord(message)),
      { metrics, ...overrides },
    );

  it('counts a published event and its lag from event time and from receipt', async () => {
    await run([idwiseMessage({ eventId: 'e1', receivedAt: '2026-01-01T00:00:00.000Z' })]);
    expect(metrics.values).toEqual([
      { name: 'EventsPublished', value: 1, dimensions: {} },
      { name: 'LagFromEventTime', value: 2500, dimensions: {} },
      { name: 'LagFromReceipt', value: 2500, dimensions: {} },
    ]);
    expectLowCardinality(metrics);
  });

  it('measures the lag from the vendor’s own event time when it sends one', async () => {
    const fixtures = new URL('../fixtures/treezor/', import.meta.url);
    const body = readFileSync(new URL('user.kycreview.json', fixtures), 'utf8');
    const expected = JSON.parse(
      readFileSync(new URL('user.kycreview.expected.json', fixtures), 'utf8'),
    ) as { dedupId: string; events: { occurredAt: string }[] };
    const receivedAt = '2026-01-01T00:00:01.000Z';
    await run([
      {
        vendor: 'treezor',
        route: '/webhooks/treezor',
        receivedAt,
        requestId: 'api-req-9',
        sourceIp: '203.0.113.10',
        dedupId: expected.dedupId,
        contentType: 'application/json',
        body,
      },
    ]);
    const occurredAt = Date.parse(expected.events[0]!.occurredAt);
    expect(metrics.of('LagFromEventTime')).toEqual([
      expect.objectContaining({ value: Date.parse(NOW) - occurredAt }),
    ]);
    expect(metrics.of('LagFromReceipt')).toEqual([
      expect.objectContaining({ value: Date.parse(NOW) - Date.parse(receivedAt) }),
    ]);
  });

  it('counts a second delivery of a published event as a duplicate', async () => {
    await run([idwiseMessage({ eventId: 'e1' })]);
    metrics.clear();
    await run([idwiseMessage({ eventId: 'e1' })]);
    expect(metrics.values).toEqual([{ name: 'DuplicateEvents', value: 1, dimensions: {} }]);
  });

  it('counts an event older than its subject’s state as out of order, and as published', async () => {
    await run([idwiseMessage({ eventId: 'new', receivedAt: '2026-01-01T00:00:02.000Z' })]);
    metrics.clear();
    await run([idwiseMessage({ eventId: 'old', receivedAt: '2026-01-01T00:00:01.000Z' })]);
    expect(metrics.of('EventsPublished')).toHaveLength(1);
    expect(metrics.of('OutOfOrderEvents')).toEqual([
      { name: 'OutOfOrderEvents', value: 1, dimensions: {} },
    ]);
  });

  it('counts an event published without its too-large payload', async () => {
    const message = idwiseMessage({ eventId: 'big' });
    const padded = JSON.parse(message.body) as { body: Record<string, unknown> };
    padded.body['notes'] = 'x'.repeat(1_100_000);
    await run([{ ...message, body: JSON.stringify(padded) }]);
    expect(metrics.of('PayloadsOmitted')).toEqual([
      { name: 'PayloadsOmitted', value: 1, dimensions: {} },
    ]);
  });

  it('counts each event EventBridge refused, and the failed record by its error code', async () => {
    harness.publisher.failNext((events) =>
      events.map(() => ({ ok: false, reason: 'ThrottlingException' })),
    );
    const response = await run([idwiseMessage({ eventId: 'e1' })]);
    expect(response.batchItemFailures).toHaveLength(1);
    expect(metrics.values).toEqual([
      { name: 'PublishFailures', value: 1, dimensions: {} },
      { name: 'RecordFailures', value: 1, dimensions: { reason: 'publish_failed' } },
    ]);
    expectLowCardinality(metrics);
  });

  it.each([
    ['poison_message', () => run(['not json'])],
    [
      UNEXPECTED_ERROR,
      () =>
        run([idwiseMessage({ eventId: 'e1' })], { store: crashOn(harness.store, 'getSubject') }),
    ],
  ])('counts a record that failed with %s', async (reason, failing) => {
    await failing();
    expect(metrics.values).toEqual([{ name: 'RecordFailures', value: 1, dimensions: { reason } }]);
  });

  it('counts every event of a batch', async () => {
    await run([idwiseMessage({ eventId: 'a' }), idwiseMessage({ eventId: 'b', journeyId: 'j2' })]);
    expect(metrics.of('EventsPublished')).toHaveLength(2);
    expectLowCardinality(metrics);
  });
});

describe('token endpoint metrics', () => {
  const fixtures = new URL('../fixtures/ondato/', import.meta.url);
  const secret = JSON.parse(readFileSync(new URL('credentials.json', fixtures), 'utf8')) as {
    oauthClients: { clientId: string; clientSecret: string }[];
  };
  const client = secret.oauthClients[0]!;
  const tokenRequest = (params: Record<string, string>, sourceIp = '203.0.113.10') =>
    apiGatewayEvent({
      path: '/oauth/ondato/token',
      body: new URLSearchParams(params).toString(),
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      sourceIp,
    });
  const grant = {
    grant_type: 'client_credentials',
    client_id: client.clientId,
    client_secret: client.clientSecret,
  };

  it.each([
    ['issued', NO_REASON, tokenRequest(grant)],
    ['refused', 'wrong_client_secret', tokenRequest({ ...grant, client_secret: 'wrong' })],
    ['refused', 'ip_not_allowed', tokenRequest(grant, '198.51.100.7')],
  ])('counts a request %s with reason %s', async (outcome, reason, event) => {
    const metrics = new RecordingMetrics();
    const handler = createTokenHandler({
      secrets: new StaticSecretSource({ ondato: secret }),
      ttlSeconds: 300,
      log: silentLog,
      metrics,
      now: () => NOW,
    });
    await handler(event);
    expect(metrics.values).toEqual([
      { name: 'TokenRequests', value: 1, dimensions: { outcome, reason } },
    ]);
    expectLowCardinality(metrics);
  });

  it('counts a secret it cannot read as a failure', async () => {
    const metrics = new RecordingMetrics();
    const handler = createTokenHandler({
      secrets: new StaticSecretSource({}),
      ttlSeconds: 300,
      log: silentLog,
      metrics,
      now: () => NOW,
    });
    expect((await handler(tokenRequest(grant))).statusCode).toBe(503);
    expect(metrics.values).toEqual([
      {
        name: 'TokenRequests',
        value: 1,
        dimensions: { outcome: 'failed', reason: 'secret_unavailable' },
      },
    ]);
  });
});
