import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseBaseCredentials } from '../../lambdas/core/credentials.js';
import type { SecretSource } from '../../lambdas/core/ports.js';
import { ingestDelivery, type IngestRequest } from '../../lambdas/ingest/ingest-delivery.js';
import { findVendor } from '../../lambdas/vendors/registry.js';
import { MemoryQueue } from '../support/memory-ports.js';

/**
 * Rotation helpers: for each vendor, the secret JSON that lists a set of credentials, and a
 * genuine delivery made with one of them (signed in the body, or carrying the header), so a
 * suite can rotate any vendor's credential the way the README tells operators to.
 */

const FIXTURES = join(import.meta.dirname, '..', 'fixtures');

/** Ondato's default allow-list holds its public addresses; the tests deliver from this one. */
export const SOURCE_IP = '203.0.113.9';

const basic = (user: string, password: string): string =>
  `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

interface RotationShape {
  /** The secret JSON accepting exactly these credentials. */
  readonly secret: (credentials: readonly string[]) => Record<string, unknown>;
  /** One credential, as it appears in the secret, from a short name. */
  readonly credential: (name: string) => string;
  /** The fixture (under test/fixtures/<vendor>/) whose body is delivered. */
  readonly fixture: string;
}

/** One row per vendor: a vendor without one fails the rotation suites, as it should. */
export const ROTATION_SHAPES: Readonly<Record<string, RotationShape>> = {
  treezor: {
    secret: (webhookSecrets) => ({ webhookSecrets }),
    credential: (name) => `treezor-webhook-secret-${name}`,
    fixture: 'user.kycreview',
  },
  bronid: {
    secret: (signingKeys) => ({ signingKeys }),
    credential: (name) => `bronid-signing-key-${name}`,
    fixture: 'verified',
  },
  idwise: {
    secret: (authorization) => ({ headers: { authorization } }),
    credential: (name) => basic('idwise', `password-${name}`),
    fixture: 'finished-journey-complete',
  },
  truuth: {
    secret: (authorization) => ({ authorization }),
    credential: (name) => `Bearer truuth-token-${name}`,
    fixture: 'callback-pass',
  },
  ondato: {
    secret: (authorization) => ({ authorization, allowedIps: [SOURCE_IP] }),
    credential: (name) => basic('ondato', `password-${name}`),
    fixture: 'identity-verification-status-changed',
  },
};

export function shapeOf(vendorId: string): RotationShape {
  const shape = ROTATION_SHAPES[vendorId];
  if (!shape) throw new Error(`add a rotation row for vendor "${vendorId}" to rotation-support.ts`);
  return shape;
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
