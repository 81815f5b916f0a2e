import { EventBusyError, SubjectContentionError } from '../core/errors.js';
import { compareToCurrent } from '../core/ordering.js';
import type { EventStore, Log, StoredEvent, SubjectChange, SubjectState } from '../core/ports.js';

/**
 * How an event is stored once and applied to its subject (DESIGN §4.2, §4.3, §4.5):
 *
 * 1. Read the event. Stored already? Resume it: nothing to do if it is published, else take
 *    its publication lease (another attempt holds it: `EventBusyError`, SQS retries later).
 * 2. Else read its subject and judge the event against it (`judge`, with core/ordering.ts).
 * 3. Store the event and its subject change in one atomic write, holding the lease from the
 *    start. The store refuses it when another attempt got there first — the event exists, or
 *    the subject moved — and then nothing was written: back to 1.
 *
 * So every stored event was judged against the subject state it left behind, in the same
 * write; a crash leaves either both or neither, and the retry starts again at 1.
 */

export interface RecordDeps {
  readonly store: EventStore;
  readonly now: () => Date;
  /** How long one attempt owns an unpublished event; must not exceed the queue's visibility timeout. */
  readonly leaseMs: number;
  /** Told when another attempt wrote first, which is no failure but shows contention. */
  readonly log: ProcessorLog;
}

/** The processor logs information and warnings only. */
export type ProcessorLog = Pick<Log, 'info' | 'warn'>;

/** Each refused write means another attempt wrote first; after five, SQS retries the record. */
const ATTEMPTS = 5;

/**
 * The event this attempt must publish, holding its lease, or `undefined` when it was published
 * already (a duplicate delivery).
 */
export async function storeOnce(
  candidate: StoredEvent,
  deps: RecordDeps,
): Promise<StoredEvent | undefined> {
  for (let attempt = 0; attempt < ATTEMPTS; attempt += 1) {
    const stored = await deps.store.getEvent(candidate.detail.eventId);
    if (stored) return resume(stored, deps);
    const current = await deps.store.getSubject(candidate.subjectKey);
    const leased = { ...candidate, leaseUntil: leaseEnd(deps) };
    const { event, change } = judge(leased, current, deps.now());
    const answer = await deps.store.recordEvent(event, change);
    if (answer === 'stored') return event;
    deps.log.info('another attempt wrote first; reading again', {
      eventId: event.detail.eventId,
      answer,
      attempt: attempt + 1,
    });
  }
  throw new SubjectContentionError();
}

async function resume(stored: StoredEvent, deps: RecordDeps): Promise<StoredEvent | undefined> {
  if (stored.publishedAt !== undefined) return undefined;
  const { eventId } = stored.detail;
  if (!(await deps.store.takeLease(eventId, leaseEnd(deps), deps.now().toISOString()))) {
    throw new EventBusyError(eventId);
  }
  return stored;
}

function leaseEnd(deps: RecordDeps): string {
  return new Date(deps.now().getTime() + deps.leaseMs).toISOString();
}

/**
 * The event as it is stored and published, and what it does to its subject, judged against the
 * subject's current state (DESIGN §4.5): a first or newer event becomes the state; an older one
 * is published `outOfOrder` and the subject keeps its state; the event that set the state
 * already gives the account it gave then (a no-op). Replay judges moved events with it too.
 */
export function judge(
  event: StoredEvent,
  current: SubjectState | undefined,
  now: Date,
): { readonly event: StoredEvent; readonly change: SubjectChange } {
  const order = compareToCurrent(current, event.detail);
  if (current && (order === 'stale' || order === 'same')) {
    const account =
      order === 'stale'
        ? { previousStatus: current.status, outOfOrder: true }
        : { previousStatus: current.previousStatus, outOfOrder: false };
    return {
      event: { ...event, detail: { ...event.detail, ...account } },
      change: { kind: 'keep', key: current.key, readVersion: current.version },
    };
  }
  const state: SubjectState = {
    key: event.subjectKey,
    status: event.detail.status,
    previousStatus: current?.status ?? null,
    occurredAt: event.detail.occurredAt,
    eventId: event.detail.eventId,
    version: (current?.version ?? 0) + 1,
    updatedAt: now.toISOString(),
    expiresAt: event.expiresAt,
  };
  return {
    event: {
      ...event,
      detail: { ...event.detail, previousStatus: state.previousStatus, outOfOrder: false },
    },
    change: { kind: 'replace', state, ...(current && { readVersion: current.version }) },
  };
}
