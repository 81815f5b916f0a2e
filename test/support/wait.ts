import { existsSync, readFileSync } from 'node:fs';
import type { SQSClient } from '@aws-sdk/client-sqs';
import { queueDepth } from '../../lambdas/adapters/sqs-queue-depth.js';
import type { EventDetail } from '../../lambdas/core/event.js';

/** Polls `probe` until it returns something other than `undefined`/`false`. */
export async function waitFor<T>(
  what: string,
  probe: () => Promise<T | undefined | false> | T | undefined | false,
  timeoutMs = 10_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

export { queueDepth };

/** Waits until every queued message was received and deleted: the processor is done with them. */
export async function waitForQueueDrained(
  sqs: SQSClient,
  queueUrl: string,
  timeoutMs = 10_000,
): Promise<void> {
  await waitFor(
    'the queue to drain',
    async () => (await queueDepth(sqs, queueUrl)) === 0,
    timeoutMs,
  );
}

/** An event as the local bus appends it to its JSON-lines file. */
export interface LocalBusEntry {
  readonly Source: string;
  readonly DetailType: string;
  readonly EventBusName: string;
  readonly Detail: string;
}

/** Every entry the local bus received, in order (none before the bus has written its file). */
export function localBusEntries(eventsFile: string): LocalBusEntry[] {
  if (!existsSync(eventsFile)) return [];
  return readFileSync(eventsFile, 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as LocalBusEntry);
}

/** Detail of every event the local bus received, in order. */
export function publishedDetails(eventsFile: string): { eventId: string; status: string }[] {
  return localBusEntries(eventsFile).map(
    (entry) => JSON.parse(entry.Detail) as { eventId: string; status: string },
  );
}

/** A local bus entry with its detail parsed. */
export interface PublishedEvent extends LocalBusEntry {
  readonly detail: EventDetail;
}

/** The events the local bus received for `eventId`, in order, each with its detail parsed. */
export function publishedWithId(eventsFile: string, eventId: string): PublishedEvent[] {
  return localBusEntries(eventsFile)
    .map((entry) => ({ ...entry, detail: JSON.parse(entry.Detail) as EventDetail }))
    .filter((event) => event.detail.eventId === eventId);
}
