import { PoisonMessageError, PublishError } from '../core/errors.js';
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
import { subjectKeyOf, type StoredEvent } from '../core/ports.js';
import { bodyText, parseQueueMessage, type QueueMessage } from '../core/queue-message.js';
import { signatureMembersOf } from '../core/vendor.js';
import { withoutLinkQueries } from '../core/vendor-api.js';
import { findVendor } from '../vendors/registry.js';
import type { Publish } from './publish-barrier.js';
import { storeOnce, type RecordDeps } from './record-event.js';

export type { ProcessorLog } from './record-event.js';

export interface ProcessorDeps extends RecordDeps {
  /** Whether published events carry the vendor's body (DESIGN §3.5: may be off for data minimisation). */
  readonly includePayload: boolean;
  readonly retentionDays: number;
}

export interface QueueRecord {
  readonly messageId: string;
  readonly body: string;
}

/** What became of one event of the record, for the log and metrics. */
export interface EventOutcome {
  readonly result: 'published' | 'duplicate';
  readonly vendor: string;
}

/**
 * Processes one queued delivery (DESIGN §4): normalize, store each event once and advance its
 * subject (record-event.ts), publish, and mark published. Safe to run again after a crash
 * between any two steps: a stored-but-unpublished event is published by the retry, never
 * skipped as a duplicate. Throws when any of the record's events could not be published, so SQS
 * redelivers the record.
 */
export async function processRecord(
  record: QueueRecord,
  deps: ProcessorDeps,
  publish: Publish,
): Promise<Map<string, EventOutcome>> {
  const message = parseQueueMessage(record.body);
  const outcomes = new Map<string, EventOutcome>();
  const ready: StoredEvent[] = [];
  for (const candidate of eventsOf(message, deps)) {
    const event = await storeOnce(candidate, deps);
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

/**
 * The events a queued delivery holds, as they are stored before being judged against their
 * subjects: the vendor's `normalize`, the eventId and subject-key rules. Replay runs stored
 * deliveries through it again.
 */
export function eventsOf(
  message: QueueMessage,
  settings: Pick<ProcessorDeps, 'retentionDays'>,
): StoredEvent[] {
  const vendor = findVendor(message.vendor);
  if (!vendor) throw new PoisonMessageError(`unknown vendor "${message.vendor}"`);
  const body = bodyText(message);
  const drafts = vendor.normalize({
    route: message.route,
    body,
    json: parseJson(body),
    receivedAt: message.receivedAt,
  });
  return drafts.map((draft, index) =>
    toStoredEvent(draft, eventIdOf(message, index, drafts.length), message, settings),
  );
}

/** `<vendor>:<dedup id>`, suffixed with the position when one delivery holds several events. */
function eventIdOf(message: QueueMessage, index: number, count: number): string {
  const id = `${message.vendor}:${message.dedupId}`;
  return count === 1 ? id : `${id}#${index}`;
}

function toStoredEvent(
  draft: NormalizedDraft,
  eventId: string,
  message: QueueMessage,
  settings: Pick<ProcessorDeps, 'retentionDays'>,
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
    ...(draft.origin && { origin: draft.origin }),
    ...(draft.findings && { findings: draft.findings }),
  };
  const receivedSeconds = Math.floor(Date.parse(message.receivedAt) / 1000);
  return {
    detail,
    detailType: draft.detailType,
    subjectKey: subjectKeyOf(message.vendor, subject),
    route: message.route,
    rawBody: message.body,
    ...(message.bodyEncoding && { bodyEncoding: message.bodyEncoding }),
    expiresAt: receivedSeconds + settings.retentionDays * 86_400,
  };
}

/**
 * The entry to publish: the stored detail plus, unless switched off or too large, the payload —
 * without the vendor's in-body signatures, which prove a delivery to ingest and nothing else, and
 * with a link-archiving vendor's links cut at their query (pre-signed: the query is a credential).
 */
export function toOutgoing(event: StoredEvent, includePayload: boolean): OutgoingEvent {
  const base = { source: sourceOf(event.detail.vendor), detailType: event.detailType };
  if (!includePayload) return { ...base, detail: { ...event.detail, payloadOmitted: 'disabled' } };
  const text = event.bodyEncoding === 'base64' ? undefined : event.rawBody;
  const parsed = text === undefined ? undefined : parseJson(text);
  const vendor = findVendor(event.detail.vendor);
  const signatures = vendor ? signatureMembersOf(vendor.proof) : [];
  const payload =
    parsed === undefined
      ? (text ?? event.rawBody)
      : withoutLinkQueries(vendor?.api, withoutMembers(parsed, signatures));
  const withPayload: OutgoingEvent = { ...base, detail: { ...event.detail, payload } };
  return entrySize(withPayload) <= MAX_ENTRY_BYTES
    ? withPayload
    : { ...base, detail: { ...event.detail, payloadOmitted: 'too_large' } };
}
