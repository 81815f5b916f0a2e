import type { SQSRecord } from 'aws-lambda';
import { createProcessorHandler, type BatchDeps } from '../../lambdas/processor/process-batch.js';
import { lambdaContext, sqsEvent } from './deliveries.js';
import { MemoryEventStore, MemoryPublisher } from './memory-ports.js';

/** A log that drops every line. */
export const silent = { info: () => undefined, warn: () => undefined };

/**
 * A processor over in-memory ports with a clock the test moves, from `start`. `published` finds
 * the events of one of `vendor`'s event ids.
 */
export function processorHarness(options: {
  readonly start: string;
  readonly retentionDays: number;
  readonly vendor: string;
}) {
  const store = new MemoryEventStore();
  const publisher = new MemoryPublisher();
  let clock = Date.parse(options.start);
  const run = (records: SQSRecord[], overrides: Partial<BatchDeps> = {}) =>
    createProcessorHandler({
      store,
      publisher,
      now: () => new Date(clock),
      includePayload: true,
      retentionDays: options.retentionDays,
      log: silent,
      ...overrides,
    })(sqsEvent(...records), lambdaContext(30_000));
  /** Moves time past any publication lease, as SQS's visibility timeout does before a retry. */
  const afterVisibilityTimeout = () => {
    clock += 180_000;
  };
  const published = (vendorEventId: string) =>
    publisher.published.filter(
      (event) => event.detail.eventId === `${options.vendor}:${vendorEventId}`,
    );
  return { store, publisher, run, afterVisibilityTimeout, published };
}
