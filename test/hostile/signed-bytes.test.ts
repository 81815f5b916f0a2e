import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import type { OutgoingEvent } from '../../lambdas/core/event.js';
import type { SubjectState } from '../../lambdas/core/ports.js';
import type { QueueMessage } from '../../lambdas/core/queue-message.js';
import { signatureMembersOf, type Vendor } from '../../lambdas/core/vendor.js';
import { ingestDelivery } from '../../lambdas/ingest/ingest-delivery.js';
import { createProcessorHandler } from '../../lambdas/processor/process-batch.js';
import { VENDORS } from '../../lambdas/vendors/registry.js';
import {
  loadSigningOracles,
  signingOracleFile,
  signingOracleOf,
} from '../suites/signing-oracle.js';
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
import type { Json } from './json-text.js';

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
const ORACLES = await loadSigningOracles(IN_BODY);

describe('every vendor that signs in its body has a rewrite for this suite', () => {
  it.each(IN_BODY.map((vendor) => [vendor.id]))('%s', (vendorId) => {
    expect(
      ORACLES.get(vendorId),
      `add a rewrite of ${vendorId}'s unsigned parts in ${signingOracleFile(vendorId)}`,
    ).toBeDefined();
  });
});

describe.each(IN_BODY.map((vendor) => [vendor.id, vendor] as const))(
  'only signed bytes change state: %s',
  (vendorId, vendor) => {
    const fixtures = fixturesOf(vendorId);

    it.each(fixtures.map((fixture) => [fixture.name, fixture] as const))(
      '%s: a rewritten copy is refused, a duplicate, or changes no subject',
      async (_name, fixture: VendorFixture) => {
        const { rewrite, applyRewrite } = signingOracleOf(ORACLES, vendorId);
        const { deliver, subjects } = pipeline(vendor);
        const original = await deliver(fixture.route, fixture.body);
        expect(original, 'the genuine fixture is accepted').toBeDefined();
        expectNoSignature(vendor, original ?? [], fixture.body);

        await fc.assert(
          fc.asyncProperty(rewrite, async (change) => {
            const body = applyRewrite(fixture.body, change);
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
