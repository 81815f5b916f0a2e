import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { issueAccessToken } from '../../lambdas/core/access-token.js';
import type { Vendor } from '../../lambdas/core/vendor.js';
import { createIngestHandler } from '../../lambdas/ingest/ingest-handler.js';
import { deliveryMetricsOf } from '../../lambdas/runtime/delivery-metrics.js';
import { createLogger } from '../../lambdas/runtime/lean-log-formatter.js';
import { observeInvocations } from '../../lambdas/runtime/observability.js';
import { ONDATO_TOKEN_AUDIENCE } from '../../lambdas/vendors/ondato.js';
import { findVendor, VENDORS } from '../../lambdas/vendors/registry.js';
import { apiGatewayEvent } from '../support/api-gateway.js';
import { MemoryQueue, StaticSecretSource } from '../support/memory-ports.js';
import { vendorFixtures, type Fixture } from '../support/vendor-fixtures.js';
import { captureOutput, lambdaContext } from './capture.js';

/**
 * The ingest functions write no metric lines: metric filters count their delivery lines
 * (lambdas/runtime/delivery-metrics.ts). Here real delivery lines, written by the ingest handler
 * through the deployed logger, are counted the way the filters count them, and must give what
 * the function counted when it wrote EMF: one `Deliveries` per delivery by result; a refusal as
 * not proved genuine again as its vendor's `AuthenticationFailures`; a refusal for want of
 * credentials as `MissingCredentials`, and nothing else. The expected counts are written here.
 */

const NOW = new Date('2026-06-01T12:00:00.000Z');
/** Inside every fixture secret's allow-list that has one (Ondato's lists 203.0.113.0/24). */
const SOURCE_IP = '203.0.113.1';

interface Delivery {
  readonly secret?: Record<string, unknown>;
  readonly event: APIGatewayProxyEventV2;
  readonly queueFails?: boolean;
  readonly clockFails?: boolean;
}

/** Runs deliveries through one vendor's ingest function as deployed; returns what it wrote. */
async function ingestLines(
  vendorId: string,
  deliveries: readonly Delivery[],
): Promise<Record<string, unknown>[]> {
  const lines: Record<string, unknown>[] = [];
  for (const delivery of deliveries) {
    const queue = new MemoryQueue();
    if (delivery.queueFails) queue.failWith = new Error('SQS unavailable');
    const logger = createLogger({ serviceName: `kyc-ingest-${vendorId}`, logLevel: 'INFO' });
    const handler = observeInvocations(
      createIngestHandler({
        vendorId,
        secrets: new StaticSecretSource(
          delivery.secret === undefined ? {} : { [vendorId]: delivery.secret },
        ),
        queue,
        log: logger,
        now: () => {
          if (delivery.clockFails) throw new TypeError('clock broke');
          return NOW;
        },
      }),
      { logger, correlationId: (event: APIGatewayProxyEventV2) => event.requestContext.requestId },
    );
    lines.push(...(await captureOutput(() => handler(delivery.event, lambdaContext()))));
  }
  return lines;
}

/** Every value the lines add, summed per metric and dimension values: `Name{key=value}`. */
function countsOf(lines: readonly Record<string, unknown>[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const { name, value, dimensions } of lines.flatMap((line) => deliveryMetricsOf(line))) {
    const key = `${name}{${Object.entries(dimensions)
      .map(([k, v]) => `${k}=${v}`)
      .join(',')}}`;
    counts[key] = (counts[key] ?? 0) + value;
  }
  return counts;
}

const deliveryLines = (lines: readonly Record<string, unknown>[]) =>
  lines.filter((line) => typeof line['result'] === 'string');

function fixtureEvent(
  fixture: Fixture,
  headers = fixture.expected.headers ?? {},
  body = fixture.body,
) {
  return apiGatewayEvent({ path: fixture.expected.route, body, headers, sourceIp: SOURCE_IP });
}

describe.each(VENDORS.map((vendor) => [vendor.id, vendor] as const))(
  'delivery metrics of %s',
  (vendorId, vendor: Vendor) => {
    const fixtures = vendorFixtures(vendor);
    const secret = fixtures.secret;
    const rotation = fixtures.read(vendor.testing.rotation.fixture);

    it('counts every fixture accepted, and writes no metric line', async () => {
      const all = fixtures.all();
      const lines = await ingestLines(
        vendorId,
        all.map((fixture) => ({ secret: secret(), event: fixtureEvent(fixture) })),
      );
      expect(lines.filter((line) => '_aws' in line)).toEqual([]);
      expect(deliveryLines(lines).map((line) => line['result'])).toEqual(all.map(() => 'accepted'));
      expect(countsOf(lines)).toEqual({ 'Deliveries{outcome=accepted}': all.length });
    });

    it('counts a forgery and a source outside the allow-list as its authentication failures', async () => {
      const lines = await ingestLines(vendorId, [
        { secret: vendor.testing.soak.forgerySecret, event: fixtureEvent(rotation) },
        { secret: { ...secret(), allowedIps: ['10.0.0.0/8'] }, event: fixtureEvent(rotation) },
      ]);
      expect(deliveryLines(lines).map((line) => line['level'])).toEqual(['WARN', 'WARN']);
      expect(deliveryLines(lines)[1]).toMatchObject({ reason: 'ip_not_allowed' });
      expect(countsOf(lines)).toEqual({
        'Deliveries{outcome=refused}': 2,
        [`AuthenticationFailures{vendor=${vendorId}}`]: 2,
      });
    });

    it('counts a secret without credentials as missing credentials, not as a forgery', async () => {
      const lines = await ingestLines(vendorId, [
        // The allow-list only, so Ondato's default addresses do not refuse the source first.
        { secret: { allowedIps: [`${SOURCE_IP}/32`] }, event: fixtureEvent(rotation) },
      ]);
      expect(deliveryLines(lines)).toEqual([
        expect.objectContaining({ reason: 'no_credentials_configured' }),
      ]);
      expect(countsOf(lines)).toEqual({
        'Deliveries{outcome=refused}': 1,
        'MissingCredentials{}': 1,
      });
    });

    it('counts refusals that are not about authenticity as refused deliveries only', async () => {
      const other = VENDORS.find((candidate) => candidate.id !== vendorId);
      const lines = await ingestLines(vendorId, [
        // Another vendor's route: a function serves only its own, and names no vendor.
        {
          secret: secret(),
          event: apiGatewayEvent({ path: other?.routes[0] ?? '/webhooks/x', body: '{}' }),
        },
        {
          secret: secret(),
          event: fixtureEvent(rotation, {}, 'x'.repeat(1_048_577)),
        },
      ]);
      expect(deliveryLines(lines).map((line) => line['reason'])).toEqual([
        'unknown_route',
        'body_too_large',
      ]);
      expect(deliveryLines(lines)[0]).not.toHaveProperty('vendor');
      expect(countsOf(lines)).toEqual({ 'Deliveries{outcome=refused}': 2 });
    });

    it('counts failures, a defect written at ERROR included', async () => {
      const lines = await ingestLines(vendorId, [
        { event: fixtureEvent(rotation) },
        { secret: secret(), event: fixtureEvent(rotation), queueFails: true },
        { secret: secret(), event: fixtureEvent(rotation), clockFails: true },
      ]);
      expect(deliveryLines(lines)).toEqual([
        expect.objectContaining({ level: 'ERROR', reason: 'secret_unavailable' }),
        expect.objectContaining({ level: 'ERROR', reason: 'queue_unavailable' }),
        expect.objectContaining({
          level: 'ERROR',
          message: 'delivery not queued: unexpected error',
          reason: 'unexpected_error',
        }),
      ]);
      expect(countsOf(lines)).toEqual({ 'Deliveries{outcome=failed}': 3 });
    });
  },
);

describe('delivery metrics of each authentication failure reason', () => {
  const vendorOf = (id: string): Vendor => {
    const vendor = findVendor(id);
    if (!vendor) throw new Error(`no vendor ${id}`);
    return vendor;
  };
  const idwise = vendorFixtures(vendorOf('idwise'));
  const treezor = vendorFixtures(vendorOf('treezor'));
  const ondato = vendorFixtures(vendorOf('ondato'));
  const idwiseFixture = idwise.read('finished-journey-complete');
  const treezorFixture = treezor.read('user.kycreview');
  const ondatoFixture = ondato.read('kyc-identification-approved');
  const ondatoSecret = ondato.secret() as { tokenSigningKeys: string[] };
  const bearer = (options: { clientId?: string; audience?: string; issuedAt?: Date } = {}) =>
    `Bearer ${issueAccessToken(
      {
        clientId: options.clientId ?? 'ondato-fixtures',
        audience: options.audience ?? ONDATO_TOKEN_AUDIENCE,
        now: options.issuedAt ?? NOW,
        ttlSeconds: 300,
      },
      ondatoSecret.tokenSigningKeys[0] ?? '',
    )}`;
  /** Treezor's body with its signature member set: `null` counts as absent. */
  const signedWith = (value: string) =>
    treezorFixture.body.replace(
      /"object_payload_signature":"[^"]+"/,
      `"object_payload_signature":${value}`,
    );

  it.each<[string, string, Delivery]>([
    [
      'missing_authorization',
      'idwise',
      { secret: idwise.secret(), event: fixtureEvent(idwiseFixture, {}) },
    ],
    [
      'invalid_authorization',
      'idwise',
      {
        secret: idwise.secret(),
        event: fixtureEvent(idwiseFixture, { authorization: 'Basic bm9wZTpub3Bl' }),
      },
    ],
    [
      'missing_signature',
      'treezor',
      { secret: treezor.secret(), event: fixtureEvent(treezorFixture, {}, signedWith('null')) },
    ],
    [
      'invalid_signature',
      'treezor',
      {
        secret: treezor.secret(),
        event: fixtureEvent(treezorFixture, {}, signedWith('"AAAA"')),
      },
    ],
    [
      'expired_token',
      'ondato',
      {
        secret: ondato.secret(),
        event: fixtureEvent(ondatoFixture, {
          authorization: bearer({ issuedAt: new Date(NOW.getTime() - 3_600_000) }),
        }),
      },
    ],
    [
      'revoked_client',
      'ondato',
      {
        secret: ondato.secret(),
        event: fixtureEvent(ondatoFixture, { authorization: bearer({ clientId: 'ondato-gone' }) }),
      },
    ],
    [
      'foreign_token',
      'ondato',
      {
        secret: ondato.secret(),
        event: fixtureEvent(ondatoFixture, { authorization: bearer({ audience: 'someone-else' }) }),
      },
    ],
  ])('counts %s as one of %s’s authentication failures', async (reason, vendorId, delivery) => {
    const lines = await ingestLines(vendorId, [delivery]);
    expect(deliveryLines(lines)).toEqual([expect.objectContaining({ result: 'refused', reason })]);
    expect(countsOf(lines)).toEqual({
      'Deliveries{outcome=refused}': 1,
      [`AuthenticationFailures{vendor=${vendorId}}`]: 1,
    });
  });
});
