import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import type { OutgoingEvent } from '../../lambdas/core/event.js';
import type { SubjectState } from '../../lambdas/core/ports.js';
import type { QueueMessage } from '../../lambdas/core/queue-message.js';
import { signatureMembersOf, type Vendor } from '../../lambdas/core/vendor.js';
import { ingestDelivery } from '../../lambdas/ingest/ingest-delivery.js';
import { createProcessorHandler } from '../../lambdas/processor/process-batch.js';
import { VENDORS } from '../../lambdas/vendors/registry.js';
import { lambdaContext, sqsEvent, sqsRecord } from '../support/deliveries.js';
import {
  MemoryEventStore,
  MemoryPublisher,
  MemoryQueue,
  StaticSecretSource,
} from '../support/memory-ports.js';
import {
  fixtureSecret,
  fixturesOf,
  NOW,
  runsFor,
  SOURCE_IP,
  type VendorFixture,
} from './hostile-support.js';

/**
 * Only what a vendor signed can change state (DESIGN §3.2). For every vendor that signs inside
 * the body, each genuine fixture is delivered once, then again with everything outside its
 * signed bytes rewritten at random — event name, ids, times, object, wrapping, member order,
 * whitespace, extra members, the signature member's own layout. Every rewritten copy must be
 * refused, or stored as a duplicate of the original, or published without changing any
 * subject; and no published event may carry a signature. The suite reports how many cases
 * reached each of those paths, so a run that never reached one says so.
 */

const RUNS = runsFor(40);
const silent = { info: () => undefined, warn: () => undefined };

type Path = 'refused' | 'duplicate' | 'published, no subject changed';
const tally = new Map<string, Record<Path, number>>();
function record(vendorId: string, path: Path): void {
  const row = tally.get(vendorId) ?? {
    refused: 0,
    duplicate: 0,
    'published, no subject changed': 0,
  };
  row[path] += 1;
  tally.set(vendorId, row);
}

afterAll(() => {
  for (const [vendorId, row] of [...tally].sort(([a], [b]) => a.localeCompare(b))) {
    const total = Object.values(row).reduce((sum, n) => sum + n, 0);
    const parts = Object.entries(row).map(([path, n]) => `${n} ${path}`);
    console.info(`signed bytes · ${vendorId}: ${total} rewritten deliveries: ${parts.join(', ')}`);
  }
});

/* ------------------------------------------------------------------- the pipeline, in memory */

/** Ingest and the processor over in-memory ports, sharing one store across deliveries. */
function pipeline(vendor: Vendor) {
  const store = new MemoryEventStore();
  const publisher = new MemoryPublisher();
  const secrets = new StaticSecretSource({ [vendor.id]: fixtureSecret(vendor.id) });
  const processor = createProcessorHandler({
    store,
    publisher,
    now: () => NOW,
    includePayload: true,
    retentionDays: 30,
    log: silent,
  });
  let sequence = 0;

  /** Delivers `body`; `undefined` when ingest refused it, else the events it published. */
  async function deliver(route: string, body: string): Promise<OutgoingEvent[] | undefined> {
    const queue = new MemoryQueue();
    sequence += 1;
    const { answer } = await ingestDelivery(
      {
        path: route,
        headers: { 'content-type': 'application/json' },
        body,
        isBase64Encoded: false,
        sourceIp: SOURCE_IP,
        requestId: `signed-bytes-${sequence}`,
        now: NOW,
      },
      { secrets, queue, vendorId: vendor.id },
    );
    if (answer.statusCode !== 200) return undefined;
    const [message] = queue.messages as [QueueMessage];
    const before = publisher.published.length;
    const response = await processor(sqsEvent(sqsRecord(message)), lambdaContext());
    expect(response.batchItemFailures).toEqual([]);
    return publisher.published.slice(before);
  }

  const subjects = (): Map<string, SubjectState> => structuredClone(store.subjects);
  return { deliver, subjects, publisher, store };
}

/* ------------------------------------------------------------ reading a body without the code */

/** The exact text of the JSON value that starts at `start` (a small scanner, not json-span). */
function valueText(text: string, start: number): string {
  let depth = 0;
  let inString = false;
  for (let i = start; i < text.length; i += 1) {
    const c = text[i];
    if (inString) {
      if (c === '\\') i += 1;
      else if (c === '"') inString = false;
    } else if (c === '"') inString = true;
    else if (c === '{' || c === '[') depth += 1;
    else if (c === '}' || c === ']') {
      depth -= 1;
      if (depth === 0) return text.slice(start, i + 1);
    }
  }
  throw new Error('unterminated value');
}

/** The raw text of the one `"object_payload":` value in a Treezor body. */
function treezorPayloadText(body: string): string {
  const key = /"object_payload"\s*:\s*/.exec(body);
  if (!key) throw new Error('no object_payload');
  return valueText(body, key.index + key[0].length);
}

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/* ------------------------------------------------------------------------- random rewrites */

const anyText = fc.string({ maxLength: 24 });
const anyScalar: fc.Arbitrary<Json> = fc.oneof(
  anyText,
  fc.integer(),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.boolean(),
  fc.constant(null),
);
const whitespace = fc.constantFrom('', ' ', '\n', '\t', '  ', '\r\n    ');

/** Members written in `order`, each value already JSON text, with random whitespace. */
function objectText(members: readonly [string, string][], gaps: readonly string[]): string {
  const gap = (i: number) => gaps[i % gaps.length] ?? '';
  const parts = members.map(
    ([key, value], i) => `${gap(i)}${JSON.stringify(key)}${gap(i + 1)}:${gap(i + 2)}${value}`,
  );
  return `{${parts.join(',')}${gap(members.length)}}`;
}

/** Treezor's unsigned envelope, rewritten: every field but the payload and its signature. */
const treezorEnvelope = fc.record(
  {
    webhook: fc.oneof(
      fc.constantFrom(
        'user.cancel',
        'user.kycreview',
        'document.cancel',
        'kycliveness.update',
        'qes.finalized',
        'videoConference.finalized',
        'kycreview.result',
        'card.create',
      ),
      anyText,
    ),
    webhook_id: fc.oneof(fc.uuid(), anyText, fc.integer()),
    webhook_created_at: fc.oneof(
      // Now and the future, in Treezor's 10⁻⁴ s, milliseconds and seconds; and nonsense.
      fc.constant(NOW.getTime() * 10),
      fc.integer({ min: 0, max: 99_999_999_999_999 }),
      fc.constant(NOW.getTime()),
      anyText,
    ),
    object: fc.oneof(fc.constantFrom('user', 'document', 'identification', 'kyc'), anyText),
    object_id: fc.oneof(fc.constantFrom('6461762', '1', 'someone-else'), anyText),
  },
  { requiredKeys: [] },
);

const treezorRewrite = fc.record({
  envelope: treezorEnvelope,
  extra: fc.dictionary(
    fc.string({ minLength: 1, maxLength: 8 }).filter((k) => !k.startsWith('object_payload')),
    anyScalar,
    { maxKeys: 3 },
  ),
  wrapped: fc.boolean(),
  wrapper: fc.record({ messageId: fc.uuid(), webhookId: fc.uuid(), clientId: anyText }),
  /** The same signature string, with `/` escaped as PHP writes it or not. */
  escapeSlashes: fc.boolean(),
  order: fc.array(fc.nat(), { minLength: 12, maxLength: 12 }),
  gaps: fc.array(whitespace, { minLength: 1, maxLength: 6 }),
});

type TreezorRewrite = typeof treezorRewrite extends fc.Arbitrary<infer R> ? R : never;

function rewriteTreezor(body: string, rewrite: TreezorRewrite): string {
  const root = JSON.parse(body) as Record<string, Json>;
  const inner = root['webhook'];
  const envelope = (typeof inner === 'object' && inner !== null ? inner : root) as Record<
    string,
    Json
  >;
  const signature = envelope['object_payload_signature'];
  if (typeof signature !== 'string') throw new Error('fixture without a signature');
  const signatureText = rewrite.escapeSlashes
    ? JSON.stringify(signature).replaceAll('/', '\\/')
    : JSON.stringify(signature);
  const members: [string, string][] = [
    ['object_payload', treezorPayloadText(body)],
    ['object_payload_signature', signatureText],
    ...Object.entries({ ...rewrite.extra, ...rewrite.envelope }).map(
      ([key, value]): [string, string] => [key, JSON.stringify(value)],
    ),
  ];
  const shuffled = shuffle(members, rewrite.order);
  const envelopeText = objectText(shuffled, rewrite.gaps);
  if (!rewrite.wrapped) return envelopeText;
  return objectText(
    shuffle(
      [
        ['webhook', envelopeText],
        ['messageId', JSON.stringify(rewrite.wrapper.messageId)],
        ['webhookId', JSON.stringify(rewrite.wrapper.webhookId)],
        ['clientId', JSON.stringify(rewrite.wrapper.clientId)],
      ],
      rewrite.order,
    ),
    rewrite.gaps,
  );
}

/** bronID signs the content without `signature`: whitespace and the signature's layout are free. */
const bronidRewrite = fc.record({
  indent: fc.constantFrom(0, 1, 2, 4, '\t'),
  signatureFirst: fc.boolean(),
  upperCaseDigests: fc.boolean(),
  drop: fc.constantFrom(undefined, 'sha256', 'keccak256'),
  signatureExtra: fc.dictionary(fc.string({ minLength: 1, maxLength: 8 }), anyScalar, {
    maxKeys: 2,
  }),
  /** Write a whole number as `1.0`: the same number, other bytes. */
  floatTimestamp: fc.boolean(),
});

type BronidRewrite = typeof bronidRewrite extends fc.Arbitrary<infer R> ? R : never;

function rewriteBronid(body: string, rewrite: BronidRewrite): string {
  const { signature, ...content } = JSON.parse(body) as Record<string, Json>;
  const digests = { ...(signature as Record<string, Json>) };
  if (rewrite.drop !== undefined) delete digests[rewrite.drop];
  for (const name of ['sha256', 'keccak256']) {
    const value = digests[name];
    if (typeof value === 'string' && rewrite.upperCaseDigests) {
      const prefix = value.slice(0, value.lastIndexOf('_') + 1);
      digests[name] = prefix + value.slice(prefix.length).toUpperCase();
    }
  }
  const written = { ...rewrite.signatureExtra, ...digests };
  const ordered = rewrite.signatureFirst
    ? { signature: written, ...content }
    : { ...content, signature: written };
  const text = JSON.stringify(ordered, null, rewrite.indent);
  return rewrite.floatTimestamp
    ? text.replace(/("timestamp"\s*:\s*)(\d+)([,\s}])/, '$1$2.0$3')
    : text;
}

function shuffle<T>(items: readonly T[], keys: readonly number[]): T[] {
  return items
    .map((item, i) => ({ item, key: keys[i % keys.length] ?? 0, i }))
    .sort((a, b) => a.key - b.key || a.i - b.i)
    .map(({ item }) => item);
}

/** Per vendor: the random rewrite (printed as the counterexample) and how it is applied. */
interface Rewrite<R> {
  readonly arbitrary: fc.Arbitrary<R>;
  readonly apply: (body: string, rewrite: R) => string;
}
const rewriteOf = <R>(arbitrary: fc.Arbitrary<R>, apply: (body: string, rewrite: R) => string) =>
  ({ arbitrary, apply }) as Rewrite<unknown>;

const REWRITES: Readonly<Record<string, Rewrite<unknown>>> = {
  treezor: rewriteOf(treezorRewrite, rewriteTreezor),
  bronid: rewriteOf(bronidRewrite, rewriteBronid),
};

/* ------------------------------------------------------------------------------------ tests */

/** Every signature member the vendor declares is absent from the published payload. */
function expectNoSignature(vendor: Vendor, events: readonly OutgoingEvent[], body: string): void {
  const signatureValues = signatureMembersOf(vendor.proof).flatMap((path) => {
    let value: unknown = JSON.parse(body);
    for (const key of path) value = (value as Record<string, unknown> | null)?.[key];
    return value === undefined ? [] : [JSON.stringify(value)];
  });
  for (const event of events) {
    const published = JSON.stringify(event.detail);
    for (const value of signatureValues) expect(published).not.toContain(value.slice(1, -1));
  }
}

const IN_BODY = VENDORS.filter((vendor) => vendor.proof.kind === 'body-signature');

describe('every vendor that signs in its body has a rewrite for this suite', () => {
  it.each(IN_BODY.map((vendor) => [vendor.id]))('%s', (vendorId) => {
    expect(REWRITES[vendorId], `add a rewrite of ${vendorId}'s unsigned parts`).toBeDefined();
  });
});

describe.each(IN_BODY.map((vendor) => [vendor.id, vendor] as const))(
  'only signed bytes change state: %s',
  (vendorId, vendor) => {
    const fixtures = fixturesOf(vendorId);
    const rewrite = REWRITES[vendorId] as Rewrite<unknown>;

    it.each(fixtures.map((fixture) => [fixture.name, fixture] as const))(
      '%s: a rewritten copy is refused, a duplicate, or changes no subject',
      async (_name, fixture: VendorFixture) => {
        const { deliver, subjects } = pipeline(vendor);
        const original = await deliver(fixture.route, fixture.body);
        expect(original, 'the genuine fixture is accepted').toBeDefined();
        expectNoSignature(vendor, original ?? [], fixture.body);

        await fc.assert(
          fc.asyncProperty(rewrite.arbitrary, async (change) => {
            const body = rewrite.apply(fixture.body, change);
            const before = subjects();
            const published = await deliver(fixture.route, body);
            if (published === undefined) return record(vendorId, 'refused');
            expectNoSignature(vendor, published, body);
            expect(subjects(), 'a rewritten copy changed a subject').toEqual(before);
            record(
              vendorId,
              published.length === 0 ? 'duplicate' : 'published, no subject changed',
            );
          }),
          { numRuns: RUNS },
        );
      },
    );

    it('reached the duplicate path: the rewrites kept deliveries genuine', () => {
      expect(tally.get(vendorId)?.duplicate ?? 0).toBeGreaterThan(0);
    });
  },
);

describe('the attacks that motivated this suite, replayed against Treezor', () => {
  const treezor = VENDORS.find((vendor) => vendor.id === 'treezor') as Vendor;
  const credentials = treezor.parseCredentials(fixtureSecret('treezor'), {
    allowUnauthenticated: false,
  });
  const route = treezor.routes[0] ?? '';
  /** A genuine review of user 42 at a signed Paris time, signed with the fixture secret. */
  const review = (kycReview: string, modifiedDate: string, envelope: Record<string, Json> = {}) =>
    treezor.sign(
      JSON.stringify({
        webhook: 'user.kycreview',
        webhook_id: `review-${kycReview}`,
        object_payload: { users: [{ userId: '42', kycReview, kycLevel: '2', modifiedDate }] },
        ...envelope,
      }),
      route,
      credentials,
    ).body;
  const state = (subjects: Map<string, SubjectState>) => subjects.get('treezor#user#42')?.status;

  it('an old approval re-sent with a fresh id and time does not re-approve a rejected user', async () => {
    const { deliver, subjects } = pipeline(treezor);
    const approval = review('2', '2026-05-01 10:00:00');
    await deliver(route, approval);
    await deliver(route, review('3', '2026-05-20 10:00:00'));
    expect(state(subjects())).toBe('rejected');

    const replayed = JSON.parse(approval) as Record<string, Json>;
    replayed['webhook_id'] = 'a-fresh-id';
    replayed['webhook_created_at'] = NOW.getTime() * 10;
    expect(await deliver(route, JSON.stringify(replayed))).toEqual([]);
    expect(state(subjects())).toBe('rejected');
  });

  it('a review renamed user.cancel cancels nothing', async () => {
    const { deliver, subjects } = pipeline(treezor);
    const approval = JSON.parse(review('2', '2026-05-01 10:00:00')) as Record<string, Json>;
    approval['webhook'] = 'user.cancel';
    approval['webhook_id'] = 'renamed';
    const [event] = (await deliver(route, JSON.stringify(approval))) ?? [];
    expect(event?.detail).toMatchObject({ status: 'approved', vendorEventType: 'user.cancel' });
    expect(state(subjects())).toBe('approved');
  });

  it('200 copies with fresh ids publish one approval', async () => {
    const { deliver, publisher } = pipeline(treezor);
    const approval = JSON.parse(review('2', '2026-05-01 10:00:00')) as Record<string, Json>;
    for (let n = 0; n < 200; n += 1) {
      await deliver(route, JSON.stringify({ ...approval, webhook_id: `copy-${n}` }));
    }
    expect(publisher.published).toHaveLength(1);
  });

  it('object_id retargets nothing: the subject is the signed user id', async () => {
    const { deliver } = pipeline(treezor);
    const body = review('2', '2026-05-01 10:00:00', { object: 'user', object_id: 'victim' });
    const [event] = (await deliver(route, body)) ?? [];
    expect(event?.detail.subject).toEqual({ kind: 'user', id: '42' });
  });
});
