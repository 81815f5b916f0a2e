import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { parseBaseCredentials } from '../lambdas/core/credentials.js';
import type { BaseCredentials, Vendor, WebhookRequest } from '../lambdas/core/vendor.js';
import { findVendor } from '../lambdas/vendors/registry.js';
import { DEFAULT_PATHS } from '../local/project-paths.js';

/**
 * The vendors' byte-exact fixtures (test/fixtures/<vendor>/), read the way the contract suite
 * reads them, so the bench measures the same bodies the tests prove correct.
 */

export interface Fixture {
  readonly vendor: Vendor;
  readonly name: string;
  readonly body: string;
  readonly route: string;
  /** Headers the vendor sends with it (credential headers for header-authenticated vendors). */
  readonly headers: Readonly<Record<string, string>>;
  readonly dedupId: string;
}

/** An address inside every fixture allow-list (Ondato's fixture secret allows 203.0.113.0/24). */
export const FIXTURE_SOURCE_IP = '203.0.113.10';
/** Any fixed instant: no vendor verification here depends on freshness. */
export const FIXTURE_NOW = new Date('2026-06-01T12:00:00.000Z');

export function vendorOf(id: string): Vendor {
  const vendor = findVendor(id);
  if (!vendor) throw new Error(`bench: vendor "${id}" is not registered`);
  return vendor;
}

export function loadFixture(vendorId: string, name: string): Fixture {
  const dir = join(DEFAULT_PATHS.fixtures, vendorId);
  const expected = JSON.parse(readFileSync(join(dir, `${name}.expected.json`), 'utf8')) as {
    route: string;
    headers?: Record<string, string>;
    dedupId: string;
  };
  return {
    vendor: vendorOf(vendorId),
    name,
    body: readFileSync(join(dir, `${name}.json`), 'utf8'),
    route: expected.route,
    headers: expected.headers ?? {},
    dedupId: expected.dedupId,
  };
}

/** The vendor's development secret JSON (test/fixtures/<vendor>/credentials.json). */
export function loadSecret(vendorId: string): Record<string, unknown> {
  const file = join(DEFAULT_PATHS.fixtures, vendorId, 'credentials.json');
  return JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
}

export function loadCredentials(vendor: Vendor): BaseCredentials {
  const secret = loadSecret(vendor.id);
  return vendor.parseCredentials(secret, parseBaseCredentials(secret, vendor.id));
}

export function webhookRequest(
  fixture: Fixture,
  headers: Readonly<Record<string, string>> = fixture.headers,
): WebhookRequest {
  return {
    route: fixture.route,
    body: fixture.body,
    headers,
    sourceIp: FIXTURE_SOURCE_IP,
    now: FIXTURE_NOW,
  };
}

/** An API Gateway HTTP API (payload 2.0) event for one delivery, as the ingest Lambda gets it. */
export function apiGatewayEvent(
  route: string,
  body: string,
  headers: Readonly<Record<string, string>>,
  requestId: string,
): APIGatewayProxyEventV2 {
  return {
    version: '2.0',
    routeKey: `POST ${route}`,
    rawPath: route,
    rawQueryString: '',
    headers: { 'content-type': 'application/json', ...headers },
    requestContext: {
      accountId: '123456789012',
      apiId: 'bench',
      domainName: 'bench.example.com',
      domainPrefix: 'bench',
      http: {
        method: 'POST',
        path: route,
        protocol: 'HTTP/1.1',
        sourceIp: FIXTURE_SOURCE_IP,
        userAgent: 'bench',
      },
      requestId,
      routeKey: `POST ${route}`,
      stage: '$default',
      time: '01/Jun/2026:12:00:00 +0000',
      timeEpoch: FIXTURE_NOW.getTime(),
    },
    body,
    isBase64Encoded: false,
  };
}
