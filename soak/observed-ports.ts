import type { EventPublisher, EventStore } from '../lambdas/core/ports.js';
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

/** The store's calls as the port declares them, each a step of the current invocation. */
export class ObservedEventStore implements EventStore {
  constructor(
    private readonly inner: EventStore,
    private readonly hot: HotKeys,
  ) {}

  readonly getEvent: EventStore['getEvent'] = (eventId) =>
    step(
      'getEvent',
      this.#throttled(eventId, () => this.inner.getEvent(eventId)),
    );

  readonly stageBody: NonNullable<EventStore['stageBody']> = (event) => {
    const stage = this.inner.stageBody?.bind(this.inner);
    if (!stage) throw new Error('soak: the store under test stages no bodies');
    return step('stageBody', () => stage(event));
  };

  readonly recordEvent: EventStore['recordEvent'] = (event, change, body) =>
    step(
      'recordEvent',
      this.#throttled(event.detail.eventId, () => this.inner.recordEvent(event, change, body)),
    );

  /** Replay's write: the processor never makes it, so it is neither a crash point nor hot. */
  readonly reviseEvent: EventStore['reviseEvent'] = (event, change, now) =>
    this.inner.reviseEvent(event, change, now);

  readonly takeLease: EventStore['takeLease'] = (eventId, until, now) =>
    step(
      'takeLease',
      this.#throttled(eventId, () => this.inner.takeLease(eventId, until, now)),
    );

  readonly markPublished: EventStore['markPublished'] = (eventId, publishedAt) =>
    step(
      'markPublished',
      this.#throttled(eventId, () => this.inner.markPublished(eventId, publishedAt)),
      (invocation) => invocation.marked.add(eventId),
      (invocation, error) => invocation.markFailures.set(eventId, error),
    );

  readonly getSubject: EventStore['getSubject'] = (key) =>
    step('getSubject', () => this.inner.getSubject(key));

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

  readonly publish: EventPublisher['publish'] = (events) =>
    step(
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
