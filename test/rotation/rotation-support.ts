import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe } from 'vitest';
import { parseBaseCredentials } from '../../lambdas/core/credentials.js';
import { answerPolicyOf } from '../../lambdas/core/http-answers.js';
import type { SecretSource } from '../../lambdas/core/ports.js';
import { ingestDelivery, type IngestRequest } from '../../lambdas/ingest/ingest-delivery.js';
import type { VendorTesting } from '../../lambdas/core/vendor.js';
import { ONDATO_ROUTE } from '../../lambdas/vendors/ondato.js';
import { findVendor, VENDORS } from '../../lambdas/vendors/registry.js';
import { MemoryQueue } from '../support/memory-ports.js';

/**
 * Rotation helpers: a genuine delivery made with one credential (signed in the body, or carrying
 * the header), from the rotation facts each vendor declares, so a suite can rotate any vendor's
 * credential the way the README tells operators to.
 */

const FIXTURES = join(import.meta.dirname, '..', 'fixtures');

/** Ondato's default allow-list holds its public addresses; the tests deliver from this one. */
export const SOURCE_IP = '203.0.113.9';

/** Ondato's answer to a token signed with a key no longer listed (503: Event Grid drops a 401). */
export const ONDATO_REFUSED = answerPolicyOf(findVendor('ondato')?.answers).refused
  .invalid_authorization;

/**
 * One describe block per registered vendor (`%s` in `title` is its id), given what the vendor
 * answers during a rotation: a listed credential is accepted, a removed one refused.
 */
export function describeEachVendor(
  title: string,
  tests: (vendorId: string, answers: { accepted: number; refused: number }) => void,
): void {
  describe.each(VENDORS.map((vendor) => [vendor.id, vendor] as const))(
    title,
    (vendorId, vendor) => {
      const policy = answerPolicyOf(vendor.answers);
      tests(vendorId, {
        accepted: policy.accepted,
        // A removed credential is a wrong one: a wrong signature, or a wrong header value.
        refused: Math.max(policy.refused.invalid_signature, policy.refused.invalid_authorization),
      });
    },
  );
}

/** The vendor's rotation facts, declared in its own file (`testing.rotation`). */
export function shapeOf(vendorId: string): VendorTesting['rotation'] {
  const vendor = findVendor(vendorId);
  if (!vendor) throw new Error(`vendor ${vendorId} is not registered`);
  return vendor.testing.rotation;
}

/** The vendor's rotation facts with two of its credentials: the one retired and its successor. */
export function oldAndNew(vendorId: string): {
  shape: VendorTesting['rotation'];
  oldOne: string;
  newOne: string;
} {
  const shape = shapeOf(vendorId);
  return { shape, oldOne: shape.credential('old'), newOne: shape.credential('new') };
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

/** An Ondato delivery with `token` as its Bearer, from the allowed address. */
export function ondatoDeliveryWith(token: string, now: Date): IngestRequest {
  return {
    path: ONDATO_ROUTE,
    headers: { authorization: `Bearer ${token}` },
    body: '{"id":"rotation-1","type":"IdentityVerification.StatusChanged","payload":{"id":"i1","status":"Completed"}}',
    isBase64Encoded: false,
    sourceIp: SOURCE_IP,
    requestId: 'req-rotation',
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
