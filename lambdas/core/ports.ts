import type { DetailType, EventDetail, OutgoingEvent, Status } from './event.js';
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

/** The latest state of one subject, guarded by `version` (compare-and-set). */
export interface SubjectState {
  readonly key: string;
  readonly status: Status;
  readonly previousStatus: Status | null;
  readonly occurredAt: string;
  readonly eventId: string;
  readonly version: number;
  readonly updatedAt: string;
  readonly expiresAt: number;
}

export interface EventStore {
  getEvent(eventId: string): Promise<StoredEvent | undefined>;
  /** Stores the event unless one with its id exists; `false` means it already existed. */
  createEvent(event: StoredEvent): Promise<boolean>;
  /** Takes the publication lease of an unpublished event whose lease has ended. */
  takeLease(eventId: string, until: string, now: string): Promise<boolean>;
  markPublished(eventId: string, publishedAt: string): Promise<void>;
  getSubject(key: string): Promise<SubjectState | undefined>;
  /** Writes the state if the stored version is still `expectedVersion` (`undefined` = absent). */
  saveSubject(state: SubjectState, expectedVersion: number | undefined): Promise<boolean>;
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
