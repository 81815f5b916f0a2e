import type { Status, SubjectRef } from '../core/event.js';
import type { VendorApi } from '../core/vendor-api.js';

/**
 * Subjects left without a verdict, for the reconciliation sweep: kept only for vendors whose API
 * declares reconciliation windows, so no other vendor's events cost a write. The events table has
 * no index by status, and gets none for this (CloudFormation adds one index per update).
 */
export interface OpenSubject {
  readonly vendor: string;
  readonly subject: SubjectRef;
  readonly status: Status;
  /** When its current status was set (the event's `occurredAt`). */
  readonly since: string;
  /** The event that set it. */
  readonly eventId: string;
}

/** The store of open subjects (lambdas/adapters/dynamo-open-subjects.ts). */
export interface OpenSubjects {
  /** Records `subject` as open, unless what is recorded was set later than `open.since`. */
  open(open: OpenSubject): Promise<void>;
  /** Forgets the subject, unless what is recorded was set later than `since`. */
  close(vendor: string, subject: SubjectRef, since: string): Promise<void>;
  /** Every open subject, in no order. */
  list(): AsyncIterable<OpenSubject>;
}

/**
 * Whether the sweep should ask about a subject at `now`: its status has a window, and the
 * window has passed since the status was set.
 */
export function isDue(api: VendorApi, open: OpenSubject, now: Date): boolean {
  const minutes = api.reconcileAfterMinutes[open.status];
  if (minutes === undefined) return false;
  return now.getTime() - Date.parse(open.since) >= minutes * 60_000;
}

/** Whether a vendor's subjects are tracked at all. */
export function reconciles(api: VendorApi | undefined): boolean {
  return api !== undefined && Object.keys(api.reconcileAfterMinutes).length > 0;
}
