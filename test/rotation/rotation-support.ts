import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseBaseCredentials } from '../../lambdas/core/credentials.js';
import type { SecretSource } from '../../lambdas/core/ports.js';
import { ingestDelivery, type IngestRequest } from '../../lambdas/ingest/ingest-delivery.js';
import type { VendorTesting } from '../../lambdas/core/vendor.js';
import { findVendor } from '../../lambdas/vendors/registry.js';
import { MemoryQueue } from '../support/memory-ports.js';

/**
 * Rotation helpers: a genuine delivery made with one credential (signed in the body, or carrying
 * the header), from the rotation facts each vendor declares, so a suite can rotate any vendor's
 * credential the way the README tells operators to.
 */

const FIXTURES = join(import.meta.dirname, '..', 'fixtures');

/** Ondato's default allow-list holds its public addresses; the tests deliver from this one. */
export const SOURCE_IP = '203.0.113.9';

/** The vendor's rotation facts, declared in its own file (`testing.rotation`). */
export function shapeOf(vendorId: string): VendorTesting['rotation'] {
  const vendor = findVendor(vendorId);
  if (!vendor) throw new Error(`vendor ${vendorId} is not registered`);
  return vendor.testing.rotation;
}

/** A genuine delivery of the vendor's fixture, made with `credential` alone. */
export function deliveryWith(vendorId: string, credential: string, now: Date): IngestRequest {
  const vendor = findVendor(vendorId);
  if (!vendor) throw new Error(`vendor ${vendorId} is not registered`);
  const shape = shapeOf(vendorId);
  const body = readFileSync(join(FIXTURES, vendorId, `${shape.fixture}.json`), 'utf8');
  const expected = JSON.parse(
    readFileSync(join(FIXTURES, vendorId, `${shape.fixture}.expected.json`), 'utf8'),
  ) as { route: string };
  const secret = shape.secret([credential]);
  const credentials = vendor.parseCredentials(secret, parseBaseCredentials(secret, vendorId));
  const signed = vendor.sign(body, expected.route, credentials);
  return {
    path: expected.route,
    headers: { 'content-type': 'application/json', ...signed.headers },
    body: signed.body,
    isBase64Encoded: false,
    sourceIp: SOURCE_IP,
    requestId: `req-${credential.length}`,
    now,
  };
}

/** Delivers and answers the status code; whatever is accepted lands in `queue`. */
export async function statusOf(
  request: IngestRequest,
  secrets: SecretSource,
  queue = new MemoryQueue(),
): Promise<number> {
  const { answer } = await ingestDelivery(request, { secrets, queue });
  return answer.statusCode;
}
