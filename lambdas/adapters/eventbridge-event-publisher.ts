import {
  PutEventsCommand,
  type EventBridgeClient,
  type PutEventsRequestEntry,
} from '@aws-sdk/client-eventbridge';
import { entrySize, MAX_ENTRY_BYTES, type OutgoingEvent } from '../core/event.js';
import type { EventPublisher, PublishOutcome } from '../core/ports.js';

/** PutEvents takes at most 10 entries per call. */
const MAX_ENTRIES_PER_CALL = 10;

/**
 * Publishes to the custom bus. A call that fails as a whole fails all of its entries; a call
 * answered 200 with `FailedEntryCount > 0` fails exactly the entries EventBridge names.
 */
export class EventBridgeEventPublisher implements EventPublisher {
  constructor(
    private readonly client: EventBridgeClient,
    private readonly eventBusName: string,
  ) {}

  async publish(events: readonly OutgoingEvent[]): Promise<PublishOutcome[]> {
    const results = await Promise.all(chunk(events).map((part) => this.#putEvents(part)));
    return results.flat();
  }

  async #putEvents(events: readonly OutgoingEvent[]): Promise<PublishOutcome[]> {
    try {
      const { Entries = [] } = await this.client.send(
        new PutEventsCommand({ Entries: events.map((event) => this.#toEntry(event)) }),
      );
      return events.map((_, i): PublishOutcome => {
        const entry = Entries[i];
        if (entry?.EventId) return { ok: true };
        return { ok: false, reason: entry?.ErrorCode ?? 'missing result entry' };
      });
    } catch (error) {
      const reason = error instanceof Error ? error.name : 'PutEvents failed';
      return events.map(() => ({ ok: false, reason }));
    }
  }

  #toEntry(event: OutgoingEvent): PutEventsRequestEntry {
    return {
      EventBusName: this.eventBusName,
      Source: event.source,
      DetailType: event.detailType,
      Detail: JSON.stringify(event.detail),
      Time: new Date(event.detail.occurredAt),
    };
  }
}

/** Splits into calls of at most 10 entries and at most one maximal entry's worth of bytes. */
function chunk(events: readonly OutgoingEvent[]): OutgoingEvent[][] {
  const chunks: OutgoingEvent[][] = [];
  let current: OutgoingEvent[] = [];
  let bytes = 0;
  for (const event of events) {
    const size = entrySize(event);
    if (
      current.length === MAX_ENTRIES_PER_CALL ||
      (current.length > 0 && bytes + size > MAX_ENTRY_BYTES)
    ) {
      chunks.push(current);
      current = [];
      bytes = 0;
    }
    current.push(event);
    bytes += size;
  }
  if (current.length > 0) chunks.push(current);
  return chunks;
}
