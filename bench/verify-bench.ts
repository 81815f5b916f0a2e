import { createHmac } from 'node:crypto';
import { keccak_256, sha3_256 } from '@noble/hashes/sha3.js';
import { utf8ToBytes } from '@noble/hashes/utils.js';
import { issueAccessToken } from '../lambdas/core/access-token.js';
import { isObject } from '../lambdas/core/json.js';
import { findValueSpan } from '../lambdas/core/json-span.js';
import { safeEqual } from '../lambdas/core/secure-compare.js';
import { ONDATO_TOKEN_AUDIENCE } from '../lambdas/vendors/ondato.js';
import type { BenchConfig } from './config.js';
import {
  FIXTURE_NOW,
  loadCredentials,
  loadFixture,
  loadSecret,
  webhookRequest,
  type Fixture,
} from './fixtures.js';
import type { RatioRow, Section } from './report.js';
import { pairedSync } from './stats.js';

/** One verification case: the vendor's `verify` on a fixture, and the bare primitive it needs. */
interface VerifyCase {
  readonly label: string;
  readonly fixture: Fixture;
  readonly headers: Readonly<Record<string, string>>;
  /** Which candidate must match, for vendors that try several (else the case measures a miss). */
  readonly matched?: string;
  readonly floorLabel: string;
  readonly floor: () => unknown;
}

function firstString(list: unknown, what: string): string {
  if (!Array.isArray(list) || typeof list[0] !== 'string') throw new Error(`bench: no ${what}`);
  return list[0];
}

/** The raw text of Treezor's `object_payload`, the bytes its HMAC covers. */
function treezorPayloadText(body: string): string {
  const span =
    findValueSpan(body, ['webhook', 'object_payload']) ?? findValueSpan(body, ['object_payload']);
  if (!span) throw new Error('bench: Treezor fixture without object_payload');
  return body.slice(span.start, span.end);
}

function treezorCase(name: string, matched: string, label: string): VerifyCase {
  const fixture = loadFixture('treezor', name);
  const secret = firstString(loadSecret('treezor')['webhookSecrets'], 'Treezor secret');
  const payload = treezorPayloadText(fixture.body);
  return {
    label,
    fixture,
    headers: fixture.headers,
    matched,
    floorLabel: `1 HMAC-SHA256 of object_payload (${Buffer.byteLength(payload)} B)`,
    floor: () => createHmac('sha256', secret).update(payload, 'utf8').digest('base64'),
  };
}

function bronidCase(): VerifyCase {
  const fixture = loadFixture('bronid', 'verified');
  const key = firstString(loadSecret('bronid')['signingKeys'], 'bronID key');
  const json: unknown = JSON.parse(fixture.body);
  if (!isObject(json)) throw new Error('bench: bronID fixture is not an object');
  // The message bronID hashes: the body without `signature`, compact, then the signing key.
  const message =
    JSON.stringify(Object.fromEntries(Object.entries(json).filter(([k]) => k !== 'signature'))) +
    key;
  return {
    label: 'bronID verify (verified, SHA3 + Keccak candidates)',
    fixture,
    headers: fixture.headers,
    floorLabel: `SHA3-256 + Keccak-256 of the message (${Buffer.byteLength(message)} B)`,
    floor: () => {
      const bytes = utf8ToBytes(message);
      return [sha3_256(bytes), keccak_256(bytes)];
    },
  };
}

/** Header-authenticated vendors: the floor is one constant-time compare of the presented value. */
function headerCase(vendorId: string, name: string, label: string): VerifyCase {
  const fixture = loadFixture(vendorId, name);
  const presented = fixture.headers['authorization'];
  if (presented === undefined) throw new Error(`bench: ${vendorId}/${name} has no credential`);
  return {
    label,
    fixture,
    headers: fixture.headers,
    floorLabel: '1 safeEqual (constant-time compare)',
    floor: () => safeEqual(presented, presented),
  };
}

function ondatoBearerCase(): VerifyCase {
  const fixture = loadFixture('ondato', 'kyc-identification-approved');
  const secret = loadSecret('ondato');
  const key = firstString(secret['tokenSigningKeys'], 'Ondato signing key');
  // Issued to a client the secret lists: a token of a removed client is refused.
  const [client] = secret['oauthClients'] as readonly { readonly clientId: string }[];
  if (!client) throw new Error('bench: the Ondato fixture secret lists no OAuth client');
  const token = issueAccessToken(
    {
      clientId: client.clientId,
      audience: ONDATO_TOKEN_AUDIENCE,
      now: FIXTURE_NOW,
      ttlSeconds: 300,
    },
    key,
  );
  const signingInput = token.slice(0, token.lastIndexOf('.'));
  return {
    label: 'Ondato verify, Bearer token (our HS256 JWT)',
    fixture,
    headers: { authorization: `Bearer ${token}` },
    floorLabel: '1 HMAC-SHA256 of the token signing input',
    floor: () => createHmac('sha256', key).update(signingInput).digest('base64url'),
  };
}

function verifyCases(): VerifyCase[] {
  return [
    treezorCase('user.kycreview', 'raw-span', 'Treezor verify, raw-span path (user.kycreview)'),
    treezorCase(
      'user.kycreview-pretty-utf8',
      're-encoded',
      'Treezor verify, re-encoding path (pretty-printed body)',
    ),
    bronidCase(),
    headerCase('idwise', 'finished-journey-complete', 'IDWise verify (Basic header)'),
    headerCase('truuth', 'callback-pass', 'Truuth verify (Basic header)'),
    headerCase('ondato', 'kyc-identification-approved', 'Ondato verify, Basic header'),
    ondatoBearerCase(),
  ];
}

export function runVerifyBench(config: BenchConfig): Section {
  const rows: RatioRow[] = [];
  for (const c of verifyCases()) {
    const { vendor } = c.fixture;
    const credentials = loadCredentials(vendor);
    const request = webhookRequest(c.fixture, c.headers);
    // A case that does not verify would time a refusal: fail loudly instead.
    const check = vendor.verify(request, credentials);
    if (!check.ok || (c.matched !== undefined && check.matched !== c.matched)) {
      throw new Error(`bench: ${c.label} did not verify as expected: ${JSON.stringify(check)}`);
    }
    const { subject, floor } = pairedSync(
      () => vendor.verify(request, credentials),
      c.floor,
      config.micro,
    );
    rows.push({
      label: `${c.label}, ${Buffer.byteLength(c.fixture.body)} B body`,
      floorLabel: c.floorLabel,
      subject,
      floor,
      quantity: 'time-ns',
    });
  }
  return {
    title: '1. Verification per vendor vs the bare primitive on the same bytes',
    intro:
      '`vendor.verify` from the registry on each vendor’s fixture with its development ' +
      'credentials (test/fixtures/<vendor>/credentials.json), against the single primitive the ' +
      'scheme cannot do without, on the same bytes. The ratio is the price of parsing, ' +
      'candidate messages and comparing against every configured value in constant time.',
    ratios: rows,
    notes: [
      'Treezor’s re-encoding path first fails the raw-span HMAC, then re-encodes the parsed ' +
        'payload PHP-style and HMACs it again: at least two HMACs plus a full parse and encode.',
      'bronID tries every candidate message with both digests (up to 4 hashes per key) and ' +
        'compares each in constant time, by design (DESIGN §3.2).',
      '`safeEqual` hashes both sides with SHA-256 before `timingSafeEqual`, so the header floor ' +
        'is two SHA-256 of a short string.',
    ],
  };
}
