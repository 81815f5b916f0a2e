import type { OutgoingEvent } from '../lambdas/core/event.js';
import type {
  EventPublisher,
  EventStore,
  PublishOutcome,
  RecordAnswer,
  ReviseAnswer,
  StagedBody,
  StoredEvent,
  SubjectChange,
  SubjectState,
} from '../lambdas/core/ports.js';
import { HOT_KEY_FAULT } from './faults.js';
import { currentInvocation, type Invocation, type PortMethod } from './invocation.js';

/**
 * The processor's ports over the real adapters, with the crash points of the current
 * invocation applied and each step's effect recorded on it. Outside an invocation (setup and
 * the audit) they pass straight through.
 */

/** Whether calls on an event's item are throttled now (see `FaultRates.hotEvents`). */
export type HotKeys = (eventId: string) => boolean;

async function step<T>(
  method: PortMethod,
  run: () => Promise<T>,
  onResult?: (invocation: Invocation, result: T) => void,
  onError?: (invocation: Invocation, error: Error) => void,
): Promise<T> {
  const invocation = currentInvocation();
  if (!invocation) return run();
  const nth = invocation.beforeCall(method);
  let result: T;
  try {
    result = await run();
  } catch (error) {
    onError?.(invocation, error instanceof Error ? error : new Error(String(error)));
    throw error;
  }
  // Recorded before a crash "after" is raised: the call did take effect.
  onResult?.(invocation, result);
  invocation.afterCall(method, nth);
  return result;
}

export class ObservedEventStore implements EventStore {
  constructor(
    private readonly inner: EventStore,
    private readonly hot: HotKeys,
  ) {}

  getEvent(eventId: string): Promise<StoredEvent | undefined> {
    return step(
      'getEvent',
      this.#throttled(eventId, () => this.inner.getEvent(eventId)),
    );
  }

  stageBody(event: StoredEvent): Promise<StagedBody> {
    const stage = this.inner.stageBody?.bind(this.inner);
    if (!stage) throw new Error('soak: the store under test stages no bodies');
    return step('stageBody', () => stage(event));
  }

  recordEvent(event: StoredEvent, change: SubjectChange, body?: StagedBody): Promise<RecordAnswer> {
    const { eventId } = event.detail;
    return step(
      'recordEvent',
      this.#throttled(eventId, () => this.inner.recordEvent(event, change, body)),
    );
  }

  /** Replay's write: the processor never makes it, so it is neither a crash point nor hot. */
  reviseEvent(
    event: StoredEvent,
    change: SubjectChange | undefined,
    now: string,
  ): Promise<ReviseAnswer> {
    return this.inner.reviseEvent(event, change, now);
  }

  takeLease(eventId: string, until: string, now: string): Promise<boolean> {
    return step(
      'takeLease',
      this.#throttled(eventId, () => this.inner.takeLease(eventId, until, now)),
    );
  }

  markPublished(eventId: string, publishedAt: string): Promise<void> {
    return step(
      'markPublished',
      this.#throttled(eventId, () => this.inner.markPublished(eventId, publishedAt)),
      (invocation) => invocation.marked.add(eventId),
      (invocation, error) => invocation.markFailures.set(eventId, error),
    );
  }

  getSubject(key: string): Promise<SubjectState | undefined> {
    return step('getSubject', () => this.inner.getSubject(key));
  }

  /** The call, or the throttling error DynamoDB answers for a hot key (nothing is sent). */
  #throttled<T>(eventId: string, call: () => Promise<T>): () => Promise<T> {
    return async () => {
      const invocation = currentInvocation();
      if (!invocation || !this.hot(eventId)) return call();
      invocation.faults.push(HOT_KEY_FAULT.label);
      throw HOT_KEY_FAULT.error();
    };
  }
}

export class ObservedEventPublisher implements EventPublisher {
  constructor(private readonly inner: EventPublisher) {}

  publish(events: readonly OutgoingEvent[]): Promise<PublishOutcome[]> {
    return step(
      'publish',
      () => this.inner.publish(events),
      (invocation, outcomes) => {
        outcomes.forEach((outcome, i) => {
          const eventId = events[i]?.detail.eventId;
          if (outcome.ok && eventId !== undefined) invocation.accepted.add(eventId);
        });
      },
    );
  }
}
