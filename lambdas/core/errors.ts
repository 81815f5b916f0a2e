/**
 * Surprises, not outcomes: a bad signature is a `Rejection` value; these are thrown.
 * Messages say what happened and what to do, and never carry secrets or personal data.
 */
export class KycError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

/** The deployment is misconfigured (a secret of the wrong shape, a missing variable). */
export class ConfigurationError extends KycError {
  constructor(message: string) {
    super('configuration', message);
  }
}

/** A queue message the processor cannot read: it goes to the DLQ after its retries. */
export class PoisonMessageError extends KycError {
  constructor(reason: string) {
    super('poison_message', `Queue message rejected: ${reason}`);
  }
}

/** Another attempt holds this event's publication lease; retry after the lease ends. */
export class EventBusyError extends KycError {
  constructor(eventId: string) {
    super('event_busy', `Event ${eventId} is being published by another attempt; will retry`);
  }
}

/** Other events changed the subject too often while applying one; the record is retried. */
export class SubjectContentionError extends KycError {
  constructor() {
    super('subject_contention', 'Subject state kept changing while applying an event; will retry');
  }
}

/**
 * The store cancelled an atomic write for a reason that passes (a concurrent transaction on one
 * of its items, or throttling): nothing was written, and the record is retried.
 */
export class StoreBusyError extends KycError {
  constructor(reason: 'conflict' | 'throttled', detail: string) {
    super(
      reason === 'conflict' ? 'store_conflict' : 'store_throttled',
      `The store cancelled the write; the record is retried: ${detail}`,
    );
  }
}

/** EventBridge did not take an entry (a whole-call failure or a failed entry). */
export class PublishError extends KycError {
  constructor(reason: string) {
    super('publish_failed', `EventBridge did not accept the event: ${reason}`);
  }
}
