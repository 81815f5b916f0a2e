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
  type Status,
  type SubjectRef,
} from '../core/event.js';
import { parseJson } from '../core/json.js';
import { compareToCurrent } from '../core/ordering.js';
import type { EventStore, StoredEvent, SubjectState } from '../core/ports.js';
import { bodyText, parseQueueMessage, type QueueMessage } from '../core/queue-message.js';
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

/** The slice of a logger the processor uses (Powertools' Logger fits). */
export interface ProcessorLog {
  info(message: string, attributes: Record<string, unknown>): void;
  warn(message: string, attributes: Record<string, unknown>): void;
}

export interface QueueRecord {
  readonly messageId: string;
  readonly body: string;
}

export type EventOutcome = 'published' | 'duplicate';

/** How many times a subject update is retried when another event changes the subject first. */
const SUBJECT_ATTEMPTS = 5;

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
    else outcomes.set(candidate.detail.eventId, 'duplicate');
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
      outcomes.set(event.detail.eventId, 'published');
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

  const { previousStatus, outOfOrder } = await applyToSubject(candidate, deps);
  const event: StoredEvent = {
    ...candidate,
    detail: { ...candidate.detail, previousStatus, outOfOrder },
    leaseUntil: leaseEnd(deps),
  };
  if (await deps.store.createEvent(event)) return event;
  // A concurrent delivery of the same event stored it first.
  const winner = await deps.store.getEvent(eventId);
  if (!winner) throw new EventBusyError(eventId);
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

/**
 * Advances the subject's state when the event is newer than it (DESIGN §4.5), with a
 * compare-and-set on the subject's version so that two events for one subject processed at
 * once cannot both win. Returns what the published event says about the subject.
 */
async function applyToSubject(
  event: StoredEvent,
  deps: ProcessorDeps,
): Promise<{ previousStatus: Status | null; outOfOrder: boolean }> {
  const { detail } = event;
  for (let attempt = 0; attempt < SUBJECT_ATTEMPTS; attempt += 1) {
    const current = await deps.store.getSubject(event.subjectKey);
    const order = compareToCurrent(current, detail);
    // A retry of the event that set the current state: report what it reported the first time.
    if (current && order === 'same')
      return { previousStatus: current.previousStatus, outOfOrder: false };
    if (current && order === 'stale') return { previousStatus: current.status, outOfOrder: true };
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
      return { previousStatus: next.previousStatus, outOfOrder: false };
    }
  }
  throw new SubjectContentionError();
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

/** The entry to publish: the stored detail plus, unless switched off or too large, the payload. */
export function toOutgoing(event: StoredEvent, includePayload: boolean): OutgoingEvent {
  const base = { source: sourceOf(event.detail.vendor), detailType: event.detailType };
  if (!includePayload) return { ...base, detail: { ...event.detail, payloadOmitted: 'disabled' } };
  const text = event.bodyEncoding === 'base64' ? undefined : event.rawBody;
  const payload = text === undefined ? event.rawBody : (parseJson(text) ?? text);
  const withPayload: OutgoingEvent = { ...base, detail: { ...event.detail, payload } };
  return entrySize(withPayload) <= MAX_ENTRY_BYTES
    ? withPayload
    : { ...base, detail: { ...event.detail, payloadOmitted: 'too_large' } };
}
