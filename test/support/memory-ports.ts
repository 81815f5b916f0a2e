import type { OutgoingEvent } from '../../lambdas/core/event.js';
import type {
  EventPublisher,
  EventQueue,
  EventStore,
  PublishOutcome,
  RecordAnswer,
  ReviseAnswer,
  SecretSource,
  StoredEvent,
  SubjectChange,
  SubjectState,
} from '../../lambdas/core/ports.js';
import type { QueueMessage } from '../../lambdas/core/queue-message.js';

/**
 * In-memory implementations of the ports with the same conditional semantics as the adapters,
 * for testing orchestration. Values are cloned on the way in and out, as a real store would.
 */

const clone = <T>(value: T): T => structuredClone(value);

/**
 * Each call checks and writes without yielding, so `recordEvent` and `reviseEvent` are atomic as
 * DynamoDB's transactions are, and answer in the adapter's order: the event's condition first.
 */
export class MemoryEventStore implements EventStore {
  readonly events = new Map<string, StoredEvent>();
  readonly subjects = new Map<string, SubjectState>();

  async getEvent(eventId: string): Promise<StoredEvent | undefined> {
    const event = this.events.get(eventId);
    return event && clone(event);
  }

  async getSubject(key: string): Promise<SubjectState | undefined> {
    const subject = this.subjects.get(key);
    return subject && clone(subject);
  }

  async recordEvent(event: StoredEvent, change: SubjectChange): Promise<RecordAnswer> {
    if (this.events.has(event.detail.eventId)) return 'event-exists';
    if (!this.#holds(change)) return 'subject-moved';
    this.events.set(event.detail.eventId, clone(event));
    this.#apply(change);
    return 'stored';
  }

  async reviseEvent(
    event: StoredEvent,
    change: SubjectChange | undefined,
    now: string,
  ): Promise<ReviseAnswer> {
    const stored = this.events.get(event.detail.eventId);
    if (!stored || (stored.leaseUntil !== undefined && !(stored.leaseUntil < now))) {
      return 'event-unavailable';
    }
    if (change && !this.#holds(change)) return 'subject-moved';
    // Body, receipt and expiry stay as stored, as the adapter's update leaves them.
    const { publishedAt: _published, ...unpublished } = stored;
    this.events.set(
      event.detail.eventId,
      clone({
        ...unpublished,
        detail: event.detail,
        detailType: event.detailType,
        subjectKey: event.subjectKey,
        ...(event.leaseUntil !== undefined && { leaseUntil: event.leaseUntil }),
      }),
    );
    if (change) this.#apply(change);
    return 'revised';
  }

  async takeLease(eventId: string, until: string, now: string): Promise<boolean> {
    const event = this.events.get(eventId);
    if (!event || event.publishedAt !== undefined) return false;
    if (event.leaseUntil !== undefined && !(event.leaseUntil < now)) return false;
    this.events.set(eventId, { ...event, leaseUntil: until });
    return true;
  }

  async markPublished(eventId: string, publishedAt: string): Promise<void> {
    const event = this.events.get(eventId);
    if (!event) throw new Error(`no event ${eventId}`);
    const { leaseUntil: _lease, ...rest } = event;
    this.events.set(eventId, { ...rest, publishedAt });
  }

  /** Whether the subject is still at the version the change was decided on. */
  #holds(change: SubjectChange): boolean {
    const key = change.kind === 'replace' ? change.state.key : change.key;
    return this.subjects.get(key)?.version === change.readVersion;
  }

  #apply(change: SubjectChange): void {
    if (change.kind === 'replace') this.subjects.set(change.state.key, clone(change.state));
  }
}

/** Records every call; `failNext` makes the next call(s) fail whole or per entry. */
export class MemoryPublisher implements EventPublisher {
  readonly calls: OutgoingEvent[][] = [];
  readonly published: OutgoingEvent[] = [];
  #plan: ((events: readonly OutgoingEvent[]) => PublishOutcome[] | Error)[] = [];

  /** Queue a behaviour for the next call: an Error fails the call, outcomes fail entries. */
  failNext(behaviour: (events: readonly OutgoingEvent[]) => PublishOutcome[] | Error): void {
    this.#plan.push(behaviour);
  }

  async publish(events: readonly OutgoingEvent[]): Promise<PublishOutcome[]> {
    this.calls.push(clone([...events]));
    const planned = this.#plan.shift()?.(events);
    if (planned instanceof Error) throw planned;
    const outcomes = planned ?? events.map((): PublishOutcome => ({ ok: true }));
    events.forEach((event, i) => {
      if (outcomes[i]?.ok) this.published.push(clone(event));
    });
    return outcomes;
  }
}

export class MemoryQueue implements EventQueue {
  readonly messages: QueueMessage[] = [];
  failWith: Error | undefined;

  async send(message: QueueMessage): Promise<void> {
    if (this.failWith) throw this.failWith;
    this.messages.push(clone(message));
  }
}

export class StaticSecretSource implements SecretSource {
  constructor(private readonly secrets: Readonly<Record<string, unknown>>) {}

  async get(vendorId: string): Promise<unknown> {
    if (!(vendorId in this.secrets)) throw new Error(`no secret for ${vendorId}`);
    return this.secrets[vendorId];
  }
}

/** A crash injected into one method call of an object: that call throws instead of running. */
export class InjectedCrash extends Error {
  constructor(step: string) {
    super(`injected crash at ${step}`);
    this.name = 'InjectedCrash';
  }
}

/**
 * Wraps `target` so that the `nth` (1-based) call of `method` throws `InjectedCrash` — before
 * the call runs (`when: 'before'`) or after it took effect (`when: 'after'`, a lost answer).
 */
export function crashOn<T extends object>(
  target: T,
  method: keyof T & string,
  options: { nth?: number; when?: 'before' | 'after' } = {},
): T {
  const { nth = 1, when = 'before' } = options;
  let calls = 0;
  return new Proxy(target, {
    get(object, property, receiver) {
      const value = Reflect.get(object, property, receiver) as unknown;
      if (property !== method || typeof value !== 'function') {
        return typeof value === 'function' ? value.bind(object) : value;
      }
      return async (...args: unknown[]) => {
        calls += 1;
        if (calls === nth && when === 'before') throw new InjectedCrash(`${method}#${nth}`);
        const result = await (value as (...a: unknown[]) => Promise<unknown>).apply(object, args);
        if (calls === nth && when === 'after') throw new InjectedCrash(`${method}#${nth} (after)`);
        return result;
      };
    },
  });
}
