import type { EventQueue, SecretSource } from '../lambdas/core/ports.js';
import type { QueueMessage } from '../lambdas/core/queue-message.js';
import { createIngestHandler, type IngestLog } from '../lambdas/ingest/ingest-handler.js';
import { apiGatewayEvent, loadCredentials, loadFixture, loadSecret } from './fixtures.js';

/**
 * Genuine deliveries for the scenarios the bench measures, each a distinct event about a
 * distinct subject (ids replaced by same-length ones, then signed again by the vendor's own
 * `sign`), so the processor does the work of a new event rather than of a duplicate.
 */

export type ScenarioVendor = 'idwise' | 'treezor';

export interface SignedBody {
  readonly vendorId: ScenarioVendor;
  readonly route: string;
  readonly body: string;
  readonly headers: Readonly<Record<string, string>>;
  /** The number the subject's id was made from: pass it back for another event of the subject. */
  readonly subject: number;
}

/**
 * The fixture each scenario is built from, and the ids that make a delivery distinct: the
 * event's id first, then its subject's.
 */
const SCENARIOS: Readonly<
  Record<
    ScenarioVendor,
    {
      readonly fixture: string;
      /** Values that make the event distinct, in the signed content its dedup id is bound to. */
      readonly eventIds: readonly string[];
      readonly subjectId: string;
    }
  >
> = {
  // A typical small event: IDWise's journey result (eventId; journeyId).
  idwise: {
    fixture: 'finished-journey-complete',
    eventIds: ['30c365d2-e077-46cc-b633-5949c110fd11'],
    subjectId: 'd3f85a7ad9a95a2a45a7fa29',
  },
  // A typical Treezor user event, about 2 KB (webhook id, and the signed payload's clientId,
  // since Treezor's dedup id is bound to the signed payload; user id).
  treezor: {
    fixture: 'user.kycreview',
    eventIds: ['8f3577ec-c126-4e94-a3df-1bdccfb0b89f', '516899'],
    subjectId: '6461762',
  },
};

let counter = 0;

/** `original` with its tail replaced by a fresh number in the same alphabet and length. */
function uniqueLike(original: string, n: number): string {
  const width = Math.min(8, original.length);
  const tail = original.slice(-width);
  const decimal = /^[0-9]+$/.test(tail);
  const digits = n
    .toString(decimal ? 10 : 16)
    .padStart(width, '0')
    .slice(-width);
  return original.slice(0, original.length - width) + digits;
}

/**
 * `count` deliveries, each a new event; about new subjects, or about `subjects[i]` (from earlier
 * bodies' `subject`) when given.
 */
export function scenarioBodies(
  vendorId: ScenarioVendor,
  count: number,
  subjects?: readonly number[],
): SignedBody[] {
  const { fixture: name, eventIds, subjectId } = SCENARIOS[vendorId];
  const fixture = loadFixture(vendorId, name);
  const credentials = loadCredentials(fixture.vendor);
  return Array.from({ length: count }, (_, i) => {
    counter += 1;
    const subject = subjects?.[i] ?? counter;
    let body = fixture.body;
    for (const id of eventIds) body = body.split(id).join(uniqueLike(id, counter));
    body = body.split(subjectId).join(uniqueLike(subjectId, subject));
    const signed = fixture.vendor.sign(body, fixture.route, credentials);
    return { vendorId, route: fixture.route, body: signed.body, headers: signed.headers, subject };
  });
}

/** Each vendor's development secret, the same object every call, as a warm Lambda's cache. */
export function fixtureSecrets(): SecretSource {
  const secrets = new Map<string, unknown>();
  return {
    get: async (vendorId) => {
      if (!secrets.has(vendorId)) secrets.set(vendorId, loadSecret(vendorId));
      return secrets.get(vendorId);
    },
  };
}

export const silentLog: IngestLog = { info() {}, warn() {}, error() {} };

/** Keeps what ingest queued, in memory: isolates ingest's own cost from any engine. */
export class CaptureQueue implements EventQueue {
  readonly messages: QueueMessage[] = [];
  async send(message: QueueMessage): Promise<void> {
    this.messages.push(message);
  }
}

/** The queue messages ingest produces for `bodies`: exactly what the processor will read. */
export async function queueMessagesFor(bodies: readonly SignedBody[]): Promise<QueueMessage[]> {
  const queue = new CaptureQueue();
  const handler = createIngestHandler({ secrets: fixtureSecrets(), queue, log: silentLog });
  for (const [i, delivery] of bodies.entries()) {
    const answer = await handler(
      apiGatewayEvent(delivery.route, delivery.body, delivery.headers, `bench-${i}`),
    );
    if (answer.statusCode !== 200) {
      throw new Error(
        `bench: ingest answered ${answer.statusCode} for a ${delivery.vendorId} body`,
      );
    }
  }
  return queue.messages;
}
