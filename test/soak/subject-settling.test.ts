import type { SQSRecord } from 'aws-lambda';
import { beforeEach, describe, expect, it } from 'vitest';
import type { EventStore, StoredEvent } from '../../lambdas/core/ports.js';
import { createProcessorHandler, type BatchDeps } from '../../lambdas/processor/process-batch.js';
import { idwiseMessage, lambdaContext, sqsEvent, sqsRecord } from '../support/deliveries.js';
import { crashOn, MemoryEventStore, MemoryPublisher } from '../support/memory-ports.js';

/*
 * Regression tests for defects the soak (npm run soak) found in the processor. Each replays,
 * step by step, an interleaving the soak produced with concurrent copies, crashes and faults.
 * IDWise sends no event time, so its events are ordered by receive time, and two copies of one
 * delivery (a vendor repeat, or a retry after our answer was lost) carry different times.
 */

const silent = { info: () => undefined, warn: () => undefined };
const JOURNEY = 'idwise#journey#64f1c2a9b7e4d3a2c1b0f9e8';
const at = (second: number) => `2026-01-01T00:00:${String(second).padStart(2, '0')}.000Z`;

function harness() {
  const store = new MemoryEventStore();
  const publisher = new MemoryPublisher();
  let clock = Date.parse('2026-02-01T00:00:00.000Z');
  const run = (records: SQSRecord[], overrides: Partial<BatchDeps> = {}) =>
    createProcessorHandler({
      store,
      publisher,
      now: () => new Date(clock),
      includePayload: true,
      // Long enough that no state expires while the test runs (see the retention test).
      retentionDays: 90,
      log: silent,
      ...overrides,
    })(sqsEvent(...records), lambdaContext(30_000));
  const afterVisibilityTimeout = () => {
    clock += 180_000;
  };
  const published = (eventId: string) =>
    publisher.published.filter((event) => event.detail.eventId === `idwise:${eventId}`);
  return { store, publisher, run, afterVisibilityTimeout, published };
}

/** An IDWise delivery of `eventId` received at `second`, carrying `decision`. */
function copy(eventId: string, second: number, decision = 'Refer', messageId?: string): SQSRecord {
  return sqsRecord(
    idwiseMessage({ eventId, finalDecision: decision, receivedAt: at(second) }),
    messageId,
  );
}

/** The store, but one write or read of an event behaves as a concurrent attempt made it. */
function interleaved(
  store: MemoryEventStore,
  around: { beforeCreate?: (event: StoredEvent) => void; hideFirstRead?: string },
): EventStore {
  let hidden = false;
  return {
    getEvent: async (eventId) => {
      if (eventId === around.hideFirstRead && !hidden) {
        hidden = true;
        return undefined;
      }
      return store.getEvent(eventId);
    },
    createEvent: async (event) => {
      around.beforeCreate?.(event);
      return store.createEvent(event);
    },
    takeLease: (...args) => store.takeLease(...args),
    markPublished: (...args) => store.markPublished(...args),
    getSubject: (key) => store.getSubject(key),
    saveSubject: (...args) => store.saveSubject(...args),
  };
}

const failedIds = (response: { batchItemFailures: { itemIdentifier: string }[] }) =>
  response.batchItemFailures.map((failure) => failure.itemIdentifier);

describe('soak regressions: subject state under crashes and concurrent copies', () => {
  let h: ReturnType<typeof harness>;
  beforeEach(() => {
    h = harness();
  });

  it('stores an event at the time its subject recorded, when another copy applied it', async () => {
    // Copy B (received at :30) applies the event, then its invocation dies before storing it.
    const b = copy('x', 30, 'Refer', 'b');
    const crashed = await h.run([b], { store: crashOn<EventStore>(h.store, 'createEvent') });
    expect(failedIds(crashed)).toEqual(['b']);

    // Copy A (received at :10) comes first: the subject already holds the event, at :30.
    h.afterVisibilityTimeout();
    await h.run([copy('x', 10, 'Refer', 'a')]);
    const stored = h.store.events.get('idwise:x');
    expect(stored?.detail).toMatchObject({ occurredAt: at(30), receivedAt: at(30) });
    expect(h.store.subjects.get(JOURNEY)).toMatchObject({
      eventId: 'idwise:x',
      occurredAt: at(30),
    });

    // So an event received at :20 is older than the subject's state, by the stored history too.
    await h.run([copy('y', 20, 'Rejected')]);
    expect(h.published('y')[0]?.detail).toMatchObject({ outOfOrder: true });
    expect(h.store.subjects.get(JOURNEY)?.eventId).toBe('idwise:x');
  });

  it('lets no newer event replace a state whose event is not stored yet', async () => {
    await h.run([copy('w', 1, 'Refer')]);
    // X is applied, then its invocation dies before storing it.
    const x = copy('x', 2, 'Incomplete', 'x');
    await h.run([x], { store: crashOn<EventStore>(h.store, 'createEvent') });
    expect(h.store.subjects.get(JOURNEY)?.eventId).toBe('idwise:x');

    // Y is newer, but must wait for X: replacing X now would publish Y with X's status as the
    // previous one, while X's retry would then find itself older and publish as out of order.
    const y = copy('y', 3, 'Approved', 'y');
    const waiting = await h.run([y]);
    expect(failedIds(waiting)).toEqual(['y']);
    expect(h.store.subjects.get(JOURNEY)?.eventId).toBe('idwise:x');

    h.afterVisibilityTimeout();
    await h.run([x]);
    await h.run([y]);
    expect(h.published('x')[0]?.detail).toMatchObject({
      previousStatus: 'in_review',
      outOfOrder: false,
    });
    expect(h.published('y')[0]?.detail).toMatchObject({
      previousStatus: 'in_progress',
      outOfOrder: false,
    });
    expect(h.store.subjects.get(JOURNEY)).toMatchObject({
      eventId: 'idwise:y',
      status: 'approved',
    });
  });

  it('does not wait for the event of an expired state, which retention may have removed', async () => {
    await h.run([copy('w', 1, 'Refer')]);
    h.store.events.delete('idwise:w');
    const expired = h.store.subjects.get(JOURNEY);
    if (!expired) throw new Error('no subject');
    h.store.subjects.set(JOURNEY, { ...expired, expiresAt: 0 });

    const response = await h.run([copy('y', 2, 'Approved')]);
    expect(response.batchItemFailures).toEqual([]);
    expect(h.store.subjects.get(JOURNEY)?.eventId).toBe('idwise:y');
  });

  it('resumes an event stored meanwhile instead of applying it again over a newer state', async () => {
    // Copy A of X (:10) is applied and stored, then Y (:20) replaces it.
    await h.run([copy('x', 10, 'Refer')]);
    await h.run([copy('y', 20, 'Approved')]);

    // Copy B of X (:30) looked for the event before A stored it, and reads the subject after Y.
    const store = interleaved(h.store, { hideFirstRead: 'idwise:x' });
    const response = await h.run([copy('x', 30, 'Refer')], { store });

    expect(response.batchItemFailures).toEqual([]);
    expect(h.published('x')).toHaveLength(1);
    expect(h.store.subjects.get(JOURNEY)).toMatchObject({
      eventId: 'idwise:y',
      occurredAt: at(20),
    });
  });

  it('withdraws its subject change when a copy that found the event older stored it first', async () => {
    await h.run([copy('y', 20, 'Approved')]);
    const before = h.store.subjects.get(JOURNEY);

    // Copy V (:30) finds X newer than Y and applies it. Meanwhile copy T (:10) found X older
    // than Y and stored it as out of order, before V could store it.
    const store = interleaved(h.store, {
      beforeCreate: (event) => {
        void h.store.createEvent({
          ...event,
          detail: {
            ...event.detail,
            occurredAt: at(10),
            receivedAt: at(10),
            previousStatus: 'approved',
            outOfOrder: true,
          },
          leaseUntil: at(0),
        });
      },
    });
    const response = await h.run([copy('x', 30, 'Refer')], { store });

    expect(response.batchItemFailures).toEqual([]);
    // The stored copy is the event; the subject is back to Y, as that copy said it was.
    expect(h.published('x')[0]?.detail).toMatchObject({ outOfOrder: true, occurredAt: at(10) });
    expect(h.store.subjects.get(JOURNEY)).toMatchObject({
      eventId: 'idwise:y',
      status: 'approved',
      occurredAt: at(20),
      version: (before?.version ?? 0) + 2,
    });
  });

  it('judges no event against a state that is not settled, since it may be withdrawn', async () => {
    await h.run([copy('y', 20, 'Approved')]);
    let late: Promise<unknown> | undefined;
    const store = interleaved(h.store, {
      beforeCreate: (event) => {
        // As above, copy T (:10) stores X as out of order before copy V (:30) can store it...
        void h.store.createEvent({
          ...event,
          detail: {
            ...event.detail,
            occurredAt: at(10),
            receivedAt: at(10),
            previousStatus: 'approved',
            outOfOrder: true,
          },
          leaseUntil: at(0),
        });
        // ...and Z (:25) arrives while the subject still names X at :30, which V withdraws.
        late = h.run([copy('z', 25, 'Rejected')]);
      },
    });
    await h.run([copy('x', 30, 'Refer')], { store });
    await late;

    // Z is newer than Y, the state X was withdrawn to: it must not be lost as out of order.
    expect(h.published('z')[0]?.detail).toMatchObject({
      outOfOrder: false,
      previousStatus: 'approved',
    });
    expect(h.store.subjects.get(JOURNEY)).toMatchObject({
      eventId: 'idwise:z',
      status: 'rejected',
    });
  });
});
