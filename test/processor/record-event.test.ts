import type { SQSRecord } from 'aws-lambda';
import { beforeEach, describe, expect, it } from 'vitest';
import { StoreBusyError } from '../../lambdas/core/errors.js';
import type { EventStore, RecordAnswer, StoredEvent } from '../../lambdas/core/ports.js';
import { idwiseMessage, sqsRecord } from '../support/deliveries.js';
import type { MemoryEventStore } from '../support/memory-ports.js';
import { crashOn } from '../support/memory-ports.js';
import { processorHarness } from '../support/processor-harness.js';

/*
 * The subject/event protocol (lambdas/processor/record-event.ts) under the interleavings the
 * soak produces: concurrent copies of a delivery, crashes, and other events of the subject
 * written between an attempt's reads and its write. IDWise sends no event time, so its events
 * are ordered by receive time, and two copies of one delivery (a vendor repeat, or a retry
 * after our answer was lost) carry different times.
 */

const JOURNEY = 'idwise#journey#64f1c2a9b7e4d3a2c1b0f9e8';
const at = (second: number) => `2026-01-01T00:00:${String(second).padStart(2, '0')}.000Z`;

const harness = () =>
  processorHarness({ start: '2026-02-01T00:00:00.000Z', retentionDays: 90, vendor: 'idwise' });

/** An IDWise delivery of `eventId` received at `second`, carrying `decision`. */
function copy(eventId: string, second: number, decision = 'Refer', messageId?: string): SQSRecord {
  return sqsRecord(
    idwiseMessage({ eventId, finalDecision: decision, receivedAt: at(second) }),
    messageId,
  );
}

/**
 * The store, with `meanwhile` run once between an attempt's reads and its first write: what
 * another attempt does in that window. `answers` replaces the first answers of `recordEvent`
 * without writing anything (what a refused write looks like).
 */
function interleaved(
  store: MemoryEventStore,
  options: { meanwhile?: () => Promise<unknown>; answers?: RecordAnswer[]; busy?: number },
): EventStore {
  let meanwhile = options.meanwhile;
  const answers = [...(options.answers ?? [])];
  let busy = options.busy ?? 0;
  return {
    getEvent: (eventId) => store.getEvent(eventId),
    getSubject: (key) => store.getSubject(key),
    recordEvent: async (event, change) => {
      const before = meanwhile;
      meanwhile = undefined;
      await before?.();
      const answer = answers.shift();
      if (answer) return answer;
      if (busy > 0) {
        busy -= 1;
        throw new StoreBusyError('conflict', 'TransactionConflict on the subject item');
      }
      return store.recordEvent(event, change);
    },
    reviseEvent: (...args) => store.reviseEvent(...args),
    takeLease: (...args) => store.takeLease(...args),
    markPublished: (...args) => store.markPublished(...args),
  };
}

const failedIds = (response: { batchItemFailures: { itemIdentifier: string }[] }) =>
  response.batchItemFailures.map((failure) => failure.itemIdentifier);

function storedEvent(store: MemoryEventStore, eventId: string): StoredEvent | undefined {
  return store.events.get(`idwise:${eventId}`);
}

describe('storing an event and advancing its subject in one write', () => {
  let h: ReturnType<typeof harness>;
  beforeEach(() => {
    h = harness();
  });

  it('keeps the copy that stored the event, with the time its subject records', async () => {
    // Copy B (received at :30) stores the event and its subject change, then its invocation
    // dies before publishing.
    const crashed = await h.run([copy('x', 30, 'Refer', 'b')], {
      store: crashOn<EventStore>(h.store, 'recordEvent', { when: 'after' }),
    });
    expect(failedIds(crashed)).toEqual(['b']);

    // Copy A (received at :10) finds the event stored, and publishes it as stored.
    h.afterVisibilityTimeout();
    await h.run([copy('x', 10, 'Refer', 'a')]);
    expect(h.published('x').map((event) => event.detail)).toEqual([
      expect.objectContaining({ occurredAt: at(30), receivedAt: at(30) }),
    ]);
    expect(h.store.subjects.get(JOURNEY)).toMatchObject({
      eventId: 'idwise:x',
      occurredAt: at(30),
    });

    // So an event received at :20 is older than the subject's state, by the stored history too.
    await h.run([copy('y', 20, 'Rejected')]);
    expect(h.published('y')[0]?.detail).toMatchObject({ outOfOrder: true });
    expect(h.store.subjects.get(JOURNEY)?.eventId).toBe('idwise:x');
  });

  it('leaves neither the event nor a subject change when it dies before the write', async () => {
    await h.run([copy('w', 1, 'Refer')]);
    const before = h.store.subjects.get(JOURNEY);
    const x = copy('x', 2, 'Incomplete', 'x');
    const crashed = await h.run([x], { store: crashOn<EventStore>(h.store, 'recordEvent') });
    expect(failedIds(crashed)).toEqual(['x']);
    expect(storedEvent(h.store, 'x')).toBeUndefined();
    expect(h.store.subjects.get(JOURNEY)).toEqual(before);

    // A newer event need not wait for it; X's retry then finds itself older.
    await h.run([copy('y', 3, 'Approved')]);
    h.afterVisibilityTimeout();
    await h.run([x]);
    expect(h.published('y')[0]?.detail).toMatchObject({
      previousStatus: 'in_review',
      outOfOrder: false,
    });
    expect(h.published('x')[0]?.detail).toMatchObject({
      previousStatus: 'approved',
      outOfOrder: true,
    });
    expect(h.store.subjects.get(JOURNEY)).toMatchObject({ eventId: 'idwise:y' });
  });

  it('writes a new event without reading it first, and reads it only once its write finds it', async () => {
    const calls: string[] = [];
    const counted = new Proxy(h.store, {
      get(target, name, receiver) {
        const value: unknown = Reflect.get(target, name, receiver);
        if (typeof value !== 'function') return value;
        return (...args: unknown[]) => {
          calls.push(String(name));
          return (value as (...a: unknown[]) => unknown).apply(target, args);
        };
      },
    });
    await h.run([copy('x', 1)], { store: counted });
    expect(calls).toEqual(['getSubject', 'recordEvent', 'markPublished']);

    // A second delivery of it: the write is refused, then the event is read, and it is skipped.
    calls.length = 0;
    const again = await h.run([copy('x', 2)], { store: counted });
    expect(again.batchItemFailures).toEqual([]);
    expect(calls).toEqual(['getSubject', 'recordEvent', 'getEvent']);
    expect(h.published('x')).toHaveLength(1);
  });

  it('judges again when another event moves the subject between its reads and its write', async () => {
    await h.run([copy('w', 1, 'Refer')]);
    // X (:2) read the subject at W; Y (:3) is stored before X writes.
    const store = interleaved(h.store, { meanwhile: () => h.run([copy('y', 3, 'Approved')]) });
    const response = await h.run([copy('x', 2, 'Incomplete')], { store });

    expect(response.batchItemFailures).toEqual([]);
    expect(h.published('x')[0]?.detail).toMatchObject({
      previousStatus: 'approved',
      outOfOrder: true,
    });
    expect(h.published('y')[0]?.detail).toMatchObject({ previousStatus: 'in_review' });
    expect(h.store.subjects.get(JOURNEY)).toMatchObject({ eventId: 'idwise:y', version: 2 });
  });

  it('stores an older event only against the state it was judged on', async () => {
    await h.run([copy('y', 5, 'Refer')]);
    // X (:1) is older than Y; meanwhile Z (:9) replaces Y. X says which state it found stale.
    const store = interleaved(h.store, { meanwhile: () => h.run([copy('z', 9, 'Rejected')]) });
    await h.run([copy('x', 1, 'Approved')], { store });

    expect(h.published('x')[0]?.detail).toMatchObject({
      previousStatus: 'rejected',
      outOfOrder: true,
    });
    expect(h.store.subjects.get(JOURNEY)).toMatchObject({ eventId: 'idwise:z' });
  });

  it('resumes an event another copy stored between its reads and its write', async () => {
    await h.run([copy('w', 1, 'Refer')]);
    // Copy B of X (:30) found no event; copy A (:10) stores and publishes it first.
    const store = interleaved(h.store, { meanwhile: () => h.run([copy('x', 10, 'Approved')]) });
    const response = await h.run([copy('x', 30, 'Approved')], { store });

    expect(response.batchItemFailures).toEqual([]);
    expect(h.published('x')).toHaveLength(1);
    expect(h.published('x')[0]?.detail).toMatchObject({ occurredAt: at(10) });
    expect(h.store.subjects.get(JOURNEY)).toMatchObject({
      eventId: 'idwise:x',
      occurredAt: at(10),
    });
  });

  it('reads again after a refused write that changed nothing, and gives up after five', async () => {
    const twice = interleaved(h.store, { answers: ['subject-moved', 'event-exists'] });
    expect((await h.run([copy('x', 1)], { store: twice })).batchItemFailures).toEqual([]);
    expect(h.published('x')).toHaveLength(1);

    const always = interleaved(h.store, { answers: Array(5).fill('subject-moved') });
    const refused = await h.run([copy('y', 2, 'Approved', 'y')], { store: always });
    expect(failedIds(refused)).toEqual(['y']);
    expect(storedEvent(h.store, 'y')).toBeUndefined();
    await h.run([copy('y', 2, 'Approved', 'y')]);
    expect(h.published('y')[0]?.detail).toMatchObject({ previousStatus: 'in_review' });
  });

  it('fails the record on a conflict or throttling, and its retry stores the event once', async () => {
    const store = interleaved(h.store, { busy: 1 });
    const response = await h.run([copy('x', 1, 'Refer', 'x')], { store });
    expect(failedIds(response)).toEqual(['x']);
    expect(storedEvent(h.store, 'x')).toBeUndefined();

    await h.run([copy('x', 1, 'Refer', 'x')], { store });
    expect(h.published('x')).toHaveLength(1);
    expect(h.store.subjects.get(JOURNEY)).toMatchObject({ eventId: 'idwise:x', version: 1 });
  });
});
