import { beforeEach, describe, expect, it } from 'vitest';
import type {
  EventFilter,
  EventHistory,
  EventSummary,
} from '../../lambdas/adapters/dynamo-event-history.js';
import type { EventDetail } from '../../lambdas/core/event.js';
import type { StoredEvent } from '../../lambdas/core/ports.js';
import { processRecord } from '../../lambdas/processor/process-record.js';
import { replayEvent, selectEvents, type ReplayDeps } from '../../cli/replay.js';
import { idwiseMessage, sqsRecord } from '../support/deliveries.js';
import { MemoryEventStore, MemoryPublisher } from '../support/memory-ports.js';

/** `EventHistory` over the memory store's events, as the DynamoDB adapter is over the table. */
class MemoryEventHistory implements Pick<EventHistory, 'listEvents'> {
  constructor(private readonly store: MemoryEventStore) {}

  async listEvents(filter: EventFilter): Promise<EventSummary[]> {
    return [...this.store.events.values()]
      .filter((e) => filter.vendor === undefined || e.detail.vendor === filter.vendor)
      .filter((e) => !filter.unpublished || e.publishedAt === undefined)
      .filter(
        (e) => filter.receivedFrom === undefined || e.detail.receivedAt >= filter.receivedFrom,
      )
      .filter(
        (e) => filter.receivedBefore === undefined || e.detail.receivedAt < filter.receivedBefore,
      )
      .map((e) => ({ subjectKey: e.subjectKey, detailType: e.detailType, detail: e.detail }));
  }
}

const NOW = new Date('2026-02-01T00:00:00.000Z');
const EARLIER = new Date(NOW.getTime() - 60_000);
const JOURNEY = 'journey-1';
const KEY = `idwise#journey#${JOURNEY}`;
const SILENT = { info: () => undefined, warn: () => undefined };

let store: MemoryEventStore;
let publisher: MemoryPublisher;
let deps: ReplayDeps;

beforeEach(() => {
  store = new MemoryEventStore();
  publisher = new MemoryPublisher();
  deps = {
    store,
    history: new MemoryEventHistory(store),
    publisher,
    now: () => NOW,
    includePayload: false,
    leaseMs: 60_000,
  };
});

/** Processes an IDWise delivery with the real processor (IDWise has no vendor time). */
async function deliver(
  eventId: string,
  receivedAt: string,
  finalDecision = 'Complete',
  journeyId = JOURNEY,
): Promise<void> {
  await processRecord(
    sqsRecord(idwiseMessage({ eventId, journeyId, finalDecision, receivedAt })),
    // A minute before the replay, so a failed attempt's lease has ended by then.
    { store, now: () => EARLIER, includePayload: false, retentionDays: 1, leaseMs: 1, log: SILENT },
    (events) => publisher.publish(events),
  );
  publisher.published.length = 0;
  publisher.calls.length = 0;
}

function stored(eventId: string): StoredEvent {
  const event = store.events.get(eventId);
  if (!event) throw new Error(`no event ${eventId}`);
  return event;
}

/** What older code would have stored instead. */
function alter(eventId: string, detail: Partial<EventDetail>, subjectKey?: string): void {
  const event = stored(eventId);
  store.events.set(eventId, {
    ...event,
    detail: { ...event.detail, ...detail },
    ...(subjectKey !== undefined && { subjectKey }),
  });
}

const replay = (eventId: string, options: { dryRun?: boolean; force?: boolean } = {}) =>
  replayEvent(eventId, deps, { dryRun: options.dryRun ?? false, force: options.force ?? false });

describe('replay of events the current code would store the same way', () => {
  it('skips a published event unless forced, then republishes it unchanged with its eventId', async () => {
    await deliver('e1', '2026-01-01T10:00:00.000Z');
    const before = stored('idwise:e1');

    expect(await replay('idwise:e1')).toMatchObject({ outcome: 'unchanged', changes: [] });
    expect(publisher.calls).toHaveLength(0);

    expect(await replay('idwise:e1', { force: true })).toMatchObject({ outcome: 'published' });
    // A republication of a published event is its first revision, so deduplicating consumers take it.
    expect(publisher.published.map((e) => e.detail)).toEqual([
      { ...before.detail, revision: 1, payloadOmitted: 'disabled' },
    ]);
    expect(stored('idwise:e1').publishedAt).toBe(NOW.toISOString());
  });
});

describe('replay of events older code stored differently', () => {
  beforeEach(async () => {
    await deliver('e1', '2026-01-01T10:00:00.000Z', 'Refer'); // in_review
    await deliver('e2', '2026-01-01T12:00:00.000Z', 'Complete'); // approved: sets the state
    await deliver('e0', '2026-01-01T08:00:00.000Z', 'Rejected'); // older: out of order
    expect(stored('idwise:e0').detail.outOfOrder).toBe(true);
  });

  it('--dry-run reports the change and writes nothing', async () => {
    alter('idwise:e2', { status: 'unknown' });
    const result = await replay('idwise:e2', { dryRun: true });
    expect(result).toMatchObject({
      outcome: 'would_publish',
      changes: [{ field: 'status', before: 'unknown', after: 'approved' }],
    });
    expect(stored('idwise:e2').detail.status).toBe('unknown');
    expect(publisher.calls).toHaveLength(0);
  });

  it('corrects the subject state the event set, by compare-and-set', async () => {
    alter('idwise:e2', { status: 'unknown', vendorStatus: 'old words' });
    const subject = await store.getSubject(KEY);
    store.subjects.set(KEY, { ...subject!, status: 'unknown', version: 7 });

    const result = await replay('idwise:e2');
    expect(result.outcome).toBe('published');
    expect(result.subject).toEqual({ key: KEY, from: 'unknown', to: 'approved', why: 'corrected' });
    expect(await store.getSubject(KEY)).toMatchObject({ status: 'approved', version: 8 });
    expect(stored('idwise:e2').detail).toMatchObject({
      status: 'approved',
      previousStatus: 'in_review',
      outOfOrder: false,
    });
    expect(publisher.published).toHaveLength(1);
  });

  it('keeps an out-of-order event out of order and the subject untouched', async () => {
    alter('idwise:e0', { status: 'unknown' });
    const subject = await store.getSubject(KEY);
    const result = await replay('idwise:e0');
    expect(result).toMatchObject({ outcome: 'published', changes: [{ field: 'status' }] });
    expect(result.subject).toBeUndefined();
    expect(stored('idwise:e0').detail).toMatchObject({ status: 'rejected', outOfOrder: true });
    expect(await store.getSubject(KEY)).toEqual(subject);
  });

  it('never re-applies a superseded event, nor calls it out of order', async () => {
    alter('idwise:e1', { vendorStatus: 'old words' });
    const subject = await store.getSubject(KEY);
    const result = await replay('idwise:e1');
    expect(result.outcome).toBe('published');
    expect(stored('idwise:e1').detail).toMatchObject({
      status: 'in_review',
      previousStatus: null,
      outOfOrder: false,
    });
    expect(await store.getSubject(KEY)).toEqual(subject);
  });

  it('orders an event that moved to another subject against that subject', async () => {
    // Older code filed e1 under another subject; today it belongs to the journey, whose state
    // (e2) is newer: it is published out of order and changes nothing.
    alter('idwise:e1', {}, 'idwise#journey#misfiled');
    const result = await replay('idwise:e1');
    expect(result.outcome).toBe('published');
    expect(result.changes.map((c) => c.field)).toEqual([
      'subjectKey',
      'previousStatus',
      'outOfOrder',
    ]);
    expect(result.notes).toContain(`subject ${KEY} has newer state: published out of order`);
    expect(stored('idwise:e1')).toMatchObject({
      subjectKey: KEY,
      detail: { outOfOrder: true, previousStatus: 'approved' },
    });
    expect((await store.getSubject(KEY))?.eventId).toBe('idwise:e2');
  });

  it('applies a moved event to a subject that has no newer state', async () => {
    await deliver('m1', '2026-01-02T00:00:00.000Z', 'Complete', 'other-journey');
    alter('idwise:m1', { subject: { kind: 'journey', id: 'misfiled' } }, 'idwise#journey#misfiled');
    store.subjects.delete('idwise#journey#other-journey');

    const result = await replay('idwise:m1');
    expect(result.subject).toEqual({
      key: 'idwise#journey#other-journey',
      from: null,
      to: 'approved',
      why: 'applied',
    });
    expect(await store.getSubject('idwise#journey#other-journey')).toMatchObject({
      status: 'approved',
      eventId: 'idwise:m1',
      expiresAt: stored('idwise:m1').expiresAt,
    });
  });

  it('evaluates again when the subject changes under it', async () => {
    alter('idwise:e2', { status: 'unknown' });
    const subject = await store.getSubject(KEY);
    store.subjects.set(KEY, { ...subject!, status: 'unknown' });
    let raced = false;
    const racing = Object.create(store) as MemoryEventStore;
    racing.reviseEvent = async (event, change, now) => {
      if (!raced) {
        raced = true;
        const current = store.subjects.get(KEY)!;
        store.subjects.set(KEY, { ...current, version: current.version + 1 });
      }
      return store.reviseEvent(event, change, now);
    };
    const result = await replayEvent(
      'idwise:e2',
      { ...deps, store: racing },
      { dryRun: false, force: false },
    );
    expect(result.outcome).toBe('published');
    expect(await store.getSubject(KEY)).toMatchObject({
      status: 'approved',
      version: subject!.version + 2,
    });
  });
});

describe('the revision consumers deduplicate with', () => {
  beforeEach(async () => {
    await deliver('r1', '2026-01-01T10:00:00.000Z', 'Complete');
  });

  it('is absent on the original and counts each published correction, from the store', async () => {
    expect(stored('idwise:r1').detail).not.toHaveProperty('revision');

    alter('idwise:r1', { status: 'unknown' });
    const first = await replay('idwise:r1');
    expect(first).toMatchObject({ outcome: 'published', revision: 1 });
    // The revision is no change of its own: only the status is reported.
    expect(first.changes.map((c) => c.field)).toEqual(['status']);
    expect(stored('idwise:r1').detail.revision).toBe(1);

    alter('idwise:r1', { vendorStatus: 'older words' });
    expect(await replay('idwise:r1', { dryRun: true })).toMatchObject({
      outcome: 'would_publish',
      revision: 2,
    });
    expect(stored('idwise:r1').detail.revision).toBe(1);
    expect(await replay('idwise:r1')).toMatchObject({ outcome: 'published', revision: 2 });

    expect(publisher.published.map((e) => [e.detail.eventId, e.detail.revision])).toEqual([
      ['idwise:r1', 1],
      ['idwise:r1', 2],
    ]);
    // Nothing changed since: nothing to publish, and the revision stays.
    expect(await replay('idwise:r1')).toMatchObject({ outcome: 'unchanged', revision: 2 });
    expect(stored('idwise:r1').detail.revision).toBe(2);
  });

  it('is kept by a correction that EventBridge refused, until it is published', async () => {
    alter('idwise:r1', { status: 'unknown' });
    publisher.failNext((events) => events.map(() => ({ ok: false, reason: 'InternalFailure' })));
    expect(await replay('idwise:r1')).toMatchObject({ outcome: 'failed', revision: 1 });
    expect(stored('idwise:r1')).toMatchObject({ detail: { revision: 1 } });
    expect(stored('idwise:r1').publishedAt).toBeUndefined();

    // Once the failed replay's lease has ended, replay --unpublished publishes the stored
    // correction as it is: still the first.
    const later = new Date(NOW.getTime() + deps.leaseMs + 1);
    const again = await replayEvent(
      'idwise:r1',
      { ...deps, now: () => later },
      { dryRun: false, force: false },
    );
    expect(again).toMatchObject({ outcome: 'published', revision: 1 });
    expect(publisher.published.map((e) => e.detail.revision)).toEqual([1]);
  });
});

describe('replay of unpublished events', () => {
  async function storeUnpublished(eventId: string): Promise<void> {
    publisher.failNext((events) =>
      events.map(() => ({ ok: false, reason: 'ThrottlingException' })),
    );
    await expect(deliver(eventId, '2026-01-01T10:00:00.000Z')).rejects.toThrow();
    publisher.calls.length = 0;
  }

  it('publishes it once, under the processor lease', async () => {
    await storeUnpublished('u1');
    // The failed attempt's lease (1 ms) has ended.
    expect(await selectEvents({ filter: { unpublished: true } }, deps.history)).toEqual([
      'idwise:u1',
    ]);
    expect(await replay('idwise:u1')).toMatchObject({ outcome: 'published', wasPublished: false });
    expect(publisher.published).toHaveLength(1);
    expect(stored('idwise:u1').publishedAt).toBe(NOW.toISOString());
    expect(stored('idwise:u1').leaseUntil).toBeUndefined();
    expect(await selectEvents({ filter: { unpublished: true } }, deps.history)).toEqual([]);
  });

  it('leaves it to a processor attempt that holds the lease', async () => {
    await storeUnpublished('u2');
    const until = new Date(NOW.getTime() + 5_000).toISOString();
    expect(await store.takeLease('idwise:u2', until, NOW.toISOString())).toBe(true);
    const result = await replay('idwise:u2');
    expect(result.outcome).toBe('busy');
    expect(result.notes.join()).toContain(`lease until ${until}`);
    expect(publisher.calls).toHaveLength(0);
  });

  it('keeps the stored event as it was when EventBridge refuses it', async () => {
    await storeUnpublished('u3');
    const before = stored('idwise:u3');
    publisher.failNext((events) => events.map(() => ({ ok: false, reason: 'InternalFailure' })));
    const result = await replay('idwise:u3');
    expect(result.outcome).toBe('failed');
    expect(result.notes.join()).toContain('InternalFailure');
    expect(stored('idwise:u3').detail).toEqual(before.detail);
    expect(stored('idwise:u3').publishedAt).toBeUndefined();
  });
});

describe('replay of events the current code cannot reproduce', () => {
  it('reports a missing event and one the delivery no longer yields', async () => {
    const missing = await replay('idwise:nothing');
    expect(missing.outcome).toBe('missing');
    expect(missing.notes.join()).toContain('no event with this id in the store');

    await deliver('s1', '2026-01-01T10:00:00.000Z');
    const event = stored('idwise:s1');
    store.events.set('idwise:s1#1', {
      ...event,
      detail: { ...event.detail, eventId: 'idwise:s1#1' },
    });
    const result = await replay('idwise:s1#1');
    expect(result.outcome).toBe('not_produced');
    expect(result.notes.join()).toContain('idwise:s1');
  });
});
