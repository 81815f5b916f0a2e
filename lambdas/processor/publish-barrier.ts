import type { OutgoingEvent } from '../core/event.js';
import type { EventPublisher, PublishOutcome } from '../core/ports.js';

/**
 * Gathers the events of all records of one batch so they reach EventBridge in as few PutEvents
 * calls as possible, while each record's code stays a straight line (store → publish → mark).
 *
 * Every record of the batch is a participant and must either `publish` (possibly nothing) or
 * `leave` exactly once; `run` guarantees that. When the last participant has done so, all
 * gathered events are sent together (the publisher splits them into calls of up to 10) and each
 * participant receives the outcomes of its own events.
 */
export class PublishBarrier {
  readonly #publisher: EventPublisher;
  #waiting: number;
  readonly #pending: {
    readonly details: readonly OutgoingEvent[];
    readonly resolve: (outcomes: PublishOutcome[]) => void;
  }[] = [];

  constructor(publisher: EventPublisher, participants: number) {
    this.#publisher = publisher;
    this.#waiting = participants;
  }

  /** Runs one participant's work, making sure it leaves the barrier if it never publishes. */
  async run<T>(work: (publish: Publish) => Promise<T>): Promise<T> {
    let arrived = false;
    const publish: Publish = (details) => {
      if (arrived) throw new Error('A participant publishes once per batch');
      arrived = true;
      return this.#arrive(details);
    };
    try {
      return await work(publish);
    } finally {
      if (!arrived) this.#depart();
    }
  }

  #arrive(details: readonly OutgoingEvent[]): Promise<PublishOutcome[]> {
    const outcomes = new Promise<PublishOutcome[]>((resolve) => {
      this.#pending.push({ details, resolve });
    });
    this.#depart();
    return outcomes;
  }

  #depart(): void {
    this.#waiting -= 1;
    if (this.#waiting === 0) void this.#flush();
  }

  async #flush(): Promise<void> {
    const all = this.#pending.flatMap((p) => p.details);
    let outcomes: PublishOutcome[];
    try {
      outcomes = all.length === 0 ? [] : await this.#publisher.publish(all);
    } catch (error) {
      const reason = error instanceof Error ? error.name : 'unknown';
      outcomes = all.map(() => ({ ok: false, reason }));
    }
    let offset = 0;
    for (const participant of this.#pending) {
      participant.resolve(outcomes.slice(offset, offset + participant.details.length));
      offset += participant.details.length;
    }
  }
}

export type Publish = (details: readonly OutgoingEvent[]) => Promise<PublishOutcome[]>;
