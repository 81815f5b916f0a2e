import type { EventDetail } from '../lambdas/core/event.js';
import type {
  EventPublisher,
  EventStore,
  StoredEvent,
  SubjectChange,
  SubjectState,
} from '../lambdas/core/ports.js';
import type {
  EventFilter,
  EventHistory,
  ScanProgress,
} from '../lambdas/adapters/dynamo-event-history.js';
import { toOutgoing } from '../lambdas/processor/process-record.js';
import { judge } from '../lambdas/processor/record-event.js';
import { renormalize } from './renormalize.js';

/**
 * Replay: run stored raw deliveries through the current vendor code again and republish them
 * (README, "Operating it"). The semantics, in one place:
 *
 * - The event keeps its eventId, so consumers see a correction of an event they know, not a new
 *   one; a correction of a published event carries the next `revision` (1, 2, …; absent on the
 *   original), stored with the detail, so consumers that dedupe on eventId and revision take it
 *   and the next correction counts on from it. An unpublished event keeps its revision: no
 *   consumer has seen it.
 * - An event whose subject and vendor time are unchanged keeps its place in the subject's
 *   history: `previousStatus` and `outOfOrder` stay as they were when it was first processed
 *   (re-evaluating them today would call every superseded event out of order). The subject's
 *   state is touched only when this very event set it and its status changed: the state is
 *   corrected to the new status. An older event is never re-applied.
 * - An event whose subject or vendor time changed is judged against its (new) subject by the
 *   processor's own rule (`judge`, record-event.ts): applied if it is newer, published
 *   `outOfOrder` otherwise. A subject it used to belong to keeps its state (reported).
 * - A published event that would not change is skipped unless forced; an unpublished one is
 *   always published.
 * - It is written as the processor writes: the corrected event and its subject change in one
 *   atomic write (judged again if the subject moved meanwhile), unpublished and under a lease,
 *   which an attempt of the processor holding it makes the replay wait for; then published;
 *   then marked published. A failure leaves the corrected event stored and unpublished, which
 *   `replay --unpublished` (or running the replay again) publishes.
 */

export interface ReplayDeps {
  readonly store: Pick<EventStore, 'getEvent' | 'getSubject' | 'reviseEvent' | 'markPublished'>;
  readonly history: Pick<EventHistory, 'listEvents'>;
  /** Needed unless every run is a dry run. */
  readonly publisher?: EventPublisher;
  readonly now: () => Date;
  /** Whether published events carry the vendor's body, as the deployment's processor does. */
  readonly includePayload: boolean;
  /** How long a replay owns an event's publication. */
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

/** What a replay did (or would do) to a subject's state, for the operator. */
export interface ReplaySubjectChange {
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
  /** The revision it is (or would be) published with; absent for an uncorrected original. */
  readonly revision?: number;
  readonly subject?: ReplaySubjectChange;
  readonly notes: readonly string[];
}

/** Attempts when the subject or the event changes between evaluation and write. */
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
  for (let attempt = 0; attempt < SUBJECT_ATTEMPTS; attempt += 1) {
    const stored = await deps.store.getEvent(eventId);
    if (!stored)
      return result(
        eventId,
        'missing',
        false,
        [],
        ['no event with this id in the store (expired, or a typo)'],
      );
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

    const { next, changes, subjectChange, subject, notes } = plan;
    const done = (
      outcome: ReplayOutcome,
      extra: readonly string[] = [],
      revision = next.detail.revision,
    ): ReplayResult => ({
      ...result(eventId, outcome, wasPublished, changes, [...notes, ...extra]),
      ...(revision !== undefined && { revision }),
      ...(subject && { subject }),
    });
    const worthPublishing =
      !wasPublished || changes.length > 0 || subject !== undefined || options.force;
    if (!worthPublishing) return done('unchanged', [], stored.detail.revision);
    if (options.dryRun) return done('would_publish');

    const now = deps.now();
    if (
      !wasPublished &&
      stored.leaseUntil !== undefined &&
      stored.leaseUntil >= now.toISOString()
    ) {
      return done('busy', [
        `the processor is publishing it (lease until ${stored.leaseUntil}); run again after that`,
      ]);
    }
    const leased = { ...next, leaseUntil: new Date(now.getTime() + deps.leaseMs).toISOString() };
    const answer = await deps.store.reviseEvent(leased, subjectChange, now.toISOString());
    // Another event of the subject, or an attempt of the processor, came first: look again.
    if (answer !== 'revised') continue;

    if (!deps.publisher) throw new Error('replayEvent needs a publisher unless it is a dry run');
    const [outcome] = await deps.publisher.publish([toOutgoing(leased, deps.includePayload)]);
    if (!outcome?.ok) {
      const reason = outcome?.reason ?? 'no outcome';
      return done('failed', [
        `EventBridge did not accept it (${reason}); it is stored as replayed and unpublished: ` +
          'replay --unpublished publishes it',
      ]);
    }
    await deps.store.markPublished(eventId, deps.now().toISOString());
    return done('published');
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
  readonly subjectChange?: SubjectChange;
  readonly subject?: ReplaySubjectChange;
  readonly notes: readonly string[];
}

/** What replaying `stored` today would publish and change (see the rules at the top). */
async function planReplay(stored: StoredEvent, deps: ReplayDeps): Promise<Plan | ReplayResult> {
  const { eventId } = stored.detail;
  const wasPublished = stored.publishedAt !== undefined;
  const today = renormalize(stored);
  const candidate = today.find((event) => event.detail.eventId === eventId);
  if (!candidate) {
    const ids = today.map((event) => event.detail.eventId).join(', ');
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
  let subjectChange: SubjectChange | undefined;
  let subject: ReplaySubjectChange | undefined;

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
      subjectChange = {
        kind: 'replace',
        state: {
          ...current,
          status: detail.status,
          version: current.version + 1,
        },
        readVersion: current.version,
      };
      subject = { key: current.key, from: current.status, to: detail.status, why: 'corrected' };
    }
  } else {
    const current = await deps.store.getSubject(candidate.subjectKey);
    const judged = judge(candidate, current);
    detail = judged.event.detail;
    subjectChange = judged.change;
    if (judged.change.kind === 'replace') {
      const { state } = judged.change;
      subject = { key: state.key, from: state.previousStatus, to: state.status, why: 'applied' };
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

  const corrected: StoredEvent = {
    ...stored,
    detail,
    detailType: candidate.detailType,
    subjectKey: candidate.subjectKey,
  };
  const revision = wasPublished ? (stored.detail.revision ?? 0) + 1 : stored.detail.revision;
  const next: StoredEvent = {
    ...corrected,
    detail: { ...detail, ...(revision !== undefined && { revision }) },
  };
  return {
    next,
    // The revision counts publications, so it is no change by itself.
    changes: diff({ ...stored, detail: withoutRevision(stored.detail) }, corrected),
    ...(subjectChange && { subjectChange }),
    ...(subject && { subject }),
    notes,
  };
}

function withoutRevision(detail: EventDetail): EventDetail {
  const { revision: _revision, ...rest } = detail;
  return rest;
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
