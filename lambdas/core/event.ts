/**
 * The normalized event: what downstream consumers receive as the `detail` of an EventBridge
 * entry. One vocabulary for every vendor; the vendor's own words stay in `vendorStatus`.
 */

export const SCHEMA_VERSION = '1';

/** Normalized status vocabulary: one meaning across vendors. */
export const STATUSES = [
  'pending',
  'in_progress',
  'needs_info',
  'in_review',
  'approved',
  'rejected',
  'locked',
  'expired',
  'cancelled',
  'unknown',
] as const;
export type Status = (typeof STATUSES)[number];

/** A terminal status wins over a non-terminal one when two events carry the same vendor time. */
const TERMINAL_STATUSES: ReadonlySet<Status> = new Set([
  'approved',
  'rejected',
  'locked',
  'expired',
  'cancelled',
]);

export function isTerminal(status: Status): boolean {
  return TERMINAL_STATUSES.has(status);
}

/** A small, stable set: rules match on these, so new vendor events never add a DetailType. */
export const DETAIL_TYPES = [
  'KYC Verification Updated',
  'KYC Document Updated',
  'KYC Monitoring Alert',
  'KYC Vendor Event',
] as const;
export type DetailType = (typeof DETAIL_TYPES)[number];

export interface SubjectRef {
  /** What the status belongs to, in the vendor's terms: `user`, `document`, `journey`, … */
  readonly kind: string;
  readonly id: string;
  /** The caller's own reference for the subject, when the vendor echoes one. */
  readonly externalRef?: string;
  /** The subject this one belongs to (a document's user), when the vendor says. */
  readonly parent?: { readonly kind: string; readonly id: string };
}

/** What a vendor module derives from one delivery; the processor adds ids, times and state. */
export interface NormalizedDraft {
  readonly detailType: DetailType;
  readonly vendorEventType: string;
  /** Absent when the delivery names no subject: the processor then uses the delivery itself. */
  readonly subject?: SubjectRef;
  readonly status: Status;
  /** The vendor's own status words, e.g. `kycReview=VALIDATED`. */
  readonly vendorStatus: string | null;
  /** Vendor event time (ISO 8601), when the delivery carries one. */
  readonly occurredAt?: string;
}

export interface EventDetail {
  readonly schemaVersion: typeof SCHEMA_VERSION;
  readonly eventId: string;
  readonly vendor: string;
  readonly vendorEventType: string;
  readonly subject: SubjectRef;
  readonly status: Status;
  readonly vendorStatus: string | null;
  readonly previousStatus: Status | null;
  readonly outOfOrder: boolean;
  /** Vendor time, else the time the delivery was received. */
  readonly occurredAt: string;
  readonly receivedAt: string;
  /** The vendor's body, parsed; absent when the deployment switches payloads off or it is too large. */
  readonly payload?: unknown;
  /** Why `payload` is absent, when it is. */
  readonly payloadOmitted?: 'disabled' | 'too_large';
}

/** One EventBridge entry to be: `Source` is `kyc.<vendor>`, `Time` the vendor's event time. */
export interface OutgoingEvent {
  readonly source: string;
  readonly detailType: DetailType;
  readonly detail: EventDetail;
}

export function sourceOf(vendor: string): string {
  return `kyc.${vendor}`;
}

/** EventBridge's largest entry (DESIGN §7: entries may be up to 1 MiB). */
export const MAX_ENTRY_BYTES = 1_048_576;

/** Entry size as EventBridge counts it: Time (14) + Source + DetailType + Detail, in UTF-8 bytes. */
export function entrySize(event: OutgoingEvent): number {
  return (
    14 +
    Buffer.byteLength(event.source) +
    Buffer.byteLength(event.detailType) +
    Buffer.byteLength(JSON.stringify(event.detail))
  );
}
