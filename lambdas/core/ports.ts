import type { DetailType, EventDetail, OutgoingEvent, Status, SubjectRef } from './event.js';
import type { QueueMessage } from './queue-message.js';

/**
 * The pipeline's ports. Ingest and the processor orchestrate over these; `lambdas/adapters/`
 * implements them with the AWS SDK, and tests with in-memory fakes.
 */

export interface EventQueue {
  /** Resolves only once the queue has durably accepted the message; throws otherwise. */
  send(message: QueueMessage): Promise<void>;
}

export interface SecretSource {
  /** The vendor's secret JSON, parsed; cached by the adapter for a short time. */
  get(vendorId: string): Promise<unknown>;
}

/** An event as stored: the published detail (without payload) plus what replay needs. */
export interface StoredEvent {
  readonly detail: EventDetail;
  readonly detailType: DetailType;
  readonly subjectKey: string;
  readonly route: string;
  readonly rawBody: string;
  readonly bodyEncoding?: 'base64';
  /** Set once EventBridge accepted the event. */
  readonly publishedAt?: string;
  /** While set and in the future, one attempt owns publishing this event. */
  readonly leaseUntil?: string;
  /** Epoch seconds after which the store may delete the item. */
  readonly expiresAt: number;
}

/**
 * The key a subject's state and history are filed under: `<vendor>#<kind>#<id>`. The one place it
 * is spelled, for the processor, the stores, the CLI and the inspector.
 */
export function subjectKeyOf(vendor: string, subject: Pick<SubjectRef, 'kind' | 'id'>): string {
  return `${vendor}#${subject.kind}#${subject.id}`;
}

/** The latest state of one subject, guarded by `version`. */
export interface SubjectState {
  readonly key: string;
  readonly status: Status;
  readonly previousStatus: Status | null;
  readonly occurredAt: string;
  readonly eventId: string;
  readonly version: number;
  readonly expiresAt: number;
  /** The customer's own reference for the subject, as its latest event that gave one said. */
  readonly externalRef?: string;
}

/**
 * What storing an event does to its subject, decided against the subject's state as read; the
 * store applies it only if that state is still the one read (`readVersion`, `undefined` when the
 * subject had no state).
 */
export type SubjectChange =
  /** The event becomes the subject's state. */
  | { readonly kind: 'replace'; readonly state: SubjectState; readonly readVersion?: number }
  /** The subject keeps its state: the event is older, or set it already. */
  | { readonly kind: 'keep'; readonly key: string; readonly readVersion: number };

/**
 * The store's answer to `recordEvent`: `stored` (event and subject change both written), or
 * nothing written because another attempt got there first: `event-exists` (the event is
 * stored: read it and resume) or `subject-moved` (another event changed the subject: read it
 * and decide again).
 */
export type RecordAnswer = 'stored' | 'event-exists' | 'subject-moved';

/** The answer to `reviseEvent`: `event-unavailable` means gone, or leased by another attempt. */
export type ReviseAnswer = 'revised' | 'event-unavailable' | 'subject-moved';

/**
 * An event's raw body made ready by `stageBody` for `recordEvent`. What it holds is the store's
 * own business (compressed bytes, and where they were written).
 */
export interface StagedBody {
  readonly eventId: string;
}

/**
 * Conflicts and throttling are thrown (`StoreBusyError`, core/errors.ts): the record is retried.
 */
export interface EventStore {
  getEvent(eventId: string): Promise<StoredEvent | undefined>;
  getSubject(key: string): Promise<SubjectState | undefined>;
  /**
   * Optional: readies the body of an event about to be recorded, and writes whatever must exist
   * before the event does (immutable and idempotent, so a crash or a lost race leaves nothing
   * wrong), so that the processor can do it while it reads the subject. Judging the event and
   * leasing it afterwards do not make the staged body wrong.
   */
  stageBody?(event: StoredEvent): Promise<StagedBody>;
  /**
   * In one atomic write (DESIGN §4.5): stores the event unless one with its id exists, and
   * applies `change` to its subject unless the subject changed since it was read. Stages the
   * body itself when given none.
   */
  recordEvent(event: StoredEvent, change: SubjectChange, body?: StagedBody): Promise<RecordAnswer>;
  /**
   * Replay's correction, in one atomic write: rewrites a stored event's detail, files it under
   * `event.subjectKey`, clears its published mark and gives it `event.leaseUntil`, unless another
   * attempt holds its lease at `now`; and applies `change`, if any, as `recordEvent` does.
   * The body, times of receipt and expiry stay as stored.
   */
  reviseEvent(
    event: StoredEvent,
    change: SubjectChange | undefined,
    now: string,
  ): Promise<ReviseAnswer>;
  /** Takes the publication lease of an unpublished event whose lease has ended. */
  takeLease(eventId: string, until: string, now: string): Promise<boolean>;
  markPublished(eventId: string, publishedAt: string): Promise<void>;
}

export type PublishOutcome =
  { readonly ok: true } | { readonly ok: false; readonly reason: string };

export interface EventPublisher {
  /** One outcome per event, in order; a failed call fails all of its entries. */
  publish(events: readonly OutgoingEvent[]): Promise<PublishOutcome[]>;
}

/** The slice of a logger the pipeline uses (Powertools' Logger fits): messages and attributes. */
export interface Log {
  info(message: string, attributes: Record<string, unknown>): void;
  warn(message: string, attributes: Record<string, unknown>): void;
  error(message: string, attributes: Record<string, unknown>): void;
}
