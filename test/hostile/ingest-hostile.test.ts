import { createHmac } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { issueAccessToken } from '../../lambdas/core/access-token.js';
import { canonicalAuthorization } from '../../lambdas/core/header-auth.js';
import type { SecretSource } from '../../lambdas/core/ports.js';
import type { QueueMessage } from '../../lambdas/core/queue-message.js';
import { answerPolicyOf } from '../../lambdas/core/http-answers.js';
import { parseJson } from '../../lambdas/core/json.js';
import { MAX_DEDUP_ID_BYTES, type RefusalReason, type Vendor } from '../../lambdas/core/vendor.js';
import { ingestDelivery } from '../../lambdas/ingest/ingest-delivery.js';
import { createIngestHandler } from '../../lambdas/ingest/ingest-handler.js';
import { DEFAULT_TOKEN_TTL_SECONDS } from '../../lambdas/token/issue-token.js';
import { ONDATO_TOKEN_AUDIENCE } from '../../lambdas/vendors/ondato.js';
import { VENDORS } from '../../lambdas/vendors/registry.js';
import { apiGatewayEvent } from '../support/api-gateway.js';
import {
  loadSigningOracles,
  signingOracleFile,
  signingOracleOf,
  type BodyVariant,
} from '../suites/signing-oracle.js';
import { MemoryQueue, StaticSecretSource } from '../support/memory-ports.js';
import {
  decodeLoosely,
  fixtureSecret,
  fixturesOf,
  nestedArrays,
  nestedObjects,
  NOW,
  parsedCredentials,
  preview,
  runsFor,
  SOURCE_IP,
  suiteTally,
  tryParse,
  vendorNamed,
  type VendorFixture,
} from './hostile-support.js';
import {
  define,
  editJson,
  HOSTILE_KEYS,
  hostileJsonValue,
  insertMember,
  INVALID_UTF8,
  jsonEdit,
} from './mutations.js';

/**
 * Hostile input at the front door, for every registered vendor and route: random bytes, the
 * vendors' own fixtures truncated, bit-flipped and mutated as JSON, flipped signature bits,
 * hostile headers, sizes around the limit, 10,000-level nesting, prototype keys, invalid UTF-8
 * and odd content types — through `ingestDelivery` and through the Lambda handler.
 *
 * What "genuine" means here (the test's own definition, not the code's):
 * - a vendor that signs in the body: what its signing oracle says, written from the vendor's
 *   documentation beside its fixtures (test/fixtures/<vendor>/signing-oracle.ts): the signed part
 *   is what the vendor signed, and a signature is one the vendor sent.
 * - a vendor whose proof is a header: nothing in the body is signed. A delivery is genuine when its headers, as API Gateway passes them (names lower-cased, repeats joined with
 *   a comma), carry a configured credential for that route (Ondato: a Basic value, or a Bearer
 *   token our token endpoint issued that has not expired), from an allowed address (Ondato).
 *   Its body is then genuine-by-header whatever it holds; it is still refused when it is not
 *   the JSON the vendor sends.
 *
 * Properties: never a 2xx for anything not genuine (and a 2xx only for a parseable body);
 * nothing queued unless answered 2xx, and what is queued is the body byte for byte; never an
 * exception, a 500, or a 503 other than Treezor's documented answer to a bad signature; answer
 * bodies never say why. Liveness controls below show that genuine deliveries still pass, so the
 * properties are not satisfied by refusing everything.
 */

const RUNS = runsFor(600);
const tally = suiteTally('hostile ingest');

/* ------------------------------------------------------------------------------ plumbing */

interface HostileRequest {
  readonly path: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly bytes: Buffer;
  readonly base64: boolean;
  readonly sourceIp: string;
}

/** A request from the allowed address, its body sent as text (API Gateway may still encode it). */
function textRequest(
  path: string,
  bytes: Buffer,
  headers: Readonly<Record<string, string>> = {},
): HostileRequest {
  return { path, headers, bytes, base64: false, sourceIp: SOURCE_IP };
}

interface Attempt {
  readonly status: number;
  readonly responseBody: string;
  readonly queued: readonly QueueMessage[];
  /** The refusal reason, from the outcome (or, through the handler, from its log line). */
  readonly reason: string | undefined;
  /** An exception out of `ingestDelivery`, or the handler's "unexpected error" log line. */
  readonly crash: string | undefined;
}

const ALLOWED_STATUSES = new Set([200, 400, 401, 403, 404, 413, 503]);

async function attempt(
  vendorId: string,
  request: HostileRequest,
  options: {
    readonly viaHandler: boolean;
    readonly maxMessageBytes?: number;
    readonly secrets?: SecretSource;
  },
): Promise<Attempt> {
  const queue = new MemoryQueue();
  const secrets =
    options.secrets ?? new StaticSecretSource({ [vendorId]: fixtureSecret(vendorId) });
  // Invalid UTF-8 cannot travel as text; API Gateway base64-encodes such bodies.
  const base64 = request.base64 || decodeLoosely(request.bytes) !== strictText(request.bytes);
  const body = base64 ? request.bytes.toString('base64') : request.bytes.toString('utf8');
  const deps = {
    queue,
    secrets,
    vendorId,
    ...(options.maxMessageBytes !== undefined && { maxMessageBytes: options.maxMessageBytes }),
  };
  /** An exception out of ingest or the handler: no answer, and whatever was queued before it. */
  const crashed = (error: unknown): Attempt => ({
    status: 0,
    responseBody: '',
    queued: queue.messages,
    reason: undefined,
    crash: String(error),
  });
  // The request as API Gateway passes it, whichever way it goes in.
  const sent = {
    path: request.path,
    headers: request.headers,
    body,
    isBase64Encoded: base64,
    sourceIp: request.sourceIp,
    requestId: 'req-hostile',
  };
  if (!options.viaHandler) {
    try {
      const { answer, outcome } = await ingestDelivery({ ...sent, now: NOW }, deps);
      return {
        status: answer.statusCode,
        responseBody: answer.body,
        queued: queue.messages,
        reason: outcome.reason,
        crash: outcome.result === 'failed' ? `failed: ${String(outcome.reason)}` : undefined,
      };
    } catch (error) {
      return crashed(error);
    }
  }
  const lines: { level: string; message: string; attributes: Record<string, unknown> }[] = [];
  const log = (level: string) => (message: string, attributes: Record<string, unknown>) =>
    lines.push({ level, message, attributes });
  const handler = createIngestHandler({
    ...deps,
    log: { info: log('info'), warn: log('warn'), error: log('error') },
    now: () => NOW,
  });
  try {
    const result = await handler(apiGatewayEvent(sent));
    const refused = lines.find((line) => line.message === 'delivery refused');
    const error = lines.find((line) => line.level === 'error');
    return {
      status: result.statusCode ?? 0,
      responseBody: result.body ?? '',
      queued: queue.messages,
      reason:
        typeof refused?.attributes['reason'] === 'string'
          ? refused.attributes['reason']
          : undefined,
      crash: error ? `${error.message}: ${String(error.attributes['error'])}` : undefined,
    };
  } catch (error) {
    return crashed(error);
  }
}

function strictText(bytes: Buffer): string | undefined {
  try {
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch {
    return undefined;
  }
}

/** The queued body's bytes, however it was encoded. */
function queuedBytes(message: QueueMessage): Buffer {
  return Buffer.from(message.body, message.bodyEncoding === 'base64' ? 'base64' : 'utf8');
}

/**
 * Checks one case against every property and records it. `genuine` is the test's verdict (see
 * the top of this file); a 503 is allowed only where the vendor's answer policy gives it for the
 * refusal's reason (Treezor for a bad signature, Ondato for whatever our own state could cause).
 */
function judge(vendorId: string, request: HostileRequest, genuine: boolean, result: Attempt): void {
  const accepted = result.status >= 200 && result.status < 300;
  const policy = answerPolicyOf(vendorNamed(vendorId).answers);
  const refusalPolicy =
    result.status === 503 &&
    result.reason !== undefined &&
    Object.hasOwn(policy.refused, result.reason) &&
    policy.refused[result.reason as RefusalReason] === 503;
  const serverError =
    result.crash !== undefined ||
    !ALLOWED_STATUSES.has(result.status) ||
    (result.status === 503 && !refusalPolicy);
  // A header credential vouches for any body; a signature inside the body needs a JSON body.
  const parseable =
    !SIGNS_IN_BODY.has(vendorId) || tryParse(decodeLoosely(request.bytes)) !== undefined;
  tally.record(vendorId, { accepted, forgery: accepted && !genuine, serverError });

  expect(result.crash, 'no exception, no failed outcome').toBeUndefined();
  expect(serverError, `status ${result.status} (${String(result.reason)})`).toBe(false);
  if (accepted) {
    expect(genuine, 'a 2xx for a delivery that is not genuine').toBe(true);
    expect(parseable, 'a 2xx for a body that is not JSON').toBe(true);
    expect(result.queued).toHaveLength(1);
    const message = result.queued[0] as QueueMessage;
    expect(queuedBytes(message).equals(request.bytes)).toBe(true);
    // DESIGN §3.4: credentials never travel with the delivery; ids stay key-sized.
    const serialized = JSON.stringify({ ...message, body: '' });
    for (const [name, value] of Object.entries(request.headers)) {
      const credential = /^(authorization|x-api-key)$/i.test(name) && value.trim().length >= 8;
      if (credential) expect(serialized).not.toContain(value.trim());
    }
    expect(Buffer.byteLength(message.dedupId)).toBeLessThanOrEqual(MAX_DEDUP_ID_BYTES);
  } else {
    expect(result.queued, 'nothing is queued for a refused delivery').toEqual([]);
  }
  // The answer never explains itself.
  if (result.reason !== undefined) expect(result.responseBody).not.toContain(result.reason);
}

/* ----------------------------------------------------------------- genuineness oracles */

const ORACLES = await loadSigningOracles(VENDORS);

/** Whether a body is genuine for a vendor that signs in the body, by its signing oracle. */
function bodyGenuine(fixture: VendorFixture, bytes: Buffer): boolean {
  return signingOracleOf(ORACLES, fixture.vendorId).genuine(
    tryParse(fixture.body),
    tryParse(decodeLoosely(bytes)),
  );
}

/** Vendors whose proof is inside the body: they declare where their signatures sit. */
const SIGNS_IN_BODY = new Set(
  VENDORS.filter((vendor) => vendor.proof.kind === 'body-signature').map((vendor) => vendor.id),
);

/**
 * Whether the body is one the vendor's proof vouches for, by the kind of proof it declares: a
 * body signature by the vendor's signing oracle; a header signature only for the
 * very bytes it was computed over; a header credential for any body (it proves the sender).
 */
function bodyProved(fixture: VendorFixture, bytes: Buffer): boolean {
  const { proof } = vendorNamed(fixture.vendorId);
  if (proof.kind === 'body-signature') return bodyGenuine(fixture, bytes);
  if (proof.kind === 'header-signature') return bytes.equals(Buffer.from(fixture.body, 'utf8'));
  return true;
}

/* ------------------------------------------------------------------------ body variants */

/** Counterexamples print as a label and a short preview, not as thousands of byte values. */
function described<T extends { readonly label: string }>(
  value: T,
  text: string,
): T & { readonly [fc.toStringMethod]: () => string } {
  return { ...value, [fc.toStringMethod]: () => `${value.label}: ${preview(text)}` };
}

/** Attacks on the signature inside the body, for vendors that sign there. */
function signatureVariants(fixture: VendorFixture): fc.Arbitrary<BodyVariant>[] {
  if (vendorNamed(fixture.vendorId).proof.kind !== 'body-signature') return [];
  return signingOracleOf(ORACLES, fixture.vendorId).signatureAttacks(fixture.body);
}

/** The fixture with a member added where its vendor's proof reaches (for header vendors: anywhere). */
function alterSignedPart(fixture: VendorFixture): Buffer {
  const root = JSON.parse(fixture.body) as unknown;
  const oracle = ORACLES.get(fixture.vendorId);
  const target = oracle ? oracle.signedPart(root) : root;
  if (Array.isArray(target)) target.push('addedByTest');
  else if (typeof target === 'object' && target !== null) define(target, 'addedByTest', 'x');
  return Buffer.from(JSON.stringify(root));
}

function bodyVariants(fixture: VendorFixture): fc.Arbitrary<BodyVariant> {
  const original = Buffer.from(fixture.body);
  const length = original.length;
  return fc
    .oneof(
      { weight: 1, arbitrary: fc.constant({ label: 'intact', bytes: original }) },
      {
        weight: 1,
        arbitrary: fc.constantFrom(0, 2).map((indent) => ({
          label: `re-serialized (indent ${indent})`,
          bytes: Buffer.from(JSON.stringify(JSON.parse(fixture.body), null, indent)),
        })),
      },
      {
        weight: 2,
        arbitrary: fc.nat({ max: length - 1 }).map((cut) => ({
          label: `truncated at ${cut}`,
          bytes: original.subarray(0, cut),
        })),
      },
      {
        weight: 3,
        arbitrary: fc.tuple(fc.nat({ max: length - 1 }), fc.nat({ max: 7 })).map(([i, bit]) => {
          const bytes = Buffer.from(original);
          bytes[i] = (bytes[i] ?? 0) ^ (1 << bit);
          return { label: `bit ${bit} of byte ${i} flipped`, bytes };
        }),
      },
      {
        weight: 1,
        arbitrary: fc
          .tuple(fc.nat({ max: length }), fc.uint8Array({ minLength: 1, maxLength: 8 }))
          .map(([i, extra]) => ({
            label: `bytes inserted at ${i}`,
            bytes: Buffer.concat([
              original.subarray(0, i),
              Buffer.from(extra),
              original.subarray(i),
            ]),
          })),
      },
      {
        weight: 1,
        arbitrary: fc
          .tuple(fc.nat({ max: length - 1 }), fc.integer({ min: 1, max: 32 }))
          .map(([i, n]) => ({
            label: `${n} bytes deleted at ${i}`,
            bytes: Buffer.concat([original.subarray(0, i), original.subarray(i + n)]),
          })),
      },
      {
        weight: 2,
        arbitrary: fc
          .tuple(fc.nat({ max: length }), fc.constantFrom(...INVALID_UTF8))
          .map(([i, invalid]) => ({
            label: `invalid UTF-8 ${Buffer.from(invalid).toString('hex')} at ${i}`,
            bytes: Buffer.concat([
              original.subarray(0, i),
              Buffer.from(invalid),
              original.subarray(i),
            ]),
          })),
      },
      {
        weight: 5,
        arbitrary: jsonEdit.map((edit) => ({
          label: `JSON edit ${edit.op}`,
          bytes: editJson(fixture.body, edit),
        })),
      },
      {
        weight: 1,
        arbitrary: fc
          .tuple(
            fc.constantFrom(
              ...HOSTILE_KEYS,
              ...Object.keys((tryParse(fixture.body) as object | null) ?? {}),
            ),
            hostileJsonValue,
            fc.boolean(),
          )
          .map(([key, value, atEnd]) => ({
            label: `member ${key} ${atEnd ? 'appended (overrides)' : 'prepended (shadowed)'}`,
            bytes: Buffer.from(
              insertMember(
                fixture.body,
                `${JSON.stringify(key)}:${JSON.stringify(value) ?? 'null'}`,
                atEnd,
              ),
            ),
          })),
      },
      {
        weight: 1,
        arbitrary: fc
          .tuple(fc.constantFrom(600, 5_000, 10_000), fc.boolean(), fc.boolean())
          .map(([depth, arrays, atEnd]) => ({
            label: `${depth}-level nesting inside`,
            bytes: Buffer.from(
              insertMember(
                fixture.body,
                `"deep":${arrays ? nestedArrays(depth) : nestedObjects(depth)}`,
                atEnd,
              ),
            ),
          })),
      },
      {
        weight: 2,
        arbitrary: fc
          .uint8Array({ maxLength: 2048 })
          .map((bytes) => ({ label: 'random bytes', bytes: Buffer.from(bytes) })),
      },
      {
        weight: 1,
        arbitrary: fc
          .json({ maxDepth: 4 })
          .map((text) => ({ label: 'random JSON', bytes: Buffer.from(text) })),
      },
      {
        weight: 1,
        arbitrary: fc.string({ unit: 'binary', maxLength: 200 }).map((text) => ({
          label: 'random text (lone surrogates included)',
          bytes: Buffer.from(text, 'utf8'),
        })),
      },
      ...signatureVariants(fixture).map((arbitrary) => ({ weight: 4, arbitrary })),
    )
    .map((variant) => described(variant, decodeLoosely(variant.bytes)));
}

/* ---------------------------------------------------------------------- header variants */

interface HeaderVariant {
  readonly label: string;
  readonly headers: Record<string, string>;
  /** Whether these headers prove the delivery (header vendors; ignored for body signers). */
  readonly genuine: boolean;
}

/** Every credential header any fixture of any vendor sends, for "someone else's credential". */
const ALL_CREDENTIALS = VENDORS.flatMap((vendor) =>
  fixturesOf(vendor.id).flatMap((fixture) => Object.entries(fixture.headers)),
);

function flipCase(text: string): string {
  return [...text].map((c, i) => (i % 2 === 0 ? c.toUpperCase() : c.toLowerCase())).join('');
}

/**
 * The credential header variants for one fixture, each labelled genuine or not by construction.
 * A proof of several headers (a header signature and its algorithm) has each of them varied in
 * turn, the others sent as they were.
 */
function headerVariants(fixture: VendorFixture): fc.Arbitrary<HeaderVariant> {
  const entries = Object.entries(fixture.headers);
  if (entries.length <= 1) return oneHeaderVariants(fixture, entries[0]);
  return fc.nat({ max: entries.length - 1 }).chain((i) => {
    const others = Object.fromEntries(entries.filter((_, j) => j !== i));
    return oneHeaderVariants(fixture, entries[i]).map((variant) => {
      const varied = new Set(Object.keys(variant.headers).map((name) => name.toLowerCase()));
      const kept = Object.entries(others).filter(([name]) => !varied.has(name.toLowerCase()));
      return { ...variant, headers: { ...Object.fromEntries(kept), ...variant.headers } };
    });
  });
}

/** The variants of one credential header (none: junk headers proving nothing). */
function oneHeaderVariants(
  fixture: VendorFixture,
  entry: readonly [string, string] | undefined,
): fc.Arbitrary<HeaderVariant> {
  const junk = fc.dictionary(
    fc.oneof(
      fc.constantFrom(
        'authorization',
        'Authorization',
        'x-api-key',
        'x-forwarded-for',
        'constructor',
        '__proto__',
      ),
      fc.string({ maxLength: 10 }),
    ),
    fc.string({ maxLength: 40 }),
    { maxKeys: 3 },
  );
  if (entry === undefined) {
    // Body signers: any headers at all, none of them proving anything.
    return junk.map((headers) => ({ label: 'junk headers', headers, genuine: true }));
  }
  const [name, value] = entry;
  const space = value.indexOf(' ');
  const scheme = space < 0 ? '' : value.slice(0, space);
  const token = space < 0 ? value : value.slice(space + 1);
  const sameRoute = new Set(
    fixturesOf(fixture.vendorId)
      .filter((other) => other.route === fixture.route)
      .flatMap((other) => Object.values(other.headers)),
  );
  const foreign = ALL_CREDENTIALS.filter(([, v]) => !sameRoute.has(v));
  const variants: fc.Arbitrary<HeaderVariant>[] = [
    fc.constant({ label: 'exact', headers: { [name]: value }, genuine: true }),
    fc.constant({
      label: 'name upper-cased',
      headers: { [name.toUpperCase()]: value },
      genuine: true,
    }),
    fc.constant({ label: 'name odd-cased', headers: { [flipCase(name)]: value }, genuine: true }),
    fc.constant({ label: 'value padded', headers: { [name]: `  ${value}\t` }, genuine: true }),
    junk.map((extra) => ({
      label: 'exact, beside junk headers',
      // The credential is written last so junk cannot overwrite it.
      headers: {
        ...Object.fromEntries(Object.entries(extra).filter(([k]) => k.toLowerCase() !== name)),
        [name]: value,
      },
      genuine: true,
    })),
    fc.constant({ label: 'missing', headers: {}, genuine: false }),
    fc.constant({ label: 'empty', headers: { [name]: '' }, genuine: false }),
    fc.constant({
      label: 'repeated (joined with a comma)',
      headers: { [name]: value, [name.toUpperCase()]: value },
      genuine: false,
    }),
    fc.nat({ max: token.length - 1 }).map((i) => {
      const c = token.charAt(i);
      const changed = c === 'x' ? 'y' : 'x';
      return {
        label: `token char ${i} changed`,
        headers: {
          [name]: `${scheme}${scheme ? ' ' : ''}${token.slice(0, i)}${changed}${token.slice(i + 1)}`,
        },
        genuine: false,
      };
    }),
    fc.constantFrom(...foreign).map(([n, v]) => ({
      label: 'another vendor’s or route’s credential',
      headers: { [n]: v },
      genuine: false,
    })),
    fc.constant({
      label: 'whitespace flood (10,000 spaces)',
      headers: { [name]: `${scheme || 'Basic'}${' '.repeat(10_000)}${token}x` },
      genuine: false,
    }),
  ];
  if (scheme !== '') {
    const other = scheme.toLowerCase() === 'basic' ? 'Bearer' : 'Basic';
    variants.push(
      fc.constant({
        label: 'scheme odd-cased',
        headers: { [name]: `${flipCase(scheme)} ${token}` },
        genuine: true,
      }),
      fc.constant({
        label: 'scheme upper-cased',
        headers: { [name]: `${scheme.toUpperCase()} ${token}` },
        genuine: true,
      }),
      fc.constantFrom(other, 'Digest', 'Token', 'Basic:', 'HOBA').map((wrong) => ({
        label: `wrong scheme ${wrong}`,
        headers: { [name]: `${wrong} ${token}` },
        genuine: false,
      })),
      fc.constant({ label: 'scheme only', headers: { [name]: scheme }, genuine: false }),
      fc.constant({ label: 'token only', headers: { [name]: token }, genuine: false }),
      fc.constant({
        label: 'token case flipped',
        headers: { [name]: `${scheme} ${flipCase(token)}` },
        genuine: flipCase(token) === token,
      }),
    );
  }
  return fc
    .oneof(...variants)
    .map((variant) => described(variant, JSON.stringify(variant.headers)));
}

/* --------------------------------------------------------------------- other dimensions */

const CONTENT_TYPES = [
  'application/json',
  'application/json; charset=utf-8',
  'text/plain',
  'application/xml',
  'multipart/form-data; boundary=x',
  'application/x-www-form-urlencoded',
  '',
  '\u0000\u00ff garbage',
];

/** The allow-list SOURCES is written for: fixture credentials that list addresses list this one. */
const SOURCES_ALLOW_LIST = ['203.0.113.0/24'];

/** Source addresses and whether `SOURCES_ALLOW_LIST` allows them. */
const SOURCES: readonly (readonly [string, boolean])[] = [
  [SOURCE_IP, true],
  ['::ffff:203.0.113.200', true],
  ['198.51.100.1', false],
  ['2001:db8::1', false],
  ['not-an-address', false],
  ['', false],
];

function routeVariants(
  vendor: Vendor,
  fixture: VendorFixture,
): fc.Arbitrary<readonly [string, boolean]> {
  const others = VENDORS.filter((v) => v !== vendor).flatMap((v) => v.routes);
  return fc.oneof(
    { weight: 8, arbitrary: fc.constant([fixture.route, true] as const) },
    {
      weight: 1,
      arbitrary: fc
        .constantFrom(
          ...others,
          `${fixture.route}/`,
          fixture.route.toUpperCase(),
          `${fixture.route}?x=1`,
          '/webhooks/__proto__',
          '/webhooks/constructor',
          '/webhooks/',
          '',
        )
        .map((path) => [path, false] as const),
    },
  );
}

/* ------------------------------------------------------------------------------ suites */

describe.each(VENDORS.map((vendor) => [vendor.id, vendor] as const))(
  'hostile ingest: %s',
  (vendorId, vendor) => {
    const fixtures = fixturesOf(vendorId);
    /** Whether its fixture credentials allow only some source addresses (Ondato's do). */
    const allowList = fixtureSecret(vendorId)['allowedIps'];

    it('has fixtures to mutate', () => {
      expect(fixtures.length).toBeGreaterThan(0);
    });

    if (allowList !== undefined) {
      it('lists the source addresses the hostile cases are written for', () => {
        expect(allowList, 'the allowedIps of its credentials.json').toEqual(SOURCES_ALLOW_LIST);
      });
    }

    if (vendor.proof.kind === 'body-signature') {
      it('has an oracle of its body signature', () => {
        expect(ORACLES.has(vendorId), `add ${signingOracleFile(vendorId)}`).toBe(true);
      });
    }

    it('never accepts a forgery, never fails, and queues only what it accepts', async () => {
      const arbitrary = fc.constantFrom(...fixtures).chain((fixture) =>
        fc.record({
          fixture: fc.constant(fixture),
          body: bodyVariants(fixture),
          header: headerVariants(fixture),
          route: routeVariants(vendor, fixture),
          source:
            allowList === undefined
              ? fc.constant([SOURCE_IP, true] as const)
              : fc.constantFrom(...SOURCES),
          contentType: fc.option(fc.constantFrom(...CONTENT_TYPES), { nil: undefined }),
          base64: fc.boolean(),
          viaHandler: fc.boolean(),
        }),
      );
      await fc.assert(
        fc.asyncProperty(arbitrary, async (c) => {
          const [path, routeOk] = c.route;
          const [sourceIp, sourceOk] = c.source;
          const headers = {
            ...(c.contentType !== undefined && { 'content-type': c.contentType }),
            ...c.header.headers,
          };
          const request: HostileRequest = {
            path,
            headers,
            bytes: c.body.bytes,
            base64: c.base64,
            sourceIp,
          };
          const genuine =
            routeOk &&
            sourceOk &&
            bodyProved(c.fixture, c.body.bytes) &&
            (SIGNS_IN_BODY.has(vendorId) || c.header.genuine);
          judge(
            vendorId,
            request,
            genuine,
            await attempt(vendorId, request, { viaHandler: c.viaHandler }),
          );
        }),
        { numRuns: RUNS },
      );
    });

    it('accepts every fixture as sent, whatever the content type or transfer encoding', async () => {
      for (const fixture of fixtures) {
        for (const contentType of [...CONTENT_TYPES, undefined]) {
          for (const base64 of [false, true]) {
            const request: HostileRequest = {
              path: fixture.route,
              headers: {
                ...(contentType !== undefined && { 'content-type': contentType }),
                ...fixture.headers,
              },
              bytes: Buffer.from(fixture.body),
              base64,
              sourceIp: SOURCE_IP,
            };
            const result = await attempt(vendorId, request, { viaHandler: base64 });
            judge(vendorId, request, true, result);
            expect(result.status, `${fixture.name} as ${String(contentType)}`).toBe(
              answerPolicyOf(vendor.answers).accepted,
            );
          }
        }
      }
    });

    it('accepts a body re-signed with the right key after a change: the oracle is not vacuous', async () => {
      const credentials = parsedCredentials(vendor, fixtureSecret(vendorId));
      for (const fixture of fixtures) {
        const altered = alterSignedPart(fixture);
        const signed = vendor.sign(altered.toString('utf8'), fixture.route, credentials);
        const request = textRequest(fixture.route, Buffer.from(signed.body), {
          ...fixture.headers,
          ...signed.headers,
        });
        const result = await attempt(vendorId, request, { viaHandler: false });
        const policy = answerPolicyOf(vendor.answers);
        expect(result.status, fixture.name).toBe(policy.accepted);
        if (vendor.proof.kind !== 'header-credential') {
          // The same change under the old signature (in the body, or in the headers) is refused.
          const unsigned = await attempt(
            vendorId,
            { ...request, headers: { ...fixture.headers }, bytes: altered },
            { viaHandler: false },
          );
          expect(unsigned.status, fixture.name).toBe(policy.refused.invalid_signature);
        }
      }
    });

    it('answers 413 from one byte over the limit, and takes the body at the limit', async () => {
      const fixture = fixtures[0] as VendorFixture;
      const request = textRequest(fixture.route, Buffer.from(fixture.body), {
        'content-type': 'application/json',
        ...fixture.headers,
      });
      const probe = await attempt(vendorId, request, { viaHandler: false });
      const exact = Buffer.byteLength(JSON.stringify(probe.queued[0]), 'utf8');
      await fc.assert(
        fc.asyncProperty(
          fc.integer({ min: -64, max: 64 }),
          fc.boolean(),
          async (delta, viaHandler) => {
            const result = await attempt(vendorId, request, {
              viaHandler,
              maxMessageBytes: exact + delta,
            });
            judge(vendorId, request, true, result);
            expect(result.status).toBe(delta >= 0 ? answerPolicyOf(vendor.answers).accepted : 413);
          },
        ),
        { numRuns: Math.min(RUNS, 60) },
      );
    });

    it('refuses a body far over the limit before it reads the secret', async () => {
      let reads = 0;
      const secrets: SecretSource = {
        get: async (id) => {
          reads += 1;
          return fixtureSecret(id);
        },
      };
      const fixture = fixtures[0] as VendorFixture;
      for (const size of [4_096, 65_536, 1_048_577]) {
        const request = textRequest(fixture.route, Buffer.alloc(size, 0x20), fixture.headers);
        const result = await attempt(vendorId, request, {
          viaHandler: true,
          maxMessageBytes: 1_024,
          secrets,
        });
        judge(vendorId, request, false, result);
        expect(result.status).toBe(413);
      }
      expect(reads).toBe(0);
    });

    it.each([
      ['10,000 nested arrays', nestedArrays(10_000)],
      ['10,000 nested objects', nestedObjects(10_000)],
      ['100,000 nested arrays, unclosed', '['.repeat(100_000)],
    ])('answers %s without failing', async (_name, body) => {
      for (const fixture of fixtures.slice(0, 2)) {
        for (const bytes of [
          Buffer.from(body),
          Buffer.from(insertMember(fixture.body, `"deep":${body}`, false)),
          Buffer.from(insertMember(fixture.body, `"deep":${body}`, true)),
        ]) {
          const request = textRequest(fixture.route, bytes, fixture.headers);
          const genuine = bodyProved(fixture, bytes);
          const result = await attempt(vendorId, request, { viaHandler: true });
          judge(vendorId, request, genuine, result);
          // Nesting no sender produces is refused as malformed, or, where a header credential
          // vouches for any body (Ondato), queued as text: either way the processor never
          // parses it as JSON, whose JSON.stringify would overflow the stack.
          if (result.status === 200) {
            expect(SIGNS_IN_BODY.has(vendorId)).toBe(false);
            expect(parseJson(bytes.toString('utf8'))).toBeUndefined();
          }
        }
      }
    });
  },
);

/* ------------------------------------------------------ signature-specific deterministic */

describe('hostile ingest: signatures that look right', () => {
  it('treezor: a correctly computed HMAC over a 10,000-level payload is refused, not a crash', async () => {
    const payload = `{"users":[{"userId":"1","kycReview":"2"}],"deep":${nestedArrays(10_000)}}`;
    const signature = createHmac('sha256', 'test_webhook_secret').update(payload).digest('base64');
    const body = `{"webhook":"user.update","webhook_id":"deep-1","object_payload":${payload},"object_payload_signature":${JSON.stringify(signature)}}`;
    const request = textRequest('/webhooks/treezor', Buffer.from(body));
    const result = await attempt('treezor', request, { viaHandler: true });
    judge('treezor', request, true, result);
    // PHP's json_encode stops at depth 512, so Treezor cannot have sent this: it is malformed.
    expect(result.status).toBe(400);
  });

  it('bronid: a well-formed but wrong digest on a 10,000-level body is refused, not a crash', async () => {
    const digest = `bronid_sec_sha256_${'0'.repeat(64)}`;
    const body = `{"verificationStatus":"verified","deep":${nestedArrays(10_000)},"signature":{"version":"1","sha256":"${digest}"}}`;
    const request = textRequest('/webhooks/bronid', Buffer.from(body));
    const result = await attempt('bronid', request, { viaHandler: true });
    judge('bronid', request, false, result);
    expect(result.status).toBe(400);
  });

  it('treezor: a delivery with rewritten unsigned envelope fields is genuine, and a duplicate of the original', async () => {
    const fixture = fixturesOf('treezor').find((f) => f.name === 'user.kycreview') as VendorFixture;
    const root = JSON.parse(fixture.body) as { webhook: Record<string, unknown> };
    root.webhook['webhook_id'] = 'replayed-with-a-new-id';
    root.webhook['webhook_created_at'] = 17000000000000;
    const request = textRequest(fixture.route, Buffer.from(JSON.stringify(root)));
    const result = await attempt('treezor', request, { viaHandler: false });
    expect(bodyGenuine(fixture, request.bytes)).toBe(true);
    expect(result.status).toBe(200);
    // The dedup id is the digest of the signed payload, so the replay collapses into the original.
    expect(result.queued[0]?.dedupId).toBe(fixture.dedupId);
  });

  it('bronid: one intact digest proves the body even when the other is damaged', async () => {
    const fixture = fixturesOf('bronid').find((f) => f.name === 'verified') as VendorFixture;
    const root = JSON.parse(fixture.body) as { signature: Record<string, string> };
    root.signature['keccak256'] = `bronid_sec_keccak256_${'f'.repeat(64)}`;
    const bytes = Buffer.from(JSON.stringify(root));
    const result = await attempt('bronid', textRequest(fixture.route, bytes), {
      viaHandler: false,
    });
    expect(result.status).toBe(200);
  });

  it('a whitespace-flooded Authorization header is judged in linear time', () => {
    const flood = `Basic${' '.repeat(200_000)}x y`;
    const started = performance.now();
    canonicalAuthorization(flood);
    canonicalAuthorization(`Basic a${' \t'.repeat(100_000)}b`);
    // Quadratic backtracking took seconds here; linear work takes about a millisecond.
    expect(performance.now() - started).toBeLessThan(250);
  });
});

/* ----------------------------------------------------------------- Ondato bearer tokens */

describe('hostile ingest: Ondato bearer tokens', () => {
  const secret = fixtureSecret('ondato');
  const [signingKey] = secret['tokenSigningKeys'] as string[];
  const fixture = fixturesOf('ondato')[0] as VendorFixture;
  const issue = (overrides: { now?: Date; key?: string; audience?: string } = {}): string =>
    issueAccessToken(
      {
        clientId: 'ondato-fixtures',
        audience: overrides.audience ?? ONDATO_TOKEN_AUDIENCE,
        now: overrides.now ?? NOW,
        ttlSeconds: DEFAULT_TOKEN_TTL_SECONDS,
      },
      overrides.key ?? (signingKey as string),
    );
  const seconds = (s: number): Date => new Date(NOW.getTime() + s * 1000);
  const segments = (token: string): string[] => token.split('.');
  const b64 = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url');

  /** Tokens and whether our token endpoint could have issued them and they still hold. */
  const TOKENS: readonly (readonly [string, string, boolean])[] = [
    ['fresh', issue(), true],
    ['issued 329 s ago (inside the 30 s skew)', issue({ now: seconds(-329) }), true],
    ['expired (issued 331 s ago)', issue({ now: seconds(-331) }), false],
    ['issued by a clock 29 s ahead', issue({ now: seconds(29) }), true],
    ['issued 31 s in the future', issue({ now: seconds(31) }), false],
    [
      'signed with a foreign key',
      issue({ key: 'a-foreign-signing-key-of-at-least-32-bytes' }),
      false,
    ],
    ['for another audience', issue({ audience: 'urn:kyc-webhooks:webhooks:treezor' }), false],
    [
      'alg none, no signature',
      `${b64({ alg: 'none', typ: 'JWT' })}.${segments(issue())[1] ?? ''}.`,
      false,
    ],
    [
      'alg none, any signature',
      `${b64({ alg: 'none' })}.${segments(issue())[1] ?? ''}.${segments(issue())[2] ?? ''}`,
      false,
    ],
    [
      'claims rewritten, signature kept',
      (() => {
        const [header, payload, signature] = segments(issue());
        const claims = JSON.parse(Buffer.from(payload ?? '', 'base64url').toString()) as Record<
          string,
          unknown
        >;
        return `${header ?? ''}.${b64({ ...claims, exp: 4_102_444_800 })}.${signature ?? ''}`;
      })(),
      false,
    ],
    ['signature removed', segments(issue()).slice(0, 2).join('.'), false],
    ['four segments', `${issue()}.x`, false],
    ['padded base64', `${issue()}=`, false],
    ['5,000 characters', 'a'.repeat(2_500) + '.' + 'b'.repeat(2_498) + '.c', false],
  ];

  it('accepts exactly the tokens it issued that still hold, however they are damaged', async () => {
    const token = fc.oneof(
      { weight: 3, arbitrary: fc.constantFrom(...TOKENS) },
      {
        weight: 2,
        arbitrary: fc.tuple(fc.nat(), fc.nat({ max: 5 })).map(([at, bit]) => {
          const good = issue();
          const i = at % good.length;
          const c = good.charCodeAt(i) ^ (1 << bit);
          const damaged = good.slice(0, i) + String.fromCharCode(c) + good.slice(i + 1);
          return [`char ${i} flipped`, damaged, damaged === good] as const;
        }),
      },
      {
        weight: 1,
        arbitrary: fc
          .string({ maxLength: 300 })
          .map((garbage) => ['random text', garbage, false] as const),
      },
    );
    const scheme = fc.constantFrom(
      ['Bearer', true] as const,
      ['bearer', true] as const,
      ['BEARER', true] as const,
      ['Basic', false] as const,
      ['Token', false] as const,
      ['', false] as const,
    );
    await fc.assert(
      fc.asyncProperty(
        token,
        scheme,
        fc.boolean(),
        async ([, value, valid], [word, schemeOk], viaHandler) => {
          const request = textRequest(fixture.route, Buffer.from(fixture.body), {
            authorization: word === '' ? value : `${word} ${value}`,
          });
          const genuine = valid && schemeOk && value.trim() === value && value !== '';
          const result = await attempt('ondato', request, { viaHandler });
          judge('ondato', request, genuine, result);
          // Liveness too: the body is a genuine Ondato delivery, so the token alone decides.
          expect(result.status === 200, 'accepted exactly when the token holds').toBe(genuine);
        },
      ),
      { numRuns: RUNS },
    );
  });
});

describe('hostile ingest: event ids no sender should send', () => {
  it.each([
    [
      'idwise',
      (id: string) => `{"event":"Finished Journey","body":{"eventId":${JSON.stringify(id)}}}`,
    ],
    ['ondato', (id: string) => `{"id":${JSON.stringify(id)},"type":"Idv.StatusChanged"}`],
  ])('%s: a 100 KB event id is queued under a bounded, stable dedup id', async (vendorId, make) => {
    const vendor = vendorNamed(vendorId);
    const fixture = fixturesOf(vendorId)[0] as VendorFixture;
    const id = 'x'.repeat(100_000);
    const request = textRequest(vendor.routes[0] ?? '', Buffer.from(make(id)), fixture.headers);
    const first = await attempt(vendorId, request, { viaHandler: true });
    const second = await attempt(vendorId, request, { viaHandler: false });
    judge(vendorId, request, true, first);
    const dedupId = first.queued[0]?.dedupId ?? '';
    // DynamoDB keys hold at most 2,048 bytes, and the id is logged with the delivery.
    expect(Buffer.byteLength(dedupId)).toBeLessThanOrEqual(MAX_DEDUP_ID_BYTES);
    expect(second.queued[0]?.dedupId).toBe(dedupId);
  });

  it('treezor: an unsigned webhook_id of 100 KB (a replayed delivery) gets a bounded dedup id', async () => {
    const fixture = fixturesOf('treezor').find((f) => f.name === 'user.kycreview') as VendorFixture;
    const root = JSON.parse(fixture.body) as { webhook: Record<string, unknown> };
    root.webhook['webhook_id'] = 'y'.repeat(100_000);
    const request = textRequest(fixture.route, Buffer.from(JSON.stringify(root)));
    const result = await attempt('treezor', request, { viaHandler: true });
    judge('treezor', request, true, result);
    expect(Buffer.byteLength(result.queued[0]?.dedupId ?? '')).toBeLessThanOrEqual(
      MAX_DEDUP_ID_BYTES,
    );
  });
});
