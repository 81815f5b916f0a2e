import type { OutgoingEvent } from '../lambdas/core/event.js';
import type {
  EventStore,
  PublishOutcome,
  StoredEvent,
  SubjectState,
} from '../lambdas/core/ports.js';
import { serializeQueueMessage, type QueueMessage } from '../lambdas/core/queue-message.js';
import { processRecord, type ProcessorLog } from '../lambdas/processor/process-record.js';

/**
 * Runs a stored raw delivery through the processor's own code path again — the current vendor
 * `normalize`, eventId and subject-key rules, and the ordering check against the subject — over
 * a sandbox store that reads the real subject state but writes nothing. Replay then decides what
 * of the outcome it applies; nothing here has any effect.
 */

/** What the processor would do with the delivery today. */
export interface Renormalized {
  /** Every event the delivery yields today, as the processor would store it. */
  readonly events: readonly StoredEvent[];
  /** The subject writes the processor would make, keyed by the eventId that makes them. */
  readonly subjectWrites: ReadonlyMap<string, SubjectWrite>;
}

export interface SubjectWrite {
  readonly state: SubjectState;
  /** The version the write is conditional on (`undefined`: the subject has no state yet). */
  readonly expectedVersion: number | undefined;
}

const SILENT: ProcessorLog = { info: () => undefined, warn: () => undefined };

export async function renormalize(
  stored: StoredEvent,
  subjects: Pick<EventStore, 'getSubject' | 'getEvent'>,
  now: () => Date,
): Promise<Renormalized> {
  return runProcessor(stored, dedupIdOf(stored), subjects, now);
}

async function runProcessor(
  stored: StoredEvent,
  dedupId: string,
  subjects: Pick<EventStore, 'getSubject' | 'getEvent'>,
  now: () => Date,
): Promise<Renormalized> {
  const events: StoredEvent[] = [];
  const subjectWrites = new Map<string, SubjectWrite>();
  const own = `${stored.detail.vendor}:${dedupId}`;
  const sandbox: EventStore = {
    // The delivery's own events look new, so the processor evaluates them against the subject
    // afresh; any other event (the subject's current one, which the processor checks is stored
    // before judging against it) is read from the real store.
    getEvent: async (eventId) =>
      eventId === own || eventId.startsWith(`${own}#`) ? undefined : subjects.getEvent(eventId),
    createEvent: async (event) => {
      events.push(event);
      return true;
    },
    takeLease: async () => true,
    markPublished: async () => undefined,
    getSubject: (key) => subjects.getSubject(key),
    saveSubject: async (state, expectedVersion) => {
      subjectWrites.set(state.eventId, { state, expectedVersion });
      return true;
    },
  };
  const publish = async (outgoing: readonly OutgoingEvent[]): Promise<PublishOutcome[]> =>
    outgoing.map(() => ({ ok: true }));
  await processRecord(
    {
      messageId: `replay:${stored.detail.eventId}`,
      body: serializeQueueMessage(messageOf(stored, dedupId)),
    },
    {
      store: sandbox,
      now,
      includePayload: false,
      // Only feeds `expiresAt`, which replay keeps from the stored event.
      retentionDays: 0,
      leaseMs: 0,
      log: SILENT,
    },
    publish,
  );
  return { events, subjectWrites };
}

/** The queue message ingest made from the delivery; what it did not store is not read. */
function messageOf(stored: StoredEvent, dedupId: string): QueueMessage {
  return {
    vendor: stored.detail.vendor,
    route: stored.route,
    receivedAt: stored.detail.receivedAt,
    requestId: 'replay',
    sourceIp: 'replay',
    dedupId,
    body: stored.rawBody,
    ...(stored.bodyEncoding && { bodyEncoding: stored.bodyEncoding }),
  };
}

/**
 * The dedup id inside `<vendor>:<dedup id>[#<n>]` (process-record.ts). Vendors' ids are UUIDs,
 * hashes or `route:hash`, so a `#<digits>` ending is always the position in a delivery.
 */
function dedupIdOf(stored: StoredEvent): string {
  const { eventId, vendor } = stored.detail;
  const remainder = eventId.startsWith(`${vendor}:`) ? eventId.slice(vendor.length + 1) : eventId;
  return remainder.replace(/#\d+$/, '');
}
