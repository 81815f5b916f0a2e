import { EventBusyError, StoreBusyError, SubjectContentionError } from '../core/errors.js';
import { compareToCurrent } from '../core/ordering.js';
import type { EventStore, Log, StoredEvent, SubjectChange, SubjectState } from '../core/ports.js';
import type { SubjectTurns } from './subject-turns.js';

/**
 * How an event is stored once and applied to its subject (DESIGN §4.2, §4.3, §4.5):
 *
 * 1. Read its subject and judge the event against it (`judge`, with core/ordering.ts); its body
 *    is staged meanwhile (`EventStore.stageBody`).
 * 2. Store the event and its subject change in one atomic write, holding the lease from the
 *    start. The store refuses it when another attempt got there first — the event exists, or
 *    the subject moved — and then nothing was written.
 * 3. The event exists: read it and resume it — nothing to do if it is published, else take its
 *    publication lease (another attempt holds it: `EventBusyError`, SQS retries later). The
 *    subject moved: back to 1.
 *
 * So every stored event was judged against the subject state it left behind, in the same
 * write; a crash leaves either both or neither, and the retry starts again at 1.
 *
 * A hot subject — many events of it at once — is contention, not failure, and costs no sleep:
 * within a batch its events take turns (subject-turns.ts), so only other invocations write it
 * meanwhile, and a write they beat is tried again at once: after a refusal when the subject has
 * moved (one of their events stored), after a transaction conflict when the subject is hot (it
 * moved, or the batch holds more of its events). What stalls goes back to SQS under its own
 * reason: refusals while the subject stays put (`subject_contention`), a conflict on a quiet
 * subject (`store_conflict`), throttling (`store_throttled`).
 */

export interface RecordDeps {
  readonly store: EventStore;
  readonly now: () => Date;
  /** How long one attempt owns an unpublished event; must not exceed the queue's visibility timeout. */
  readonly leaseMs: number;
  /** Told when another attempt wrote first, which is no failure but shows contention. */
  readonly log: ProcessorLog;
  /** The batch's turns per subject; without them (a record processed alone) nothing waits. */
  readonly turns?: SubjectTurns;
}

/** The processor logs information and warnings only. */
export type ProcessorLog = Pick<Log, 'info' | 'warn'>;

/**
 * Refused writes after which the subject was found where it was: nothing seen to progress, so
 * the record goes back to SQS rather than read and write in a loop.
 */
const STALLED_ATTEMPTS = 5;
/**
 * Attempts in one invocation, however hot the subject. Each retry follows another writer's
 * transaction on the subject, so this is reached only when dozens of its events are written
 * during this one's attempts; the record then waits for SQS rather than hold up its batch.
 */
const MAX_ATTEMPTS = 50;

/** A write that did not happen, and the subject version it had been judged against. */
interface Refusal {
  readonly version: number | undefined;
  /** A transaction conflict: the record goes back to SQS unless the subject is hot. */
  readonly conflict?: StoreBusyError;
}

/**
 * The event this attempt must publish, holding its lease, or `undefined` when it was published
 * already (a duplicate delivery).
 */
export async function storeOnce(
  candidate: StoredEvent,
  deps: RecordDeps,
): Promise<StoredEvent | undefined> {
  const store = (): Promise<StoredEvent | undefined> => storeAgainstSubject(candidate, deps);
  return deps.turns ? deps.turns.take(candidate.subjectKey, store) : store();
}

async function storeAgainstSubject(
  candidate: StoredEvent,
  deps: RecordDeps,
): Promise<StoredEvent | undefined> {
  const { eventId } = candidate.detail;
  const { subjectKey } = candidate;
  let refused: Refusal | undefined;
  // Whether other writers were seen at the subject: it moved during these attempts.
  let moved = false;
  let stalls = 0;
  // A new event is the common case, so the first attempt does not read it: the transaction's
  // condition says whether it exists (`event-exists`), and only then is it read and resumed.
  let mayExist = false;
  // Its body is made ready once, while the subject is read (a large body's own items are
  // written meanwhile), and serves every attempt.
  const staging = deps.store.stageBody?.(candidate);
  for (let attempt = 1; ; attempt += 1) {
    if (mayExist) {
      const stored = await deps.store.getEvent(eventId);
      if (stored) return resume(stored, deps);
    }
    const [current, body] = await Promise.all([deps.store.getSubject(subjectKey), staging]);
    if (refused && current?.version !== refused.version) moved = true;
    else if (refused?.conflict) {
      // The transaction it met stored an older event (which leaves the subject as it is) or lost
      // too. On a hot subject — seen moving, or with more events in this batch — that was another
      // writer's turn, and this one goes again; on a quiet one, SQS retries it.
      if (!(moved || deps.turns?.isShared(subjectKey))) throw refused.conflict;
    } else if (refused) {
      stalls += 1;
      if (stalls >= STALLED_ATTEMPTS) throw new SubjectContentionError();
    }
    if (attempt > MAX_ATTEMPTS) throw new SubjectContentionError();
    const leased = { ...candidate, leaseUntil: leaseEnd(deps) };
    const { event, change } = judge(leased, current);
    let answer;
    try {
      answer = await deps.store.recordEvent(event, change, body);
    } catch (error) {
      // Another transaction on one of its items was in flight (DynamoDB cancels the later one).
      if (!(error instanceof StoreBusyError) || error.code !== 'store_conflict') throw error;
      deps.log.info('a concurrent transaction held an item; reading again', { eventId, attempt });
      refused = { version: current?.version, conflict: error };
      continue;
    }
    if (answer === 'stored') return event;
    if (answer === 'event-exists') {
      // Stored by an earlier attempt or another delivery of it: not a contention, read it.
      mayExist = true;
      continue;
    }
    deps.log.info('another attempt wrote first; reading again', { eventId, answer, attempt });
    refused = { version: current?.version };
  }
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
  const externalRef = event.detail.subject.externalRef ?? current?.externalRef;
  const state: SubjectState = {
    key: event.subjectKey,
    status: event.detail.status,
    previousStatus: current?.status ?? null,
    occurredAt: event.detail.occurredAt,
    eventId: event.detail.eventId,
    version: (current?.version ?? 0) + 1,
    expiresAt: event.expiresAt,
    // Kept when an event does not repeat it, so the subject stays findable by it.
    ...(externalRef !== undefined && { externalRef }),
  };
  return {
    event: {
      ...event,
      detail: { ...event.detail, previousStatus: state.previousStatus, outOfOrder: false },
    },
    change: { kind: 'replace', state, ...(current && { readVersion: current.version }) },
  };
}
