import type { StoredEvent } from '../lambdas/core/ports.js';
import type { QueueMessage } from '../lambdas/core/queue-message.js';
import { eventsOf } from '../lambdas/processor/process-record.js';

/**
 * The events a stored raw delivery yields today: the queue message ingest made from it, through
 * the processor's own `eventsOf` — the current vendor `normalize`, eventId and subject-key rules —
 * as the processor would store them before judging them against their subjects. They keep the
 * stored event's expiry. Nothing is read or written; replay decides what of it to apply.
 */
export function renormalize(stored: StoredEvent): StoredEvent[] {
  const message = messageOf(stored, dedupIdOf(stored));
  // The retention only feeds `expiresAt`, which is the stored one.
  return eventsOf(message, { retentionDays: 0 }).map((event) => ({
    ...event,
    expiresAt: stored.expiresAt,
  }));
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
