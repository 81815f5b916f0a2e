import { setTimeout } from 'node:timers/promises';
import {
  PoisonMessageError,
  PublishError,
  SubjectContentionError,
  EventBusyError,
} from '../core/errors.js';
import {
  entrySize,
  MAX_ENTRY_BYTES,
  SCHEMA_VERSION,
  sourceOf,
  type EventDetail,
  type NormalizedDraft,
  type OutgoingEvent,
  type SubjectRef,
} from '../core/event.js';
import { parseJson, withoutMembers } from '../core/json.js';
import { compareToCurrent } from '../core/ordering.js';
import type { EventStore, Log, StoredEvent, SubjectState } from '../core/ports.js';
import { bodyText, parseQueueMessage, type QueueMessage } from '../core/queue-message.js';
import { signatureMembersOf } from '../core/vendor.js';
import { findVendor } from '../vendors/registry.js';
import type { Publish } from './publish-barrier.js';

export interface ProcessorDeps {
  readonly store: EventStore;
  readonly now: () => Date;
  /** Whether published events carry the vendor's body (DESIGN §3.5: may be off for data minimisation). */
  readonly includePayload: boolean;
  readonly retentionDays: number;
  /** How long one attempt owns an unpublished event; must not exceed the queue's visibility timeout. */
  readonly leaseMs: number;
  readonly log: ProcessorLog;
}

/** The processor logs information and warnings only. */
export type ProcessorLog = Pick<Log, 'info' | 'warn'>;

export interface QueueRecord {
  readonly messageId: string;
  readonly body: string;
}

/** What became of one event of the record, for the log and metrics. */
export interface EventOutcome {
  readonly result: 'published' | 'duplicate';
  readonly vendor: string;
}

/** How many times a subject update is retried when another event changes the subject first. */
const SUBJECT_ATTEMPTS = 5;
/**
 * First pause before reading a subject again whose current state is not settled; doubled at
 * each attempt (0.75 s in all). The attempt that set it is normally a write away from settling
 * it, but that write may queue behind others in a busy invocation.
 */
const SETTLE_PAUSE_MS = 50;

/**
 * Processes one queued delivery (DESIGN §4): normalize, store each event once, advance the
 * subject's state, publish, and mark published. Safe to run again after a crash between any two
 * steps: a stored-but-unpublished event is published by the retry, never skipped as a duplicate.
 * Throws when any of the record's events could not be published, so SQS redelivers the record.
 */
export async function processRecord(
  record: QueueRecord,
  deps: ProcessorDeps,
  publish: Publish,
): Promise<Map<string, EventOutcome>> {
  const message = parseQueueMessage(record.body);
  const vendor = findVendor(message.vendor);
  if (!vendor) throw new PoisonMessageError(`unknown vendor "${message.vendor}"`);
  const body = bodyText(message);
  const drafts = vendor.normalize({
    route: message.route,
    body,
    json: parseJson(body),
    receivedAt: message.receivedAt,
  });

  const outcomes = new Map<string, EventOutcome>();
  const ready: StoredEvent[] = [];
  for (const [index, draft] of drafts.entries()) {
    const candidate = toStoredEvent(draft, eventIdOf(message, index, drafts.length), message, deps);
    const event = await claimForPublication(candidate, deps);
    if (event) ready.push(event);
    else outcomes.set(candidate.detail.eventId, { result: 'duplicate', vendor: message.vendor });
  }

  const results = await publish(ready.map((event) => toOutgoing(event, deps.includePayload)));
  const publishedAt = deps.now().toISOString();
  const failures: string[] = [];
  await Promise.all(
    ready.map(async (event, i) => {
      const result = results[i];
      if (!result?.ok) {
        failures.push(result?.reason ?? 'no outcome');
        return;
      }
      await deps.store.markPublished(event.detail.eventId, publishedAt);
      outcomes.set(event.detail.eventId, { result: 'published', vendor: message.vendor });
    }),
  );
  if (failures.length > 0) throw new PublishError(failures.join(', '));
  return outcomes;
}

/** `<vendor>:<dedup id>`, suffixed with the position when one delivery holds several events. */
function eventIdOf(message: QueueMessage, index: number, count: number): string {
  const id = `${message.vendor}:${message.dedupId}`;
  return count === 1 ? id : `${id}#${index}`;
}

/**
 * Returns the event this attempt must publish, or `undefined` when it was already published.
 * The first attempt applies the event to its subject, then stores it holding a lease; a later
 * attempt finds it stored and takes the lease over once the earlier one's has ended.
 */
async function claimForPublication(
  candidate: StoredEvent,
  deps: ProcessorDeps,
): Promise<StoredEvent | undefined> {
  const { eventId } = candidate.detail;
  const existing = await deps.store.getEvent(eventId);
  if (existing) return resume(existing, deps);

  const application = await applyToSubject(candidate, deps);
  if ('stored' in application) return resume(application.stored, deps);
  const event: StoredEvent = {
    ...candidate,
    detail: { ...candidate.detail, ...application.outcome },
    leaseUntil: leaseEnd(deps),
  };
  if (await deps.store.createEvent(event)) return event;
  // A concurrent delivery of the same event stored it first.
  const winner = await deps.store.getEvent(eventId);
  if (!winner) throw new EventBusyError(eventId);
  await withdrawIfContradicted(application, winner, deps);
  return resume(winner, deps);
}

async function resume(
  existing: StoredEvent,
  deps: ProcessorDeps,
): Promise<StoredEvent | undefined> {
  if (existing.publishedAt !== undefined) return undefined;
  const taken = await deps.store.takeLease(
    existing.detail.eventId,
    leaseEnd(deps),
    deps.now().toISOString(),
  );
  if (!taken) throw new EventBusyError(existing.detail.eventId);
  return existing;
}

function leaseEnd(deps: ProcessorDeps): string {
  return new Date(deps.now().getTime() + deps.leaseMs).toISOString();
}

/** What applying an event to its subject decided, as the stored and published detail says it. */
type Outcome = Pick<EventDetail, 'previousStatus' | 'outOfOrder' | 'occurredAt' | 'receivedAt'>;

type Application =
  | {
      readonly outcome: Outcome;
      /** Set when this attempt changed the subject: the state it replaced and the one it wrote. */
      readonly change?: { readonly replaced?: SubjectState; readonly written: SubjectState };
    }
  /** Another attempt stored the event meanwhile: that one is the event, nothing was applied. */
  | { readonly stored: StoredEvent };

/**
 * Advances the subject's state when the event is newer than it (DESIGN §4.5), with a
 * compare-and-set on the subject's version so that two events for one subject processed at
 * once cannot both win. Returns what the published event says about the subject.
 *
 * A state is only replaced once the event that set it is stored. An attempt applies its event,
 * then stores it; if it dies in between, its retry finds its own event current and carries on
 * ('same'). Were a newer event let in meanwhile, that retry would find its event older than the
 * subject and publish it as out of order, although the newer event already named its status as
 * the previous one; and another copy of it (without a vendor time, at another receive time)
 * could apply it a second time, over the newer event.
 */
async function applyToSubject(event: StoredEvent, deps: ProcessorDeps): Promise<Application> {
  const { detail } = event;
  const times = { occurredAt: detail.occurredAt, receivedAt: detail.receivedAt };
  let unsettled: SubjectState | undefined;
  for (let attempt = 0; attempt < SUBJECT_ATTEMPTS; attempt += 1) {
    if (unsettled) await setTimeout(SETTLE_PAUSE_MS * 2 ** (attempt - 1));
    unsettled = undefined;
    const current = await deps.store.getSubject(event.subjectKey);
    const order = compareToCurrent(current, detail);
    // A retry of the event that set the current state: report what it reported the first time.
    if (current && order === 'same') {
      const outcome = { previousStatus: current.previousStatus, outOfOrder: false };
      return { outcome: { ...outcome, ...timesAsApplied(detail, current) } };
    }
    if (current) {
      const [settled, stored] = await Promise.all([
        deps.store.getEvent(current.eventId),
        deps.store.getEvent(detail.eventId),
      ]);
      // Read after the subject: had this event been applied before the current state, it
      // would have been stored before that state could replace it, and be found here.
      if (stored) return { stored };
      // Judged against a state that is not settled, the event could be found older than a
      // state that is then withdrawn, or replace one whose event is never stored as it says.
      // An expired state is not waited for: retention may have removed its event already.
      const last = attempt === SUBJECT_ATTEMPTS - 1;
      const expired = current.expiresAt * 1000 <= deps.now().getTime();
      if (!expired && (!settled || (!agrees(settled, current) && !last))) {
        unsettled = current;
        continue;
      }
      if (order === 'stale') {
        return { outcome: { previousStatus: current.status, outOfOrder: true, ...times } };
      }
    }
    const next: SubjectState = {
      key: event.subjectKey,
      status: detail.status,
      previousStatus: current?.status ?? null,
      occurredAt: detail.occurredAt,
      eventId: detail.eventId,
      version: (current?.version ?? 0) + 1,
      updatedAt: deps.now().toISOString(),
      expiresAt: event.expiresAt,
    };
    if (await deps.store.saveSubject(next, current?.version)) {
      return {
        outcome: { previousStatus: next.previousStatus, outOfOrder: false, ...times },
        change: { ...(current && { replaced: current }), written: next },
      };
    }
  }
  // The attempt that set the current state has not stored its event yet (it may have died):
  // its retry will, and this record's retry then goes ahead.
  if (unsettled) throw new EventBusyError(unsettled.eventId);
  throw new SubjectContentionError();
}

/**
 * Whether the subject's current state is settled: its event is stored, as the state says it.
 * A stored event that disagrees is being withdrawn (see `withdrawIfContradicted`); were its
 * withdrawal never to come (the attempt died), waiting longer would not help, so after the
 * last pause the state is replaced anyway.
 */
function agrees(stored: StoredEvent, state: SubjectState): boolean {
  return !stored.detail.outOfOrder && stored.detail.occurredAt === state.occurredAt;
}

/**
 * This attempt applied its event, but another copy of the delivery stored the event first,
 * with another account of it: copies of a delivery without a vendor time carry different
 * receive times, so that copy found the event older than the subject while this one found it
 * newer. The stored copy is the event; the subject goes back to the state this attempt
 * replaced, unless it has moved on since.
 */
async function withdrawIfContradicted(
  application: Exclude<Application, { readonly stored: StoredEvent }>,
  winner: StoredEvent,
  deps: ProcessorDeps,
): Promise<void> {
  const { change } = application;
  if (!change?.replaced || agrees(winner, change.written)) return;
  const restored: SubjectState = {
    ...change.replaced,
    version: change.written.version + 1,
    updatedAt: deps.now().toISOString(),
  };
  if (!(await deps.store.saveSubject(restored, change.written.version))) {
    deps.log.warn('subject not withdrawn: it changed meanwhile', {
      eventId: winner.detail.eventId,
      subjectKey: winner.subjectKey,
    });
  }
}

/**
 * The times of an event that already set its subject's state: the ones it set it with. Another
 * copy of the delivery may have applied it (a vendor repeat, or a retry after an answer to the
 * vendor was lost) and then died before storing it. Without a vendor time each copy carries its
 * own receive time, so this copy would store the event at a time other than the one its subject
 * records: the subject would then be ordered against a time no stored event has, and the next
 * event could regress it (or be refused as out of order) by the stored history's own account.
 */
function timesAsApplied(
  detail: EventDetail,
  current: SubjectState,
): Pick<EventDetail, 'occurredAt' | 'receivedAt'> {
  if (current.occurredAt === detail.occurredAt) {
    return { occurredAt: detail.occurredAt, receivedAt: detail.receivedAt };
  }
  // An event without a vendor time was received when it occurred; keep the two equal.
  const receiveTimed = detail.occurredAt === detail.receivedAt;
  return {
    occurredAt: current.occurredAt,
    receivedAt: receiveTimed ? current.occurredAt : detail.receivedAt,
  };
}

function toStoredEvent(
  draft: NormalizedDraft,
  eventId: string,
  message: QueueMessage,
  deps: ProcessorDeps,
): StoredEvent {
  // A delivery that names no subject is its own subject, so it never orders against others.
  const subject: SubjectRef = draft.subject ?? { kind: 'delivery', id: message.dedupId };
  const detail: EventDetail = {
    schemaVersion: SCHEMA_VERSION,
    eventId,
    vendor: message.vendor,
    vendorEventType: draft.vendorEventType,
    subject,
    status: draft.status,
    scope: draft.scope,
    vendorStatus: draft.vendorStatus,
    previousStatus: null,
    outOfOrder: false,
    occurredAt: draft.occurredAt ?? message.receivedAt,
    receivedAt: message.receivedAt,
  };
  const receivedSeconds = Math.floor(Date.parse(message.receivedAt) / 1000);
  return {
    detail,
    detailType: draft.detailType,
    subjectKey: `${message.vendor}#${subject.kind}#${subject.id}`,
    route: message.route,
    rawBody: message.body,
    ...(message.bodyEncoding && { bodyEncoding: message.bodyEncoding }),
    expiresAt: receivedSeconds + deps.retentionDays * 86_400,
  };
}

/**
 * The entry to publish: the stored detail plus, unless switched off or too large, the payload —
 * without the vendor's in-body signatures, which prove a delivery to ingest and nothing else.
 */
export function toOutgoing(event: StoredEvent, includePayload: boolean): OutgoingEvent {
  const base = { source: sourceOf(event.detail.vendor), detailType: event.detailType };
  if (!includePayload) return { ...base, detail: { ...event.detail, payloadOmitted: 'disabled' } };
  const text = event.bodyEncoding === 'base64' ? undefined : event.rawBody;
  const parsed = text === undefined ? undefined : parseJson(text);
  const vendor = findVendor(event.detail.vendor);
  const signatures = vendor ? signatureMembersOf(vendor.proof) : [];
  const payload =
    parsed === undefined ? (text ?? event.rawBody) : withoutMembers(parsed, signatures);
  const withPayload: OutgoingEvent = { ...base, detail: { ...event.detail, payload } };
  return entrySize(withPayload) <= MAX_ENTRY_BYTES
    ? withPayload
    : { ...base, detail: { ...event.detail, payloadOmitted: 'too_large' } };
}
