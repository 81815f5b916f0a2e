import type { EventDetail } from '../lambdas/core/event.js';
import type {
  EventPublisher,
  EventStore,
  StoredEvent,
  SubjectState,
} from '../lambdas/core/ports.js';
import type {
  EventFilter,
  EventHistory,
  ScanProgress,
} from '../lambdas/adapters/dynamo-event-history.js';
import { toOutgoing } from '../lambdas/processor/process-record.js';
import { renormalize, type SubjectWrite } from './renormalize.js';

/**
 * Replay: run stored raw deliveries through the current vendor code again and republish them
 * (README, "Operating it"). The semantics, in one place:
 *
 * - The event keeps its eventId, so consumers that dedupe by eventId see a correction of an
 *   event they know, not a new one.
 * - An event whose subject and vendor time are unchanged keeps its place in the subject's
 *   history: `previousStatus` and `outOfOrder` stay as they were when it was first processed
 *   (re-evaluating them today would call every superseded event out of order). The subject's
 *   state is touched only when this very event set it and its status changed: the state is
 *   corrected to the new status, by compare-and-set. An older event is never re-applied.
 * - An event whose subject or vendor time changed is evaluated against its (new) subject with
 *   the processor's own ordering rule (`core/ordering.ts`): applied if it is newer, published
 *   `outOfOrder` otherwise. A subject it used to belong to keeps its state (reported).
 * - A published event that would not change is skipped unless forced; an unpublished one is
 *   always published. Unpublished events are published under the processor's lease, so a
 *   concurrent processor attempt and a replay never both publish it.
 * - Publication comes first, then the stored detail and `publishedAt` are rewritten in one
 *   write: a failure leaves the stored event as it was, and running the replay again is safe.
 */

export interface ReplayDeps {
  readonly store: Pick<EventStore, 'getEvent' | 'takeLease' | 'getSubject' | 'saveSubject'>;
  readonly history: Pick<EventHistory, 'listEvents' | 'recordReplay'>;
  /** Needed unless every run is a dry run. */
  readonly publisher?: EventPublisher;
  readonly now: () => Date;
  /** Whether published events carry the vendor's body, as the deployment's processor does. */
  readonly includePayload: boolean;
  /** How long a replay owns an unpublished event's publication. */
  readonly leaseMs: number;
}

export interface ReplaySelection {
  /** Exactly these events; otherwise every event matching `filter`. */
  readonly eventIds?: readonly string[];
  readonly filter?: EventFilter;
}

export interface ReplayOptions {
  readonly dryRun: boolean;
  /** Republish published events even when nothing would change. */
  readonly force: boolean;
}

export type ReplayOutcome =
  'published' | 'would_publish' | 'unchanged' | 'busy' | 'missing' | 'not_produced' | 'failed';

export interface FieldChange {
  readonly field: string;
  readonly before: unknown;
  readonly after: unknown;
}

export interface SubjectChange {
  readonly key: string;
  readonly from: SubjectState['status'] | null;
  readonly to: SubjectState['status'];
  readonly why: 'corrected' | 'applied';
}

export interface ReplayResult {
  readonly eventId: string;
  readonly outcome: ReplayOutcome;
  /** Whether the event had been published before this replay. */
  readonly wasPublished: boolean;
  readonly changes: readonly FieldChange[];
  readonly subject?: SubjectChange;
  readonly notes: readonly string[];
}

/** Attempts when the subject changes between evaluation and write (another event won). */
const SUBJECT_ATTEMPTS = 5;

/** The events a selection names, in the order they were received. */
export async function selectEvents(
  selection: ReplaySelection,
  history: Pick<EventHistory, 'listEvents'>,
  progress?: ScanProgress,
): Promise<string[]> {
  if (selection.eventIds && selection.eventIds.length > 0) return [...new Set(selection.eventIds)];
  const events = await history.listEvents(selection.filter ?? {}, progress);
  return events.map((event) => event.detail.eventId);
}

export async function replayEvent(
  eventId: string,
  deps: ReplayDeps,
  options: ReplayOptions,
): Promise<ReplayResult> {
  let leased = false;
  for (let attempt = 0; attempt < SUBJECT_ATTEMPTS; attempt += 1) {
    const stored = await deps.store.getEvent(eventId);
    if (!stored)
      return result(eventId, 'missing', false, [], ['no such event (expired, or a typo)']);
    const wasPublished = stored.publishedAt !== undefined;

    let plan: Plan | ReplayResult;
    try {
      plan = await planReplay(stored, deps);
    } catch (error) {
      const reason = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
      return result(
        eventId,
        'failed',
        wasPublished,
        [],
        [`the current code fails on it: ${reason}`],
      );
    }
    if ('outcome' in plan) return plan;

    const { next, changes, subjectWrite, subject, notes } = plan;
    const done = (outcome: ReplayOutcome, extra: readonly string[] = []): ReplayResult => ({
      ...result(eventId, outcome, wasPublished, changes, [...notes, ...extra]),
      ...(subject && { subject }),
    });
    const worthPublishing =
      !wasPublished || changes.length > 0 || subject !== undefined || options.force;
    if (!worthPublishing) return done('unchanged');
    if (options.dryRun) return done('would_publish');

    if (!wasPublished && !leased) {
      const now = deps.now();
      const until = new Date(now.getTime() + deps.leaseMs).toISOString();
      if (!(await deps.store.takeLease(eventId, until, now.toISOString()))) {
        const busy = stored.leaseUntil
          ? `the processor is publishing it (lease until ${stored.leaseUntil}); run again after that`
          : 'it was published meanwhile';
        return done('busy', [busy]);
      }
      leased = true;
    }
    if (
      subjectWrite &&
      !(await deps.store.saveSubject(subjectWrite.state, subjectWrite.expectedVersion))
    ) {
      continue; // The subject changed since it was read: evaluate again.
    }

    if (!deps.publisher) throw new Error('replayEvent needs a publisher unless it is a dry run');
    const [outcome] = await deps.publisher.publish([toOutgoing(next, deps.includePayload)]);
    if (!outcome?.ok) {
      const reason = outcome?.reason ?? 'no outcome';
      return done('failed', [
        `EventBridge did not accept it (${reason}); the stored event is unchanged, run again`,
      ]);
    }
    const recorded = await deps.history.recordReplay(
      eventId,
      { detail: next.detail, detailType: next.detailType, subjectKey: next.subjectKey },
      deps.now().toISOString(),
    );
    return done('published', recorded ? [] : ['the event expired meanwhile; it was published']);
  }
  return result(
    eventId,
    'failed',
    true,
    [],
    ['the subject kept changing while replaying; run again'],
  );
}

interface Plan {
  readonly next: StoredEvent;
  readonly changes: readonly FieldChange[];
  readonly subjectWrite?: SubjectWrite;
  readonly subject?: SubjectChange;
  readonly notes: readonly string[];
}

/** What replaying `stored` today would publish and change (see the rules at the top). */
async function planReplay(stored: StoredEvent, deps: ReplayDeps): Promise<Plan | ReplayResult> {
  const { eventId } = stored.detail;
  const wasPublished = stored.publishedAt !== undefined;
  const today = await renormalize(stored, deps.store, deps.now);
  const candidate = today.events.find((event) => event.detail.eventId === eventId);
  if (!candidate) {
    const ids = today.events.map((event) => event.detail.eventId).join(', ');
    return result(
      eventId,
      'not_produced',
      wasPublished,
      [],
      [
        `the current code splits this delivery into other events (${ids}); ` +
          'redeliver it (npx kyc-webhooks send) to store those',
      ],
    );
  }

  const notes: string[] = [];
  const samePlace =
    candidate.subjectKey === stored.subjectKey &&
    candidate.detail.occurredAt === stored.detail.occurredAt;
  let detail: EventDetail;
  let subjectWrite: SubjectWrite | undefined;
  let subject: SubjectChange | undefined;

  if (samePlace) {
    detail = {
      ...candidate.detail,
      previousStatus: stored.detail.previousStatus,
      outOfOrder: stored.detail.outOfOrder,
    };
    const current = await deps.store.getSubject(stored.subjectKey);
    if (!current) {
      notes.push(`subject ${stored.subjectKey} has no state (expired?): left untouched`);
    } else if (current.eventId === eventId && current.status !== detail.status) {
      subjectWrite = {
        state: {
          ...current,
          status: detail.status,
          version: current.version + 1,
          updatedAt: deps.now().toISOString(),
        },
        expectedVersion: current.version,
      };
      subject = { key: current.key, from: current.status, to: detail.status, why: 'corrected' };
    }
  } else {
    detail = candidate.detail;
    const write = today.subjectWrites.get(eventId);
    if (write) {
      subjectWrite = { ...write, state: { ...write.state, expiresAt: stored.expiresAt } };
      subject = {
        key: write.state.key,
        from: write.state.previousStatus,
        to: write.state.status,
        why: 'applied',
      };
    } else if (detail.outOfOrder) {
      notes.push(`subject ${candidate.subjectKey} has newer state: published out of order`);
    }
    if (candidate.subjectKey !== stored.subjectKey) {
      const previous = await deps.store.getSubject(stored.subjectKey);
      if (previous?.eventId === eventId) {
        notes.push(
          `subject ${stored.subjectKey}, which this event used to belong to, keeps the state ` +
            'the event set',
        );
      }
    }
  }

  const next: StoredEvent = {
    ...stored,
    detail,
    detailType: candidate.detailType,
    subjectKey: candidate.subjectKey,
  };
  return {
    next,
    changes: diff(stored, next),
    ...(subjectWrite && { subjectWrite }),
    ...(subject && { subject }),
    notes,
  };
}

/** Every field that differs (the detail's, and where it is filed), compared by value. */
function diff(before: StoredEvent, after: StoredEvent): FieldChange[] {
  const changes: FieldChange[] = [];
  if (before.subjectKey !== after.subjectKey) {
    changes.push({ field: 'subjectKey', before: before.subjectKey, after: after.subjectKey });
  }
  if (before.detailType !== after.detailType) {
    changes.push({ field: 'detailType', before: before.detailType, after: after.detailType });
  }
  const a = before.detail as unknown as Record<string, unknown>;
  const b = after.detail as unknown as Record<string, unknown>;
  for (const field of new Set([...Object.keys(a), ...Object.keys(b)])) {
    if (canonical(a[field]) !== canonical(b[field])) {
      changes.push({ field, before: a[field] ?? null, after: b[field] ?? null });
    }
  }
  return changes;
}

/** JSON with object keys sorted, so equal values compare equal whatever the storage order. */
function canonical(value: unknown): string {
  return (
    JSON.stringify(value, (_key, v: unknown) =>
      v !== null && typeof v === 'object' && !Array.isArray(v)
        ? Object.fromEntries(Object.entries(v).sort(([x], [y]) => x.localeCompare(y)))
        : v,
    ) ?? 'undefined'
  );
}

function result(
  eventId: string,
  outcome: ReplayOutcome,
  wasPublished: boolean,
  changes: readonly FieldChange[],
  notes: readonly string[],
): ReplayResult {
  return { eventId, outcome, wasPublished, changes, notes };
}
